//! JSONPath data flow, compiled: paths ([`PathExpr`]), `.$` values that are a path or an
//! intrinsic call ([`ValueExpr`]), `InputPath`/`OutputPath`/`ResultPath`
//! ([`NullablePathExpr`]) and payload templates ([`PayloadTemplate`]: `Parameters`,
//! `ResultSelector`, `ItemSelector`, JSONPath `Assign`).
//!
//! Every text is parsed when the template is compiled; a text that does not parse keeps
//! its error, which evaluating it reports exactly as parsing it on the spot would have.
//! Causes follow what AWS records (corpus cases `test_base__*invalid_jsonpath*`).

use serde_json::{Map, Value};

use super::{DataError, compact, count_parse};
use asl::intrinsics::{self, Intrinsic, IntrinsicError, ValueError};
use asl::jsonpath::{self, Path, PathError, Scope};
use asl::model::NullablePath;

/// A path, parsed once.
#[derive(Debug, Clone)]
pub struct PathExpr {
    /// The text as written.
    pub text: String,
    parsed: Result<Path, PathError>,
}

impl PathExpr {
    /// Parses `text`.
    pub fn compile(text: &str) -> Self {
        count_parse();
        Self {
            text: text.to_owned(),
            parsed: jsonpath::parse(text),
        }
    }

    /// Evaluates the path with Step Functions' rules.
    pub fn select(&self, input: &Value, scope: &Scope<'_>) -> Result<Value, PathError> {
        match &self.parsed {
            Ok(path) => path.select(input, scope),
            Err(e) => Err(e.clone()),
        }
    }

    /// Puts `value` at the path in `input` (`ResultPath`).
    pub fn set(&self, input: Value, value: Value) -> Result<Value, PathError> {
        match &self.parsed {
            Ok(path) => path.set(input, value),
            Err(e) => Err(e.clone()),
        }
    }

    /// The Jayway-style explanation AWS gives when a definite path matches nothing
    /// (`No results for path: $['a']`, `Missing property in path $['a']`).
    pub fn missing_explanation(&self, input: &Value, scope: &Scope<'_>) -> String {
        self.parsed
            .as_ref()
            .ok()
            .and_then(|p| p.not_found_message(input, scope))
            .unwrap_or_else(|| format!("No results for path: {}", self.text))
    }

    /// Selects, turning "no results" into AWS's `Invalid path '...' : ...` runtime error.
    pub fn select_or_invalid(&self, input: &Value, scope: &Scope<'_>) -> Result<Value, DataError> {
        self.select(input, scope).map_err(|e| match e {
            PathError::NoResults { .. } => DataError::runtime(format!(
                "Invalid path '{}' : {}",
                self.text,
                self.missing_explanation(input, scope)
            )),
            other => DataError::runtime(other.to_string()),
        })
    }

    /// Whether the path is `$` (the whole value).
    fn is_root(&self) -> bool {
        self.text == "$"
    }
}

/// A `.$` value, `ErrorPath` or `CausePath`: an intrinsic function call or a path.
#[derive(Debug, Clone)]
pub enum ValueExpr {
    /// `States.Name(...)`, parsed once.
    Intrinsic {
        /// The text as written.
        text: String,
        /// The parsed call, or why it does not parse.
        call: Result<Intrinsic, IntrinsicError>,
    },
    /// A path.
    Path(PathExpr),
}

impl ValueExpr {
    /// Parses `text` as an intrinsic call when it looks like one, else as a path.
    pub fn compile(text: &str) -> Self {
        if intrinsics::is_intrinsic(text) {
            count_parse();
            ValueExpr::Intrinsic {
                text: text.to_owned(),
                call: Intrinsic::compile(text),
            }
        } else {
            ValueExpr::Path(PathExpr::compile(text))
        }
    }

    /// The text as written.
    pub fn text(&self) -> &str {
        match self {
            ValueExpr::Intrinsic { text, .. } => text,
            ValueExpr::Path(path) => &path.text,
        }
    }

