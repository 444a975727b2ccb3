//! The states themselves: Pass, Task, Choice, Wait, Succeed, Fail, Parallel and Map, in
//! JSONPath and JSONata, with Retry and Catch, variables and history events.
//!
//! A state machine (the top level, a Parallel branch or a Map's item processor) runs in
//! [`Runner::run_machine`]; each state in [`Runner::run_state`], which records the entered
//! and exited events, counts the transition and turns data-flow errors into AWS's causes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::choice::{self, parse_timestamp};
use super::context;
use super::dataflow::{
    self, DataError, apply_path, apply_result_path, compact, jsonata_template, payload_template,
};
use super::history::{Recorder, text};
use super::program::{self, Program};
use super::retry::{Retrier, error_matches};
use super::{Clock, Failure, Outcome, PAYLOAD_LIMIT_BYTES, Resume, RunOptions, Status};
use crate::task::{InvokeError, InvokeRequest};
use asl::QueryLanguage;
use asl::jsonpath::{PathError, Scope};

mod composite;
mod flow;
mod task;

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
        let mut all = self.parent.as_ref().map(|p| p.all()).unwrap_or_default();
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

/// Where a state machine runs: its variables and its query language.
#[derive(Clone)]
struct Frame {
    vars: Arc<VarScope>,
    query_language: QueryLanguage,
}

/// What a state hands on: its output and the next state (`None`: the machine ends).
struct Step {
    output: Value,
    next: Option<String>,
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
    context_users: Mutex<std::collections::HashMap<usize, bool>>,
}

