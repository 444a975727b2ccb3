//! Running one tool call: the tool's Lambda through the Lambda Invoke API (AWS, or
//! `sfn-gen serve` locally), with the payload the machine sends ([`ToolInvocation`]), the
//! Task's `TimeoutSeconds` per attempt and its `Retry` list ([`crate::retry`]).
//!
//! Errors get the names Step Functions gives them (`agent-host`'s [`LambdaApi`], the
//! transport the hosts use), so the machine's retriers match them the same way.

use std::time::Duration;

use agent_host::transport::{Invoke, LambdaApi};
use protocol::{ExecutionRef, ToolCall, ToolInvocation, ToolResult};
use serde_json::Value;

use crate::catalog::CatalogTool;
use crate::retry::{Retried, TaskError, with_retry};

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
    let payload = serde_json::to_value(&invocation).expect("an invocation always serializes");
    let timeout = Duration::from_secs(tool.timeout_seconds.max(1));
    let api = LambdaApi::new(lambda.clone());
    with_retry(&tool.retry, || async {
        let value = api.invoke(function, &payload, timeout).await?;
        match serde_json::from_value::<ToolResult>(value.clone()) {
            Ok(result) => Ok(result.output),
            Err(e) => Err(TaskError {
                error: protocol::ErrorName::Fatal.as_str().to_owned(),
                cause: format!(
                    "the tool answered something that is not a tool result ({e}): {value}"
                ),
            }),
        }
    })
    .await
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
