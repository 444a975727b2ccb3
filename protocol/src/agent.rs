//! The agent step's input and output: the small state the loop carries.
//!
//! The generated state machine passes its whole state to the agent Lambda as
//! [`AgentStepInput::state`], with the execution's identity from the Context Object and the
//! loop's limits as constants written by the generator. The agent answers with an
//! [`AgentStepOutput`], which becomes the whole state for the next states (the Task uses
//! `OutputPath: $.Payload`), so stale fields never accumulate. The transcript itself lives in
//! the offload store as an append-only chain of segments (one per step, holding that step's
//! new entries; `agent-lambda`'s `transcript::chain`); the state holds the pointer of the
//! latest segment and a few counters, and stays under 8 KiB.
//!
//! Routing: the state machine's Choice reads only [`AgentStepOutput::route`], a [`Route`]
//! in its wire form (`done`, `failed`, `continue`, `call:<tool>`, `map`; the table is in
//! [`crate::route`]). A continued execution starts with [`ContinueInput`].
//!
//! A tool Task writes its result to `$.tool` (`{"results": [ToolOutcome]}`); a caught error
//! of the single-call path lands in `$.failure` (`{"Error": ..., "Cause": ...}`), which the
//! agent pairs with `calls[0]`.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::call::{ExecutionRef, ToolCall};
use crate::pointer::OffloadPointer;
use crate::route::Route;

/// What the agent Lambda receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgentStepInput {
    /// The state the loop carries (the start input on the first turn).
    pub state: LoopState,
    /// The execution (from the Context Object).
    pub execution: ExecutionRef,
    /// Limits written into the state machine by the generator.
    #[serde(default)]
    pub config: LoopConfig,
}

/// The state between steps: the start input on the first turn, then the previous
/// [`AgentStepOutput`] plus whatever the tool states added (`tool`, `failure`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoopState {
    /// The goal (start input only; afterwards it lives in the transcript).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goal: Option<String>,
    /// Options from the start input (reasoner choice, plan, model id, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Value>,
    /// The transcript's latest segment; absent on the first turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<OffloadPointer>,
    /// Turns taken so far (across continue-as-new hand-offs).
    #[serde(default)]
    pub turn: u32,
    /// Consecutive failures per tool.
    #[serde(default)]
    pub failures: BTreeMap<String, u32>,
    /// The calls of the previous step.
    #[serde(default)]
    pub calls: Vec<ToolCall>,
    /// Results of those calls (written by the tool states).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool: Option<ToolResults>,
    /// A caught error of the single-call path (ASL error output: `Error`, `Cause`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<CaughtError>,
    /// Set on a continued execution: the execution that handed off (its transcript is
    /// copied into this execution's prefix on the first step).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ExecutionRef>,
    /// Set on a continued execution: the [`HandoffRecord`] the parent wrote into its own
    /// folder, naming this execution. The record, not the start input, carries the
    /// transcript, turn and failures; without it a start input that carries them is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<OffloadPointer>,
    /// Any other field is kept but ignored.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// `{"results": [...]}` as written by a tool Task's ResultSelector or by the Map state.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolResults {
    /// One outcome per call.
    pub results: Vec<ToolOutcome>,
}

/// The ASL error output of a Catch (`{"Error": ..., "Cause": ...}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CaughtError {
    /// The error name: a tool's `ToolError.*`, or AWS's (`States.Timeout`,
    /// `Lambda.ServiceException`, ...) when the Task itself failed.
    #[serde(rename = "Error")]
    pub error: String,
    /// The failure's description, as the Lambda or Step Functions wrote it (may be JSON).
    #[serde(rename = "Cause", default)]
    pub cause: String,
}

/// The outcome of one call: an output, or an error observation for the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolOutcome {
    /// The call's identifier.
    pub call_id: String,
    /// The tool's name.
    pub tool: String,
    /// The output (or an offload pointer), when the call succeeded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<Value>,
    /// The error name, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The cause, when it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

/// Loop limits, written by the generator as constants into the agent Task's payload so that
/// the agent and the state machine's guards agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LoopConfig {
    /// The run fails with `Agent.TurnLimit` after this many turns.
    #[serde(default = "default_max_turns")]
    pub max_turns: u32,
    /// The run fails with `Agent.CircuitOpen` after this many consecutive failures of one tool.
    #[serde(default = "default_failure_threshold")]
    pub failure_threshold: u32,
    /// Turns per execution before a continue-as-new hand-off (keeps a Standard execution's
    /// history well under its 25,000 events).
    #[serde(default = "default_turns_per_execution")]
    pub turns_per_execution: u32,
}

fn default_max_turns() -> u32 {
    50
}
fn default_failure_threshold() -> u32 {
    5
}
fn default_turns_per_execution() -> u32 {
    200
}

impl Default for LoopConfig {
    fn default() -> Self {
        Self {
            max_turns: default_max_turns(),
            failure_threshold: default_failure_threshold(),
            turns_per_execution: default_turns_per_execution(),
        }
    }
}

/// The step's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AgentStatus {
    /// Run the calls in `calls`, then step again.
    ToolCalls,
    /// Finished; `answer` holds the result.
    Done,
    /// Ended by a guard or an unrecoverable error; `error` and `cause` say why.
    Failed,
    /// Hand off to a new execution (continue-as-new).
    Continue,
}

/// What the agent Lambda returns; it becomes the whole state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AgentStepOutput {
    /// The verdict.
    pub status: AgentStatus,
    /// The routing key for the state machine's Choice (serialized as its wire name).
    pub route: Route,
    /// Calls to run (empty unless `status` is `tool_calls`).
    #[serde(default)]
    pub calls: Vec<ToolCall>,
    /// The final answer, when `status` is `done` (or a pointer to it when large).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Value>,
    /// Error name, when `status` is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Cause, when `status` is `failed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
    /// The latest segment of the conversation's chain (in this execution's offload
    /// folder; it links back to the earlier ones); the state carries only this pointer.
    pub transcript: OffloadPointer,
    /// Turns taken so far.
    pub turn: u32,
    /// Consecutive failures per tool.
    #[serde(default)]
    pub failures: BTreeMap<String, u32>,
    /// When `status` is `continue`: the [`HandoffRecord`] for the next execution.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handoff: Option<OffloadPointer>,
    /// When `status` is `continue`: the name the next execution must be started with (the
    /// record names it; it is random, so no one else can claim the hand-off first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continue_as: Option<String>,
}

/// The input of a continued execution (continue-as-new), started with the name
/// [`AgentStepOutput::continue_as`]: the parent and its hand-off record, nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ContinueInput {
    /// The [`HandoffRecord`] in the parent's folder.
    pub handoff: OffloadPointer,
    /// The execution that handed off.
    pub parent: ExecutionRef,
}

/// What a parent execution hands to the execution it starts: written by the agent into the
/// parent's own folder (which only the deployment's functions can write), read back by the
/// child's first step, which checks that it names the child and the parent. This is the
/// proof of a hand-off: a caller who can start executions cannot forge one, because the
/// pointer must verify inside the parent's folder and the record must name the caller's
/// execution, whose name the parent chose at random.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct HandoffRecord {
    /// The execution that handed off.
    pub parent: ExecutionRef,
    /// The name of the execution that may continue (the parent's `continue_as`).
    pub child: String,
    /// The transcript's latest segment (in the parent's folder); the child's segments link
    /// to it, nothing is copied.
    pub transcript: OffloadPointer,
    /// Turns taken so far.
    pub turn: u32,
    /// Consecutive failures per tool.
    pub failures: BTreeMap<String, u32>,
}
