//! Running one tool call: the tool's Lambda through the Lambda Invoke API (AWS, or
//! `sfn-gen serve` locally), with the payload the machine sends ([`ToolInvocation`]), the
//! Task's `TimeoutSeconds` per attempt and its `Retry` list ([`crate::retry`]).
//!
//! Errors get the names Step Functions gives them, so the machine's retriers match them
//! the same way: a function error is its `errorType` (cause: the error document), an
//! attempt past the timeout is `States.Timeout`, and a failure of the Invoke API itself is
//! `Lambda.<its error code>` (`Lambda.TooManyRequestsException`, ...), or
//! `Lambda.SdkClientException` when no answer came back.

use std::time::Duration;

use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use protocol::{ExecutionRef, ToolCall, ToolInvocation, ToolResult};
use serde_json::Value;

use crate::catalog::CatalogTool;
use crate::retry::{Retried, TaskError, with_retry};

/// `States.Timeout`, as `asl` names it.
const STATES_TIMEOUT: &str = asl::model::STATES_TIMEOUT;

/// Which function serves each tool.
#[derive(Debug, Clone, Default)]
pub struct FunctionNames {
    /// Tool name to function name or ARN; a tool not listed runs on the function of its name
    /// (as `sfn-gen serve --workspace-lambdas` names them).
    pub by_tool: std::collections::BTreeMap<String, String>,
}

impl FunctionNames {
    /// The function for `tool`.
    pub fn function(&self, tool: &str) -> String {
        self.by_tool
            .get(tool)
            .cloned()
            .unwrap_or_else(|| tool.to_owned())
    }
}

/// Runs `input` on `tool`'s Lambda with the Task's timeout and Retry list.
pub async fn call_tool(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    tool: &CatalogTool,
    input: Value,
) -> Retried<Value> {
    let id = uuid::Uuid::new_v4();
    let invocation = ToolInvocation {
        call: ToolCall {
            call_id: format!("mcp-{id}"),
            tool: tool.manifest.name.clone(),
            input,
        },
        // A gateway call belongs to no execution; the tool's offload folder is its own.
        execution: ExecutionRef {
            id: format!("mcp-gateway:call:{id}"),
            name: format!("mcp-gateway-{id}"),
        },
    };
    let payload = serde_json::to_vec(&invocation).expect("an invocation always serializes");
    let timeout = Duration::from_secs(tool.timeout_seconds.max(1));
    with_retry(&tool.retry, || {
        let payload = payload.clone();
        async move {
            match tokio::time::timeout(timeout, invoke_once(lambda, function, payload)).await {
                Ok(result) => result,
                Err(_) => Err(TaskError {
                    error: STATES_TIMEOUT.to_owned(),
                    cause: format!("the tool did not answer within {}s", timeout.as_secs()),
                }),
            }
        }
    })
    .await
}

/// One Invoke: the tool's output, or the error Step Functions would see.
async fn invoke_once(
    lambda: &aws_sdk_lambda::Client,
    function: &str,
    payload: Vec<u8>,
) -> Result<Value, TaskError> {
    let answer = lambda
        .invoke()
        .function_name(function)
        .payload(Blob::new(payload))
        .send()
        .await
        .map_err(|e| {
            let error = match e.code() {
                Some(code) => format!("Lambda.{code}"),
                None => "Lambda.SdkClientException".to_owned(),
            };
            TaskError {
                error,
                cause: format!(
                    "{}",
                    aws_smithy_types::error::display::DisplayErrorContext(&e)
                ),
            }
        })?;
    let body = answer.payload.map(Blob::into_inner).unwrap_or_default();
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if answer.function_error.is_some() {
        let error = value
            .get("errorType")
            .and_then(Value::as_str)
            .unwrap_or("Lambda.Unknown")
            .to_owned();
        return Err(TaskError {
            error,
            cause: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    match serde_json::from_value::<ToolResult>(value.clone()) {
        Ok(result) => Ok(result.output),
        Err(e) => Err(TaskError {
            error: protocol::ErrorName::Fatal.as_str().to_owned(),
            cause: format!("the tool answered something that is not a tool result ({e}): {value}"),
        }),
    }
}

/// The human-readable message of a cause: a function error document's `errorMessage`, or
/// the cause itself.
pub fn cause_message(cause: &str) -> String {
    serde_json::from_str::<Value>(cause)
        .ok()
        .and_then(|v| {
            v.get("errorMessage")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| cause.to_owned())
}
