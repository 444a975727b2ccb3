//! Step Functions JSONPath: reference paths and query paths.
