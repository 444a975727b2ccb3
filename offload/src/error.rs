//! Errors of the offload store, each mapped to a stable [`protocol::ErrorName`].

use protocol::ErrorName;

/// What went wrong reading or writing an offloaded object.
#[derive(Debug, thiserror::Error)]
pub enum OffloadError {
    /// The pointer names an object outside the current execution's folder.
    #[error(
        "pointer `{uri}` is outside this execution's folder `{expected}`; a tool may only read data of its own execution"
    )]
    ForeignPointer {
        /// The pointer's location.
        uri: String,
        /// The folder (and bucket) it had to be in.
        expected: String,
    },
    /// The object's size differs from the pointer's. The actual size is not reported: a
    /// probe with forged pointers must not learn anything about an object it cannot read.
    #[error(
        "object `{uri}` does not have the {expected} bytes its pointer says; the pointer is forged or the object was changed after it was written"
    )]
    SizeMismatch {
        /// The pointer's location.
        uri: String,
        /// Size in the pointer.
        expected: u64,
    },
    /// The object's SHA-256 differs from the pointer's (the actual hash is not reported).
    #[error(
        "object `{uri}` does not have the SHA-256 its pointer says; the pointer is forged or the object was changed after it was written"
    )]
    HashMismatch {
        /// The pointer's location.
        uri: String,
    },
    /// The object is a symbolic link, a hard link or lies outside the store's folder on
    /// disk (local store only).
    #[error(
        "object `{uri}` is not a plain file of the store ({reason}); the store reads only files it wrote itself"
    )]
    NotPlainFile {
        /// The pointer's location.
        uri: String,
        /// What it is instead.
        reason: &'static str,
    },
    /// No object at the pointer's location.
    #[error("no object at `{uri}`; it may have expired or never been written")]
    NotFound {
        /// The pointer's location.
        uri: String,
    },
    /// The pointer is malformed.
    #[error("invalid offload pointer: {reason}")]
    InvalidPointer {
        /// What is wrong.
        reason: String,
    },
    /// The object is not JSON although it was read as JSON.
    #[error("object `{uri}` is not JSON: {reason}")]
    NotJson {
        /// The pointer's location.
        uri: String,
        /// Parser message.
        reason: String,
    },
    /// The store failed (I/O, S3).
    #[error("offload store failed at `{uri}`: {message}")]
    Store {
        /// The location involved.
        uri: String,
        /// What failed.
        message: String,
    },
    /// A configuration value is wrong.
    #[error("{message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl OffloadError {
    /// The stable error name (`errorType`) for this error.
    pub fn error_name(&self) -> ErrorName {
        match self {
            Self::ForeignPointer { .. } | Self::NotPlainFile { .. } => {
                ErrorName::OffloadForeignPointer
            }
            Self::SizeMismatch { .. } => ErrorName::OffloadSizeMismatch,
            Self::HashMismatch { .. } => ErrorName::OffloadHashMismatch,
            Self::NotFound { .. } => ErrorName::OffloadNotFound,
            Self::InvalidPointer { .. } | Self::NotJson { .. } => ErrorName::InvalidInput,
            Self::Store { .. } => ErrorName::OffloadStoreError,
            Self::Config { .. } => ErrorName::Fatal,
        }
    }

    pub(crate) fn io(uri: &str, err: std::io::Error) -> Self {
        if err.kind() == std::io::ErrorKind::NotFound {
            Self::NotFound {
                uri: uri.to_owned(),
            }
        } else {
            Self::Store {
                uri: uri.to_owned(),
                message: err.to_string(),
            }
        }
    }
}
