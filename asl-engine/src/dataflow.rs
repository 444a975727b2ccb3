//! Input and output processing: JSONPath (`InputPath`, `Parameters`, `ResultSelector`,
//! `ResultPath`, `OutputPath`, `Assign`) and JSONata (`{% ... %}` templates in `Arguments`,
//! `Output`, `Assign`, `Items`, ...).
//!
//! Errors come back as [`DataError`]; the interpreter adds AWS's "An error occurred while
//! executing the state ..." prefix. Texts follow what AWS records (see the corpus cases
//! `test_base__*invalid_jsonpath*` and `test_*jsonata*`).

use serde_json::{Map, Value};

use super::program;
use asl::intrinsics;
use asl::jsonpath::{PathError, Scope};

/// A data-flow error: the error name and the cause after AWS's state prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// `States.Runtime`, `States.QueryEvaluationError`, `States.IntrinsicFailure`, ...
    pub error: String,
    /// The cause without the state prefix.
    pub detail: String,
    /// Whether the interpreter should add AWS's state prefix to the cause.
    pub prefixed: bool,
}

impl DataError {
    /// A `States.Runtime` error.
    pub fn runtime(detail: impl Into<String>) -> Self {
        Self {
            error: "States.Runtime".into(),
            detail: detail.into(),
            prefixed: true,
        }
    }

    /// A `States.QueryEvaluationError`.
    pub fn query(detail: impl Into<String>) -> Self {
        Self {
            error: "States.QueryEvaluationError".into(),
            detail: detail.into(),
            prefixed: true,
        }
    }
}

/// Compact JSON text, as AWS quotes values in causes.
pub fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// The Jayway-style explanation AWS gives when a definite path matches nothing
/// (`No results for path: $['a']`, `Missing property in path $['a']`), from the JSONPath
/// module that evaluated it.
pub fn missing_path_explanation(path: &str, input: &Value, scope: &Scope<'_>) -> String {
    program::not_found_message(path, input, scope)
        .unwrap_or_else(|| format!("No results for path: {path}"))
}

/// Applies `InputPath` or `OutputPath` (`None`: `$`; `Some(Null)`: `{}`).
pub fn apply_path(
    field: Option<&Value>,
    value: Value,
    scope: &Scope<'_>,
) -> Result<Value, DataError> {
    match field {
        None => Ok(value),
        Some(Value::Null) => Ok(Value::Object(Map::new())),
        Some(Value::String(path)) if path == "$" => Ok(value),
        Some(Value::String(path)) => select(path, &value, scope).map_err(|e| match e {
            PathError::NoResults { .. } => DataError::runtime(format!(
                "Invalid path '{path}' : {}",
                missing_path_explanation(path, &value, scope)
            )),
            other => DataError::runtime(other.to_string()),
        }),
        Some(other) => Err(DataError::runtime(format!(
            "a path must be a string, found {}",
            compact(other)
        ))),
    }
}

/// Applies `ResultPath` (`None`: the result replaces the input; `Some(Null)`: the result
/// is discarded).
pub fn apply_result_path(
    field: Option<&Value>,
    input: Value,
    result: Value,
) -> Result<Value, DataError> {
    match field {
        None => Ok(result),
        Some(Value::Null) => Ok(input),
        Some(Value::String(path)) if path == "$" => Ok(result),
        Some(Value::String(path)) => {
            let snapshot = input.clone();
            program::set(input, path, result).map_err(|e| match e {
                PathError::NoResults { .. } => DataError::runtime(format!(
                    "Invalid path '{path}' : {}",
                    missing_path_explanation(
                        path,
                        &snapshot,
                        &Scope {
                            context: &Value::Null,
                            variables: &|_| None,
                        },
                    )
                )),
                other => DataError::runtime(other.to_string()),
            })
        }
        Some(other) => Err(DataError::runtime(format!(
            "ResultPath must be a string, found {}",
            compact(other)
        ))),
    }
}

/// Evaluates one path with Step Functions' rules.
pub fn select(path: &str, input: &Value, scope: &Scope<'_>) -> Result<Value, PathError> {
    program::select(path, input, scope)
}

