//! The loop driver: the generated state machine's loop, run by a host instead of Step
//! Functions, state for state:
//!
//! | machine | driver |
//! | --- | --- |
//! | `Agent` Task (payload `{state, execution, config}`, `OutputPath: $.Payload`, its Retry, no Catch) | [`Driver::step`]: the agent function, or the agent in process, the output the whole state |
//! | `Route` Choice on `$.route` | the `match` in [`Driver::run_from`] |
//! | `Tool_<tool>` (payload `{call, execution}`, result to `$.tool.results[0]`, `States.ALL` caught to `$.failure`) | one call |
//! | `ParallelCalls` Map (`MaxConcurrency`; per call `Call_<tool>`, `CallFailed`, `UnknownTool`) | calls at once, in order, to `$.tool.results` |
//! | `Done` / `Failed` (`ErrorPath: $.error`, `CausePath: $.cause`) / `InvalidRoute` | the outcome |
//! | `ContinueAsNew` (`{handoff, parent}` to a new execution named `continue_as`) | a new execution, same run |
//!
//! Retry lists, timeouts, the loop limits and the machine's own error texts come from the
//! definition ([`crate::policy`]); calls go through an [`Invoke`] transport. So a run gives
//! the same transcript, answer and error names here as through the state machine.

use std::sync::Arc;
use std::time::Duration;

use asl::model::{STATES_ALL, error_matches};
use protocol::ErrorName;
use protocol::agent::AgentStepInput;
use protocol::call::{ExecutionRef, ToolCall};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::events::{CallRef, Event, EventSink};
use crate::policy::{MachinePolicy, TaskPolicy};
use crate::retry::{TaskError, with_retry_observed};
use crate::transport::Invoke;

/// The function name the agent runs on unless told otherwise (as `sfn-gen serve
/// --workspace-lambdas` and `sfn-gen run` name it).
pub const AGENT_FUNCTION: &str = "agent-lambda";

/// Which function serves the agent and each tool.
#[derive(Debug, Clone)]
pub struct Functions {
    /// The agent's function name or ARN.
    pub agent: String,
    /// Tool name to function name or ARN; a tool not listed runs on the function of its
    /// name.
    pub tools: std::collections::BTreeMap<String, String>,
}

impl Default for Functions {
    fn default() -> Self {
        Self {
            agent: AGENT_FUNCTION.to_owned(),
            tools: Default::default(),
        }
    }
}

impl Functions {
    /// The function of `tool`.
    pub fn tool(&self, tool: &str) -> String {
        self.tools
            .get(tool)
            .cloned()
            .unwrap_or_else(|| tool.to_owned())
    }
}

/// How the agent step runs.
#[derive(Clone)]
pub enum AgentStep {
    /// Its function, through the transport (P1: the deployed or served agent Lambda).
    Function,
    /// In this process (P4: the transcript of a running run stays in memory).
    InProcess(Arc<agent_lambda::Agent>),
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RunStatus {
    /// It answered.
    Succeeded,
    /// A guard, a tool's uncaught error, the agent or the route failed it.
    Failed,
}

/// A finished run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunOutcome {
    /// `SUCCEEDED` or `FAILED`.
    pub status: RunStatus,
    /// The answer, when it succeeded.
    pub answer: Option<Value>,
    /// The error name, when it failed.
    pub error: Option<String>,
    /// Why, when it failed.
    pub cause: Option<String>,
    /// Turns taken.
    pub turns: u32,
    /// The executions of the run, in order (more than one after a hand-off).
    pub executions: Vec<ExecutionRef>,
    /// The last state: the agent's last output (the machine's execution output).
    pub output: Value,
}

impl RunOutcome {
    /// The execution the run ended in.
    pub fn last_execution(&self) -> &ExecutionRef {
        self.executions.last().expect("a run has an execution")
    }

