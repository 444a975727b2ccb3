//! Static validation of ASL documents.
//!
//! [`validate_definition`] checks an Amazon States Language document (JSONPath or JSONata
//! query language) against the rules AWS Step Functions enforces when a state machine is
//! created, and returns every problem found, each as a [`Diagnostic`] with a JSON pointer,
//! a stable [`Rule`] (the documented list of rule ids is in [`rules`]) and a message that
//! says how to fix it. [`validate_text`] also reports
//! JSON syntax errors and the 1 MB size limit.
//!
//! The checks are split by topic: `machine` (top level, state graph, nesting),
//! `state` (fields per state type and query language), `choice` (Choice rules),
//! `handlers` (Retry and Catch), `expr` (paths, intrinsic functions, JSONata, payload
//! templates, variables, timestamps) and `resource` (Task resources).

mod choice;
mod expr;
mod handlers;
mod machine;
mod resource;
pub mod rules;
mod state;
#[cfg(test)]
mod tests;

use serde_json::Value;

pub use rules::Rule;

pub use crate::language::{MAX_DEFINITION_BYTES, MachineType};

/// One problem found in a definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// JSON pointer to the offending value, e.g. `/States/Wait/Timestamp` (`""` = the
    /// whole document).
    pub pointer: String,
    /// The rule broken; its id (`rule.as_str()`, e.g. `unknown-next-state`) is stable.
    pub rule: Rule,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let pointer = if self.pointer.is_empty() {
            "/"
        } else {
            &self.pointer
        };
        write!(f, "{pointer}: {} [{}]", self.message, self.rule)
    }
}

/// Options for [`validate_definition_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ValidateOptions {
    /// The type of state machine (rules differ for Express workflows).
    pub machine_type: MachineType,
}

/// Validates a parsed definition as a Standard state machine; returns all problems found
/// (empty when the definition is valid).
pub fn validate_definition(definition: &Value) -> Vec<Diagnostic> {
    validate_definition_with(definition, &ValidateOptions::default())
}

/// Validates a parsed definition with `options`; returns all problems found.
pub fn validate_definition_with(definition: &Value, options: &ValidateOptions) -> Vec<Diagnostic> {
    let mut ctx = Ctx {
        diags: Vec::new(),
        options: *options,
        state_names: std::collections::HashMap::new(),
    };
    machine::check_root(&mut ctx, definition);
    ctx.diags
}

/// Validates definition text as a Standard state machine: JSON syntax, the 1 MB size limit
/// and everything [`validate_definition`] checks.
pub fn validate_text(text: &str) -> Vec<Diagnostic> {
    validate_text_with(text, &ValidateOptions::default())
}

/// Validates definition text with `options` (see [`validate_text`]).
pub fn validate_text_with(text: &str, options: &ValidateOptions) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    // Whitespace is free to drop before deploying (the CDK app minifies the committed,
    // pretty-printed file), so a parseable definition is measured minified.
    let parsed = serde_json::from_str::<Value>(text).ok();
    let (size, form) = match &parsed {
        Some(value) => (
            serde_json::to_string(value).map_or(text.len(), |t| t.len()),
            " minified",
        ),
        None => (text.len(), ""),
    };
    if size > MAX_DEFINITION_BYTES {
        diags.push(Diagnostic {
            pointer: String::new(),
            rule: Rule::DefinitionTooLarge,
            message: format!(
                "The definition is {size} bytes{form}; Step Functions accepts at most \
                 {MAX_DEFINITION_BYTES} bytes (1 MB). Move large constants to S3 or the \
                 execution input, or split the workflow into nested state machines."
            ),
        });
    }
    if text.trim().is_empty() {
        diags.push(Diagnostic {
            pointer: String::new(),
            rule: Rule::InvalidJson,
            message: "Definition must be a valid JSON object, but the text is empty. Provide a \
                      JSON object with `StartAt` and `States`."
                .to_owned(),
        });
        return diags;
    }
    match parsed.ok_or_else(|| serde_json::from_str::<Value>(text).unwrap_err()) {
        Ok(value) => diags.extend(validate_definition_with(&value, options)),
        Err(e) => diags.push(Diagnostic {
            pointer: String::new(),
            rule: Rule::InvalidJson,
            message: format!(
                "The definition is not valid JSON ({e}). Fix the syntax so that the text is a \
                 single JSON object."
            ),
        }),
    }
    diags
}

/// The query language in effect for a state.
pub(crate) use crate::language::QueryLanguage;

/// Collected diagnostics and the options.
pub(crate) struct Ctx {
    pub diags: Vec<Diagnostic>,
    pub options: ValidateOptions,
    /// Every state name seen so far (names are unique across nested machines too), with
    /// the pointer where it was first defined.
    pub state_names: std::collections::HashMap<String, String>,
}

impl Ctx {
    /// Records a problem.
    pub fn push(&mut self, pointer: &str, rule: Rule, message: impl Into<String>) {
        self.diags.push(Diagnostic {
            pointer: pointer.to_owned(),
            rule,
            message: message.into(),
        });
    }
}

/// `parent` + `/` + `key`, escaped as RFC 6901 requires.
pub(crate) fn child(parent: &str, key: &str) -> String {
    let mut out = String::with_capacity(parent.len() + key.len() + 1);
    out.push_str(parent);
    out.push('/');
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    out
}

/// `parent` + `/` + `index`.
pub(crate) fn index(parent: &str, i: usize) -> String {
    format!("{parent}/{i}")
}

/// A short description of a JSON value's type, for messages.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
