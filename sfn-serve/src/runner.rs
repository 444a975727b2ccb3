//! Running executions: each on a thread of its own, durable through the store.
//!
//! Every history event is written as the engine records it (the `observer` hook), and
//! before each top-level state the engine hands over where it stands (the `checkpoint`
//! hook), which is stored with the execution. A restarted server finds the executions still
//! `RUNNING` and starts each again from its last checkpoint (the `resume` hook); the state
//! that was running when the server died runs again (at-least-once, as AWS documents for
//! Express workflows), and its history continues after the last event stored.
//! `StopExecution` sets the execution's cancel flag, records `ExecutionAborted` at once, and
//! drops whatever the engine records after that.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use asl_engine::task::LambdaInvoker;
use asl_engine::{Clock, Event, ExecutionIdentity, Outcome, Resume, RunOptions, Status};
use serde_json::{Map, Value, json};

use crate::arn;
use crate::error::{ApiError, ErrorKind};
use crate::lambda::Functions;
use crate::store::{ExecutionRow, MachineRow, Store};
use crate::tokens::{ExecutionCallbacks, Tokens};

/// The largest execution input, in bytes (Step Functions' payload quota, 256 KiB).
pub const MAX_INPUT_BYTES: usize = 262_144;

/// The current time in epoch seconds (millisecond precision, as AWS returns dates).
pub fn now() -> f64 {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    ms as f64 / 1000.0
}

/// What a restarted server did with the executions it found running.
#[derive(Debug, Default)]
pub struct ResumeCounts {
    /// Found `RUNNING` in the store at start.
    pub found: AtomicU64,
    /// Of those, resumed from a checkpoint.
    pub from_checkpoint: AtomicU64,
    /// Of those, started again from the beginning (no checkpoint was stored yet).
    pub from_start: AtomicU64,
}

/// A running execution's handles.
struct Live {
    cancel: Arc<AtomicBool>,
    /// The id of the last event written (locked while writing one, so a stop and an
    /// event never interleave).
    last_event: Mutex<u64>,
}

/// Starts, runs, stops and resumes executions.
pub struct Runner {
    /// The database.
    pub store: Arc<Store>,
    /// The functions Tasks call.
    pub functions: Arc<Functions>,
    /// Task tokens being waited on.
    pub tokens: Arc<Tokens>,
    /// What resuming did at start.
    pub resumed: ResumeCounts,
    clock: Clock,
    live: Mutex<HashMap<String, Arc<Live>>>,
    /// Held while checking and inserting a new execution, so two StartExecution calls of
    /// one name cannot both insert it.
    start_lock: Mutex<()>,
    myself: Weak<Runner>,
}

/// A new execution, checked and ready to insert.
struct NewExecution {
    row: ExecutionRow,
    input: Value,
}

impl Runner {
    /// A runner over `store` and `functions`.
    pub fn new(store: Arc<Store>, functions: Arc<Functions>, clock: Clock) -> Arc<Self> {
        Arc::new_cyclic(|myself| Self {
            store,
            functions,
            tokens: Arc::default(),
            resumed: ResumeCounts::default(),
            clock,
            live: Mutex::default(),
            start_lock: Mutex::default(),
            myself: myself.clone(),
        })
    }

