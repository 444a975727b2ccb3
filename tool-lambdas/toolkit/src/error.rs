//! The error a tool returns, and its conversion to Lambda's error document.

use lambda_runtime::Diagnostic;
use protocol::ErrorName;

/// A tool failure with a stable name. The name becomes the Lambda `errorType`, on which
/// the state machine retries or catches.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct ToolError {
    /// The stable error name.
    pub name: ErrorName,
    /// What happened and, where possible, how to fix the call.
    pub message: String,
}

impl ToolError {
    /// A failure with the given name.
    pub fn new(name: ErrorName, message: impl Into<String>) -> Self {
        Self {
            name,
            message: message.into(),
        }
    }

    /// `ToolError.InvalidInput`: the call is wrong; the model should change it.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorName::InvalidInput, message)
    }

    /// `ToolError.Retryable`: a transient failure; the state machine retries.
    pub fn retryable(message: impl Into<String>) -> Self {
        Self::new(ErrorName::Retryable, message)
    }

    /// `ToolError.Unavailable`: the call never reached the backend (connection refused,
    /// throttled before it was sent), so it did not run; retried even for a tool that must
    /// not run twice.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorName::Unavailable, message)
    }

    /// `ToolError.Timeout`: the tool's own deadline passed.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorName::Timeout, message)
    }

    /// `ToolError.Fatal`: anything else.
    pub fn fatal(message: impl Into<String>) -> Self {
        Self::new(ErrorName::Fatal, message)
    }
}

impl From<offload::OffloadError> for ToolError {
    fn from(err: offload::OffloadError) -> Self {
        Self::new(err.error_name(), err.to_string())
    }
}

/// Written by hand so that the `errorType` is our stable name, never a Rust type name.
impl From<ToolError> for Diagnostic {
    fn from(err: ToolError) -> Self {
        Diagnostic {
            error_type: err.name.as_str().to_owned(),
            error_message: err.message,
        }
    }
}