    /// Evaluates the call or the path.
    pub fn evaluate(&self, input: &Value, scope: &Scope<'_>) -> Result<Value, ValueError> {
        match self {
            ValueExpr::Intrinsic { call, .. } => match call {
                Ok(call) => Ok(call.evaluate(input, scope)?),
                Err(e) => Err(e.clone().into()),
            },
            ValueExpr::Path(path) => Ok(path.select(input, scope)?),
        }
    }
}

/// `InputPath`, `OutputPath` or `ResultPath` (`null` has a meaning of its own).
#[derive(Debug, Clone)]
pub enum NullablePathExpr {
    /// `null`.
    Null,
    /// A path.
    Path(PathExpr),
}

impl NullablePathExpr {
    /// Compiles the model's field.
    pub fn compile(path: &NullablePath) -> Self {
        match path {
            NullablePath::Null => NullablePathExpr::Null,
            NullablePath::Path(text) => NullablePathExpr::Path(PathExpr::compile(text)),
        }
    }
}

/// Applies `InputPath` or `OutputPath` (`None`: `$`; `Null`: `{}`).
pub fn apply_path(
    field: Option<&NullablePathExpr>,
    value: Value,
    scope: &Scope<'_>,
) -> Result<Value, DataError> {
    match field {
        None => Ok(value),
        Some(NullablePathExpr::Null) => Ok(Value::Object(Map::new())),
        Some(NullablePathExpr::Path(path)) if path.is_root() => Ok(value),
        Some(NullablePathExpr::Path(path)) => path.select_or_invalid(&value, scope),
    }
}

