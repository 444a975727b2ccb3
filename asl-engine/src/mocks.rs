//! Canned Lambda answers, in the conformance corpus's `mocks` format.
//!
//! `{"lambda": {"<function>": {"echo": true} | {"return": X} | {"raise": {"error": E,
//! "cause": C}} | {"sequence": [answer, ...]}}, "lambda_invoke_envelope": {...}}`. A
//! sequence answers with its entries in turn, the last one repeating. Beyond the corpus's
//! format, `"tasks": {"<resource ARN>": answer}` serves any other service integration
//! (`arn:aws:states:::dynamodb:putItem`, ...) the same way (`echo` returns the parameters).

use std::collections::HashMap;
use std::sync::Mutex;

use serde_json::{Value, json};

use crate::task::{InvokeError, InvokeRequest, LambdaInvoker};

/// The fields of a `lambda:invoke` result besides `Payload`, as AWS returns them.
pub fn default_envelope() -> Value {
    json!({
        "ExecutedVersion": "$LATEST",
        "SdkHttpMetadata": {
            "HttpHeaders": {"Content-Type": "application/json"},
            "HttpStatusCode": 200
        },
        "SdkResponseMetadata": {"RequestId": "00000000-0000-0000-0000-000000000000"},
        "StatusCode": 200
    })
}

/// Fits a recorded envelope to a new payload: its `Content-Length` headers become the size
/// of the payload as a Python Lambda runtime serializes it (`json.dumps` defaults), which is
/// how the corpus's functions answered.
pub fn fit_envelope(envelope: &mut serde_json::Map<String, Value>, payload: &Value) {
    let length = python_json(payload).len();
    let Some(metadata) = envelope.get_mut("SdkHttpMetadata") else {
        return;
    };
    if let Some(value) = metadata
        .get_mut("AllHttpHeaders")
        .and_then(|all| all.get_mut("Content-Length"))
    {
        *value = json!([length.to_string()]);
    }
    if let Some(value) = metadata
        .get_mut("HttpHeaders")
        .and_then(|headers| headers.get_mut("Content-Length"))
    {
        *value = json!(length.to_string());
    }
}

