//! One agent step: load the transcript, absorb the last results, apply the guards, ask the
//! reasoner (answering repeated read-only calls from the cache and feeding invalid calls
//! back), store the transcript and return the small state descriptor.
//!
//! Guards, in order: the circuit breaker (a tool that failed `failure_threshold` times in a
//! row ends the run with `Agent.CircuitOpen`, naming the tool), the turn limit
//! (`Agent.TurnLimit`), the hand-off (after `turns_per_execution` turns in one execution the
//! route is `continue`), and invalid calls (three steps in a row with nothing runnable end
//! the run with `Agent.InvalidCalls`).

use std::collections::BTreeMap;
use std::sync::Arc;

use lambda_runtime::Diagnostic;
use offload::{ExecutionStore, Store};
use protocol::ErrorName;
use protocol::agent::{AgentStatus, AgentStepInput, AgentStepOutput};
use protocol::call::ToolCall;
use serde_json::Value;

use protocol::agent::{HandoffRecord, LoopState};

use crate::reasoner::select::{ReasonerConfig, Reasoners};
use crate::reasoner::{Conversation, Decision, Reasoner, ReasonerError};
use crate::tools::ToolSet;
use crate::transcript::{Entry, Transcript};
use crate::view::DEFAULT_RESULT_BUDGET;

/// Steps in a row with no runnable call before `Agent.InvalidCalls`.
pub const INVALID_STREAK_LIMIT: u32 = 3;
/// Reasoner consultations within one step (cache hits and rejected calls ask again).
pub const CONSULTATIONS_PER_STEP: usize = 6;
/// A call input or an answer larger than this (serialized bytes) is offloaded, so the
/// state stays small.
pub const INLINE_LIMIT_BYTES: usize = 2_048;

/// A step that could not complete: becomes the Lambda error (`errorType` = `name`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {message}")]
pub struct StepError {
    /// The stable error name.
    pub name: ErrorName,
    /// What happened.
    pub message: String,
}

impl StepError {
    fn new(name: ErrorName, message: impl Into<String>) -> Self {
        Self {
            name,
            message: message.into(),
        }
    }
}

impl From<offload::OffloadError> for StepError {
    fn from(e: offload::OffloadError) -> Self {
        Self::new(e.error_name(), e.to_string())
    }
}

impl From<StepError> for Diagnostic {
    fn from(e: StepError) -> Self {
        Diagnostic {
            error_type: e.name.as_str().to_owned(),
            error_message: e.message,
        }
    }
}

/// The agent: tools, store, and the reasoners it may use.
pub struct Agent {
    tools: ToolSet,
    store: Store,
    /// Overrides the reasoner chosen from the options (tests, embedding).
    reasoner_override: Option<Arc<dyn Reasoner>>,
    /// The reasoners the deployment allows, and their clients.
    reasoners: Reasoners,
    /// The transcript this process wrote last (a warm Lambda reads it back from memory).
    last_transcript: std::sync::Mutex<Option<(protocol::OffloadPointer, Transcript)>>,
    /// Characters of one result shown to a model.
    pub result_budget: usize,
}

/// How a step's transcript was opened: the run so far, or a refused start.
enum Opened {
    Run {
        transcript: Transcript,
        turn: u32,
        failures: BTreeMap<String, u32>,
    },
    Refused(String),
}

impl Agent {
    /// An agent over `tools` storing transcripts in `store`, running plans only (see
    /// [`Agent::with_reasoner_config`]).
    pub fn new(tools: ToolSet, store: Store) -> Self {
        Self {
            tools,
            store,
            reasoner_override: None,
            reasoners: Reasoners::new(ReasonerConfig::default()),
            last_transcript: std::sync::Mutex::new(None),
            result_budget: DEFAULT_RESULT_BUDGET,
        }
    }

    /// Uses `reasoner` for every step, whatever the options say.
    pub fn with_reasoner(mut self, reasoner: Arc<dyn Reasoner>) -> Self {
        self.reasoner_override = Some(reasoner);
        self
    }

    /// The tools.
    pub fn tools(&self) -> &ToolSet {
        &self.tools
    }

    /// Uses the deployment's reasoner configuration (usually [`ReasonerConfig::from_env`]).
    pub fn with_reasoner_config(mut self, config: ReasonerConfig) -> Self {
        self.reasoners = Reasoners::new(config);
        self
    }

