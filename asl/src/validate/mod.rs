//! Static validation of ASL documents.
