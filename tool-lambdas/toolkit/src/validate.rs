//! Validation of a call's input against the tool's `inputSchema`, before the tool runs.

use serde_json::Value;

use crate::ToolError;

/// A compiled input schema.
pub struct InputValidator {
    validator: jsonschema::Validator,
}

impl InputValidator {
    /// Compiles a schema; fails only for a schema that is itself invalid (a bug in the tool).
    pub fn new(schema: &Value) -> Result<Self, ToolError> {
        jsonschema::validator_for(schema)
            .map(|validator| Self { validator })
            .map_err(|e| ToolError::fatal(format!("the tool's input schema is invalid: {e}")))
    }

    /// Checks `input`, reporting every violation with its JSON pointer.
    pub fn check(&self, input: &Value) -> Result<(), ToolError> {
        let problems: Vec<String> = self
            .validator
            .iter_errors(input)
            .map(|e| {
                let pointer = e.instance_path().to_string();
                let at = if pointer.is_empty() {
                    "/"
                } else {
                    pointer.as_str()
                };
                format!("at `{at}`: {e}")
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ToolError::invalid_input(format!(
                "the input does not match the tool's inputSchema: {}",
                problems.join("; ")
            )))
        }
    }
}