    /// The reasoner for a run's options, as the configuration allows.
    fn reasoner(&self, options: &Value) -> Result<Arc<dyn Reasoner>, StepError> {
        match &self.reasoner_override {
            Some(reasoner) => Ok(reasoner.clone()),
            None => self
                .reasoners
                .pick(options)
                .map_err(|cause| StepError::new(ErrorName::InvalidStart, cause)),
        }
    }

    /// Takes one step.
    #[tracing::instrument(skip_all, fields(execution = %input.execution.name, turn = input.state.turn))]
    pub async fn step(&self, input: AgentStepInput) -> Result<AgentStepOutput, StepError> {
        let result = self.step_inner(input).await;
        match &result {
            Ok(out) => tracing::info!(
                route = %out.route,
                calls = out.calls.len(),
                turn = out.turn,
                error = out.error.as_deref().unwrap_or(""),
                "agent step"
            ),
            Err(e) => tracing::warn!(error = %e.name, message = %e.message, "agent step failed"),
        }
        result
    }

    async fn step_inner(&self, input: AgentStepInput) -> Result<AgentStepOutput, StepError> {
        let store = self.store.for_execution(&input.execution);
        let (mut transcript, turns, mut failures) = match self.open(&store, &input).await? {
            Opened::Run {
                transcript,
                turn,
                failures,
            } => (transcript, turn, failures),
            Opened::Refused(cause) => {
                return self
                    .finish_failed(
                        &store,
                        Transcript::default(),
                        &BTreeMap::new(),
                        0,
                        ErrorName::InvalidStart.as_str(),
                        &cause,
                    )
                    .await;
            }
        };
        let state = input.state;
        let config = input.config;
        transcript
            .execution_first_turn
            .entry(input.execution.name.clone())
            .or_insert(turns);

        // Absorb the results of the previous calls.
        if let Some(results) = &state.tool {
            for outcome in &results.results {
                let failed = outcome.error.is_some();
                let stored = match &outcome.output {
                    Some(output) => self.store_if_too_large_to_show(&store, output).await?,
                    None => None,
                };
                transcript.entries.push(Entry::Result {
                    call_id: outcome.call_id.clone(),
                    tool: outcome.tool.clone(),
                    output: outcome.output.clone(),
                    error: outcome.error.clone(),
                    cause: outcome.cause.clone(),
                    cached: false,
                    stored,
                });
                count_outcome(&mut failures, &outcome.tool, failed);
            }
        } else if let Some(failure) = &state.failure
            && let Some(call) = state.calls.first()
        {
            {
                transcript.entries.push(Entry::Result {
                    call_id: call.call_id.clone(),
                    tool: call.tool.clone(),
                    output: None,
                    error: Some(failure.error.clone()),
                    cause: Some(failure.cause.clone()),
                    cached: false,
                    stored: None,
                });
                count_outcome(&mut failures, &call.tool, true);
            }
        }

        // A call the state holds no outcome for (a lost Map item, a hand-edited state)
        // still gets an answer, so the model sees it failed and every provider's pairing
        // of calls and results holds.
        for call in &state.calls {
            if transcript.result_of(&call.call_id).is_none() {
                transcript.entries.push(Entry::Result {
                    call_id: call.call_id.clone(),
                    tool: call.tool.clone(),
                    output: None,
                    error: Some(ErrorName::Fatal.as_str().to_owned()),
                    cause: Some("no result arrived for this call".to_owned()),
                    cached: false,
                    stored: None,
                });
                count_outcome(&mut failures, &call.tool, true);
            }
        }

        // Guards.
        if let Some((tool, count)) = failures
            .iter()
            .find(|(_, count)| **count >= config.failure_threshold)
        {
            let last = last_error(&transcript, tool);
            let cause = format!(
                "tool `{tool}` failed {count} times in a row (threshold {}); last error: {last}",
                config.failure_threshold
            );
            return self
                .finish_failed(
                    &store,
                    transcript,
                    &failures,
                    turns,
                    ErrorName::CircuitOpen.as_str(),
                    &cause,
                )
                .await;
        }
        if turns >= config.max_turns {
            let cause = format!(
                "the run reached its limit of {} turns without an answer",
                config.max_turns
            );
            return self
                .finish_failed(
                    &store,
                    transcript,
                    &failures,
                    turns,
                    ErrorName::TurnLimit.as_str(),
                    &cause,
                )
                .await;
        }
        let first_turn = transcript.execution_first_turn[&input.execution.name];
        if turns - first_turn.min(turns) >= config.turns_per_execution {
            return self
                .hand_off(&store, &input.execution, &transcript, turns, failures)
                .await;
        }

        // Ask the reasoner.
        let options = transcript.options.clone();
        let reasoner = self.reasoner(&options)?;
        let turn = turns.saturating_add(1);
        for _ in 0..CONSULTATIONS_PER_STEP {
            let decision = {
                let conversation = Conversation {
                    transcript: &transcript,
                    tools: &self.tools,
                    result_budget: self.result_budget,
                };
                reasoner.decide(&conversation).await
            };
            let decision = match decision {
                Ok(decision) => decision,
                Err(ReasonerError::Throttled(message)) => {
                    return Err(StepError::new(ErrorName::ReasonerThrottled, message));
                }
                Err(ReasonerError::Failed(message)) => {
                    return Err(StepError::new(ErrorName::ReasonerError, message));
                }
            };
            match decision {
                Decision::Answer(answer) => {
                    transcript.entries.push(Entry::Answer {
                        value: answer.clone(),
                    });
                    let answer = self.inline_or_offload(&store, answer).await?;
                    let pointer = self.save_transcript(&store, &transcript).await?;
                    return Ok(AgentStepOutput {
                        answer: Some(answer),
                        ..descriptor(AgentStatus::Done, "done", pointer, turns, failures)
                    });
                }
                Decision::Fail { error, cause } => {
                    return self
                        .finish_failed(&store, transcript, &failures, turns, &error, &cause)
                        .await;
                }
                Decision::Calls { calls, text } => {
                    let mut recorded = Vec::with_capacity(calls.len());
                    let mut synthetic = Vec::new();
                    let mut runnable = Vec::new();
                    let mut cache_hits = 0;
                    for proposal in calls {
                        let call_id =
                            unique_id(&transcript, &recorded, proposal.id.as_deref(), turn);
                        let call = ToolCall {
                            call_id: call_id.clone(),
                            tool: proposal.tool.clone(),
                            input: proposal.input.clone(),
                        };
                        recorded.push(call.clone());
                        match self.tools.check(&proposal.tool, &proposal.input) {
                            Err(rejection) => synthetic.push(Entry::Result {
                                call_id,
                                tool: proposal.tool,
                                output: None,
                                error: Some(rejection.error.to_owned()),
                                cause: Some(rejection.cause),
                                cached: false,
                                stored: None,
                            }),
                            Ok(tool) => {
                                let cached = tool
                                    .manifest
                                    .annotations
                                    .cacheable()
                                    .then(|| {
                                        transcript.cached_output(&proposal.tool, &proposal.input)
                                    })
                                    .flatten();
                                match cached {
                                    Some(output) => {
                                        cache_hits += 1;
                                        synthetic.push(Entry::Result {
                                            call_id,
                                            tool: proposal.tool,
                                            output: Some(output),
                                            error: None,
                                            cause: None,
                                            cached: true,
                                            stored: None,
                                        });
                                    }
                                    None => runnable.push(call),
                                }
                            }
                        }
                    }
                    transcript.entries.push(Entry::Calls {
                        turn,
                        calls: recorded,
                        text,
                    });
                    transcript.entries.extend(synthetic);
                    if !runnable.is_empty() {
                        transcript.invalid_streak = 0;
                        let mut calls = Vec::with_capacity(runnable.len());
                        for mut call in runnable {
                            call.input = self.inline_or_offload(&store, call.input).await?;
                            calls.push(call);
                        }
                        let route = if calls.len() == 1 {
                            AgentStepOutput::call_route(&calls[0].tool)
                        } else {
                            "map".to_owned()
                        };
                        let pointer = self.save_transcript(&store, &transcript).await?;
                        return Ok(AgentStepOutput {
                            calls,
                            ..descriptor(AgentStatus::ToolCalls, route, pointer, turn, failures)
                        });
                    }
                    if cache_hits == 0 {
                        transcript.invalid_streak += 1;
                        if transcript.invalid_streak >= INVALID_STREAK_LIMIT {
                            let cause = format!(
                                "the reasoner proposed no runnable call {INVALID_STREAK_LIMIT} times in a row (unknown tools or invalid arguments); see the transcript"
                            );
                            return self
                                .finish_failed(
                                    &store,
                                    transcript,
                                    &failures,
                                    turns,
                                    ErrorName::InvalidCalls.as_str(),
                                    &cause,
                                )
                                .await;
                        }
                    }
                }
            }
        }
        let cause = format!(
            "the reasoner was consulted {CONSULTATIONS_PER_STEP} times in one step without a runnable call or an answer"
        );
        self.finish_failed(
            &store,
            transcript,
            &failures,
            turns,
            ErrorName::InvalidCalls.as_str(),
            &cause,
        )
        .await
    }