    /// The transcript's latest segment, when the agent wrote one.
    pub fn transcript(&self) -> Option<protocol::OffloadPointer> {
        serde_json::from_value(self.output.get("transcript")?.clone()).ok()
    }
}

/// Where a run is between turns: enough to go on after a restart.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Checkpoint {
    /// The executions so far (the last one is running).
    pub executions: Vec<ExecutionRef>,
    /// The state the next agent step gets.
    pub state: Value,
}

/// Called with each [`Checkpoint`], before each agent step.
pub type CheckpointSink = Arc<dyn Fn(&Checkpoint) + Send + Sync>;

/// The loop driver.
#[derive(Clone)]
pub struct Driver {
    invoker: Arc<dyn Invoke>,
    policy: Arc<MachinePolicy>,
    functions: Functions,
    agent: AgentStep,
    /// The state machine name in the execution ids this host makes up.
    machine_name: String,
}

impl Driver {
    /// A driver calling functions through `invoker` with the machine's `policy`.
    pub fn new(invoker: Arc<dyn Invoke>, policy: MachinePolicy, functions: Functions) -> Self {
        Self {
            invoker,
            policy: Arc::new(policy),
            functions,
            agent: AgentStep::Function,
            machine_name: "agent-loop".to_owned(),
        }
    }

    /// Runs the agent step as `agent` says.
    pub fn with_agent(mut self, agent: AgentStep) -> Self {
        self.agent = agent;
        self
    }

    /// Names executions `arn:aws:states:us-east-1:111111111111:execution:<name>:<run>`
    /// (the offload store keeps each execution's data under `<name>/<run>`).
    pub fn with_machine_name(mut self, name: impl Into<String>) -> Self {
        self.machine_name = name.into();
        self
    }

    /// The machine's policy.
    pub fn policy(&self) -> &MachinePolicy {
        &self.policy
    }

    /// An execution of this host named `name`.
    pub fn execution(&self, name: &str) -> ExecutionRef {
        ExecutionRef {
            id: format!(
                "arn:aws:states:us-east-1:111111111111:execution:{}:{name}",
                self.machine_name
            ),
            name: name.to_owned(),
        }
    }

    /// Runs `input` (the start input the state machine takes) to its end.
    pub async fn run(&self, input: Value, name: Option<String>, events: EventSink) -> RunOutcome {
        let name = name.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
        let start = Checkpoint {
            executions: vec![self.execution(&name)],
            state: input,
        };
        self.run_from(start, events, None).await
    }

