//! The states themselves: Pass, Task, Choice, Wait, Succeed, Fail, Parallel and Map, in
//! JSONPath and JSONata, with Retry and Catch, variables and history events.
//!
//! The interpreter runs a compiled [`Program`] (see [`crate::program`]): it never reads the
//! definition's JSON and never parses. A state machine (the top level, a Parallel branch or
//! a Map's item processor) runs in [`Runner::run_machine`]; each state in
//! [`Runner::run_state`], which records the entered and exited events, counts the
//! transition and turns data-flow errors into AWS's causes. The data flow of each state is
//! its [`dataflow::Dataflow`], the same code for JSONPath and JSONata.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::choice::parse_timestamp;
use super::context;
use super::dataflow::{self, DataError, Finished, Io, Produced, compact};
use super::history::{Recorder, text};
use super::program::{Body, Graph, Program, StateProgram};
use super::{Clock, Failure, Outcome, Resume, RunOptions, Status};
use crate::task::{InvokeError, InvokeRequest};

mod composite;
mod flow;
mod size;
mod task;

use size::exceeds_payload_limit;

/// Error raised when the engine's transition limit stops a run.
pub const TRANSITION_LIMIT_ERROR: &str =
    protocol::errors::ErrorName::TransitionLimitExceeded.as_str();

/// Variables visible to a state machine: its own, then its parents'.
#[derive(Default)]
struct VarScope {
    parent: Option<Arc<VarScope>>,
    own: Mutex<Map<String, Value>>,
}

impl VarScope {
    fn child(parent: &Arc<VarScope>) -> Arc<VarScope> {
        Arc::new(VarScope {
            parent: Some(parent.clone()),
            own: Mutex::new(Map::new()),
        })
    }

    fn get(&self, name: &str) -> Option<Value> {
        let own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        match own.get(name) {
            Some(value) => Some(value.clone()),
            None => {
                drop(own);
                self.parent.as_ref().and_then(|p| p.get(name))
            }
        }
    }

    fn all(&self) -> Map<String, Value> {
        let Some(parent) = &self.parent else {
            return self.own.lock().unwrap_or_else(|e| e.into_inner()).clone();
        };
        let mut all = parent.all();
        for (k, v) in self.own.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            all.insert(k.clone(), v.clone());
        }
        all
    }

    fn assign(&self, values: Map<String, Value>) {
        let mut own = self.own.lock().unwrap_or_else(|e| e.into_inner());
        for (k, v) in values {
            own.insert(k, v);
        }
    }
}

/// Where a state machine runs: its variables.
#[derive(Clone)]
struct Frame {
    vars: Arc<VarScope>,
}

/// What a state hands on: its output and the next state's index (`None`: the machine
/// ends).
struct Step {
    output: Value,
    next: Option<usize>,
}

/// A state's error before AWS's cause prefix is added.
enum StateError {
    Data(DataError),
    Failed(Failure),
}

impl From<DataError> for StateError {
    fn from(e: DataError) -> Self {
        StateError::Data(e)
    }
}

impl From<Failure> for StateError {
    fn from(f: Failure) -> Self {
        StateError::Failed(f)
    }
}

struct Runner<'a> {
    options: &'a RunOptions,
    recorder: Recorder,
    context_base: Map<String, Value>,
    start: DateTime<Utc>,
    started: Instant,
    virtual_elapsed: Mutex<f64>,
    aborted: AtomicBool,
    /// The execution is an Express one (no history-length limit).
    express: bool,
    /// Parses on the threads Map and Parallel spawned (see [`Outcome::parsed_at_run_time`]).
    worker_parses: std::sync::atomic::AtomicU64,
}

