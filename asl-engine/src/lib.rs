//! The local engine: runs an ASL document as AWS Step Functions would.
//!
//! `asl` is the language (model, paths, intrinsics, validator); this crate is running it. A
//! definition is read once into the typed model ([`asl::model::Machine`]), compiled into a
//! [`program::Program`] (each state holding its parsed paths, intrinsic calls, Choice rules,
//! JSONata expressions and templates) and then run; [`task`] is how Tasks reach Lambda
//! functions.
//!
//! Stages, each in its own module: [`program`] (the model compiled), [`context`] (the
//! execution's identity and the Context Object), [`dataflow`] (JSONPath and JSONata
//! input/output processing behind one [`dataflow::Dataflow`]), [`choice`] (Choice rules),
//! [`retry`] (Retry and Catch matching and backoff), [`history`] (AWS's history events and
//! the state-transition count), `interpreter` (the states themselves) and [`mocks`] (canned
//! Lambda answers in the conformance corpus's format).
//!
//! ```
//! use asl_engine::{run, RunOptions, Status};
//! let definition = serde_json::json!({
//!     "StartAt": "Hello",
//!     "States": {"Hello": {"Type": "Pass", "Result": {"greeting": "hi"}, "End": true}}
//! });
//! let outcome = run(&definition, serde_json::json!({}), &RunOptions::default());
//! assert_eq!(outcome.status, Status::Succeeded);
//! assert_eq!(outcome.output, Some(serde_json::json!({"greeting": "hi"})));
//! assert_eq!(outcome.transitions, 1);
//! ```

pub mod choice;
pub mod context;
pub mod dataflow;
pub mod history;
mod interpreter;
pub mod mocks;
pub mod program;
pub mod retry;
pub mod task;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde::Serialize;
use serde_json::Value;

pub use context::ExecutionIdentity;
pub use history::Event;

use crate::task::{LambdaInvoker, TaskCallbacks};

pub use asl::model::limits::{
    MAX_HISTORY_EVENTS as HISTORY_EVENT_LIMIT, MAX_PAYLOAD_BYTES as PAYLOAD_LIMIT_BYTES,
};

/// How an execution ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// Reached a Succeed state or an `End`.
    Succeeded,
    /// Failed with an error.
    Failed,
    /// Stopped by the engine's own guard (transition limit).
    Aborted,
}

impl Status {
    /// AWS's spelling (`SUCCEEDED`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "SUCCEEDED",
            Status::Failed => "FAILED",
            Status::Aborted => "ABORTED",
        }
    }
}

/// An error raised while running a state: `error` and `cause` as Step Functions records
/// them (both optional: a Fail state may leave them out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Error name (`States.Runtime`, a function's `errorType`, ...).
    pub error: Option<String>,
    /// Cause text.
    pub cause: Option<String>,
}

impl Failure {
    /// A failure with both fields.
    pub fn new(error: impl Into<String>, cause: impl Into<String>) -> Self {
        Self {
            error: Some(error.into()),
            cause: Some(cause.into()),
        }
    }

    /// The error name, or the empty string.
    pub fn error_name(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }
}

/// How Wait states and retry back-off pass time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// Time advances at once (the default): long waits finish immediately.
    #[default]
    Virtual,
    /// Waits really sleep.
    Real,
}

/// Everything a run needs besides the definition and the input.
#[derive(Clone)]
pub struct RunOptions {
    /// The execution's names and ARNs (the Context Object).
    pub identity: ExecutionIdentity,
    /// Serves Lambda tasks.
    pub invoker: Arc<dyn LambdaInvoker>,
    /// The fields of the `lambda:invoke` result besides `Payload`.
    pub lambda_invoke_envelope: Value,
    /// Virtual or real time.
    pub clock: Clock,
    /// Stop with [`Status::Aborted`] past this many state transitions.
    pub max_transitions: u64,
    /// `${name}` placeholders: values substituted into the definition before it runs.
    pub substitutions: Vec<(String, String)>,
    /// Called for each history event as it happens (live trace).
    pub observer: Option<history::Observer>,
    /// Run Map iterations and Parallel branches on threads (worth it with real functions).
    pub concurrent: bool,
    /// Keep the history events in [`Outcome::history`] (they are always counted).
    pub record_history: bool,
    /// Serves `arn:aws:states:::states:startExecution` Tasks (continue-as-new).
    pub start_execution: Option<StartExecution>,
    /// Start at a recorded top-level state instead of `StartAt` (a served execution that
    /// resumes after a restart).
    pub resume: Option<Resume>,
    /// Called just before each top-level state runs, with what [`RunOptions::resume`] needs
    /// to restart there (a durable server stores it).
    pub checkpoint: Option<Checkpoint>,
    /// Set to `true` to stop the run at its next state (and in a real-clock Wait): it ends
    /// [`Status::Aborted`] (`StopExecution`).
    pub cancel: Option<Arc<AtomicBool>>,
    /// Answers the task tokens of `.waitForTaskToken` Tasks (`SendTaskSuccess`, ...); without
    /// it such a Task fails with `States.Runtime`, saying what serves them.
    pub callbacks: Option<Arc<dyn TaskCallbacks>>,
}

