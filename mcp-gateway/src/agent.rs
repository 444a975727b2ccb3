//! The agent itself as MCP tools: `run_agent` starts an execution of the agent machine
//! (StartExecution: durable before the reply), and an execution's state is read back with
//! DescribeExecution and mapped onto an MCP task ([`run_state`]): RUNNING is `working`
//! (statusMessage: the state it is in and its turn), SUCCEEDED `completed` with the
//! answer, FAILED and TIMED_OUT `completed` with `isError` naming the agent's error,
//! ABORTED `cancelled`. `get_agent_run` reads the same for a client without Tasks.

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent};
use rmcp::model::{CallToolResult, ContentBlock, Tool};
use serde_json::{Value, json};

/// The tool that starts an agent run.
pub const RUN_AGENT: &str = "run_agent";
/// The tool that reads a run's state (for clients without the Tasks extension).
pub const GET_AGENT_RUN: &str = "get_agent_run";

/// The listed definitions of [`RUN_AGENT`] and [`GET_AGENT_RUN`].
pub fn agent_tools() -> Vec<Tool> {
    let run = json!({
        "name": RUN_AGENT,
        "title": "Run the agent",
        "description": "Runs the agent on a goal, as a durable Step Functions execution. With the \
            MCP Tasks extension the call returns a task at once; otherwise it waits for the \
            answer for a bounded time and, if the run is still going, returns a `handle` to poll \
            with `get_agent_run`.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "goal": {"type": "string", "minLength": 1, "description": "What the agent should achieve."},
                "options": {"type": "object", "description": "Agent options (reasoner, plan, model settings), passed through as the execution's `options`."}
            },
            "required": ["goal"],
            "additionalProperties": false
        },
        "annotations": {"readOnlyHint": false, "destructiveHint": false, "openWorldHint": true}
    });
    let get = json!({
        "name": GET_AGENT_RUN,
        "title": "Get an agent run",
        "description": "The state of an agent run started by `run_agent`: still working (with the \
            state and turn it is at), its answer, its error, or cancelled.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "handle": {"type": "string", "minLength": 1, "description": "The `handle` run_agent returned."}
            },
            "required": ["handle"],
            "additionalProperties": false
        },
        "annotations": {"readOnlyHint": true, "idempotentHint": true, "openWorldHint": false}
    });
    [run, get]
        .into_iter()
        .map(|t| serde_json::from_value(t).expect("the agent tools are valid MCP tools"))
        .collect()
}

/// Where a run is, in MCP terms.
#[derive(Debug, Clone, PartialEq)]
pub enum RunState {
    /// Still running; the message says where.
    Working(String),
    /// Ended; the `CallToolResult` the run answers (an error result when it failed).
    Completed(CallToolResult),
    /// Stopped (StopExecution, or `tasks/cancel`).
    Cancelled,
}

/// What DescribeExecution said about a run, reduced to what the mapping needs.
#[derive(Debug, Clone)]
pub struct Described {
    /// The execution ARN.
    pub arn: String,
    /// Its status.
    pub status: ExecutionStatus,
    /// Its output (SUCCEEDED).
    pub output: Option<String>,
    /// Its error name (FAILED, TIMED_OUT).
    pub error: Option<String>,
    /// Its cause.
    pub cause: Option<String>,
}

