//! Lambda functions: the pool that serves the Tasks, and the Lambda Invoke API
//! (`POST /2015-03-31/functions/{name}/invocations`) served by the same pool.
//!
//! Functions are canned answers (the engine's mocks format, `--mocks`) or real binaries run
//! behind the embedded Lambda Runtime API (`lambda-local`, `--lambda NAME=PATH`); mocks win
//! for a name both serve. Invoke follows the Lambda API reference: `X-Amz-Invocation-Type`
//! `RequestResponse` (the default; 200 with the function's answer, and
//! `X-Amz-Function-Error: Unhandled` with its error document when it failed), `Event` (202,
//! run in the background) or `DryRun` (204).

use std::sync::Arc;

use asl_engine::mocks::MockInvoker;
use asl_engine::task::{InvokeError, InvokeRequest, LambdaInvoker};
use lambda_local::{FunctionSpec, InvokeFailure, LocalLambdas};
use serde_json::{Value, json};

use crate::error::{ApiError, ErrorKind};

/// The functions this server serves.
pub struct Functions {
    mocks: Option<MockInvoker>,
    envelope: Option<Value>,
    local: Option<LocalLambdas>,
}

impl Functions {
    /// Prepares the functions (no process starts before its first invocation).
    pub fn new(specs: Vec<FunctionSpec>, mocks: Option<&Value>) -> anyhow::Result<Self> {
        let (mocks, envelope) = match mocks {
            Some(m) => {
                let invoker =
                    MockInvoker::from_json(m).map_err(|e| anyhow::anyhow!("`--mocks`: {e}"))?;
                let envelope = invoker.envelope().cloned();
                (Some(invoker), envelope)
            }
            None => (None, None),
        };
        let local = if specs.is_empty() {
            None
        } else {
            Some(LocalLambdas::start(specs).map_err(|e| {
                anyhow::Error::new(e).context("cannot serve the Lambda functions locally")
            })?)
        };
        Ok(Self {
            mocks,
            envelope,
            local,
        })
    }

    /// The `lambda:invoke` envelope the mocks give, if any.
    pub fn envelope(&self) -> Option<&Value> {
        self.envelope.as_ref()
    }

    /// Whether a function of that name is served.
    pub fn serves(&self, name: &str) -> bool {
        self.mocks.as_ref().is_some_and(|m| m.has(name))
            || self
                .local
                .as_ref()
                .is_some_and(|l| l.function_names().any(|n| n == name))
    }

    /// The names of the real functions.
    pub fn names(&self) -> Vec<String> {
        self.local
            .as_ref()
            .map(|l| l.function_names().map(str::to_owned).collect())
            .unwrap_or_default()
    }
}

impl Drop for Functions {
    fn drop(&mut self) {
        // `LocalLambdas` owns a Tokio runtime, which may not be dropped inside another
        // runtime's worker: drop it on a thread of its own.
        if let Some(local) = self.local.take() {
            let _ = std::thread::spawn(move || drop(local)).join();
        }
    }
}

impl LambdaInvoker for Functions {
    fn invoke(&self, request: InvokeRequest<'_>) -> Result<Value, InvokeError> {
        if let Some(mocks) = &self.mocks
            && (mocks.has(request.function) || self.local.is_none())
        {
            return mocks.invoke(request);
        }
        match &self.local {
            Some(local) => local
                .invoke(request.function, request.payload, request.timeout)
                .map_err(|failure| match failure {
                    InvokeFailure::TaskTimedOut(_) => InvokeError::TimedOut,
                    other => {
                        let (error, cause) = other.error_and_cause();
                        InvokeError::Failed { error, cause }
                    }
                }),
            None => Err(InvokeError::Failed {
                error: "Lambda.ResourceNotFoundException".into(),
                cause: format!(
                    "Function not found: {} (serve it with `--lambda {}=PATH`, `--workspace-lambdas`, or mock it with `--mocks`)",
                    request.function, request.function
                ),
            }),
        }
    }

    fn run_resource(
        &self,
        resource: &str,
        parameters: &Value,
    ) -> Option<Result<Value, InvokeError>> {
        self.mocks.as_ref()?.run_resource(resource, parameters)
    }
}

/// How an Invoke call asked to be run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvocationType {
    /// Wait for the answer.
    RequestResponse,
    /// Run in the background.
    Event,
    /// Only check that the call could run.
    DryRun,
}

impl InvocationType {
    /// Parses `X-Amz-Invocation-Type` (absent = `RequestResponse`).
    pub fn parse(header: Option<&str>) -> Result<Self, ApiError> {
        match header {
            None | Some("RequestResponse") => Ok(Self::RequestResponse),
            Some("Event") => Ok(Self::Event),
            Some("DryRun") => Ok(Self::DryRun),
            Some(other) => Err(ApiError::validation(format!(
                "1 validation error detected: Value `{other}` at 'invocationType' failed to satisfy constraint: Member must satisfy enum value set: [Event, RequestResponse, DryRun]"
            ))),
        }
    }
}