pub(super) fn run(definition: &Value, input: Value, options: &RunOptions) -> Outcome {
    // The definition becomes the typed model, then a program: everything is parsed here,
    // once, and no JSON of the definition is kept for the run. A definition the model
    // refuses fails the run, saying where.
    let program = compile(definition, &options.substitutions);
    let start = DateTime::parse_from_rfc3339(&options.identity.start_time)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now());
    let mut recorder = Recorder::new(options.observer.clone(), options.record_history, start);
    // A resumed run continues the execution's counts and its clock.
    let mut started = Instant::now();
    if let Some(resume) = &options.resume {
        recorder = recorder.continuing(resume.events, resume.transitions);
        let behind = (Utc::now() - start).to_std().unwrap_or_default();
        started = started.checked_sub(behind).unwrap_or(started);
    }
    let original_input = match &options.resume {
        Some(_) => options
            .identity
            .original_input
            .clone()
            .unwrap_or_else(|| input.clone()),
        None => input.clone(),
    };
    let runner = Runner {
        options,
        recorder,
        context_base: options.identity.context_base(&original_input),
        start,
        started,
        virtual_elapsed: Mutex::new(0.0),
        aborted: AtomicBool::new(false),
        express: options.identity.is_express(),
        worker_parses: std::sync::atomic::AtomicU64::new(0),
    };
    if options.resume.is_none() {
        let mut details = Map::new();
        details.insert("input".into(), text(&input));
        details.insert(
            "roleArn".into(),
            Value::from(options.identity.role_arn.clone()),
        );
        runner.record("ExecutionStarted", details);
    }
    let vars = VarScope::default();
    if let Some(resume) = &options.resume {
        vars.assign(resume.variables.clone());
    }
    let frame = Frame {
        vars: Arc::new(vars),
    };
    let parsed_before = dataflow::parses();
    let result = match &program {
        Ok(program) => {
            let start_at = options.resume.as_ref().map(|r| r.state.as_str());
            runner.run_top_level(&program.root, start_at, input, &frame)
        }
        Err(error) => Err(Failure::new("States.Runtime", error.to_string())),
    };
    let parsed_at_run_time =
        dataflow::parses() - parsed_before + runner.worker_parses.load(Ordering::Relaxed);
    let transitions = runner.recorder.transitions();
    let duration_seconds = runner.elapsed();
    let aborted = runner.aborted.load(Ordering::Relaxed);
    let (status, output, error, cause) = match result {
        Ok(output) => {
            let mut details = Map::new();
            details.insert("output".into(), text(&output));
            runner.record("ExecutionSucceeded", details);
            (Status::Succeeded, Some(output), None, None)
        }
        Err(failure) => {
            let mut details = Map::new();
            if let Some(error) = &failure.error {
                details.insert("error".into(), Value::from(error.clone()));
            }
            if let Some(cause) = &failure.cause {
                details.insert("cause".into(), Value::from(cause.clone()));
            }
            let kind = if aborted {
                "ExecutionAborted"
            } else {
                "ExecutionFailed"
            };
            runner.record(kind, details);
            let status = if aborted {
                Status::Aborted
            } else {
                Status::Failed
            };
            (status, None, failure.error, failure.cause)
        }
    };
    // Counted after the execution's last event, so it equals the history's length.
    let event_count = runner.recorder.event_count();
    Outcome {
        status,
        output,
        error,
        cause,
        transitions,
        history: runner.recorder.into_events(),
        event_count,
        duration_seconds,
        parsed_at_run_time,
    }
}

/// Substitutes the `${name}` placeholders, then reads and compiles the definition.
fn compile(
    definition: &Value,
    substitutions: &[(String, String)],
) -> Result<Program, asl::model::ModelError> {
    if substitutions.is_empty() {
        return Program::from_definition(definition);
    }
    let mut textual = compact(definition);
    for (name, value) in substitutions {
        let quoted = compact(&Value::String(value.clone()));
        textual = textual.replace(&format!("${{{name}}}"), &quoted[1..quoted.len() - 1]);
    }
    match serde_json::from_str(&textual) {
        Ok(substituted) => Program::from_definition(&substituted),
        Err(_) => Program::from_definition(definition),
    }
}

/// The function name in a Lambda ARN, a partial ARN, or a plain name (aliases and
/// versions dropped).
pub fn function_name(resource: &str) -> String {
    let after = match resource.find(":function:") {
        Some(i) => &resource[i + ":function:".len()..],
        None => resource,
    };
    let name = after.split(':').next().unwrap_or(after);
    let name = name
        .strip_prefix("${")
        .and_then(|n| n.strip_suffix('}'))
        .unwrap_or(name);
    name.to_owned()
}

