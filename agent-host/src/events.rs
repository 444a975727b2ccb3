//! What a run tells its watchers while it goes: one [`Event`] per thing that happened, in
//! order, serialized as one JSON object each (`{"event": "call_finished", ...}`), which is
//! what `sfn-gen loop --format events` prints and the hybrid host streams as Server-Sent
//! Events.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

/// One call as the events name it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CallRef {
    /// The call's id (the agent's).
    pub call_id: String,
    /// The tool.
    pub tool: String,
}

/// Something that happened in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The agent step is asked for the next turn.
    StepStarted {
        /// The execution (its name) the step belongs to.
        execution: String,
        /// Turns taken before this step.
        turn: u32,
    },
    /// The agent decided.
    Decision {
        /// Turns taken, this one included.
        turn: u32,
        /// The route (`call:<tool>`, `map`, `done`, `failed`, `continue`).
        route: String,
        /// The calls it asked for.
        calls: Vec<CallRef>,
    },
    /// A call's first attempt starts.
    CallStarted {
        /// The call.
        #[serde(flatten)]
        call: CallRef,
    },
    /// An attempt failed and will be retried (per the tool's Retry list).
    CallRetrying {
        /// The call.
        #[serde(flatten)]
        call: CallRef,
        /// The error of the failed attempt.
        error: String,
        /// The wait before the next attempt.
        wait_ms: u64,
    },
    /// A call ended: its output went to the agent, or its error did (as an observation).
    CallFinished {
        /// The call.
        #[serde(flatten)]
        call: CallRef,
        /// Attempts made.
        attempts: u64,
        /// The final error, when it failed.
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<String>,
    },
    /// The run goes on in a new execution (continue-as-new).
    HandedOff {
        /// The execution that handed off.
        from: String,
        /// The execution that continues.
        to: String,
    },
    /// The run answered.
    Answer {
        /// The answer.
        answer: Value,
        /// Turns taken.
        turns: u32,
    },
    /// The run failed.
    Failed {
        /// The error name.
        error: String,
        /// Why.
        cause: String,
        /// Turns taken.
        turns: u32,
    },
}

/// Where a run's events go (called in order, from the run's task).
pub type EventSink = Arc<dyn Fn(&Event) + Send + Sync>;

/// A sink that drops every event.
pub fn ignore() -> EventSink {
    Arc::new(|_| {})
}