/// What Invoke answers: status, whether the function failed, and the body.
#[derive(Debug, Clone, PartialEq)]
pub struct InvokeAnswer {
    /// 200, 202 or 204.
    pub status: u16,
    /// `Some("Unhandled")` when the function failed.
    pub function_error: Option<&'static str>,
    /// The response payload.
    pub body: Vec<u8>,
}

/// The function name of an Invoke path segment: a name, `NAME:QUALIFIER`, or a (partial)
/// function ARN, percent-encoded or not.
pub fn function_name(segment: &str) -> String {
    let decoded = percent_decode(segment);
    let name = match decoded.split_once("function:") {
        Some((_, rest)) => rest.to_owned(),
        None => decoded,
    };
    name.split(':').next().unwrap_or_default().to_owned()
}

/// Decodes `%XX` escapes (in a path segment or a query value).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok());
        if bytes[i] == b'%'
            && let Some(Ok(b)) = hex.map(|h| u8::from_str_radix(h, 16))
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Serves one Invoke call. Blocks until the function answers (call it off the async
/// runtime's workers).
pub fn invoke(
    functions: &Arc<Functions>,
    name: &str,
    kind: InvocationType,
    payload: &[u8],
) -> Result<InvokeAnswer, ApiError> {
    if !functions.serves(name) {
        return Err(ApiError::new(
            ErrorKind::ResourceNotFoundException,
            format!(
                "Function not found: {}; this server serves {} (add one with `--lambda NAME=PATH` or `--mocks`)",
                crate::arn::function_arn(name),
                match functions.names() {
                    names if names.is_empty() => "only mocked functions".to_owned(),
                    names => names.join(", "),
                }
            ),
        ));
    }
    let payload: Value = if payload.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        serde_json::from_slice(payload).map_err(|e| {
            ApiError::new(
                ErrorKind::InvalidRequestContentException,
                format!("Could not parse request body into json: {e}; send a JSON document as the payload"),
            )
        })?
    };
    match kind {
        InvocationType::DryRun => Ok(InvokeAnswer {
            status: 204,
            function_error: None,
            body: Vec::new(),
        }),
        InvocationType::Event => {
            let functions = functions.clone();
            let name = name.to_owned();
            std::thread::spawn(move || {
                let _ = functions.invoke(InvokeRequest {
                    function: &name,
                    payload: &payload,
                    timeout: None,
                });
            });
            Ok(InvokeAnswer {
                status: 202,
                function_error: None,
                body: Vec::new(),
            })
        }
        InvocationType::RequestResponse => {
            let answer = functions.invoke(InvokeRequest {
                function: name,
                payload: &payload,
                timeout: None,
            });
            let (function_error, body) = match answer {
                Ok(value) => (None, value),
                Err(InvokeError::Failed { error, cause }) => {
                    // lambda-local's cause is the error document the function posted.
                    let document = serde_json::from_str::<Value>(&cause)
                        .ok()
                        .filter(Value::is_object)
                        .unwrap_or_else(|| json!({"errorType": error, "errorMessage": cause}));
                    (Some("Unhandled"), document)
                }
                Err(InvokeError::TimedOut) => (
                    Some("Unhandled"),
                    json!({"errorType": "Sandbox.Timedout", "errorMessage": "Task timed out"}),
                ),
            };
            Ok(InvokeAnswer {
                status: 200,
                function_error,
                body: serde_json::to_vec(&body).unwrap_or_default(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoke_paths_name_the_function_however_it_is_spelled() {
        assert_eq!(function_name("calc"), "calc");
        assert_eq!(function_name("calc:$LATEST"), "calc");
        assert_eq!(
            function_name("arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Acalc"),
            "calc"
        );
        assert_eq!(function_name("123456789012:function:calc"), "calc");
    }

    #[test]
    fn mocked_functions_answer_invoke_with_aws_status_and_error_header() {
        let mocks = json!({"lambda": {
            "echo": {"echo": true},
            "boom": {"raise": {"error": "Boom", "cause": "it broke"}}
        }});
        let functions = Arc::new(Functions::new(Vec::new(), Some(&mocks)).unwrap());
        let ok = invoke(
            &functions,
            "echo",
            InvocationType::RequestResponse,
            b"{\"a\":1}",
        )
        .unwrap();
        assert_eq!((ok.status, ok.function_error), (200, None));
        assert_eq!(
            serde_json::from_slice::<Value>(&ok.body).unwrap(),
            json!({"a": 1})
        );
        let failed = invoke(&functions, "boom", InvocationType::RequestResponse, b"{}").unwrap();
        assert_eq!(failed.function_error, Some("Unhandled"));
        let dry = invoke(&functions, "echo", InvocationType::DryRun, b"{}").unwrap();
        assert_eq!(dry.status, 204);
        let missing = invoke(&functions, "nope", InvocationType::Event, b"{}").unwrap_err();
        assert_eq!(missing.kind, ErrorKind::ResourceNotFoundException);
        let bad = invoke(&functions, "echo", InvocationType::RequestResponse, b"{").unwrap_err();
        assert_eq!(bad.kind, ErrorKind::InvalidRequestContentException);
    }
}