    /// How many executions run in this process now.
    pub fn running(&self) -> usize {
        self.live.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    fn prepare(
        machine: &MachineRow,
        name: Option<&str>,
        input: Option<&str>,
        express: bool,
    ) -> Result<NewExecution, ApiError> {
        let name = match name {
            Some(n) => {
                arn::check_name(n, "execution")?;
                n.to_owned()
            }
            None => uuid::Uuid::new_v4().to_string(),
        };
        let input_text = input.unwrap_or("{}");
        if input_text.len() > MAX_INPUT_BYTES {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to {MAX_INPUT_BYTES} (it has {} bytes); pass large data by reference (an S3 key) instead",
                input_text.len()
            )));
        }
        let input: Value = serde_json::from_str(input_text).map_err(|e| {
            ApiError::new(
                ErrorKind::InvalidExecutionInput,
                format!("Invalid State Machine Execution Input: the input is not JSON ({e}); pass a JSON document, e.g. '{{}}'"),
            )
        })?;
        let arn = if express {
            arn::express_execution_arn(&machine.name, &name)
        } else {
            arn::execution_arn(&machine.name, &name)
        };
        Ok(NewExecution {
            row: ExecutionRow {
                arn,
                machine_arn: machine.arn.clone(),
                name,
                status: "RUNNING".into(),
                input: input_text.to_owned(),
                output: None,
                error: None,
                cause: None,
                started: now(),
                stopped: None,
                definition: machine.definition.clone(),
                role_arn: machine.role_arn.clone(),
                revision: machine.revision.clone(),
                checkpoint: None,
            },
            input,
        })
    }

    /// `StartExecution`: records a new execution and starts it on its own thread. Returns
    /// the execution's ARN and start date. Calling it again with the same name and input
    /// while that execution runs answers the same (AWS's idempotency); otherwise a reused
    /// name is `ExecutionAlreadyExists`.
    pub fn start(
        &self,
        machine: &MachineRow,
        name: Option<&str>,
        input: Option<&str>,
    ) -> Result<(String, f64), ApiError> {
        let new = Self::prepare(machine, name, input, machine.kind == "EXPRESS")?;
        let row = {
            let _guard = self.start_lock.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(existing) = self.store.execution(&new.row.arn)? {
                let same_input =
                    serde_json::from_str::<Value>(&existing.input).ok() == Some(new.input.clone());
                if existing.status == "RUNNING" && same_input {
                    return Ok((existing.arn, existing.started));
                }
                return Err(ApiError::new(
                    ErrorKind::ExecutionAlreadyExists,
                    format!(
                        "Execution Already Exists: '{}' ({}); execution names are unique per state machine: start it with another name, or omit the name for a generated one",
                        existing.arn,
                        if existing.status == "RUNNING" {
                            "running with a different input".to_owned()
                        } else {
                            format!("already ended {}", existing.status)
                        }
                    ),
                ));
            }
            self.store.insert_execution(new.row.clone())?;
            new.row
        };
        let result = (row.arn.clone(), row.started);
        self.launch(row, new.input, None);
        Ok(result)
    }

    /// `StartSyncExecution`: runs an Express execution to its end and returns it.
    pub fn start_sync(
        &self,
        machine: &MachineRow,
        name: Option<&str>,
        input: Option<&str>,
    ) -> Result<ExecutionRow, ApiError> {
        let new = Self::prepare(machine, name, input, true)?;
        self.store.insert_execution(new.row.clone())?;
        let me = self.me()?;
        let row = new.row.clone();
        let arn = row.arn.clone();
        let worker = std::thread::Builder::new()
            .name("sfn-serve-sync".into())
            .stack_size(EXECUTION_STACK)
            .spawn(move || me.execute(row, new.input, None, true))
            .map_err(|e| {
                ApiError::new(
                    ErrorKind::InternalFailure,
                    format!("cannot start a thread: {e}"),
                )
            })?;
        worker.join().map_err(|_| {
            ApiError::new(
                ErrorKind::InternalFailure,
                "the execution's thread panicked",
            )
        })?;
        self.store.execution(&arn)?.ok_or_else(|| {
            ApiError::new(
                ErrorKind::InternalFailure,
                "the finished execution is not in the store",
            )
        })
    }

    fn me(&self) -> Result<Arc<Runner>, ApiError> {
        self.myself
            .upgrade()
            .ok_or_else(|| ApiError::new(ErrorKind::InternalFailure, "the server is shutting down"))
    }

    fn launch(&self, row: ExecutionRow, input: Value, resume: Option<Resume>) {
        let Ok(me) = self.me() else { return };
        let arn = row.arn.clone();
        let spawned = std::thread::Builder::new()
            .name("sfn-serve-exec".into())
            .stack_size(EXECUTION_STACK)
            .spawn(move || {
                me.execute(row, input, resume, false);
            });
        if let Err(err) = spawned {
            tracing::error!(execution = %arn, error = %err, "cannot start the execution's thread");
        }
    }

    /// Runs one execution to its end (on the calling thread) and records how it ended.
    fn execute(&self, row: ExecutionRow, input: Value, resume: Option<Resume>, synchronous: bool) {
        let live = Arc::new(Live {
            cancel: Arc::default(),
            last_event: Mutex::new(resume.as_ref().map_or(0, |r| r.events)),
        });
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(row.arn.clone(), live.clone());
        let failed = |cause: String| Outcome {
            status: Status::Failed,
            output: None,
            error: Some("States.Runtime".into()),
            cause: Some(cause),
            transitions: 0,
            history: Vec::new(),
            event_count: 0,
            duration_seconds: 0.0,
            parsed_at_run_time: 0,
        };
        let outcome = match serde_json::from_str::<Value>(&row.definition) {
            Ok(definition) => {
                let options = self.options(&row, &definition, resume, &live, synchronous);
                // An engine bug fails this execution, not the server.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    asl_engine::run(&definition, input, &options)
                }))
                .unwrap_or_else(|_| {
                    failed("the local engine panicked running this execution; please report it with the definition and input".into())
                })
            }
            Err(e) => failed(format!("the stored definition is not JSON: {e}")),
        };
        // A stopped execution was already recorded ABORTED; `finish` keeps that.
        if !live.cancel.load(Ordering::SeqCst) {
            let status = outcome.status.as_str();
            let output = outcome
                .output
                .as_ref()
                .map(|o| serde_json::to_string(o).unwrap_or_default());
            if let Err(err) = self.store.finish(
                &row.arn,
                status,
                output,
                outcome.error,
                outcome.cause,
                now(),
            ) {
                tracing::error!(execution = %row.arn, error = %err, "cannot record the end of the execution");
            }
        }
        self.live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&row.arn);
    }

    fn options(
        &self,
        row: &ExecutionRow,
        definition: &Value,
        resume: Option<Resume>,
        live: &Arc<Live>,
        synchronous: bool,
    ) -> RunOptions {
        let machine_name = arn::check_machine_arn(&row.machine_arn).unwrap_or("machine");
        let mut identity = ExecutionIdentity::named(machine_name, &row.name);
        identity.state_machine_arn = row.machine_arn.clone();
        identity.execution_arn = row.arn.clone();
        identity.role_arn = row.role_arn.clone();
        identity.account_id = arn::ACCOUNT.into();
        identity.region = arn::REGION.into();
        identity.start_time = iso(row.started);
        identity.synchronous = synchronous;

        let store = self.store.clone();
        let arn = row.arn.clone();
        let watched = live.clone();
        let observer: asl_engine::history::Observer = Arc::new(move |event: &Event| {
            let mut last = watched.last_event.lock().unwrap_or_else(|e| e.into_inner());
            if watched.cancel.load(Ordering::SeqCst) {
                return;
            }
            *last = (*last).max(event.id);
            if let Err(err) = store.event(&arn, event.id, &aws_event(event)) {
                tracing::error!(execution = %arn, error = %err, "cannot record an event");
            }
        });
        let store = self.store.clone();
        let arn = row.arn.clone();
        let checkpoint: asl_engine::Checkpoint = Arc::new(move |at: &Resume| {
            let value = serde_json::to_value(at).unwrap_or(Value::Null);
            if let Err(err) = store.checkpoint(&arn, value) {
                tracing::error!(execution = %arn, error = %err, "cannot record a checkpoint");
            }
        });
        let mut options = RunOptions {
            identity,
            invoker: self.functions.clone() as Arc<dyn LambdaInvoker>,
            clock: self.clock,
            substitutions: substitutions(definition, &self.functions, &row.machine_arn),
            observer: Some(observer),
            concurrent: true,
            record_history: false,
            resume,
            checkpoint: Some(checkpoint),
            cancel: Some(live.cancel.clone()),
            callbacks: Some(Arc::new(ExecutionCallbacks {
                tokens: self.tokens.clone(),
                cancel: live.cancel.clone(),
            })),
            start_execution: self.start_execution_hook(),
            ..RunOptions::default()
        };
        if let Some(envelope) = self.functions.envelope() {
            options.lambda_invoke_envelope = envelope.clone();
        }
        options
    }

    /// Serves `arn:aws:states:::states:startExecution` Tasks with this server's executions.
    fn start_execution_hook(&self) -> Option<asl_engine::StartExecution> {
        let runner = self.myself.clone();
        Some(Arc::new(move |parameters: &Value| {
            let failure = |e: ApiError| {
                asl_engine::Failure::new(format!("StepFunctions.{}", e.kind.as_str()), e.message)
            };
            let runner = runner.upgrade().ok_or_else(|| {
                asl_engine::Failure::new("States.Runtime", "the server is shutting down")
            })?;
            let machine_arn = parameters
                .get("StateMachineArn")
                .and_then(Value::as_str)
                .unwrap_or_default();
            arn::check_machine_arn(machine_arn).map_err(failure)?;
            let machine = runner
                .store
                .machine(machine_arn)
                .map_err(|e| failure(e.into()))?
                .ok_or_else(|| {
                    failure(ApiError::new(
                        ErrorKind::StateMachineDoesNotExist,
                        format!("State Machine Does Not Exist: '{machine_arn}'"),
                    ))
                })?;
            let input = match parameters.get("Input") {
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => "{}".into(),
            };
            let name = parameters.get("Name").and_then(Value::as_str);
            let (arn, started) = runner
                .start(&machine, name, Some(&input))
                .map_err(failure)?;
            Ok(json!({"ExecutionArn": arn, "StartDate": iso(started)}))
        }))
    }

    /// `StopExecution`: records the execution `ABORTED` now (with `ExecutionAborted`) and
    /// stops its run at its next state. Returns the stop date.
    pub fn stop(
        &self,
        row: &ExecutionRow,
        error: Option<String>,
        cause: Option<String>,
    ) -> Result<f64, ApiError> {
        if row.status != "RUNNING" {
            return Ok(row.stopped.unwrap_or_else(now));
        }
        let stopped = now();
        let live = self
            .live
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&row.arn)
            .cloned();
        let last = match &live {
            Some(live) => {
                let last = live.last_event.lock().unwrap_or_else(|e| e.into_inner());
                live.cancel.store(true, Ordering::SeqCst);
                *last
            }
            None => self.store.last_event_id(&row.arn)?,
        };
        let mut details = Map::new();
        if let Some(e) = &error {
            details.insert("error".into(), Value::from(e.clone()));
        }
        if let Some(c) = &cause {
            details.insert("cause".into(), Value::from(c.clone()));
        }
        let event = json!({
            "id": last + 1,
            "previousEventId": last,
            "timestamp": stopped,
            "type": "ExecutionAborted",
            "executionAbortedEventDetails": details,
        });
        self.store.event(&row.arn, last + 1, &event)?;
        self.store
            .finish(&row.arn, "ABORTED", None, error, cause, stopped)?;
        Ok(stopped)
    }

    /// Starts again every execution the store holds as `RUNNING` (after a restart): from its
    /// last checkpoint, or from the beginning when it has none. Returns how many.
    pub fn resume_all(&self) -> Result<usize, ApiError> {
        let running = self.store.running()?;
        let count = running.len();
        self.resumed.found.store(count as u64, Ordering::SeqCst);
        for row in running {
            let checkpoint = row
                .checkpoint
                .clone()
                .and_then(|c| serde_json::from_value::<Resume>(c).ok());
            match checkpoint {
                Some(mut resume) => {
                    // Events written after the checkpoint (the state that was running)
                    // stay in the history; the resumed run continues after them.
                    resume.events = resume.events.max(self.store.last_event_id(&row.arn)?);
                    let input = resume.input.clone();
                    self.resumed.from_checkpoint.fetch_add(1, Ordering::SeqCst);
                    self.launch(row, input, Some(resume));
                }
                None => {
                    self.store.clear_events(&row.arn)?;
                    let input = serde_json::from_str(&row.input).unwrap_or(json!({}));
                    self.resumed.from_start.fetch_add(1, Ordering::SeqCst);
                    self.launch(row, input, None);
                }
            }
        }
        Ok(count)
    }
}