/// Where a top-level run stands before one of its states: enough to start there again.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct Resume {
    /// The state about to run.
    pub state: String,
    /// Its input.
    pub input: Value,
    /// The top-level variables at that point (JSONata `Assign`, JSONPath `Assign`).
    pub variables: serde_json::Map<String, Value>,
    /// State transitions so far.
    pub transitions: u64,
    /// History events so far (the next event's id is one more).
    pub events: u64,
}

/// See [`RunOptions::checkpoint`].
pub type Checkpoint = Arc<dyn Fn(&Resume) + Send + Sync>;

/// Starts another execution from a `states:startExecution` Task's parameters
/// (`StateMachineArn`, `Input`, `Name`) and returns AWS's result
/// (`{"ExecutionArn": ..., "StartDate": ...}`).
pub type StartExecution = Arc<dyn Fn(&Value) -> Result<Value, Failure> + Send + Sync>;

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions")
            .field("identity", &self.identity)
            .field("clock", &self.clock)
            .field("max_transitions", &self.max_transitions)
            .field("concurrent", &self.concurrent)
            .finish_non_exhaustive()
    }
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            identity: ExecutionIdentity::default(),
            invoker: Arc::new(mocks::MockInvoker::default()),
            lambda_invoke_envelope: mocks::default_envelope(),
            clock: Clock::Virtual,
            max_transitions: 1_000_000,
            substitutions: Vec::new(),
            observer: None,
            concurrent: false,
            record_history: true,
            start_execution: None,
            resume: None,
            checkpoint: None,
            cancel: None,
            callbacks: None,
        }
    }
}

/// The result of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// How it ended.
    pub status: Status,
    /// The execution output (when it succeeded).
    pub output: Option<Value>,
    /// Error name (when it failed).
    pub error: Option<String>,
    /// Cause (when it failed).
    pub cause: Option<String>,
    /// State transitions as AWS bills them (every state entered, retries included).
    pub transitions: u64,
    /// The history events, in order (empty unless [`RunOptions::record_history`]).
    #[serde(skip)]
    pub history: Vec<Event>,
    /// How many history events the run wrote.
    pub event_count: u64,
    /// Seconds the execution took on its clock (virtual time by default).
    pub duration_seconds: f64,
    /// Paths, intrinsic calls and JSONata expressions parsed after the
    /// [`program::Program`] was compiled, on any thread of the run (counted by
    /// [`dataflow::parses`]; 0 for every definition: running never parses).
    #[serde(skip)]
    pub parsed_at_run_time: u64,
}

/// Runs `definition` with `input`. A definition the typed model refuses fails the run with
/// `States.Runtime`, the model's error (which names the JSON pointer) as the cause.
pub fn run(definition: &Value, input: Value, options: &RunOptions) -> Outcome {
    interpreter::run(definition, input, options)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_standard_execution_stops_at_25000_history_events() {
        // An endless Pass loop: 2 events per state (entered, exited).
        let definition = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "A"}}});
        let outcome = run(&definition, json!({}), &RunOptions::default());
        assert_eq!(outcome.status, Status::Failed);
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        assert!(outcome.cause.unwrap().contains("25000 history events"));
        assert_eq!(outcome.transitions, 12_500);
    }

    #[test]
    fn outputs_over_256_kib_fail_with_data_limit_exceeded() {
        let big = "x".repeat(PAYLOAD_LIMIT_BYTES);
        let definition =
            json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": big, "End": true}}});
        let outcome = run(&definition, json!({}), &RunOptions::default());
        assert_eq!(outcome.error.as_deref(), Some("States.DataLimitExceeded"));
    }

    #[test]
    fn a_definition_the_model_refuses_fails_with_the_pointer() {
        let definition = json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Nxt": "B"}}});
        let outcome = run(&definition, json!({}), &RunOptions::default());
        assert_eq!(outcome.status, Status::Failed);
        assert_eq!(outcome.error.as_deref(), Some("States.Runtime"));
        assert!(outcome.cause.unwrap().contains("/States/A"));
        assert_eq!(outcome.transitions, 0);
    }
}