/// The MCP state of a run; `where_now` describes a running one.
pub fn run_state(run: &Described, where_now: impl FnOnce() -> String) -> RunState {
    match &run.status {
        ExecutionStatus::Succeeded => {
            let output: Value = run
                .output
                .as_deref()
                .and_then(|o| serde_json::from_str(o).ok())
                .unwrap_or(Value::Null);
            let answer = output.get("answer").cloned().unwrap_or(Value::Null);
            let text = match &answer {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
            result.structured_content = Some(json!({
                "answer": answer,
                "turn": output.get("turn").cloned().unwrap_or(Value::Null),
                "executionArn": run.arn,
            }));
            RunState::Completed(result)
        }
        ExecutionStatus::Failed | ExecutionStatus::TimedOut => {
            let error = run.error.clone().unwrap_or_else(|| {
                if run.status == ExecutionStatus::TimedOut {
                    asl::model::STATES_TIMEOUT.to_owned()
                } else {
                    "States.Runtime".to_owned()
                }
            });
            let cause = run.cause.clone().unwrap_or_default();
            let mut result = CallToolResult::error(vec![ContentBlock::text(format!(
                "the agent run ended with `{error}`: {cause}"
            ))]);
            result.structured_content = Some(json!({
                "error": error,
                "cause": cause,
                "executionArn": run.arn,
            }));
            RunState::Completed(result)
        }
        ExecutionStatus::Aborted => RunState::Cancelled,
        _ => RunState::Working(where_now()),
    }
}

/// "in state `X`, turn N" from the newest events of a history read newest first.
pub fn position(events: &[HistoryEvent]) -> String {
    let entered = events
        .iter()
        .find_map(|e| e.state_entered_event_details.as_ref());
    let Some(entered) = entered else {
        return "starting".to_owned();
    };
    let turn = entered
        .input
        .as_deref()
        .and_then(|i| serde_json::from_str::<Value>(i).ok())
        .and_then(|v| v.get("turn").and_then(Value::as_u64));
    match turn {
        Some(turn) => format!("in state `{}`, turn {turn}", entered.name),
        None => format!("in state `{}`", entered.name),
    }
}

/// The execution input of a `run_agent` call, or what is wrong with its arguments.
pub fn start_input(arguments: &Value) -> Value {
    let mut input = json!({"goal": arguments.get("goal").cloned().unwrap_or(Value::Null)});
    if let Some(options) = arguments.get("options") {
        input["options"] = options.clone();
    }
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    fn described(status: ExecutionStatus) -> Described {
        Described {
            arn: "arn:aws:states:us-east-1:1:execution:agent:x".into(),
            status,
            output: None,
            error: None,
            cause: None,
        }
    }

    #[test]
    fn each_execution_status_maps_to_its_task_state() {
        let mut done = described(ExecutionStatus::Succeeded);
        done.output = Some(r#"{"status":"done","answer":{"product":"12.5"},"turn":4}"#.into());
        let RunState::Completed(result) = run_state(&done, || unreachable!()) else {
            panic!("succeeded is completed")
        };
        assert_eq!(result.is_error, Some(false));
        assert_eq!(
            result.structured_content.unwrap()["answer"]["product"],
            "12.5"
        );

        let mut failed = described(ExecutionStatus::Failed);
        failed.error = Some("Agent.CircuitOpen".into());
        failed.cause = Some("calculator failed 3 times".into());
        let RunState::Completed(result) = run_state(&failed, || unreachable!()) else {
            panic!("failed is completed with isError")
        };
        assert_eq!(result.is_error, Some(true));
        assert_eq!(
            result.structured_content.unwrap()["error"],
            "Agent.CircuitOpen"
        );

        let RunState::Completed(timed_out) =
            run_state(&described(ExecutionStatus::TimedOut), || unreachable!())
        else {
            panic!("timed out is completed with isError")
        };
        assert_eq!(
            timed_out.structured_content.unwrap()["error"],
            "States.Timeout"
        );

        assert_eq!(
            run_state(&described(ExecutionStatus::Aborted), || unreachable!()),
            RunState::Cancelled
        );
        assert_eq!(
            run_state(&described(ExecutionStatus::Running), || "in state `Agent`"
                .into()),
            RunState::Working("in state `Agent`".into())
        );
    }

    #[test]
    fn the_position_names_the_newest_state_and_its_turn() {
        let entered = |name: &str, input: &str| {
            HistoryEvent::builder()
                .id(1)
                .r#type(aws_sdk_sfn::types::HistoryEventType::TaskStateEntered)
                .timestamp(aws_sdk_sfn::primitives::DateTime::from_secs(0))
                .state_entered_event_details(
                    aws_sdk_sfn::types::StateEnteredEventDetails::builder()
                        .name(name)
                        .input(input)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        };
        let newest_first = [
            entered("Tool_calculator", r#"{"turn":2}"#),
            entered("Agent", "{}"),
        ];
        assert_eq!(
            position(&newest_first),
            "in state `Tool_calculator`, turn 2"
        );
        assert_eq!(position(&[]), "starting");
    }
}
