//! JSONata data flow, compiled: a [`JsonataTemplate`] is a value whose `{% ... %}` strings
//! are expressions (`Arguments`, `Output`, `Assign`, `Items`, `ItemSelector`, the
//! `Seconds`-like fields), each parsed once into a [`JsonataCall`] that also knows the
//! field it sits in (`Output/a[0]`), for AWS's error texts (corpus cases `test_*jsonata*`).

use asl_jsonata::{Expression, JsonataError};
use serde_json::{Map, Value};

use super::{DataError, count_parse};

/// Whether a string is a JSONata expression (`{% ... %}`), and its text.
pub fn jsonata_expression(text: &str) -> Option<&str> {
    // No trimming: AWS treats " {% x %} " (with outer spaces) as a literal string.
    text.strip_prefix("{%")
        .and_then(|rest| rest.strip_suffix("%}"))
}

/// One expression, parsed once, with the field it is written in.
#[derive(Debug, Clone)]
pub struct JsonataCall {
    /// The expression (trimmed, without the delimiters).
    pub text: String,
    field: String,
    compiled: Result<Expression, JsonataError>,
}

impl JsonataCall {
    /// Parses `expression` (without the delimiters) written in `field`.
    pub fn compile(expression: &str, field: &str) -> Self {
        count_parse();
        let text = expression.trim().to_owned();
        Self {
            compiled: Expression::compile(&text),
            text,
            field: field.to_owned(),
        }
    }

    /// Evaluates the expression against `input` (`$states.input`) with `bindings`;
    /// `Ok(None)` is undefined.
    pub fn evaluate(
        &self,
        input: &Value,
        bindings: &Map<String, Value>,
    ) -> Result<Option<Value>, DataError> {
        let result = match &self.compiled {
            Ok(expression) => expression.evaluate(input, bindings),
            Err(e) => Err(e.clone()),
        };
        result.map_err(|e| {
            if e.code.as_deref() == Some(asl_jsonata::FUNCTION_RESULT_CODE) {
                return DataError::query(format!(
                    "The JSONata expression '{}' specified for the field '{}' returned an unsupported result type.",
                    self.text, self.field
                ));
            }
            let code = e.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
            DataError::query(format!(
                "An error occurred while evaluating the JSONata expression '{}' specified for the field '{}'{code}: {}",
                self.text, self.field, e.message
            ))
        })
    }

    /// Evaluates the expression; undefined is an error naming the field.
    pub fn evaluate_defined(
        &self,
        input: &Value,
        bindings: &Map<String, Value>,
    ) -> Result<Value, DataError> {
        self.evaluate(input, bindings)?.ok_or_else(|| {
            DataError::query(format!(
                "The JSONata expression '{}' specified for the field '{}' returned nothing (undefined).",
                self.text, self.field
            ))
        })
    }
}

/// A JSONata template: constants, expressions, and objects and arrays of them.
#[derive(Debug, Clone)]
pub enum JsonataTemplate {
    /// A value with no expression in it.
    Constant(Value),
    /// `"{% ... %}"`.
    Expression(JsonataCall),
    /// An object, its fields in order.
    Object(Vec<(String, JsonataTemplate)>),
    /// An array.
    Array(Vec<JsonataTemplate>),
}

impl JsonataTemplate {
    /// Compiles `template`, written in `field` (`Output`, `Assign`, ...).
    pub fn compile(template: &Value, field: &str) -> Self {
        if !has_expression(template) {
            return JsonataTemplate::Constant(template.clone());
        }
        match template {
            Value::String(text) => match jsonata_expression(text) {
                Some(expression) => {
                    JsonataTemplate::Expression(JsonataCall::compile(expression, field))
                }
                None => JsonataTemplate::Constant(template.clone()),
            },
            Value::Object(fields) => JsonataTemplate::Object(
                fields
                    .iter()
                    .map(|(key, value)| {
                        (
                            key.clone(),
                            JsonataTemplate::compile(value, &format!("{field}/{key}")),
                        )
                    })
                    .collect(),
            ),
            Value::Array(items) => JsonataTemplate::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| JsonataTemplate::compile(item, &format!("{field}[{i}]")))
                    .collect(),
            ),
            other => JsonataTemplate::Constant(other.clone()),
        }
    }

    /// The expression, when the whole template is one.
    pub fn expression(&self) -> Option<&JsonataCall> {
        match self {
            JsonataTemplate::Expression(call) => Some(call),
            _ => None,
        }
    }

    /// Replaces every expression by its value.
    pub fn evaluate(
        &self,
        input: &Value,
        bindings: &Map<String, Value>,
    ) -> Result<Value, DataError> {
        match self {
            JsonataTemplate::Constant(value) => Ok(value.clone()),
            JsonataTemplate::Expression(call) => call.evaluate_defined(input, bindings),
            JsonataTemplate::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (key, value) in fields {
                    out.insert(key.clone(), value.evaluate(input, bindings)?);
                }
                Ok(Value::Object(out))
            }
            JsonataTemplate::Array(items) => items
                .iter()
                .map(|item| item.evaluate(input, bindings))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
        }
    }
}

fn has_expression(value: &Value) -> bool {
    match value {
        Value::String(text) => jsonata_expression(text).is_some(),
        Value::Object(fields) => fields.values().any(has_expression),
        Value::Array(items) => items.iter().any(has_expression),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn errors_name_the_nested_field() {
        let template = JsonataTemplate::compile(&json!({"a": ["x", "{% $missing %}"]}), "Output");
        let error = template.evaluate(&json!({}), &Map::new()).unwrap_err();
        assert_eq!(
            error.detail,
            "The JSONata expression '$missing' specified for the field 'Output/a[1]' returned nothing (undefined)."
        );
    }

    #[test]
    fn a_malformed_expression_fails_when_evaluated() {
        let template = JsonataTemplate::compile(&json!("{% ( %}"), "Output");
        let error = template.evaluate(&json!({}), &Map::new()).unwrap_err();
        assert_eq!(error.error, "States.QueryEvaluationError");
    }
}
