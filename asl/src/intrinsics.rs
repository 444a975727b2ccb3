//! Step Functions intrinsic functions (`States.Format`, `States.MathAdd`, ...).
//!
//! API contract (owned by the JSONPath/intrinsics work; the interpreter calls only this):
//! [`is_intrinsic`] tells whether a `.$` value is a function call, [`evaluate`] runs it
//! (arguments may be literals, paths into the input, the Context Object or variables, and
//! nested calls), and [`parse`] checks syntax and arity for the validator.

use serde_json::Value;

use crate::jsonpath::Scope;

/// An intrinsic function failed. `error` is the name AWS raises
/// (`States.IntrinsicFailure`, `States.Runtime`, ...), `cause` AWS's text where known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error}: {cause}")]
pub struct IntrinsicError {
    /// Error name.
    pub error: String,
    /// Cause text.
    pub cause: String,
}

/// Whether `text` is an intrinsic function call (`States.<Name>(...)`).
pub fn is_intrinsic(text: &str) -> bool {
    text.trim_start().starts_with("States.")
}

/// Checks syntax and arity without evaluating.
pub fn parse(text: &str) -> Result<(), IntrinsicError> {
    Err(IntrinsicError {
        error: "States.Runtime".to_owned(),
        cause: format!("intrinsic functions are not implemented yet: `{text}`"),
    })
}

/// Evaluates an intrinsic function call against the state input.
pub fn evaluate(text: &str, _input: &Value, _scope: &Scope<'_>) -> Result<Value, IntrinsicError> {
    parse(text).map(|_| Value::Null)
}