impl Runner<'_> {
    fn elapsed(&self) -> f64 {
        match self.options.clock {
            Clock::Virtual => *self
                .virtual_elapsed
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
            Clock::Real => self.started.elapsed().as_secs_f64(),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        let millis = (self.elapsed() * 1000.0) as i64;
        self.start + chrono::Duration::milliseconds(millis)
    }

    fn now_iso(&self) -> String {
        self.now().format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }

    /// Lets `seconds` pass on the run's clock.
    fn sleep(&self, seconds: f64) {
        if seconds <= 0.0 {
            return;
        }
        match self.options.clock {
            Clock::Virtual => {
                *self
                    .virtual_elapsed
                    .lock()
                    .unwrap_or_else(|e| e.into_inner()) += seconds;
            }
            Clock::Real => {
                // In slices, so that a cancelled run stops waiting.
                let until = Instant::now() + Duration::from_secs_f64(seconds);
                while !self.cancelled() {
                    let left = until.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    std::thread::sleep(left.min(Duration::from_millis(50)));
                }
            }
        }
    }

    /// Whether the run was asked to stop ([`RunOptions::cancel`]); marks it aborted.
    fn cancelled(&self) -> bool {
        let asked = self
            .options
            .cancel
            .as_ref()
            .is_some_and(|c| c.load(Ordering::Relaxed));
        if asked {
            self.aborted.store(true, Ordering::Relaxed);
        }
        asked
    }

    fn record(&self, kind: &str, details: Map<String, Value>) -> u64 {
        self.recorder.record(kind, || self.elapsed(), || details)
    }

    /// Records an event whose details are only built when events are kept or watched.
    fn record_with(&self, kind: &str, details: impl FnOnce() -> Map<String, Value>) -> u64 {
        self.recorder.record(kind, || self.elapsed(), details)
    }

    fn count_transition(&self) -> Result<(), Failure> {
        let total = self.recorder.transition();
        if total > self.options.max_transitions {
            self.aborted.store(true, Ordering::Relaxed);
            return Err(Failure::new(
                TRANSITION_LIMIT_ERROR,
                format!(
                    "the run reached the transition limit of {} state transitions; raise it with --max-transitions if the loop is intended",
                    self.options.max_transitions
                ),
            ));
        }
        Ok(())
    }

    /// Runs a Parallel branch or a Map's item processor.
    fn run_machine(&self, graph: &Graph, input: Value, frame: &Frame) -> Result<Value, Failure> {
        self.run_states(graph, None, input, frame, false)
    }

    /// Runs the execution's own machine, from `start_at` when resuming, with checkpoints.
    fn run_top_level(
        &self,
        graph: &Graph,
        start_at: Option<&str>,
        input: Value,
        frame: &Frame,
    ) -> Result<Value, Failure> {
        self.run_states(graph, start_at, input, frame, true)
    }

    fn run_states(
        &self,
        graph: &Graph,
        start_at: Option<&str>,
        input: Value,
        frame: &Frame,
        top_level: bool,
    ) -> Result<Value, Failure> {
        let mut current = match start_at {
            Some(name) => graph.index(name).ok_or_else(|| {
                Failure::new(
                    "States.Runtime",
                    format!("the state '{name}' does not exist"),
                )
            })?,
            None => graph.start,
        };
        let mut input = input;
        loop {
            let state = &graph.states[current];
            if top_level && let Some(checkpoint) = &self.options.checkpoint {
                checkpoint(&Resume {
                    state: state.name.clone(),
                    input: input.clone(),
                    variables: frame.vars.all(),
                    transitions: self.recorder.transitions(),
                    events: self.recorder.event_count(),
                });
            }
            let step = self.run_state(state, input, frame)?;
            match step.next {
                Some(next) => {
                    current = next;
                    input = step.output;
                }
                None => return Ok(step.output),
            }
        }
    }

    fn run_state(
        &self,
        state: &StateProgram,
        input: Value,
        frame: &Frame,
    ) -> Result<Step, Failure> {
        let name = state.name.as_str();
        if self.cancelled() {
            return Err(Failure {
                error: None,
                cause: None,
            });
        }
        if self.aborted.load(Ordering::Relaxed) {
            return Err(Failure::new(TRANSITION_LIMIT_ERROR, "the run was stopped"));
        }
        // Standard executions end when their history passes 25,000 events (Step Functions
        // quotas, "Execution history"); Express executions keep no such history.
        if !self.express && self.recorder.event_count() >= super::HISTORY_EVENT_LIMIT as u64 {
            return Err(Failure::new(
                "States.Runtime",
                format!(
                    "The execution reached the limit of {} history events of a Standard workflow. Hand off to a new execution (continue-as-new) before it, as the generated agent machine does.",
                    super::HISTORY_EVENT_LIMIT
                ),
            ));
        }
        self.count_transition()?;
        let entered_id = self.record_with(state.entered_event(), || {
            let mut details = Map::new();
            details.insert("name".into(), Value::from(name));
            details.insert("input".into(), text(&input));
            details.insert("inputDetails".into(), json!({"truncated": false}));
            details
        });
        let entered_time = if state.uses_context {
            self.now_iso()
        } else {
            String::new()
        };
        let vars = &frame.vars;
        let lookup = |name: &str| vars.get(name);
        let all = || vars.all();
        let cx = StateCx {
            state,
            frame,
            entered_time: &entered_time,
            lookup: &lookup,
            all: &all,
        };
        let result = match &state.body {
            Body::Pass(result) => self.pass(&cx, result, input),
            Body::Task(_) | Body::Map(_) | Body::Parallel(_) => {
                self.with_retry_and_catch(&cx, input)
            }
            Body::Choice(choice) => self.choice(&cx, choice, input),
            Body::Wait(wait) => self.wait(&cx, wait, input),
            Body::Succeed => self.succeed(&cx, input),
            Body::Fail { error, cause } => self.fail(&cx, error.as_ref(), cause.as_ref(), input),
        };
        // A run stopped while this state ran (a Wait, a slow Task) ends here.
        if self.cancelled() {
            return Err(Failure {
                error: None,
                cause: None,
            });
        }
        let step = result.map_err(|e| match e {
            StateError::Failed(failure) => failure,
            StateError::Data(data) => {
                let cause = if data.prefixed {
                    format!(
                        "An error occurred while executing the state '{name}' (entered at the event id #{entered_id}). {}",
                        data.detail
                    )
                } else {
                    data.detail
                };
                Failure::new(data.error, cause)
            }
        })?;
        if exceeds_payload_limit(&step.output) {
            return Err(Failure::new(
                "States.DataLimitExceeded",
                format!(
                    "The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit."
                ),
            ));
        }
        if let Some(exited) = state.exited_event() {
            self.record_with(exited, || {
                let mut details = Map::new();
                details.insert("name".into(), Value::from(name));
                details.insert("output".into(), text(&step.output));
                details.insert("outputDetails".into(), json!({"truncated": false}));
                details
            });
        }
        Ok(step)
    }

    /// The Context Object of the state (`null` when it reads none).
    fn context_for(&self, cx: &StateCx<'_>, retry_count: Option<u32>) -> Value {
        if !cx.state.uses_context {
            return Value::Null;
        }
        context::for_state(
            &self.context_base,
            &cx.state.name,
            cx.entered_time,
            retry_count,
            None,
        )
    }

    /// Commits what a state's `Assign` set, once the state succeeded, and hands on its
    /// output.
    fn commit(&self, cx: &StateCx<'_>, finished: Finished, next: Option<usize>) -> Step {
        if let Some(values) = finished.assign {
            cx.frame.vars.assign(values);
        }
        Step {
            output: finished.output,
            next,
        }
    }
}

/// JSON type names as AWS prints them in JSONata type errors.
fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// What every state's code needs to know about the state.
struct StateCx<'a> {
    state: &'a StateProgram,
    frame: &'a Frame,
    entered_time: &'a str,
    /// Looks up the frame's variables (for JSONPath `$name` paths).
    lookup: &'a (dyn Fn(&str) -> Option<Value> + Sync),
    /// All the frame's variables (JSONata bindings).
    all: &'a (dyn Fn() -> Map<String, Value> + Sync),
}

impl StateCx<'_> {
    /// The data-flow environment of this state with `context` as the Context Object.
    fn io<'s>(&'s self, context: &'s Value) -> Io<'s> {
        Io {
            state: &self.state.name,
            context,
            lookup: self.lookup,
            variables: self.all,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names_come_from_arns_and_placeholders() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:1:function:calc"),
            "calc"
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:1:function:calc:live"),
            "calc"
        );
        assert_eq!(
            function_name("${ToolFunctionArn_calc}"),
            "ToolFunctionArn_calc"
        );
        assert_eq!(function_name("calc"), "calc");
    }
}
