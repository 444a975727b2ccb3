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
use super::retry::{Retrier, error_matches};
use super::{Clock, Failure, Outcome, PAYLOAD_LIMIT_BYTES, RunOptions, Status};
use crate::jsonpath::{PathError, Scope};
use crate::task::{InvokeError, InvokeRequest};

/// Error raised when the engine's transition limit stops a run.
pub const TRANSITION_LIMIT_ERROR: &str = "Local.TransitionLimitExceeded";

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
    query_language: Jsonata,
}

type Jsonata = bool;

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
    let runner = Runner {
        options,
        recorder: Recorder::new(options.observer.clone(), options.record_history, start),
        context_base: options.identity.context_base(&input),
        start,
        started: Instant::now(),
        virtual_elapsed: Mutex::new(0.0),
        aborted: AtomicBool::new(false),
        context_users: Mutex::new(std::collections::HashMap::new()),
    };
    let mut details = Map::new();
    details.insert("input".into(), text(&input));
    details.insert(
        "roleArn".into(),
        Value::from(options.identity.role_arn.clone()),
    );
    runner.record("ExecutionStarted", details);
    let frame = Frame {
        vars: Arc::new(VarScope::default()),
        query_language: is_jsonata(definition.get("QueryLanguage")),
    };
    let result = match definition.as_object() {
        Some(machine) => runner.run_machine(machine, input, &frame),
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
    }
}

