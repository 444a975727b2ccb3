//! A JSONata evaluator for Step Functions' JSONata query language.
//!
//! API contract (the interpreter and the validator call only this):
//! [`parse`] checks an expression's syntax; [`evaluate`] runs it against an input with
//! variable bindings (`$states`, and the state machine's variables).

use serde_json::{Map, Value};

/// A JSONata error: `code` is JSONata's error code (`S0201`, `T2001`, ...) when there is
/// one, `message` a readable text, `position` the character offset in the expression.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JsonataError {
    /// JSONata error code, e.g. `T2001`.
    pub code: Option<String>,
    /// Readable message.
    pub message: String,
    /// Character offset in the expression.
    pub position: Option<usize>,
}

/// Checks the syntax of `expression`.
pub fn parse(expression: &str) -> Result<(), JsonataError> {
    Err(JsonataError {
        code: None,
        message: format!("JSONata is not implemented yet: `{expression}`"),
        position: None,
    })
}

/// Evaluates `expression` against `input` with `bindings` (names without `$`).
/// `Ok(None)` is JSONata's "undefined" (no result).
pub fn evaluate(
    expression: &str,
    _input: &Value,
    _bindings: &Map<String, Value>,
) -> Result<Option<Value>, JsonataError> {
    parse(expression).map(|_| None)
}
