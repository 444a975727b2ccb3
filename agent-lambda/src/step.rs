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

use crate::reasoner::bedrock::{BedrockReasoner, DEFAULT_MODEL};
use crate::reasoner::openai::OpenAiReasoner;
use crate::reasoner::plan::PlanReasoner;
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
    bedrock: BedrockReasonerCache,
    /// One HTTP client for the OpenAI-compatible reasoner, built on first use.
    http: std::sync::OnceLock<reqwest::Client>,
    /// The transcript this process wrote last (a warm Lambda reads it back from memory).
    last_transcript: std::sync::Mutex<Option<(protocol::OffloadPointer, Transcript)>>,
    /// Characters of one result shown to a model.
    pub result_budget: usize,
}

#[derive(Default)]
struct BedrockReasonerCache(std::sync::Mutex<BTreeMap<String, Arc<BedrockReasoner>>>);

impl Agent {
    /// An agent over `tools` storing transcripts in `store`.
    pub fn new(tools: ToolSet, store: Store) -> Self {
        Self {
            tools,
            store,
            reasoner_override: None,
            bedrock: BedrockReasonerCache::default(),
            http: std::sync::OnceLock::new(),
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

    /// Picks the reasoner: `options.reasoner` (or `AGENT_REASONER`): `plan` (default),
    /// `bedrock` (`options.model` or `BEDROCK_MODEL_ID`), `openai` (`options.baseUrl` /
    /// `OPENAI_BASE_URL`, `options.model` / `OPENAI_MODEL`, `OPENAI_API_KEY`).
    fn reasoner(&self, options: &Value) -> Result<Arc<dyn Reasoner>, StepError> {
        if let Some(reasoner) = &self.reasoner_override {
            return Ok(reasoner.clone());
        }
        let option = |key: &str, env: &str| -> Option<String> {
            options
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .or_else(|| std::env::var(env).ok())
        };
        let kind = option("reasoner", "AGENT_REASONER").unwrap_or_else(|| "plan".into());
        match kind.as_str() {
            "plan" => Ok(Arc::new(PlanReasoner)),
            "bedrock" => {
                let model =
                    option("model", "BEDROCK_MODEL_ID").unwrap_or_else(|| DEFAULT_MODEL.into());
                let mut cache = self.bedrock.0.lock().unwrap_or_else(|e| e.into_inner());
                let reasoner = cache
                    .entry(model.clone())
                    .or_insert_with(|| Arc::new(BedrockReasoner::new(model)))
                    .clone();
                Ok(reasoner)
            }
            "openai" => {
                let base = option("baseUrl", "OPENAI_BASE_URL")
                    .unwrap_or_else(|| "https://api.openai.com/v1".into());
                let model = option("model", "OPENAI_MODEL").unwrap_or_else(|| "gpt-4o-mini".into());
                let client = self.http.get_or_init(reqwest::Client::new).clone();
                Ok(Arc::new(
                    OpenAiReasoner::new(base, model, std::env::var("OPENAI_API_KEY").ok())
                        .with_client(client),
                ))
            }
            other => Err(StepError::new(
                ErrorName::InvalidStart,
                format!("unknown reasoner `{other}`; use `plan`, `bedrock` or `openai`"),
            )),
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
        let state = input.state;
        let config = input.config;
        let mut transcript = match (&state.transcript, &state.parent) {
            (Some(pointer), Some(parent)) if store.check(pointer).is_err() => {
                // A continued execution: the transcript is the parent's. Only an execution
                // of the same state machine may hand over, and the objects its transcript
                // points to are copied too, so this execution's tools may read them.
                if machine_of(parent) != machine_of(&input.execution) {
                    return Err(StepError::new(
                        ErrorName::OffloadForeignPointer,
                        format!(
                            "the parent execution `{}` is not an execution of the same state machine as `{}`; a run may only continue its own transcript",
                            parent.id, input.execution.id
                        ),
                    ));
                }
                let parent_store = self.store.for_execution(parent);
                let mut transcript = self.load_transcript(&parent_store, pointer).await?;
                adopt_parent_objects(&store, &parent_store, &mut transcript).await?;
                transcript
            }
            (Some(pointer), _) => self.load_transcript(&store, pointer).await?,
            (None, _) => match &state.goal {
                Some(goal) if !goal.trim().is_empty() => {
                    Transcript::new(goal.clone(), state.options.clone().unwrap_or(Value::Null))
                }
                _ => {
                    return self
                        .finish_failed(
                            &store,
                            Transcript::default(),
                            &state.failures,
                            state.turn,
                            ErrorName::InvalidStart.as_str(),
                            "the start input needs a non-empty `goal`, e.g. {\"goal\": \"...\", \"options\": {\"reasoner\": \"plan\", \"plan\": {...}}}",
                        )
                        .await;
                }
            },
        };
        transcript
            .execution_first_turn
            .entry(input.execution.name.clone())
            .or_insert(state.turn);

        // Absorb the results of the previous calls.
        let mut failures = state.failures.clone();
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
                    state.turn,
                    ErrorName::CircuitOpen.as_str(),
                    &cause,
                )
                .await;
        }
        if state.turn >= config.max_turns {
            let cause = format!(
                "the run reached its limit of {} turns without an answer",
                config.max_turns
            );
            return self
                .finish_failed(
                    &store,
                    transcript,
                    &failures,
                    state.turn,
                    ErrorName::TurnLimit.as_str(),
                    &cause,
                )
                .await;
        }
        let first_turn = transcript.execution_first_turn[&input.execution.name];
        if state.turn - first_turn.min(state.turn) >= config.turns_per_execution {
            let pointer = self.save_transcript(&store, &transcript).await?;
            return Ok(descriptor(
                AgentStatus::Continue,
                "continue",
                pointer,
                state.turn,
                failures,
            ));
        }

        // Ask the reasoner.
        let options = transcript.options.clone();
        let reasoner = self.reasoner(&options)?;
        let turn = state.turn + 1;
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
                        ..descriptor(AgentStatus::Done, "done", pointer, state.turn, failures)
                    });
                }
                Decision::Fail { error, cause } => {
                    return self
                        .finish_failed(&store, transcript, &failures, state.turn, &error, &cause)
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
                                    state.turn,
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
            state.turn,
            ErrorName::InvalidCalls.as_str(),
            &cause,
        )
        .await
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
    }
}

fn count_outcome(failures: &mut BTreeMap<String, u32>, tool: &str, failed: bool) {
    if failed {
        *failures.entry(tool.to_owned()).or_insert(0) += 1;
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