    /// Opens the run: this execution's own transcript (a later step), a proven hand-off
    /// from a parent execution (a continued execution's first step), or a fresh transcript
    /// from the goal and the options the configuration allows (a start). Anything else in
    /// a start input is the loop's own state, which a caller may not supply.
    async fn open(
        &self,
        store: &ExecutionStore,
        input: &AgentStepInput,
    ) -> Result<Opened, StepError> {
        let state = &input.state;
        if let Some(pointer) = &state.transcript
            && state.handoff.is_none()
            && state.parent.is_none()
            && store.check(pointer).is_ok()
        {
            return Ok(Opened::Run {
                transcript: self.load_transcript(store, pointer).await?,
                turn: state.turn,
                failures: state.failures.clone(),
            });
        }
        if let Some(record) = &state.handoff {
            return self.open_handoff(store, input, record).await;
        }
        let carried = loop_fields(state);
        if !carried.is_empty() {
            return Ok(Opened::Refused(format!(
                "the start input carries {}, which only the loop itself may set; a start input holds `goal` and `options`, and a continued execution is started by the agent with a hand-off record",
                carried.join(", ")
            )));
        }
        let goal = match &state.goal {
            Some(goal) if !goal.trim().is_empty() => goal.clone(),
            _ => {
                return Ok(Opened::Refused(
                    "the start input needs a non-empty `goal`, e.g. {\"goal\": \"...\", \"options\": {\"reasoner\": \"plan\", \"plan\": {...}}}".to_owned(),
                ));
            }
        };
        let options = state.options.clone().unwrap_or(Value::Null);
        if self.reasoner_override.is_none()
            && let Err(cause) = self.reasoners.config().choose(&options)
        {
            return Ok(Opened::Refused(cause));
        }
        Ok(Opened::Run {
            transcript: Transcript::new(goal, options),
            turn: 0,
            failures: BTreeMap::new(),
        })
    }

