//! Step Functions JSONPath: reference paths and query paths.
//!
//! API contract (owned by the JSONPath/intrinsics work; the interpreter calls only this):
//! - [`select`] evaluates a path (`$...` on the input, `$$...` on the Context Object,
//!   `$name...` on a variable) as Step Functions does: a definite path yields its value, an
//!   indefinite one (wildcards, filters, slices, unions, deep scan) yields an array.
//! - [`set`] applies a `ResultPath` (a reference path) to the state input.
//! - [`parse`] checks syntax only (for the validator), reporting where it went wrong.

use serde_json::Value;

/// What a path is evaluated against besides the input.
pub struct Scope<'a> {
    /// The Context Object (`$$`).
    pub context: &'a Value,
    /// Variables (`$name`), as set by `Assign`; `None` when undefined.
    pub variables: &'a dyn Fn(&str) -> Option<Value>,
}

/// Why a path could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path is not valid syntax.
    #[error("invalid path `{path}`: {reason}")]
    Syntax {
        /// The path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A definite path matched nothing (AWS: "No results for path").
    #[error("no results for path `{path}`")]
    NoResults {
        /// The path.
        path: String,
    },
    /// The path refers to an undefined variable.
    #[error("undefined variable in path `{path}`")]
    UndefinedVariable {
        /// The path.
        path: String,
    },
}

/// A parsed path (opaque; enough for the validator to accept or reject).
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The source text.
    pub text: String,
}

/// Parses `path`, checking its syntax.
pub fn parse(path: &str) -> Result<Path, PathError> {
    Err(PathError::Syntax {
        path: path.to_owned(),
        reason: "not implemented yet".to_owned(),
    })
}

/// Evaluates `path` against `input` (see the module docs).
pub fn select(path: &str, _input: &Value, _scope: &Scope<'_>) -> Result<Value, PathError> {
    parse(path).map(|_| Value::Null)
}

/// Applies a `ResultPath` reference path: returns `input` with `value` placed at `path`
/// (`$` replaces the whole input; missing objects on the way are created).
pub fn set(_input: Value, path: &str, _value: Value) -> Result<Value, PathError> {
    parse(path).map(|_| Value::Null)
}