/// Applies `ResultPath` (`None`: the result replaces the input; `Null`: the result is
/// discarded).
pub fn apply_result_path(
    field: Option<&NullablePathExpr>,
    input: Value,
    result: Value,
) -> Result<Value, DataError> {
    match field {
        None => Ok(result),
        Some(NullablePathExpr::Null) => Ok(input),
        Some(NullablePathExpr::Path(path)) if path.is_root() => Ok(result),
        Some(NullablePathExpr::Path(path)) => {
            // The explanation of a failure needs the input as it was.
            let snapshot = input.clone();
            path.set(input, result).map_err(|e| match e {
                PathError::NoResults { .. } => DataError::runtime(format!(
                    "Invalid path '{}' : {}",
                    path.text,
                    path.missing_explanation(
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
    }
}

/// A payload template: keys ending in `.$` take the value of a path or an intrinsic call;
/// parts without any are kept as constants.
#[derive(Debug, Clone)]
pub enum PayloadTemplate {
    /// A value with nothing to evaluate.
    Constant(Value),
    /// An object, its fields in order.
    Object(Vec<(String, TemplateField)>),
    /// An array.
    Array(Vec<PayloadTemplate>),
}

/// One field of a template object.
#[derive(Debug, Clone)]
pub enum TemplateField {
    /// A field without `.$` (its value may hold some deeper down).
    Nested(PayloadTemplate),
    /// `"name.$": "<path or intrinsic>"`; `key` is the field as written.
    Dynamic {
        /// The key with its `.$`.
        key: String,
        /// The compiled value.
        value: ValueExpr,
    },
    /// `"name.$"` whose value is not a string (an error when evaluated).
    NotAString {
        /// The key with its `.$`.
        key: String,
        /// The value as written.
        value: Value,
    },
}

impl PayloadTemplate {
    /// Compiles a template.
    pub fn compile(template: &Value) -> Self {
        match template {
            Value::Object(fields) if has_dynamic(template) => PayloadTemplate::Object(
                fields
                    .iter()
                    .map(|(key, value)| match key.strip_suffix(".$") {
                        Some(name) => (
                            name.to_owned(),
                            match value {
                                Value::String(text) => TemplateField::Dynamic {
                                    key: key.clone(),
                                    value: ValueExpr::compile(text),
                                },
                                other => TemplateField::NotAString {
                                    key: key.clone(),
                                    value: other.clone(),
                                },
                            },
                        ),
                        None => (
                            key.clone(),
                            TemplateField::Nested(PayloadTemplate::compile(value)),
                        ),
                    })
                    .collect(),
            ),
            Value::Array(items) if has_dynamic(template) => {
                PayloadTemplate::Array(items.iter().map(PayloadTemplate::compile).collect())
            }
            other => PayloadTemplate::Constant(other.clone()),
        }
    }

    /// Evaluates the template against `input`.
    pub fn evaluate(&self, input: &Value, scope: &Scope<'_>) -> Result<Value, DataError> {
        match self {
            PayloadTemplate::Constant(value) => Ok(value.clone()),
            PayloadTemplate::Array(items) => items
                .iter()
                .map(|item| item.evaluate(input, scope))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            PayloadTemplate::Object(fields) => {
                let mut out = Map::with_capacity(fields.len());
                for (name, field) in fields {
                    let value = match field {
                        TemplateField::Nested(template) => template.evaluate(input, scope)?,
                        TemplateField::Dynamic { key, value } => {
                            dynamic_value(key, value, input, scope)?
                        }
                        TemplateField::NotAString { key, value } => {
                            return Err(DataError::runtime(format!(
                                "The value of the field '{key}' must be a path or an intrinsic function, found {}",
                                compact(value)
                            )));
                        }
                    };
                    out.insert(name.clone(), value);
                }
                Ok(Value::Object(out))
            }
        }
    }
}

/// Whether a template value holds a `.$` key anywhere.
fn has_dynamic(value: &Value) -> bool {
    match value {
        Value::Object(fields) => fields
            .iter()
            .any(|(key, value)| key.ends_with(".$") || has_dynamic(value)),
        Value::Array(items) => items.iter().any(has_dynamic),
        _ => false,
    }
}

/// The value of a `.$` field.
fn dynamic_value(
    key: &str,
    value: &ValueExpr,
    input: &Value,
    scope: &Scope<'_>,
) -> Result<Value, DataError> {
    value.evaluate(input, scope).map_err(|e| match e {
        ValueError::Intrinsic(e) => DataError {
            error: e.error,
            detail: e.cause,
            prefixed: true,
        },
        ValueError::Path(PathError::NoResults { .. } | PathError::UndefinedVariable { .. }) => {
            DataError::runtime(format!(
                "The JSONPath '{}' specified for the field '{key}' could not be found in the input '{}'",
                value.text(),
                compact(input)
            ))
        }
        ValueError::Path(other) => DataError::runtime(other.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn scope() -> Scope<'static> {
        Scope {
            context: &Value::Null,
            variables: &|_| None,
        }
    }

    #[test]
    fn a_template_without_paths_is_a_constant() {
        let template = PayloadTemplate::compile(&json!({"a": [1, {"b": "$.x"}]}));
        assert!(matches!(template, PayloadTemplate::Constant(_)));
    }

    #[test]
    fn templates_evaluate_paths_and_intrinsics() {
        let template = PayloadTemplate::compile(
            &json!({"n.$": "States.MathAdd($.n, 1)", "k": {"v.$": "$.n"}}),
        );
        let out = template.evaluate(&json!({"n": 2}), &scope()).unwrap();
        assert_eq!(out, json!({"n": 3, "k": {"v": 2}}));
    }

    #[test]
    fn a_missing_path_names_the_field_and_the_input() {
        let template = PayloadTemplate::compile(&json!({"v.$": "$.missing"}));
        let error = template.evaluate(&json!({"n": 1}), &scope()).unwrap_err();
        assert_eq!(
            error.detail,
            "The JSONPath '$.missing' specified for the field 'v.$' could not be found in the input '{\"n\":1}'"
        );
    }

    #[test]
    fn result_path_null_keeps_the_input() {
        let out = apply_result_path(Some(&NullablePathExpr::Null), json!(1), json!(2));
        assert_eq!(out.unwrap(), json!(1));
    }
}