/// Evaluates a payload template (`Parameters`, `ResultSelector`, `ItemSelector`, JSONPath
/// `Assign`): keys ending in `.$` take the value of a path or an intrinsic function.
pub fn payload_template(
    template: &Value,
    input: &Value,
    scope: &Scope<'_>,
) -> Result<Value, DataError> {
    match template {
        Value::Object(fields) => {
            let mut out = Map::with_capacity(fields.len());
            for (key, value) in fields {
                if let Some(name) = key.strip_suffix(".$") {
                    let evaluated = dynamic_value(key, value, input, scope)?;
                    out.insert(name.to_owned(), evaluated);
                } else {
                    out.insert(key.clone(), payload_template(value, input, scope)?);
                }
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|item| payload_template(item, input, scope))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// The value of a `.$` field.
fn dynamic_value(
    key: &str,
    value: &Value,
    input: &Value,
    scope: &Scope<'_>,
) -> Result<Value, DataError> {
    let Value::String(text) = value else {
        return Err(DataError::runtime(format!(
            "The value of the field '{key}' must be a path or an intrinsic function, found {}",
            compact(value)
        )));
    };
    if intrinsics::is_intrinsic(text) {
        return program::intrinsic(text, input, scope).map_err(|e| DataError {
            error: e.error,
            detail: e.cause,
            prefixed: true,
        });
    }
    select(text, input, scope).map_err(|e| match e {
        PathError::NoResults { .. } | PathError::UndefinedVariable { .. } => {
            DataError::runtime(format!(
                "The JSONPath '{text}' specified for the field '{key}' could not be found in the input '{}'",
                compact(input)
            ))
        }
        other => DataError::runtime(other.to_string()),
    })
}

/// Whether a string is a JSONata expression (`{% ... %}`).
pub fn jsonata_expression(text: &str) -> Option<&str> {
    // No trimming: AWS treats " {% x %} " (with outer spaces) as a literal string.
    text.strip_prefix("{%")
        .and_then(|rest| rest.strip_suffix("%}"))
}

/// Evaluates a JSONata template: every `{% ... %}` string inside `template` is replaced by
/// its value. `field` names the template's field for error messages (`Output`, `Assign`).
pub fn jsonata_template(
    template: &Value,
    field: &str,
    bindings: &Map<String, Value>,
) -> Result<Value, DataError> {
    match template {
        Value::String(text) => match jsonata_expression(text) {
            Some(expression) => match evaluate_jsonata(expression, field, bindings)? {
                Some(value) => Ok(value),
                None => Err(DataError::query(format!(
                    "The JSONata expression '{}' specified for the field '{field}' returned nothing (undefined).",
                    expression.trim()
                ))),
            },
            None => Ok(template.clone()),
        },
        Value::Object(fields) => {
            let mut out = Map::with_capacity(fields.len());
            for (key, value) in fields {
                let path = format!("{field}/{key}");
                out.insert(key.clone(), jsonata_template(value, &path, bindings)?);
            }
            Ok(Value::Object(out))
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, item)| jsonata_template(item, &format!("{field}[{i}]"), bindings))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        other => Ok(other.clone()),
    }
}

/// Evaluates one JSONata expression (without the `{% %}` delimiters).
pub fn evaluate_jsonata(
    expression: &str,
    field: &str,
    bindings: &Map<String, Value>,
) -> Result<Option<Value>, DataError> {
    let input = bindings
        .get("states")
        .and_then(|s| s.get("input"))
        .cloned()
        .unwrap_or(Value::Null);
    program::jsonata(expression.trim(), &input, bindings).map_err(|e| {
        if e.code.as_deref() == Some(asl_jsonata::FUNCTION_RESULT_CODE) {
            return DataError::query(format!(
                "The JSONata expression '{}' specified for the field '{field}' returned an unsupported result type.",
                expression.trim()
            ));
        }
        let code = e.code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
        DataError::query(format!(
            "An error occurred while evaluating the JSONata expression '{}' specified for the field '{field}'{code}: {}",
            expression.trim(),
            e.message
        ))
    })
}