    /// Runs from `checkpoint` to the end, telling `checkpoints` where the run is before
    /// each agent step.
    pub async fn run_from(
        &self,
        checkpoint: Checkpoint,
        events: EventSink,
        checkpoints: Option<CheckpointSink>,
    ) -> RunOutcome {
        let Checkpoint {
            mut executions,
            mut state,
        } = checkpoint;
        let turn_of = |state: &Value| state["turn"].as_u64().unwrap_or(0) as u32;
        // Every way a run ends: the outcome, and its last event.
        let answered = |output: Value, executions| {
            let answer = output.get("answer").cloned().unwrap_or(Value::Null);
            let turns = turn_of(&output);
            events(&Event::Answer {
                answer: answer.clone(),
                turns,
            });
            RunOutcome {
                status: RunStatus::Succeeded,
                answer: Some(answer),
                error: None,
                cause: None,
                turns,
                executions,
                output,
            }
        };
        let failed = |output: Value, error: String, cause: String, executions| {
            let turns = turn_of(&output);
            events(&Event::Failed {
                error: error.clone(),
                cause: cause.clone(),
                turns,
            });
            RunOutcome {
                status: RunStatus::Failed,
                answer: None,
                error: Some(error),
                cause: Some(cause),
                turns,
                executions,
                output,
            }
        };
        loop {
            let execution = executions.last().expect("a run has an execution").clone();
            if let Some(sink) = &checkpoints {
                sink(&Checkpoint {
                    executions: executions.clone(),
                    state: state.clone(),
                });
            }
            events(&Event::StepStarted {
                execution: execution.name.clone(),
                turn: turn_of(&state),
            });
            let payload = json!({
                "state": state,
                "execution": execution,
                "config": self.policy.config,
            });
            let output = match self.step(&payload).await {
                Ok(output) => output,
                Err(e) => return failed(state, e.error, e.cause, executions),
            };
            let route = output["route"].as_str().unwrap_or_default().to_owned();
            let calls: Vec<ToolCall> =
                serde_json::from_value(output["calls"].clone()).unwrap_or_default();
            events(&Event::Decision {
                turn: turn_of(&output),
                route: route.clone(),
                calls: calls.iter().map(call_ref).collect(),
            });
            match route.as_str() {
                "done" => return answered(output, executions),
                "failed" => {
                    let error = output["error"].as_str().unwrap_or_default().to_owned();
                    let cause = output["cause"].as_str().unwrap_or_default().to_owned();
                    return failed(output, error, cause, executions);
                }
                "continue" => {
                    let next = output["continue_as"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    let child = self.execution(&next);
                    events(&Event::HandedOff {
                        from: execution.name.clone(),
                        to: child.name.clone(),
                    });
                    state = json!({
                        "handoff": output["handoff"],
                        "parent": execution,
                        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": execution.id,
                    });
                    executions.push(child);
                }
                "map" => {
                    let results = self.run_parallel(&calls, &execution, &events).await;
                    match results {
                        Ok(results) => {
                            state = output;
                            state["tool"] = json!({ "results": results });
                        }
                        Err(e) => return failed(output, e.error, e.cause, executions),
                    }
                }
                single
                    if single
                        .strip_prefix("call:")
                        .is_some_and(|tool| self.policy.tool(tool).is_some()) =>
                {
                    let tool = &single["call:".len()..];
                    let policy = self.policy.tool(tool).expect("checked by the guard");
                    let Some(call) = calls.first() else {
                        // `$.calls[0]` of an empty list: the Task's Parameters fail.
                        let cause = format!(
                            "The JSONPath '$.calls[0]' specified for the field 'call.$' could not be found in the input '{output}'"
                        );
                        return failed(output, "States.Runtime".to_owned(), cause, executions);
                    };
                    let result = self.call(call, policy, &execution, &events).await;
                    state = output;
                    match result {
                        Ok(payload) => state["tool"] = json!({ "results": [payload] }),
                        Err(e) if caught(&e.error) => {
                            state["failure"] = json!({"Error": e.error, "Cause": e.cause})
                        }
                        Err(e) => return failed(state, e.error, e.cause, executions),
                    }
                }
                _ => {
                    let (error, cause) = self.policy.invalid_route.clone();
                    return failed(output, error, cause, executions);
                }
            }
        }
    }

    /// The agent step with the `Agent` Task's timeout and Retry list.
    async fn step(&self, payload: &Value) -> Result<Value, TaskError> {
        let policy = &self.policy.agent;
        let retried = with_retry_observed(
            &policy.retry,
            || self.step_once(payload, policy.timeout),
            |e, wait| tracing::info!(error = %e.error, wait_ms = wait.as_millis() as u64, "agent step retried"),
        )
        .await;
        retried.result
    }

    async fn step_once(&self, payload: &Value, timeout: Duration) -> Result<Value, TaskError> {
        match &self.agent {
            AgentStep::Function => {
                self.invoker
                    .invoke(&self.functions.agent, payload, timeout)
                    .await
            }
            AgentStep::InProcess(agent) => {
                let input: AgentStepInput =
                    serde_json::from_value(payload.clone()).map_err(|e| TaskError {
                        error: ErrorName::InvalidStart.as_str().to_owned(),
                        cause: function_error(
                            ErrorName::InvalidStart.as_str(),
                            &format!("the agent's input does not match AgentStepInput: {e}"),
                        ),
                    })?;
                match tokio::time::timeout(timeout, agent.step(input)).await {
                    Err(_) => Err(TaskError {
                        error: crate::transport::STATES_TIMEOUT.to_owned(),
                        cause: format!(
                            "the agent step did not finish within {}s",
                            timeout.as_secs()
                        ),
                    }),
                    Ok(Ok(output)) => {
                        Ok(serde_json::to_value(output).expect("an output serializes"))
                    }
                    Ok(Err(e)) => Err(TaskError {
                        error: e.name.as_str().to_owned(),
                        cause: function_error(e.name.as_str(), &e.message),
                    }),
                }
            }
        }
    }

    /// One call with its tool's timeout and Retry list: the tool's payload, or its last
    /// error.
    async fn call(
        &self,
        call: &ToolCall,
        policy: &TaskPolicy,
        execution: &ExecutionRef,
        events: &EventSink,
    ) -> Result<Value, TaskError> {
        let reference = call_ref(call);
        events(&Event::CallStarted {
            call: reference.clone(),
        });
        let payload = json!({"call": call, "execution": execution});
        let function = self.functions.tool(&call.tool);
        let retried = with_retry_observed(
            &policy.retry,
            || self.invoker.invoke(&function, &payload, policy.timeout),
            |e, wait| {
                events(&Event::CallRetrying {
                    call: reference.clone(),
                    error: e.error.clone(),
                    wait_ms: wait.as_millis() as u64,
                })
            },
        )
        .await;
        events(&Event::CallFinished {
            call: reference,
            attempts: retried.attempts,
            error: retried.result.as_ref().err().map(|e| e.error.clone()),
        });
        retried.result
    }

    /// The Map: every call at once (up to `MaxConcurrency`), each result or error
    /// observation in the calls' order; an error no Catch takes fails the whole turn.
    async fn run_parallel(
        &self,
        calls: &[ToolCall],
        execution: &ExecutionRef,
        events: &EventSink,
    ) -> Result<Vec<Value>, TaskError> {
        let limit = Arc::new(Semaphore::new(self.policy.max_concurrency.max(1)));
        let mut tasks = Vec::with_capacity(calls.len());
        for call in calls {
            let this = self.clone();
            let call = call.clone();
            let execution = execution.clone();
            let events = events.clone();
            let limit = limit.clone();
            tasks.push(tokio::spawn(async move {
                let _slot = limit.acquire_owned().await.expect("never closed");
                let Some(policy) = this.policy.tool(&call.tool) else {
                    let (error, cause) = this.policy.unknown_tool.clone();
                    return Ok(observation(&call, &error, &cause));
                };
                match this.call(&call, policy, &execution, &events).await {
                    Ok(payload) => Ok(payload),
                    Err(e) if caught(&e.error) => Ok(observation(&call, &e.error, &e.cause)),
                    Err(e) => Err(e),
                }
            }));
        }
        let mut results = Vec::with_capacity(tasks.len());
        for task in tasks {
            let result = task.await.map_err(|e| TaskError {
                error: "States.Runtime".to_owned(),
                cause: format!("a parallel call was lost: {e}"),
            })?;
            results.push(result?);
        }
        Ok(results)
    }
}

/// Whether a tool Task's `Catch` (`States.ALL`) takes `error`.
fn caught(error: &str) -> bool {
    error_matches(&[STATES_ALL.to_owned()], error)
}

/// `CallFailed` and `UnknownTool`: an error observation for the agent.
fn observation(call: &ToolCall, error: &str, cause: &str) -> Value {
    json!({"call_id": call.call_id, "tool": call.tool, "error": error, "cause": cause})
}

fn call_ref(call: &ToolCall) -> CallRef {
    CallRef {
        call_id: call.call_id.clone(),
        tool: call.tool.clone(),
    }
}

/// The error document Lambda writes for a function error (the `Cause` Step Functions
/// records).
fn function_error(error: &str, message: &str) -> String {
    json!({"errorType": error, "errorMessage": message}).to_string()
}