fn is_jsonata(field: Option<&Value>) -> bool {
    field.and_then(Value::as_str) == Some("JSONata")
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
            Clock::Real => std::thread::sleep(Duration::from_secs_f64(seconds)),
        }
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

    fn run_machine(
        &self,
        machine: &Map<String, Value>,
        input: Value,
        frame: &Frame,
    ) -> Result<Value, Failure> {
        let states = machine
            .get("States")
            .and_then(Value::as_object)
            .ok_or_else(|| Failure::new("States.Runtime", "the state machine has no States"))?;
        let mut current = machine
            .get("StartAt")
            .and_then(Value::as_str)
            .ok_or_else(|| Failure::new("States.Runtime", "the state machine has no StartAt"))?
            .to_owned();
        let mut input = input;
        loop {
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
        let jsonata = match state.get("QueryLanguage") {
            Some(ql) => is_jsonata(Some(ql)),
            None => frame.query_language,
        };
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

    // ---- Pass -------------------------------------------------------------------------

    fn pass(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let next = Self::next_of(cx.state);
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let assign = self.assign_jsonata(cx.state.get("Assign"), &bindings)?;
            let output = match cx.state.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => input,
            };
            self.commit_assign(cx, assign);
            return Ok(Step { output, next });
        }
        let scope = cx.scope(&context);
        let effective = apply_path(cx.state.get("InputPath"), input.clone(), &scope)?;
        let result = if let Some(result) = cx.state.get("Result") {
            result.clone()
        } else if let Some(parameters) = cx.state.get("Parameters") {
            payload_template(parameters, &effective, &scope)?
        } else {
            effective
        };
        let assign = self.assign_jsonpath(cx, cx.state.get("Assign"), &result, &context)?;
        let combined = apply_result_path(cx.state.get("ResultPath"), input, result)?;
        let output = apply_path(cx.state.get("OutputPath"), combined, &scope)?;
        self.commit_assign(cx, assign);
        Ok(Step { output, next })
    }

    // ---- Succeed and Fail ---------------------------------------------------------------

    fn succeed(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let output = match cx.state.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => input,
            };
            return Ok(Step { output, next: None });
        }
        let scope = cx.scope(&context);
        let effective = apply_path(cx.state.get("InputPath"), input, &scope)?;
        let output = apply_path(cx.state.get("OutputPath"), effective, &scope)?;
        Ok(Step { output, next: None })
    }

    fn fail(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let (error, cause) = if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let field = |name: &str| -> Result<Option<String>, DataError> {
                match cx.state.get(name) {
                    None => Ok(None),
                    Some(template) => match jsonata_template(template, name, &bindings)? {
                        Value::String(s) => Ok(Some(s)),
                        other => Ok(Some(compact(&other))),
                    },
                }
            };
            (field("Error")?, field("Cause")?)
        } else {
            let scope = cx.scope(&context);
            let field = |literal: &str, path_field: &str| -> Result<Option<String>, DataError> {
                if let Some(value) = cx.state.get(literal) {
                    return Ok(value.as_str().map(str::to_owned));
                }
                let Some(path) = cx.state.get(path_field).and_then(Value::as_str) else {
                    return Ok(None);
                };
                let value = crate::intrinsics::evaluate_value(path, &input, &scope).map_err(
                    |e| match e {
                        crate::intrinsics::ValueError::Path(PathError::NoResults { .. })
                        | crate::intrinsics::ValueError::Path(
                            PathError::UndefinedVariable { .. },
                        ) => DataError::runtime(format!(
                            "The JSONPath '{path}' specified for the field '{path_field}' could not be found in the input '{}'",
                            compact(&input)
                        )),
                        other => DataError::runtime(other.to_string()),
                    },
                )?;
                Ok(Some(match value {
                    Value::String(s) => s,
                    other => compact(&other),
                }))
            };
            (field("Error", "ErrorPath")?, field("Cause", "CausePath")?)
        };
        let mut details = Map::new();
        if let Some(error) = &error {
            details.insert("error".into(), Value::from(error.clone()));
        }
        if let Some(cause) = &cause {
            details.insert("cause".into(), Value::from(cause.clone()));
        }
        Err(StateError::Failed(Failure { error, cause }))
    }

    // ---- Choice -----------------------------------------------------------------------

    fn choice(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let rules = cx
            .state
            .get("Choices")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let mut chosen: Option<&Value> = None;
            for rule in &rules {
                let condition = rule.get("Condition").cloned().unwrap_or(Value::Bool(false));
                let verdict = match &condition {
                    Value::Bool(b) => *b,
                    Value::String(s) => match dataflow::jsonata_expression(s) {
                        Some(expression) => {
                            match dataflow::evaluate_jsonata(expression, "Condition", &bindings)? {
                                Some(Value::Bool(b)) => b,
                                other => {
                                    return Err(DataError::query(format!(
                                        "The JSONata expression '{}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was {}",
                                        expression.trim(),
                                        other.map(|v| compact(&v)).unwrap_or_else(|| "undefined".into())
                                    ))
                                    .into());
                                }
                            }
                        }
                        None => {
                            return Err(
                                kind_error(cx.name, "Condition", "a boolean", &condition).into()
                            );
                        }
                    },
                    other => {
                        return Err(kind_error(cx.name, "Condition", "a boolean", other).into());
                    }
                };
                if verdict {
                    chosen = Some(rule);
                    break;
                }
            }
            let (holder, next) = match chosen {
                Some(rule) => (rule, rule.get("Next").and_then(Value::as_str)),
                None => (
                    &Value::Null,
                    cx.state.get("Default").and_then(Value::as_str),
                ),
            };
            let Some(next) = next else {
                return Err(Failure::new("States.NoChoiceMatched", "No Matches!").into());
            };
            let (assign_field, output_field) = match chosen {
                Some(_) => (holder.get("Assign"), holder.get("Output")),
                None => (cx.state.get("Assign"), cx.state.get("Output")),
            };
            let assign = self.assign_jsonata(assign_field, &bindings)?;
            let output = match output_field {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => input,
            };
            self.commit_assign(cx, assign);
            return Ok(Step {
                output,
                next: Some(next.to_owned()),
            });
        }
        let scope = cx.scope(&context);
        let effective = apply_path(cx.state.get("InputPath"), input.clone(), &scope)?;
        let mut chosen = None;
        for rule in &rules {
            if choice::evaluate_rule(rule, &effective, &scope)? {
                chosen = Some(rule);
                break;
            }
        }
        let (next, assign_field) = match chosen {
            Some(rule) => (rule.get("Next").and_then(Value::as_str), rule.get("Assign")),
            None => (
                cx.state.get("Default").and_then(Value::as_str),
                cx.state.get("Assign"),
            ),
        };
        let Some(next) = next else {
            return Err(Failure::new("States.NoChoiceMatched", "No Matches!").into());
        };
        let assign = self.assign_jsonpath(cx, assign_field, &effective, &context)?;
        let output = apply_path(cx.state.get("OutputPath"), effective, &scope)?;
        self.commit_assign(cx, assign);
        Ok(Step {
            output,
            next: Some(next.to_owned()),
        })
    }

    // ---- Wait -------------------------------------------------------------------------

    fn wait(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let next = Self::next_of(cx.state);
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            if let Some(seconds) = cx.state.get("Seconds") {
                let value = jsonata_template(seconds, "Seconds", &bindings)?;
                let seconds = value
                    .as_f64()
                    .filter(|s| *s >= 0.0 && s.fract() == 0.0)
                    .ok_or_else(|| {
                        DataError::query(format!(
                            "The Seconds field must be a non-negative integer, found {}",
                            compact(&value)
                        ))
                    })?;
                self.sleep(seconds);
            } else if let Some(timestamp) = cx.state.get("Timestamp") {
                let value = jsonata_template(timestamp, "Timestamp", &bindings)?;
                let text = value
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| compact(&value));
                let when = parse_timestamp(&text).ok_or_else(|| {
                    DataError::query(format!(
                        "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"
                    ))
                })?;
                self.wait_until(when.with_timezone(&Utc));
            }
            let assign = self.assign_jsonata(cx.state.get("Assign"), &bindings)?;
            let output = match cx.state.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => input,
            };
            self.commit_assign(cx, assign);
            return Ok(Step { output, next });
        }
        let scope = cx.scope(&context);
        let effective = apply_path(cx.state.get("InputPath"), input, &scope)?;
        if let Some(seconds) = cx.state.get("Seconds").and_then(Value::as_f64) {
            self.sleep(seconds);
        } else if let Some(timestamp) = cx.state.get("Timestamp").and_then(Value::as_str) {
            if let Some(when) = parse_timestamp(timestamp) {
                self.wait_until(when.with_timezone(&Utc));
            }
        } else if let Some(path) = cx.state.get("SecondsPath").and_then(Value::as_str) {
            let value = dataflow::select(path, &effective, &scope).map_err(|_| {
                DataError::runtime(format!(
                    "The SecondsPath parameter does not reference an input value: {path}"
                ))
            })?;
            let seconds = match value.as_i64() {
                Some(s) if s >= 0 => s,
                Some(_) => {
                    return Err(DataError::runtime(format!(
                        "The SecondsPath parameter references a negative value: {path} == {}",
                        compact(&value)
                    ))
                    .into());
                }
                None => {
                    return Err(DataError::runtime(format!(
                        "The SecondsPath parameter cannot be parsed as a long value: {path} == {}",
                        compact(&value)
                    ))
                    .into());
                }
            };
            self.sleep(seconds as f64);
        } else if let Some(path) = cx.state.get("TimestampPath").and_then(Value::as_str) {
            let value = dataflow::select(path, &effective, &scope).map_err(|_| {
                DataError::runtime(format!(
                    "The TimestampPath parameter does not reference an input value: {path}"
                ))
            })?;
            let text = value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| compact(&value));
            let when = parse_timestamp(&text).ok_or_else(|| {
                DataError::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {text}"
                ))
            })?;
            self.wait_until(when.with_timezone(&Utc));
        }
        let assign = self.assign_jsonpath(cx, cx.state.get("Assign"), &effective, &context)?;
        let output = apply_path(cx.state.get("OutputPath"), effective, &scope)?;
        self.commit_assign(cx, assign);
        Ok(Step { output, next })
    }

    fn wait_until(&self, when: DateTime<Utc>) {
        let now = match self.options.clock {
            Clock::Virtual => self.now(),
            Clock::Real => Utc::now(),
        };
        let seconds = (when - now).num_milliseconds() as f64 / 1000.0;
        self.sleep(seconds);
    }

    // ---- Retry and Catch --------------------------------------------------------------

    fn with_retry_and_catch(
        &self,
        cx: &StateCx<'_>,
        kind: &str,
        input: Value,
    ) -> Result<Step, StateError> {
        let retriers = cx
            .state
            .get("Retry")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut attempts = vec![0u64; retriers.len()];
        let mut retry_count = 0u32;
        loop {
            let attempt = match kind {
                "Task" => self.task(cx, input.clone(), retry_count),
                "Map" => self.map(cx, input.clone()),
                _ => self.parallel(cx, input.clone()),
            };
            let error = match attempt {
                Ok(step) => return Ok(step),
                Err(error) => error,
            };
            // Data-flow errors carry AWS's prefix; turn them into failures first.
            let failure = match error {
                StateError::Failed(f) => f,
                StateError::Data(data) => return Err(StateError::Data(data)),
            };
            if failure.error_name() == TRANSITION_LIMIT_ERROR {
                return Err(failure.into());
            }
            let matching = retriers
                .iter()
                .position(|r| error_matches(r.get("ErrorEquals"), failure.error_name()));
            if let Some(i) = matching {
                let retrier = Retrier::from_json(&retriers[i]);
                if attempts[i] < retrier.max_attempts {
                    self.sleep(retrier.jittered_delay_seconds(attempts[i]));
                    attempts[i] += 1;
                    retry_count += 1;
                    self.count_transition()?;
                    continue;
                }
            }
            return self.catch(cx, input, failure);
        }
    }

    fn catch(&self, cx: &StateCx<'_>, input: Value, failure: Failure) -> Result<Step, StateError> {
        let catchers = cx.state.get("Catch").and_then(Value::as_array);
        let Some(catcher) = catchers.and_then(|catchers| {
            catchers
                .iter()
                .find(|c| error_matches(c.get("ErrorEquals"), failure.error_name()))
        }) else {
            return Err(failure.into());
        };
        let mut error_output = Map::new();
        error_output.insert(
            "Error".into(),
            Value::from(failure.error.clone().unwrap_or_default()),
        );
        error_output.insert(
            "Cause".into(),
            Value::from(failure.cause.clone().unwrap_or_default()),
        );
        let error_output = Value::Object(error_output);
        let next = catcher
            .get("Next")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let context = self.context_for(cx, None);
        if cx.jsonata {
            let bindings =
                self.jsonata_bindings(cx, &input, &context, &[("errorOutput", &error_output)]);
            let assign = self.assign_jsonata(catcher.get("Assign"), &bindings)?;
            let output = match catcher.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => error_output,
            };
            self.commit_assign(cx, assign);
            return Ok(Step { output, next });
        }
        let assign = self.assign_jsonpath(cx, catcher.get("Assign"), &error_output, &context)?;
        let output = apply_result_path(catcher.get("ResultPath"), input, error_output)?;
        self.commit_assign(cx, assign);
        Ok(Step { output, next })
    }

    // ---- Task -------------------------------------------------------------------------

    fn task(&self, cx: &StateCx<'_>, input: Value, retry_count: u32) -> Result<Step, StateError> {
        let context = self.context_for(cx, Some(retry_count));
        let next = Self::next_of(cx.state);
        let resource = cx
            .state
            .get("Resource")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let timeout = self.task_timeout(cx, &input, &context)?;
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let arguments = match cx.state.get("Arguments") {
                Some(template) => jsonata_template(template, "Arguments", &bindings)?,
                None => input.clone(),
            };
            let result = self.invoke(cx, &resource, arguments, timeout)?;
            let bindings = self.jsonata_bindings(cx, &input, &context, &[("result", &result)]);
            let assign = self.assign_jsonata(cx.state.get("Assign"), &bindings)?;
            let output = match cx.state.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => result,
            };
            self.commit_assign(cx, assign);
            return Ok(Step { output, next });
        }
        let scope = cx.scope(&context);
        let effective = apply_path(cx.state.get("InputPath"), input.clone(), &scope)?;
        let parameters = match cx.state.get("Parameters") {
            Some(template) => payload_template(template, &effective, &scope)?,
            None => effective,
        };
        let result = self.invoke(cx, &resource, parameters, timeout)?;
        let result = match cx.state.get("ResultSelector") {
            Some(template) => payload_template(template, &result, &scope)?,
            None => result,
        };
        let assign = self.assign_jsonpath(cx, cx.state.get("Assign"), &result, &context)?;
        let combined = apply_result_path(cx.state.get("ResultPath"), input, result)?;
        let output = apply_path(cx.state.get("OutputPath"), combined, &scope)?;
        self.commit_assign(cx, assign);
        Ok(Step { output, next })
    }

    fn task_timeout(
        &self,
        cx: &StateCx<'_>,
        input: &Value,
        context: &Value,
    ) -> Result<Option<Duration>, DataError> {
        if let Some(seconds) = cx.state.get("TimeoutSeconds") {
            let value = if cx.jsonata {
                let bindings = self.jsonata_bindings(cx, input, context, &[]);
                jsonata_template(seconds, "TimeoutSeconds", &bindings)?
            } else {
                seconds.clone()
            };
            return Ok(value.as_f64().map(Duration::from_secs_f64));
        }
        if let Some(path) = cx.state.get("TimeoutSecondsPath").and_then(Value::as_str) {
            let scope = cx.scope(context);
            let value = dataflow::select(path, input, &scope)
                .map_err(|e| DataError::runtime(e.to_string()))?;
            return Ok(value.as_f64().map(Duration::from_secs_f64));
        }
        Ok(None)
    }

    /// Runs a Task's resource and returns its result (the task result, before
    /// `ResultSelector`).
    fn invoke(
        &self,
        cx: &StateCx<'_>,
        resource: &str,
        parameters: Value,
        timeout: Option<Duration>,
    ) -> Result<Value, StateError> {
        let region = self.options.identity.region.clone();
        if resource == "arn:aws:states:::states:startExecution" {
            return self.start_execution(&parameters);
        }
        let optimized = resource.starts_with("arn:aws:states:::lambda:invoke");
        let (function, payload, prefix) = if optimized {
            let function = parameters
                .get("FunctionName")
                .and_then(Value::as_str)
                .map(function_name)
                .ok_or_else(|| {
                    DataError::runtime(format!(
                        "the state '{}' calls lambda:invoke without a FunctionName in its {}",
                        cx.name,
                        if cx.jsonata {
                            "Arguments"
                        } else {
                            "Parameters"
                        }
                    ))
                })?;
            // The Payload is the request body: a string is sent as its text (so a string
            // holding JSON arrives parsed) and a missing or null one as `{}` (corpus:
            // test_lambda_task_service__*test_invoke_json_values*).
            let payload = match parameters.get("Payload") {
                None | Some(Value::Null) => json!({}),
                Some(Value::String(text)) => {
                    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
                }
                Some(other) => other.clone(),
            };
            let mut details = Map::new();
            details.insert("resourceType".into(), Value::from("lambda"));
            details.insert("resource".into(), Value::from("invoke"));
            details.insert("region".into(), Value::from(region));
            details.insert("parameters".into(), text(&parameters));
            if let Some(t) = timeout {
                details.insert("timeoutInSeconds".into(), Value::from(t.as_secs()));
            }
            self.record("TaskScheduled", details);
            let mut details = Map::new();
            details.insert("resourceType".into(), Value::from("lambda"));
            details.insert("resource".into(), Value::from("invoke"));
            self.record("TaskStarted", details);
            (function, payload, "Task")
        } else if resource.contains(":function:")
            || (resource.starts_with("${") && resource.ends_with('}'))
        {
            let mut details = Map::new();
            details.insert("resource".into(), Value::from(resource));
            details.insert("input".into(), text(&parameters));
            if let Some(t) = timeout {
                details.insert("timeoutInSeconds".into(), Value::from(t.as_secs()));
            }
            self.record("LambdaFunctionScheduled", details);
            self.record("LambdaFunctionStarted", Map::new());
            (function_name(resource), parameters, "LambdaFunction")
        } else {
            return Err(Failure::new(
                "States.Runtime",
                format!(
                    "The local engine cannot run the resource '{resource}' of state '{}': it runs Lambda functions (a function ARN, `arn:aws:states:::lambda:invoke`, or a `${{...}}` placeholder).",
                    cx.name
                ),
            )
            .into());
        };
        let answer = self.options.invoker.invoke(InvokeRequest {
            function: &function,
            payload: &payload,
            timeout,
        });
        let success_kind = format!("{prefix}Succeeded");
        let failure_kind = format!("{prefix}Failed");
        let timeout_kind = format!("{prefix}TimedOut");
        let with_type = |mut details: Map<String, Value>| {
            if optimized {
                details.insert("resourceType".into(), Value::from("lambda"));
                details.insert("resource".into(), Value::from("invoke"));
            }
            details
        };
        match answer {
            Ok(result) => {
                let result = if optimized {
                    let mut envelope = self
                        .options
                        .lambda_invoke_envelope
                        .as_object()
                        .cloned()
                        .unwrap_or_default();
                    super::mocks::fit_envelope(&mut envelope, &result);
                    envelope.insert("Payload".into(), result);
                    Value::Object(envelope)
                } else {
                    result
                };
                if json_size(&result) > PAYLOAD_LIMIT_BYTES {
                    return Err(Failure::new(
                        "States.DataLimitExceeded",
                        format!(
                            "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                            cx.name
                        ),
                    )
                    .into());
                }
                let mut details = Map::new();
                details.insert("output".into(), text(&result));
                details.insert("outputDetails".into(), json!({"truncated": false}));
                self.record(&success_kind, with_type(details));
                Ok(result)
            }
            Err(InvokeError::Failed { error, cause }) => {
                // The optimized integration re-serializes a JSON error payload compactly.
                let cause = if optimized {
                    serde_json::from_str::<Value>(&cause)
                        .map(|v| compact(&v))
                        .unwrap_or(cause)
                } else {
                    cause
                };
                let mut details = Map::new();
                details.insert("error".into(), Value::from(error.clone()));
                details.insert("cause".into(), Value::from(cause.clone()));
                self.record(&failure_kind, with_type(details));
                Err(Failure::new(error, cause).into())
            }
            Err(InvokeError::TimedOut) => {
                let mut details = Map::new();
                details.insert("error".into(), Value::from("States.Timeout"));
                self.record(&timeout_kind, with_type(details));
                Err(Failure {
                    error: Some("States.Timeout".into()),
                    cause: None,
                }
                .into())
            }
        }
    }

    /// `states:startExecution` (fire and forget): handed to the run's
    /// [`super::StartExecution`] hook, which `sfn-gen run` uses for continue-as-new.
    fn start_execution(&self, parameters: &Value) -> Result<Value, StateError> {
        let Some(hook) = &self.options.start_execution else {
            return Err(Failure::new(
                "States.Runtime",
                "this run has no way to start executions (states:startExecution); `sfn-gen run` provides one",
            )
            .into());
        };
        let mut details = Map::new();
        details.insert("resourceType".into(), Value::from("states"));
        details.insert("resource".into(), Value::from("startExecution"));
        details.insert("parameters".into(), text(parameters));
        self.record("TaskScheduled", details);
        match hook(parameters) {
            Ok(result) => {
                let mut details = Map::new();
                details.insert("resourceType".into(), Value::from("states"));
                details.insert("resource".into(), Value::from("startExecution"));
                details.insert("output".into(), text(&result));
                self.record("TaskSucceeded", details);
                Ok(result)
            }
            Err(failure) => Err(failure.into()),
        }
    }

    // ---- Parallel ---------------------------------------------------------------------

    fn parallel(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let next = Self::next_of(cx.state);
        let branches = cx
            .state
            .get("Branches")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let (branch_input, effective) = if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let arguments = match cx.state.get("Arguments") {
                Some(template) => jsonata_template(template, "Arguments", &bindings)?,
                None => input.clone(),
            };
            (arguments, Value::Null)
        } else {
            let scope = cx.scope(&context);
            let effective = apply_path(cx.state.get("InputPath"), input.clone(), &scope)?;
            let parameters = match cx.state.get("Parameters") {
                Some(template) => payload_template(template, &effective, &scope)?,
                None => effective.clone(),
            };
            (parameters, effective)
        };
        let _ = effective;
        self.record("ParallelStateStarted", Map::new());
        let jobs: Vec<(usize, Value)> = (0..branches.len())
            .map(|i| (i, branch_input.clone()))
            .collect();
        let results = self.run_children(cx, jobs, branches.len(), |index, item| {
            let machine = branches[index].as_object().cloned().unwrap_or_default();
            let frame = Frame {
                vars: VarScope::child(&cx.frame.vars),
                query_language: cx.frame.query_language,
            };
            self.run_machine(&machine, item, &frame)
        });
        let results = match results {
            Ok(results) => results,
            Err(failure) => {
                let mut details = Map::new();
                if let Some(e) = &failure.error {
                    details.insert("error".into(), Value::from(e.clone()));
                }
                if let Some(c) = &failure.cause {
                    details.insert("cause".into(), Value::from(c.clone()));
                }
                self.record("ParallelStateFailed", details);
                return Err(failure.into());
            }
        };
        self.record("ParallelStateSucceeded", Map::new());
        self.finish_composite(cx, input, Value::Array(results), &context, next)
    }

    /// ResultSelector, ResultPath, OutputPath and Assign (JSONPath), or Output and Assign
    /// (JSONata), for Map and Parallel.
    fn finish_composite(
        &self,
        cx: &StateCx<'_>,
        input: Value,
        result: Value,
        context: &Value,
        next: Option<String>,
    ) -> Result<Step, StateError> {
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, context, &[("result", &result)]);
            let assign = self.assign_jsonata(cx.state.get("Assign"), &bindings)?;
            let output = match cx.state.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => result,
            };
            self.commit_assign(cx, assign);
            return Ok(Step { output, next });
        }
        let scope = cx.scope(context);
        let result = match cx.state.get("ResultSelector") {
            Some(template) => payload_template(template, &result, &scope)?,
            None => result,
        };
        let assign = self.assign_jsonpath(cx, cx.state.get("Assign"), &result, context)?;
        let combined = apply_result_path(cx.state.get("ResultPath"), input, result)?;
        let output = apply_path(cx.state.get("OutputPath"), combined, &scope)?;
        self.commit_assign(cx, assign);
        Ok(Step { output, next })
    }

    /// Runs `jobs` (index, input) with at most `concurrency` at once (0: all), on threads
    /// when the run is concurrent; results in job order. The first failure wins.
    fn run_children<F>(
        &self,
        _cx: &StateCx<'_>,
        jobs: Vec<(usize, Value)>,
        concurrency: usize,
        work: F,
    ) -> Result<Vec<Value>, Failure>
    where
        F: Fn(usize, Value) -> Result<Value, Failure> + Sync,
    {
        let outcomes = self.run_children_all(jobs, concurrency, &work);
        outcomes.into_iter().collect()
    }

    /// Like [`Self::run_children`] but keeps every outcome.
    fn run_children_all<F>(
        &self,
        jobs: Vec<(usize, Value)>,
        concurrency: usize,
        work: &F,
    ) -> Vec<Result<Value, Failure>>
    where
        F: Fn(usize, Value) -> Result<Value, Failure> + Sync,
    {
        let count = jobs.len();
        if !self.options.concurrent || count <= 1 || concurrency == 1 {
            let mut outcomes = Vec::with_capacity(count);
            for (index, item) in jobs {
                let outcome = work(index, item);
                outcomes.push(outcome);
            }
            return outcomes;
        }
        let width = if concurrency == 0 { count } else { concurrency }.min(64);
        let queue = Mutex::new(jobs.into_iter().enumerate().collect::<Vec<_>>().into_iter());
        let slots: Vec<Mutex<Option<Result<Value, Failure>>>> =
            (0..count).map(|_| Mutex::new(None)).collect();
        std::thread::scope(|scope| {
            for _ in 0..width.min(count) {
                scope.spawn(|| {
                    loop {
                        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                        let Some((slot, (index, item))) = job else {
                            break;
                        };
                        let outcome = work(index, item);
                        *slots[slot].lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
                    }
                });
            }
        });
        slots
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .unwrap_or_else(|| Err(Failure::new("States.Runtime", "a branch did not run")))
            })
            .collect()
    }

    // ---- Map --------------------------------------------------------------------------

    fn map(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let next = Self::next_of(cx.state);
        let processor = cx
            .state
            .get("ItemProcessor")
            .or_else(|| cx.state.get("Iterator"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let scope = cx.scope(&context);
        let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
        // Items and the input the selector sees.
        let (items, effective) = if cx.jsonata {
            let items = match cx.state.get("Items") {
                Some(template) => {
                    let value = jsonata_template(template, "Items", &bindings)?;
                    match value {
                        Value::Array(items) => items,
                        other => {
                            let expression = template
                                .as_str()
                                .and_then(dataflow::jsonata_expression)
                                .map(str::trim)
                                .map(str::to_owned);
                            return Err(DataError::query(match expression {
                                Some(expression) => format!(
                                    "The JSONata expression '{expression}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {}",
                                    type_name(&other),
                                    compact(&other)
                                ),
                                None => format!(
                                    "Map state input must be an array but was: {}",
                                    compact(&other)
                                ),
                            })
                            .into());
                        }
                    }
                }
                None => match &input {
                    Value::Array(items) => items.clone(),
                    other => {
                        return Err(DataError::query(format!(
                            "Map state input must be an array but was: {}",
                            compact(other)
                        ))
                        .into());
                    }
                },
            };
            (items, input.clone())
        } else {
            let effective = apply_path(cx.state.get("InputPath"), input.clone(), &scope)?;
            let items_value = match cx.state.get("ItemsPath").and_then(Value::as_str) {
                Some(path) => dataflow::select(path, &effective, &scope).map_err(|e| match e {
                    PathError::NoResults { .. } => DataError::runtime(format!(
                        "Invalid path '{path}' : {}",
                        dataflow::missing_path_explanation(path, &effective)
                    )),
                    other => DataError::runtime(other.to_string()),
                })?,
                None => effective.clone(),
            };
            match items_value {
                Value::Array(items) => (items, effective),
                other => {
                    return Err(DataError::runtime(format!(
                        "Map state input must be an array but was: {}",
                        compact(&other)
                    ))
                    .into());
                }
            }
        };
        let max_concurrency =
            self.map_number(cx, &effective, &scope, &bindings, "MaxConcurrency", false)?;
        let tolerated_count = self.map_number(
            cx,
            &effective,
            &scope,
            &bindings,
            "ToleratedFailureCount",
            false,
        )?;
        let tolerated_percentage = self.map_number(
            cx,
            &effective,
            &scope,
            &bindings,
            "ToleratedFailurePercentage",
            true,
        )?;
        if let Some(count) = tolerated_count
            && count < 0.0
        {
            {
                return Err(DataError::runtime("ToleratedFailureCount cannot be negative.").into());
            }
        }
        if let Some(percentage) = tolerated_percentage
            && !(0.0..=100.0).contains(&percentage)
        {
            {
                return Err(DataError::runtime(
                    "ToleratedFailurePercentage must be between 0 and 100.",
                )
                .into());
            }
        }
        // Batching (ItemBatcher) groups items as {"Items": [...], "BatchInput": ...}.
        let items = self.batch_items(cx, items, &effective, &scope)?;
        let selector = cx
            .state
            .get("ItemSelector")
            .or_else(|| cx.state.get("Parameters"))
            .cloned();
        let mut jobs = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let iteration_input = match &selector {
                None => item,
                Some(template) => {
                    let item_context = context::for_state(
                        &self.context_base,
                        cx.name,
                        cx.entered_time,
                        None,
                        Some(&(index, item.clone())),
                    );
                    if cx.jsonata {
                        let bindings = self.jsonata_bindings(cx, &input, &item_context, &[]);
                        jsonata_template(template, "ItemSelector", &bindings)?
                    } else {
                        let scope = cx.scope(&item_context);
                        payload_template(template, &effective, &scope)?
                    }
                }
            };
            jobs.push((index, iteration_input));
        }
        let total = jobs.len();
        let mut details = Map::new();
        details.insert("length".into(), Value::from(total));
        self.record("MapStateStarted", details);
        let processor_language = match processor.get("QueryLanguage") {
            Some(ql) => is_jsonata(Some(ql)),
            None => cx.frame.query_language,
        };
        let work = |index: usize, item: Value| {
            let mut details = Map::new();
            details.insert("name".into(), Value::from(cx.name));
            details.insert("index".into(), Value::from(index));
            self.record("MapIterationStarted", details.clone());
            let frame = Frame {
                vars: VarScope::child(&cx.frame.vars),
                query_language: processor_language,
            };
            let outcome = self.run_machine(&processor, item, &frame);
            match &outcome {
                Ok(_) => self.record("MapIterationSucceeded", details),
                Err(_) => self.record("MapIterationFailed", details),
            };
            outcome
        };
        let concurrency = max_concurrency.map(|c| c as usize).unwrap_or(0);
        let tolerant = tolerated_count.is_some() || tolerated_percentage.is_some();
        let outcomes = if tolerant {
            self.run_children_all(jobs, concurrency, &work)
        } else {
            match self.run_children(cx, jobs, concurrency, work) {
                Ok(results) => results.into_iter().map(Ok).collect(),
                Err(failure) => {
                    self.record_map_failed(&failure);
                    return Err(failure.into());
                }
            }
        };
        let failures = outcomes.iter().filter(|o| o.is_err()).count();
        if failures > 0 {
            if let Some(Err(failure)) = outcomes.iter().find(|o| o.is_err())
                && failure.error_name() == TRANSITION_LIMIT_ERROR
            {
                {
                    return Err(failure.clone().into());
                }
            }
            let within_count = tolerated_count.is_some_and(|c| failures as f64 <= c);
            let within_percentage = tolerated_percentage
                .is_some_and(|p| total > 0 && (failures as f64 * 100.0 / total as f64) <= p);
            if !(within_count || within_percentage) {
                let failure = Failure::new(
                    "States.ExceedToleratedFailureThreshold",
                    "The specified tolerated failure threshold was exceeded",
                );
                self.record_map_failed(&failure);
                return Err(failure.into());
            }
        }
        let results: Vec<Value> = outcomes
            .into_iter()
            .map(|o| match o {
                Ok(v) => v,
                Err(f) => json!({"Error": f.error, "Cause": f.cause}),
            })
            .collect();
        self.record("MapStateSucceeded", Map::new());
        self.finish_composite(cx, input, Value::Array(results), &context, next)
    }

    fn record_map_failed(&self, failure: &Failure) {
        let mut details = Map::new();
        if let Some(e) = &failure.error {
            details.insert("error".into(), Value::from(e.clone()));
        }
        if let Some(c) = &failure.cause {
            details.insert("cause".into(), Value::from(c.clone()));
        }
        self.record("MapStateFailed", details);
    }

    fn batch_items(
        &self,
        cx: &StateCx<'_>,
        items: Vec<Value>,
        effective: &Value,
        scope: &Scope<'_>,
    ) -> Result<Vec<Value>, DataError> {
        let Some(batcher) = cx.state.get("ItemBatcher").and_then(Value::as_object) else {
            return Ok(items);
        };
        let per_batch = batcher
            .get("MaxItemsPerBatch")
            .and_then(Value::as_u64)
            .unwrap_or(items.len().max(1) as u64)
            .max(1) as usize;
        let batch_input = match batcher.get("BatchInput") {
            Some(template) if !cx.jsonata => Some(payload_template(template, effective, scope)?),
            Some(template) => Some(template.clone()),
            None => None,
        };
        Ok(items
            .chunks(per_batch)
            .map(|chunk| {
                let mut batch = Map::new();
                if let Some(batch_input) = &batch_input {
                    batch.insert("BatchInput".into(), batch_input.clone());
                }
                batch.insert("Items".into(), Value::Array(chunk.to_vec()));
                Value::Object(batch)
            })
            .collect())
    }

    /// Reads `MaxConcurrency`, `ToleratedFailureCount` or `ToleratedFailurePercentage`
    /// (or its `Path` form, or a JSONata expression).
    fn map_number(
        &self,
        cx: &StateCx<'_>,
        effective: &Value,
        scope: &Scope<'_>,
        bindings: &Map<String, Value>,
        field: &str,
        float: bool,
    ) -> Result<Option<f64>, DataError> {
        if let Some(value) = cx.state.get(field) {
            let value = if cx.jsonata {
                jsonata_template(value, field, bindings)?
            } else {
                value.clone()
            };
            return match value.as_f64() {
                Some(n) => Ok(Some(n)),
                None => Err(DataError::runtime(format!(
                    "The {field} field must be a number, found {}",
                    compact(&value)
                ))),
            };
        }
        let path_field = format!("{field}Path");
        let Some(path) = cx.state.get(&path_field).and_then(Value::as_str) else {
            return Ok(None);
        };
        let value = dataflow::select(path, effective, scope)
            .map_err(|e| DataError::runtime(e.to_string()))?;
        let kind = if float { "float" } else { "integer" };
        // A numeric string is accepted too (corpus: MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH).
        let number = match (&value, float) {
            (Value::String(s), true) => s.trim().parse::<f64>().ok(),
            (Value::String(s), false) => s.trim().parse::<i64>().ok().map(|n| n as f64),
            (_, true) => value.as_f64(),
            (_, false) => value.as_i64().map(|n| n as f64),
        };
        number.map(Some).ok_or_else(|| {
            let shown = match &value {
                Value::String(s) => s.clone(),
                other => compact(other),
            };
            DataError::runtime(format!(
                "The {path_field} field refers to value \"{shown}\" which is not a valid {kind}: {path}"
            ))
        })
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