    /// A continued execution's first step: the parent's record must verify inside the
    /// parent's folder, be of the same state machine, and name this execution and that
    /// parent. The transcript, turn and failures come from the record, not the input.
    async fn open_handoff(
        &self,
        store: &ExecutionStore,
        input: &AgentStepInput,
        record: &protocol::OffloadPointer,
    ) -> Result<Opened, StepError> {
        let state = &input.state;
        let Some(parent) = &state.parent else {
            return Ok(Opened::Refused(
                "a hand-off needs `parent`, the execution that wrote it".to_owned(),
            ));
        };
        let mut extra = loop_fields(state);
        extra.retain(|f| *f != "`parent`");
        if state.goal.is_some() || state.options.is_some() {
            extra.push("`goal` or `options`");
        }
        if !extra.is_empty() {
            return Ok(Opened::Refused(format!(
                "a continued execution's input holds only `handoff` and `parent`; it also carries {}",
                extra.join(", ")
            )));
        }
        if machine_of(parent) != machine_of(&input.execution) {
            return Ok(Opened::Refused(format!(
                "the parent execution `{}` is not an execution of the same state machine as `{}`; a run may only continue its own transcript",
                parent.id, input.execution.id
            )));
        }
        let parent_store = self.store.for_execution(parent);
        let record: HandoffRecord = match parent_store.get_json(record).await {
            Ok(value) => match serde_json::from_value(value) {
                Ok(record) => record,
                Err(e) => {
                    return Ok(Opened::Refused(format!(
                        "the hand-off record is not one: {e}"
                    )));
                }
            },
            Err(e) => {
                return Ok(Opened::Refused(format!(
                    "the hand-off record does not verify in the parent's folder ({}): {e}",
                    e.error_name()
                )));
            }
        };
        if record.child != input.execution.name || record.parent != *parent {
            return Ok(Opened::Refused(format!(
                "the hand-off record of `{}` names another execution; only the execution it names may continue the run",
                parent.id
            )));
        }
        let mut transcript = self
            .load_transcript(&parent_store, &record.transcript)
            .await?;
        adopt_parent_objects(store, &parent_store, &mut transcript).await?;
        Ok(Opened::Run {
            transcript,
            turn: record.turn,
            failures: record.failures,
        })
    }

