//! [`ModelError`]: why a document could not be read as a [`Machine`](super::Machine), and
//! where (a JSON pointer into the document).
//!
//! The model checks shape, not rules: a wrong JSON type, a missing or unknown field, a
//! value outside its enumeration, a transition to a state that does not exist. Everything
//! else (paths, JSONata syntax, reachability, ranges, Express restrictions) is
//! [`validate`](crate::validate)'s job, which should run first.

/// Why a document is not a state machine the model can represent.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The text is not JSON.
    #[error("the definition is not valid JSON; fix the syntax so that it is one JSON object")]
    Json(#[source] serde_json::Error),
    /// A required field is absent.
    #[error("{}: missing required field `{field}`; {hint}", show(pointer))]
    MissingField {
        /// The object that lacks the field.
        pointer: String,
        /// The field's name.
        field: &'static str,
        /// What to add.
        hint: &'static str,
    },
    /// A value has the wrong JSON type.
    #[error("{}: expected {expected}, found {found}", show(pointer))]
    WrongType {
        /// The value.
        pointer: String,
        /// What the field takes, e.g. `a string`.
        expected: &'static str,
        /// What it holds, e.g. `a number`.
        found: &'static str,
    },
    /// A field that this object cannot have (misspelt, or of the other query language).
    #[error(
        "{}: field `{field}` is not allowed in {place}; remove it or fix its spelling",
        show(pointer)
    )]
    UnknownField {
        /// The field.
        pointer: String,
        /// Its name.
        field: String,
        /// The object it is in, e.g. `a Task state (JSONata)`.
        place: String,
    },
    /// A value outside its enumeration or form, e.g. `"Type": "Loop"`.
    #[error("{}: `{value}` is not {expected}", show(pointer))]
    InvalidValue {
        /// The value.
        pointer: String,
        /// The value as written (JSON).
        value: String,
        /// What is accepted, e.g. `one of "JSONPath", "JSONata"`.
        expected: String,
    },
    /// `StartAt`, `Next`, `Default` or a catcher's `Next` names a state that is not in the
    /// same `States` object.
    #[error(
        "{}: there is no state named `{name}` in this States object; name one of its states",
        show(pointer)
    )]
    UnknownState {
        /// The field naming the state.
        pointer: String,
        /// The name.
        name: String,
    },
    /// Fields that exclude each other, or a rule with no test or several.
    #[error("{}: {message}", show(pointer))]
    Conflict {
        /// The object or field.
        pointer: String,
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl ModelError {
    /// The JSON pointer of the offending value (`Some("")` is the whole document; `None`
    /// when the text is not JSON).
    pub fn pointer(&self) -> Option<&str> {
        match self {
            ModelError::Json(_) => None,
            ModelError::MissingField { pointer, .. }
            | ModelError::WrongType { pointer, .. }
            | ModelError::UnknownField { pointer, .. }
            | ModelError::InvalidValue { pointer, .. }
            | ModelError::UnknownState { pointer, .. }
            | ModelError::Conflict { pointer, .. } => Some(pointer),
        }
    }
}

/// The document root is shown as `/` (an empty pointer reads as nothing).
fn show(pointer: &str) -> &str {
    if pointer.is_empty() { "/" } else { pointer }
}