pub(super) fn run(definition: &Value, input: Value, options: &RunOptions) -> Outcome {
    let substituted;
    let definition = if options.substitutions.is_empty() {
        definition
    } else {
        let mut textual = compact(definition);
        for (name, value) in &options.substitutions {
            let quoted = compact(&Value::String(value.clone()));
            textual = textual.replace(&format!("${{{name}}}"), &quoted[1..quoted.len() - 1]);
        }
        substituted = serde_json::from_str(&textual).unwrap_or_else(|_| definition.clone());
        &substituted
    };
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
        context_users: Mutex::new(std::collections::HashMap::new()),
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
        query_language: QueryLanguage::of_field(
            definition.get("QueryLanguage"),
            QueryLanguage::JsonPath,
        ),
    };
    // Every path, intrinsic call and JSONata expression is parsed here, once.
    let program = Arc::new(Program::compile(definition));
    let result = match definition.as_object() {
        Some(machine) => {
            let start_at = options.resume.as_ref().map(|r| r.state.as_str());
            program::installed(&program, || {
                runner.run_top_level(machine, start_at, input, &frame)
            })
        }
        None => Err(Failure::new(
            "States.Runtime",
            "the definition must be a JSON object",
        )),
    };
    let transitions = runner.recorder.transitions();
    let event_count = runner.recorder.event_count();
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
    Outcome {
        status,
        output,
        error,
        cause,
        transitions,
        history: runner.recorder.into_events(),
        event_count,
        duration_seconds,
        parsed_at_run_time: program.misses(),
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

fn kind_error(state: &str, field: &str, expected: &str, found: &Value) -> DataError {
    DataError::runtime(format!(
        "the field '{field}' of state '{state}' must be {expected}, found {}",
        compact(found)
    ))
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
        self.recorder.record(kind, self.elapsed(), || details)
    }

    /// Records an event whose details are only built when events are kept or watched.
    fn record_with(&self, kind: &str, details: impl FnOnce() -> Map<String, Value>) -> u64 {
        self.recorder.record(kind, self.elapsed(), details)
    }

    /// Whether a state reads the Context Object (cached per state): the Context Object is
    /// only built for those.
    fn uses_context(&self, state: &Map<String, Value>) -> bool {
        let key = state as *const Map<String, Value> as usize;
        if let Some(known) = self
            .context_users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return *known;
        }
        let text = serde_json::to_string(state).unwrap_or_default();
        let uses = text.contains("$$") || text.contains("$states");
        self.context_users
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, uses);
        uses
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
    fn run_machine(
        &self,
        machine: &Map<String, Value>,
        input: Value,
        frame: &Frame,
    ) -> Result<Value, Failure> {
        self.run_states(machine, None, input, frame, false)
    }

    /// Runs the execution's own machine, from `start_at` when resuming, with checkpoints.
    fn run_top_level(
        &self,
        machine: &Map<String, Value>,
        start_at: Option<&str>,
        input: Value,
        frame: &Frame,
    ) -> Result<Value, Failure> {
        self.run_states(machine, start_at, input, frame, true)
    }

    fn run_states(
        &self,
        machine: &Map<String, Value>,
        start_at: Option<&str>,
        input: Value,
        frame: &Frame,
        top_level: bool,
    ) -> Result<Value, Failure> {
        let states = machine
            .get("States")
            .and_then(Value::as_object)
            .ok_or_else(|| Failure::new("States.Runtime", "the state machine has no States"))?;
        let mut current = match start_at {
            Some(state) => state,
            None => machine
                .get("StartAt")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    Failure::new("States.Runtime", "the state machine has no StartAt")
                })?,
        }
        .to_owned();
        let mut input = input;
        loop {
            if top_level && let Some(checkpoint) = &self.options.checkpoint {
                checkpoint(&Resume {
                    state: current.clone(),
                    input: input.clone(),
                    variables: frame.vars.all(),
                    transitions: self.recorder.transitions(),
                    events: self.recorder.event_count(),
                });
            }
            let state = states
                .get(&current)
                .and_then(Value::as_object)
                .ok_or_else(|| {
                    Failure::new(
                        "States.Runtime",
                        format!("the state '{current}' does not exist"),
                    )
                })?;
            let step = self.run_state(&current, state, input, frame)?;
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
        name: &str,
        state: &Map<String, Value>,
        input: Value,
        frame: &Frame,
    ) -> Result<Step, Failure> {
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
        if !self.options.identity.is_express()
            && self.recorder.event_count() >= super::HISTORY_EVENT_LIMIT as u64
        {
            return Err(Failure::new(
                "States.Runtime",
                format!(
                    "The execution reached the limit of {} history events of a Standard workflow. Hand off to a new execution (continue-as-new) before it, as the generated agent machine does.",
                    super::HISTORY_EVENT_LIMIT
                ),
            ));
        }
        self.count_transition()?;
        let kind = state.get("Type").and_then(Value::as_str).unwrap_or("");
        let jsonata = QueryLanguage::of_field(state.get("QueryLanguage"), frame.query_language)
            == QueryLanguage::Jsonata;
        let entered_id = self.record_with(&format!("{kind}StateEntered"), || {
            let mut details = Map::new();
            details.insert("name".into(), Value::from(name));
            details.insert("input".into(), text(&input));
            details.insert("inputDetails".into(), json!({"truncated": false}));
            details
        });
        let uses_context = self.uses_context(state);
        let entered_time = if uses_context {
            self.now_iso()
        } else {
            String::new()
        };
        let vars = frame.vars.clone();
        let lookup = move |name: &str| vars.get(name);
        let cx = StateCx {
            name,
            state,
            frame,
            jsonata,
            entered_time: &entered_time,
            uses_context,
            lookup: &lookup,
        };
        let result = match kind {
            "Pass" => self.pass(&cx, input),
            "Task" | "Map" | "Parallel" => self.with_retry_and_catch(&cx, kind, input),
            "Choice" => self.choice(&cx, input),
            "Wait" => self.wait(&cx, input),
            "Succeed" => self.succeed(&cx, input),
            "Fail" => self.fail(&cx, input),
            other => Err(StateError::Data(DataError::runtime(format!(
                "unknown state type '{other}'"
            )))),
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
        if json_size(&step.output) > PAYLOAD_LIMIT_BYTES {
            return Err(Failure::new(
                "States.DataLimitExceeded",
                format!(
                    "The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit."
                ),
            ));
        }
        if kind != "Fail" {
            self.record_with(&format!("{kind}StateExited"), || {
                let mut details = Map::new();
                details.insert("name".into(), Value::from(name));
                details.insert("output".into(), text(&step.output));
                details.insert("outputDetails".into(), json!({"truncated": false}));
                details
            });
        }
        Ok(step)
    }

    /// `Next`, or `None` when the state has `End`.
    fn next_of(state: &Map<String, Value>) -> Option<String> {
        state.get("Next").and_then(Value::as_str).map(str::to_owned)
    }

    // ---- JSONPath helpers -------------------------------------------------------------

    fn context_for(&self, cx: &StateCx<'_>, retry_count: Option<u32>) -> Value {
        if !cx.uses_context {
            return Value::Null;
        }
        context::for_state(
            &self.context_base,
            cx.name,
            cx.entered_time,
            retry_count,
            None,
        )
    }

    fn jsonata_bindings(
        &self,
        cx: &StateCx<'_>,
        input: &Value,
        context: &Value,
        extra: &[(&str, &Value)],
    ) -> Map<String, Value> {
        let mut bindings = cx.frame.vars.all();
        let mut states = Map::new();
        states.insert("input".into(), input.clone());
        states.insert("context".into(), context.clone());
        for (key, value) in extra {
            states.insert((*key).to_owned(), (*value).clone());
        }
        bindings.insert("states".into(), Value::Object(states));
        bindings
    }

    /// JSONPath `Assign`: `.$` values evaluated against `value`.
    fn assign_jsonpath(
        &self,
        cx: &StateCx<'_>,
        assign: Option<&Value>,
        value: &Value,
        context: &Value,
    ) -> Result<Option<Map<String, Value>>, DataError> {
        let Some(assign) = assign else {
            return Ok(None);
        };
        let scope = cx.scope(context);
        match payload_template(assign, value, &scope)? {
            Value::Object(values) => Ok(Some(values)),
            other => Err(kind_error(cx.name, "Assign", "an object", &other)),
        }
    }

    fn assign_jsonata(
        &self,
        assign: Option<&Value>,
        bindings: &Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>, DataError> {
        let Some(assign) = assign else {
            return Ok(None);
        };
        match jsonata_template(assign, "Assign", bindings)? {
            Value::Object(values) => Ok(Some(values)),
            other => Err(DataError::query(format!(
                "The field 'Assign' must evaluate to an object, found {}",
                compact(&other)
            ))),
        }
    }

    fn commit_assign(&self, cx: &StateCx<'_>, values: Option<Map<String, Value>>) {
        if let Some(values) = values {
            cx.frame.vars.assign(values);
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
    name: &'a str,
    state: &'a Map<String, Value>,
    frame: &'a Frame,
    jsonata: bool,
    entered_time: &'a str,
    uses_context: bool,
    /// Looks up the frame's variables (for JSONPath `$name` paths).
    lookup: &'a (dyn Fn(&str) -> Option<Value> + Sync),
}

impl StateCx<'_> {
    /// The JSONPath scope of this state with `context` as `$$`.
    fn scope<'s>(&'s self, context: &'s Value) -> Scope<'s> {
        Scope {
            context,
            variables: self.lookup,
        }
    }
}

/// The size of a value's compact JSON text, without building the text.
fn json_size(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
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