    /// Ends this execution's part of the run: stores the transcript and a hand-off record
    /// naming the next execution, whose name is random so no one else can claim it first.
    async fn hand_off(
        &self,
        store: &ExecutionStore,
        execution: &protocol::ExecutionRef,
        transcript: &Transcript,
        turn: u32,
        failures: BTreeMap<String, u32>,
    ) -> Result<AgentStepOutput, StepError> {
        let pointer = self.save_transcript(store, transcript).await?;
        let child = child_name(&execution.name, turn);
        let record = HandoffRecord {
            parent: execution.clone(),
            child: child.clone(),
            transcript: pointer.clone(),
            turn,
            failures: failures.clone(),
        };
        let record = store
            .put_json(&serde_json::to_value(record).unwrap_or_default())
            .await?;
        Ok(AgentStepOutput {
            handoff: Some(record),
            continue_as: Some(child),
            ..descriptor(AgentStatus::Continue, "continue", pointer, turn, failures)
        })
    }

    /// Reads a transcript, from memory when this warm process wrote it last (the pointer,
    /// hash included, is the same), else from the store with its checks.
    async fn load_transcript(
        &self,
        store: &ExecutionStore,
        pointer: &protocol::OffloadPointer,
    ) -> Result<Transcript, StepError> {
        if let Some((last, transcript)) = &*self
            .last_transcript
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            && last == pointer
        {
            return Ok(transcript.clone());
        }
        serde_json::from_value(store.get_json(pointer).await?).map_err(|e| {
            StepError::new(
                ErrorName::OffloadStoreError,
                format!("the transcript is unreadable: {e}"),
            )
        })
    }

    /// Writes a transcript and remembers it for the next step in this process.
    async fn save_transcript(
        &self,
        store: &ExecutionStore,
        transcript: &Transcript,
    ) -> Result<protocol::OffloadPointer, StepError> {
        let pointer = store
            .put_json(&serde_json::to_value(transcript).unwrap_or_default())
            .await?;
        *self
            .last_transcript
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some((pointer.clone(), transcript.clone()));
        Ok(pointer)
    }

    /// Stores a result a model would only see truncated, so the note can name its pointer.
    async fn store_if_too_large_to_show(
        &self,
        store: &ExecutionStore,
        output: &Value,
    ) -> Result<Option<Value>, StepError> {
        let is_pointer = output.get(protocol::pointer::POINTER_MARKER).is_some();
        if is_pointer || offload::serialized_len(output) as usize <= self.result_budget {
            return Ok(None);
        }
        let pointer = store.put_json(output).await?;
        Ok(Some(serde_json::to_value(pointer).unwrap_or_default()))
    }

    async fn inline_or_offload(
        &self,
        store: &ExecutionStore,
        value: Value,
    ) -> Result<Value, StepError> {
        if offload::serialized_len(&value) as usize > INLINE_LIMIT_BYTES {
            let pointer = store.put_json(&value).await?;
            Ok(serde_json::to_value(pointer).unwrap_or_default())
        } else {
            Ok(value)
        }
    }

    async fn finish_failed(
        &self,
        store: &ExecutionStore,
        transcript: Transcript,
        failures: &BTreeMap<String, u32>,
        turn: u32,
        error: &str,
        cause: &str,
    ) -> Result<AgentStepOutput, StepError> {
        let pointer = self.save_transcript(store, &transcript).await?;
        // Causes are capped so the state stays small.
        let mut cause = cause.to_owned();
        if cause.len() > 1_024 {
            let mut cut = 1_024;
            while !cause.is_char_boundary(cut) {
                cut -= 1;
            }
            cause.truncate(cut);
            cause.push('…');
        }
        Ok(AgentStepOutput {
            error: Some(error.to_owned()),
            cause: Some(cause),
            ..descriptor(
                AgentStatus::Failed,
                "failed",
                pointer,
                turn,
                failures.clone(),
            )
        })
    }
}