/// Stack of an execution's thread (nested Map and Parallel states recurse).
const EXECUTION_STACK: usize = 4 << 20;

/// An engine event as `GetExecutionHistory` returns it: the timestamp in epoch seconds
/// (AWS JSON 1.0 dates), without the engine's `elapsedSeconds`.
pub fn aws_event(event: &Event) -> Value {
    let mut value = serde_json::to_value(event).unwrap_or(Value::Null);
    if let Value::Object(fields) = &mut value {
        fields.remove("elapsedSeconds");
        let epoch = chrono::DateTime::parse_from_rfc3339(&event.timestamp)
            .map(|t| t.timestamp_millis() as f64 / 1000.0)
            .unwrap_or_else(|_| now());
        fields.insert("timestamp".into(), json!(epoch));
    }
    value
}

/// Epoch seconds as the Context Object's ISO 8601 text.
pub fn iso(epoch: f64) -> String {
    chrono::DateTime::from_timestamp_millis((epoch * 1000.0).round() as i64)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// The `${...}` placeholders of a definition resolved as `sfn-gen` deploys them: the
/// generator's `${AgentFunctionArn}` and `${ToolFunctionArn_<tool>}`, and any served
/// function's name, to the served function's ARN; `${...StateMachineArn}` to this machine.
/// Others stay as they are (a Task that uses one fails with the engine's message).
pub fn substitutions(
    definition: &Value,
    functions: &Functions,
    machine_arn: &str,
) -> Vec<(String, String)> {
    let text = definition.to_string();
    let mut found: Vec<(String, String)> = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        rest = &after[end..];
        if name.is_empty() || found.iter().any(|(k, _)| k == name) {
            continue;
        }
        let function = if name == "AgentFunctionArn" {
            Some("agent-lambda")
        } else if let Some(tool) = name.strip_prefix("ToolFunctionArn_") {
            Some(tool)
        } else if functions.serves(name) {
            Some(name)
        } else {
            None
        };
        if let Some(function) = function {
            found.push((name.to_owned(), arn::function_arn(function)));
        } else if name.ends_with("StateMachineArn") {
            found.push((name.to_owned(), machine_arn.to_owned()));
        }
    }
    found
}