/// JSON text as Python's `json.dumps` writes it by default (`", "` and `": "` separators,
/// non-ASCII escaped).
pub fn python_json(value: &Value) -> String {
    match value {
        Value::Array(items) => {
            let inner: Vec<String> = items.iter().map(python_json).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Object(fields) => {
            let inner: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}: {}", python_string(k), python_json(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
        Value::String(s) => python_string(s),
        other => other.to_string(),
    }
}

fn python_string(text: &str) -> String {
    let mut out = String::from("\"");
    for unit in text.encode_utf16() {
        match unit {
            0x22 => out.push_str("\\\""),
            0x5c => out.push_str("\\\\"),
            0x0a => out.push_str("\\n"),
            0x0d => out.push_str("\\r"),
            0x09 => out.push_str("\\t"),
            0x08 => out.push_str("\\b"),
            0x0c => out.push_str("\\f"),
            0x20..=0x7e => out.push(char::from(unit as u8)),
            other => out.push_str(&format!("\\u{other:04x}")),
        }
    }
    out.push('"');
    out
}

/// Why a mocks document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid mocks at {pointer}: {reason}")]
pub struct MocksError {
    /// JSON pointer into the mocks document.
    pub pointer: String,
    /// What is wrong and how to fix it.
    pub reason: String,
}

/// Serves Lambda tasks from canned answers.
#[derive(Debug, Default)]
pub struct MockInvoker {
    functions: HashMap<String, Vec<Value>>,
    tasks: HashMap<String, Vec<Value>>,
    calls: Mutex<HashMap<String, usize>>,
    envelope: Option<Value>,
}

impl MockInvoker {
    /// Reads a mocks document (see the module docs).
    pub fn from_json(mocks: &Value) -> Result<Self, MocksError> {
        let mut functions = HashMap::new();
        let Some(object) = mocks.as_object() else {
            return Err(MocksError {
                pointer: String::new(),
                reason: "expected an object like {\"lambda\": {\"fn\": {\"return\": 1}}}".into(),
            });
        };
        for key in object.keys() {
            if !matches!(key.as_str(), "lambda" | "lambda_invoke_envelope" | "tasks") {
                return Err(MocksError {
                    pointer: format!("/{key}"),
                    reason: "unknown key; expected `lambda`, `lambda_invoke_envelope` or `tasks`"
                        .into(),
                });
            }
        }
        if let Some(lambda) = object.get("lambda") {
            functions = parse_answers(lambda, "lambda")?;
        }
        let tasks = match object.get("tasks") {
            Some(tasks) => parse_answers(tasks, "tasks")?,
            None => HashMap::new(),
        };
        Ok(Self {
            functions,
            tasks,
            calls: Mutex::new(HashMap::new()),
            envelope: object.get("lambda_invoke_envelope").cloned(),
        })
    }

    /// The recorded `lambda:invoke` envelope, when the mocks carry one.
    pub fn envelope(&self) -> Option<&Value> {
        self.envelope.as_ref()
    }

    /// Whether a function of this name is mocked.
    pub fn has(&self, function: &str) -> bool {
        self.functions.contains_key(function)
    }
}

/// Reads `{"<name>": answer | {"sequence": [answer, ...]}}` under `section`.
fn parse_answers(section: &Value, name: &str) -> Result<HashMap<String, Vec<Value>>, MocksError> {
    let Some(entries) = section.as_object() else {
        return Err(MocksError {
            pointer: format!("/{name}"),
            reason: "expected an object keyed by name".into(),
        });
    };
    let mut answers_by_name = HashMap::new();
    for (key, answer) in entries {
        let pointer = format!("/{name}/{}", key.replace('~', "~0").replace('/', "~1"));
        let answers = match answer.get("sequence") {
            Some(Value::Array(items)) if !items.is_empty() => items.clone(),
            Some(_) => {
                return Err(MocksError {
                    pointer: format!("{pointer}/sequence"),
                    reason: "a sequence must be a non-empty array of answers".into(),
                });
            }
            None => vec![answer.clone()],
        };
        let in_sequence = answer.get("sequence").is_some();
        for (i, item) in answers.iter().enumerate() {
            check_answer(item).map_err(|reason| MocksError {
                pointer: if in_sequence {
                    format!("{pointer}/sequence/{i}")
                } else {
                    pointer.clone()
                },
                reason,
            })?;
        }
        answers_by_name.insert(key.clone(), answers);
    }
    Ok(answers_by_name)
}

fn check_answer(answer: &Value) -> Result<(), String> {
    let valid = answer.get("echo").is_some()
        || answer.get("return").is_some()
        || answer
            .get("raise")
            .is_some_and(|r| r.get("error").is_some_and(Value::is_string));
    if valid {
        Ok(())
    } else {
        Err("expected {\"echo\": true}, {\"return\": X} or {\"raise\": {\"error\": \"E\", \"cause\": \"C\"}}".into())
    }
}

impl MockInvoker {
    /// The next answer for `key` among `answers` (the last one repeats).
    fn answer(&self, key: &str, answers: &[Value], payload: &Value) -> Result<Value, InvokeError> {
        let index = {
            let mut calls = self.calls.lock().unwrap_or_else(|e| e.into_inner());
            let count = calls.entry(key.to_owned()).or_insert(0);
            let index = (*count).min(answers.len() - 1);
            *count += 1;
            index
        };
        let answer = &answers[index];
        if answer.get("echo").is_some() {
            Ok(payload.clone())
        } else if let Some(value) = answer.get("return") {
            Ok(value.clone())
        } else {
            let raise = &answer["raise"];
            Err(InvokeError::Failed {
                error: raise["error"].as_str().unwrap_or_default().to_owned(),
                cause: raise
                    .get("cause")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
        }
    }
}

impl LambdaInvoker for MockInvoker {
    fn run_resource(
        &self,
        resource: &str,
        parameters: &Value,
    ) -> Option<Result<Value, InvokeError>> {
        let answers = self.tasks.get(resource)?;
        Some(self.answer(&format!("task:{resource}"), answers, parameters))
    }

    fn invoke(&self, request: InvokeRequest<'_>) -> Result<Value, InvokeError> {
        let Some(answers) = self.functions.get(request.function) else {
            return Err(InvokeError::Failed {
                error: "Lambda.ResourceNotFoundException".into(),
                cause: format!(
                    "Function not found: {} (no mock for it; add it under `lambda` in --mocks)",
                    request.function
                ),
            });
        };
        self.answer(request.function, answers, request.payload)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(invoker: &MockInvoker, function: &str) -> Result<Value, InvokeError> {
        invoker.invoke(InvokeRequest {
            function,
            payload: &json!({"x": 1}),
            timeout: None,
        })
    }

    #[test]
    fn answers_follow_the_corpus_format() {
        let invoker = MockInvoker::from_json(&json!({"lambda": {
            "echo": {"echo": true},
            "ret": {"return": 7},
            "boom": {"raise": {"error": "Exception", "cause": "bad"}},
            "seq": {"sequence": [{"raise": {"error": "E"}}, {"return": "ok"}]}
        }}))
        .unwrap();
        assert_eq!(call(&invoker, "echo"), Ok(json!({"x": 1})));
        assert_eq!(call(&invoker, "ret"), Ok(json!(7)));
        assert_eq!(
            call(&invoker, "boom"),
            Err(InvokeError::Failed {
                error: "Exception".into(),
                cause: "bad".into()
            })
        );
        assert!(call(&invoker, "seq").is_err());
        assert_eq!(call(&invoker, "seq"), Ok(json!("ok")));
        assert_eq!(call(&invoker, "seq"), Ok(json!("ok")));
        assert!(call(&invoker, "missing").is_err());
    }

    #[test]
    fn python_json_matches_json_dumps() {
        // Python 3: json.dumps({"body": "string body"}) == '{"body": "string body"}' (23).
        assert_eq!(python_json(&json!({"body": "string body"})).len(), 23);
        assert_eq!(python_json(&json!([1, "é"])), "[1, \"\\u00e9\"]");
    }

    #[test]
    fn other_integrations_answer_by_resource() {
        let invoker = MockInvoker::from_json(&json!({"tasks": {
            "arn:aws:states:::dynamodb:putItem": {"echo": true},
            "arn:aws:states:::sns:publish": {"sequence": [{"raise": {"error": "SNS.Throttled"}}, {"return": {"MessageId": "m1"}}]}
        }}))
        .unwrap();
        let params = json!({"TableName": "t"});
        assert_eq!(
            invoker.run_resource("arn:aws:states:::dynamodb:putItem", &params),
            Some(Ok(params.clone()))
        );
        assert!(matches!(
            invoker.run_resource("arn:aws:states:::sns:publish", &params),
            Some(Err(InvokeError::Failed { .. }))
        ));
        assert_eq!(
            invoker.run_resource("arn:aws:states:::sns:publish", &params),
            Some(Ok(json!({"MessageId": "m1"})))
        );
        assert_eq!(
            invoker.run_resource("arn:aws:states:::sqs:sendMessage", &params),
            None
        );
        let err = MockInvoker::from_json(&json!({"tasks": {"arn:aws:states:::a/b": {"nope": 1}}}))
            .unwrap_err();
        assert_eq!(err.pointer, "/tasks/arn:aws:states:::a~1b");
    }

    #[test]
    fn malformed_mocks_name_the_place() {
        let err = MockInvoker::from_json(&json!({"lambda": {"f": {"retrun": 1}}})).unwrap_err();
        assert_eq!(err.pointer, "/lambda/f");
        let err = MockInvoker::from_json(&json!({"lamda": {}})).unwrap_err();
        assert_eq!(err.pointer, "/lamda");
    }
}
