//! Validation of `tools/call` arguments against the tool's `inputSchema`, before any Lambda
//! runs, with the JSON pointer of every bad field (the same check the tool runs itself, so
//! a caller learns of a mistake without paying for an invocation).

use serde_json::{Value, json};

/// One violation: where, and what rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the arguments (`""` is the whole object).
    pub pointer: String,
    /// The validator's message.
    pub message: String,
}

impl Violation {
    /// As JSON, for `structuredContent`.
    pub fn to_json(&self) -> Value {
        json!({"pointer": self.pointer, "message": self.message})
    }
}

/// A compiled input schema.
pub struct InputValidator {
    validator: jsonschema::Validator,
}

impl InputValidator {
    /// Compiles `schema`; the error is the compiler's message.
    pub fn new(schema: &Value) -> Result<Self, String> {
        jsonschema::validator_for(schema)
            .map(|validator| Self { validator })
            .map_err(|e| e.to_string())
    }

    /// Every violation of `input`, in the validator's order (empty when it is valid).
    pub fn check(&self, input: &Value) -> Vec<Violation> {
        self.validator
            .iter_errors(input)
            .map(|e| Violation {
                pointer: e.instance_path().to_string(),
                message: e.to_string(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_nested_field_is_named_by_its_pointer() {
        let validator = InputValidator::new(&json!({
            "type": "object",
            "properties": {"items": {"type": "array", "items": {"type": "integer"}}},
            "required": ["items"]
        }))
        .unwrap();
        let problems = validator.check(&json!({"items": [1, "two"]}));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].pointer, "/items/1");
        let missing = validator.check(&json!({}));
        assert_eq!(missing[0].pointer, "");
        assert!(missing[0].message.contains("items"), "{missing:?}");
        assert!(validator.check(&json!({"items": [1, 2]})).is_empty());
    }
}