/// The state machine an execution belongs to (the first part of its store segment).
fn machine_of(execution: &protocol::ExecutionRef) -> String {
    execution
        .store_segment()
        .split('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Copies the parent's offloaded results (outputs and stored copies) into this execution's
/// folder and points the transcript at the copies, so that a cache hit or a `json-query`
/// call in the continued execution does not hand a tool a pointer it must refuse.
async fn adopt_parent_objects(
    store: &ExecutionStore,
    parent: &ExecutionStore,
    transcript: &mut Transcript,
) -> Result<(), StepError> {
    let mut copied: BTreeMap<String, Value> = BTreeMap::new();
    for entry in &mut transcript.entries {
        let Entry::Result { output, stored, .. } = entry else {
            continue;
        };
        for slot in [output, stored] {
            let Some(pointer) = slot.as_ref().and_then(protocol::OffloadPointer::from_value) else {
                continue;
            };
            if store.check(&pointer).is_ok() || parent.check(&pointer).is_err() {
                continue;
            }
            if let Some(copy) = copied.get(&pointer.uri) {
                *slot = Some(copy.clone());
                continue;
            }
            let bytes = parent.get_bytes(&pointer).await?;
            let copy = store
                .put_bytes(&bytes, pointer.media_type.as_deref())
                .await?
                .to_value();
            copied.insert(pointer.uri.clone(), copy.clone());
            *slot = Some(copy);
        }
    }
    Ok(())
}

/// A step's answer with no calls, answer or error (the callers fill what applies).
fn descriptor(
    status: AgentStatus,
    route: impl Into<String>,
    transcript: protocol::OffloadPointer,
    turn: u32,
    failures: BTreeMap<String, u32>,
) -> AgentStepOutput {
    AgentStepOutput {
        status,
        route: route.into(),
        calls: Vec::new(),
        answer: None,
        error: None,
        cause: None,
        transcript,
        turn,
        failures,
        handoff: None,
        continue_as: None,
    }
}

/// The fields of a state that only the loop sets (the start input may not carry them).
fn loop_fields(state: &LoopState) -> Vec<&'static str> {
    let mut fields = Vec::new();
    let present = [
        ("`transcript`", state.transcript.is_some()),
        ("`parent`", state.parent.is_some()),
        ("`tool`", state.tool.is_some()),
        ("`failure`", state.failure.is_some()),
        ("`failures`", !state.failures.is_empty()),
        ("`calls`", !state.calls.is_empty()),
        ("`turn`", state.turn != 0),
    ];
    for (name, is_present) in present {
        if is_present {
            fields.push(name);
        }
    }
    fields
}

/// The next execution's name: the start of this one's (for lineage in the console), the
/// turn, and 128 random bits (execution names allow 80 characters).
fn child_name(parent: &str, turn: u32) -> String {
    let base: String = parent
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(24)
        .collect();
    format!("{base}-t{turn}-{}", uuid::Uuid::new_v4().simple())
}

fn count_outcome(failures: &mut BTreeMap<String, u32>, tool: &str, failed: bool) {
    if failed {
        let count = failures.entry(tool.to_owned()).or_insert(0);
        *count = count.saturating_add(1);
    } else {
        failures.remove(tool);
    }
}

fn last_error(transcript: &Transcript, tool: &str) -> String {
    transcript
        .entries
        .iter()
        .rev()
        .find_map(|e| match e {
            Entry::Result {
                tool: t,
                error: Some(error),
                cause,
                ..
            } if t == tool => Some(format!("{error}: {}", cause.as_deref().unwrap_or(""))),
            _ => None,
        })
        .unwrap_or_default()
}

/// A call id unique within the run: the provider's id when it is fresh, else `t<turn>-<n>`.
fn unique_id(
    transcript: &Transcript,
    pending: &[ToolCall],
    proposed: Option<&str>,
    turn: u32,
) -> String {
    let taken = |id: &str| {
        pending.iter().any(|c| c.call_id == id)
            || transcript.entries.iter().any(|e| match e {
                Entry::Calls { calls, .. } => calls.iter().any(|c| c.call_id == id),
                _ => false,
            })
    };
    if let Some(id) = proposed.filter(|id| !id.is_empty() && id.len() <= 64 && !taken(id)) {
        return id.to_owned();
    }
    let mut n = transcript.call_count() + pending.len() + 1;
    loop {
        let id = format!("t{turn}-{n}");
        if !taken(&id) {
            return id;
        }
        n += 1;
    }
}
