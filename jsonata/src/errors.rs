//! Helpers that build [`JsonataError`] values with JSONata's codes.

use crate::JsonataError;

/// An error with a JSONata `code`, a `position` and a `message`.
pub(crate) fn err(code: &str, position: usize, message: &str) -> JsonataError {
    JsonataError {
        code: Some(code.to_string()),
        message: message.to_string(),
        position: Some(position),
    }
}

/// An error with a code and message but no position.
pub(crate) fn err_np(code: &str, message: &str) -> JsonataError {
    JsonataError {
        code: Some(code.to_string()),
        message: message.to_string(),
        position: None,
    }
}

/// The result type used inside the crate.
pub(crate) type Res<T> = Result<T, JsonataError>;
