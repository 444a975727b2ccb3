//! Step Functions intrinsic functions (`States.Format`, `States.MathAdd`, ...).
//!
//! API contract (owned by the JSONPath/intrinsics work; the interpreter calls only this):
//! [`is_intrinsic`] tells whether a `.$` value is a function call, [`evaluate`] runs it
//! (arguments may be literals, paths into the input, the Context Object or variables, and
//! nested calls), and [`parse`] checks syntax and arity for the validator.
//! [`evaluate_value`] evaluates any `.$` value (a path or a call).
//!
//! All 18 functions are implemented: `States.Format`, `StringToJson`, `JsonToString`,
//! `Array`, `ArrayPartition`, `ArrayContains`, `ArrayRange`, `ArrayGetItem`, `ArrayLength`,
//! `ArrayUnique`, `Base64Encode`, `Base64Decode`, `Hash`, `JsonMerge`, `MathRandom`,
//! `MathAdd`, `StringSplit` and `UUID`. Invalid arguments raise `States.IntrinsicFailure`;
//! a path argument that matches nothing raises `States.Runtime`.

mod functions;
mod parser;

use serde_json::Value;

use crate::jsonpath::{self, PathError, Scope};

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

/// The error name for invalid intrinsic function arguments.
pub const INTRINSIC_FAILURE: &str = "States.IntrinsicFailure";

pub(crate) fn failure(cause: impl Into<String>) -> IntrinsicError {
    IntrinsicError {
        error: INTRINSIC_FAILURE.to_owned(),
        cause: cause.into(),
    }
}

/// Whether `text` is an intrinsic function call (`States.<Name>(...)`).
pub fn is_intrinsic(text: &str) -> bool {
    text.trim_start().starts_with("States.")
}

/// Checks syntax and arity without evaluating.
pub fn parse(text: &str) -> Result<(), IntrinsicError> {
    parser::parse_call_text(text).map(|_| ())
}

/// The names of the intrinsic functions (without the `States.` prefix).
pub const FUNCTION_NAMES: [&str; 18] = [
    "Format",
    "StringToJson",
    "JsonToString",
    "Array",
    "ArrayPartition",
    "ArrayContains",
    "ArrayRange",
    "ArrayGetItem",
    "ArrayLength",
    "ArrayUnique",
    "Base64Encode",
    "Base64Decode",
    "Hash",
    "JsonMerge",
    "MathRandom",
    "MathAdd",
    "StringSplit",
    "UUID",
];

/// Evaluates an intrinsic function call against the state input (parsing it first: to
/// run one call many times, compile it once with [`Intrinsic::compile`]).
pub fn evaluate(text: &str, input: &Value, scope: &Scope<'_>) -> Result<Value, IntrinsicError> {
    Intrinsic::compile(text)?.evaluate(input, scope)
}

/// A parsed intrinsic function call, its path arguments parsed too.
#[derive(Debug, Clone, PartialEq)]
pub struct Intrinsic {
    call: parser::Call,
}

impl Intrinsic {
    /// Parses `text` (`States.Name(arg, ...)`), checking syntax and arity.
    pub fn compile(text: &str) -> Result<Self, IntrinsicError> {
        Ok(Self {
            call: parser::parse_call_text(text)?,
        })
    }

    /// Runs the call against the state input.
    pub fn evaluate(&self, input: &Value, scope: &Scope<'_>) -> Result<Value, IntrinsicError> {
        functions::call(&self.call, input, scope)
    }
}

/// Why a `.$` value could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    /// The value is a path and it failed.
    #[error(transparent)]
    Path(#[from] PathError),
    /// The value is an intrinsic function call and it failed.
    #[error(transparent)]
    Intrinsic(#[from] IntrinsicError),
}

/// Evaluates the value of a `.$` field: an intrinsic function call when
/// [`is_intrinsic`], otherwise a path ([`jsonpath::select`]).
pub fn evaluate_value(text: &str, input: &Value, scope: &Scope<'_>) -> Result<Value, ValueError> {
    if is_intrinsic(text) {
        Ok(evaluate(text, input, scope)?)
    } else {
        Ok(jsonpath::select(text, input, scope)?)
    }
}

/// Renders a value the way `States.Format` does (Step Functions formats arguments with
/// Java's `toString`: strings as they are, objects as `{a=1, b=[]}`, arrays as `[1, 2]`).
pub fn format_argument(value: &Value) -> String {
    functions::java_string(value)
}

#[cfg(test)]
mod tests;
