//! One agent step (ARCHITECTURE.md, "One execution", step 2), in named phases, each in its
//! own module and testable alone:
//!
//! | phase | module | what it does |
//! | --- | --- | --- |
//! | open | `open.rs` | the run so far: this execution's transcript, a proven hand-off, or a fresh start (a refused start fails with `Agent.InvalidStart`) |
//! | absorb | `absorb.rs` | the last calls' outcomes (results, caught failures, lost calls) into the transcript and the failure counts |
//! | guards | `guards.rs` | circuit breaker, turn limit, hand-off before asking; the invalid-call streak after |
//! | triage | `triage.rs` | the reasoner's proposals: unknown tools and invalid arguments fed back, repeats answered from the cache, the rest runnable |
//! | route | `route.rs` | the verdict written down: transcript stored, large values offloaded, the small descriptor with its route |
//!
//! [`Agent::step`] runs them in that order; between guards and route it consults the
//! reasoner, up to [`CONSULTATIONS_PER_STEP`] times, while cache hits and rejected calls
//! give it something new to see.

mod absorb;
mod guards;
mod open;
mod route;
mod triage;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use lambda_runtime::Diagnostic;
use offload::{ExecutionStore, Store};
use protocol::ErrorName;
use protocol::agent::{AgentStepInput, AgentStepOutput};
use protocol::call::ToolCall;
use serde_json::Value;

use crate::context::ContextPolicy;
use crate::reasoner::select::{ReasonerConfig, Reasoners};
use crate::reasoner::{Conversation, Decision, Reasoner, ReasonerError};
use crate::tools::ToolSet;
use crate::transcript::chain::{self, ChainError};
use crate::transcript::{Entry, Transcript};
use crate::view::DEFAULT_RESULT_BUDGET;

pub use guards::{CONSULTATIONS_PER_STEP, INVALID_STREAK_LIMIT};
pub use route::INLINE_LIMIT_BYTES;

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

impl From<ChainError> for StepError {
    fn from(e: ChainError) -> Self {
        Self::new(e.error_name(), e.to_string())
    }
}

impl From<ReasonerError> for StepError {
    /// Throttling is retried by the state machine with back-off; any other failure is not.
    fn from(e: ReasonerError) -> Self {
        match e {
            ReasonerError::Throttled(message) => Self::new(ErrorName::ReasonerThrottled, message),
            ReasonerError::Failed(message) => Self::new(ErrorName::ReasonerError, message),
        }
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

/// Consecutive failures per tool, as the state carries them.
type Failures = BTreeMap<String, u32>;

/// The run as one step sees it: the transcript and the counters the state carries.
#[derive(Debug, Clone, Default, PartialEq)]
struct Run {
    transcript: Transcript,
    /// Turns taken so far.
    turn: u32,
    failures: Failures,
}

impl Run {
    /// The turn that calls proposed in this step belong to.
    fn next_turn(&self) -> u32 {
        self.turn.saturating_add(1)
    }
}

/// What a step decided, before [`route`] writes it down.
#[derive(Debug, Clone, PartialEq)]
enum Verdict {
    /// Run these calls (already recorded in the transcript) as the next turn.
    Calls(Vec<ToolCall>),
    /// The answer (already recorded in the transcript).
    Answer(Value),
    /// End the run with a named error.
    Failed {
        /// The error name (a reasoner may name its own, e.g. `Agent.PlanFailed`).
        error: String,
        /// Why, for the execution's `Cause`.
        cause: String,
    },
    /// Continue the run in a new execution.
    HandOff,
}

impl Verdict {
    fn failed(error: ErrorName, cause: impl Into<String>) -> Self {
        Self::Failed {
            error: error.as_str().to_owned(),
            cause: cause.into(),
        }
    }
}

/// The agent: tools, store, and the reasoners it may use.
pub struct Agent {
    tools: ToolSet,
    store: Store,
    /// The reasoners the deployment allows, and their clients.
    reasoners: Reasoners,
    /// The transcript this process wrote last, by the pointer of its latest segment (a
    /// warm Lambda takes it back from memory instead of reading the chain).
    last_transcript: Mutex<Option<(protocol::OffloadPointer, Transcript)>>,
    /// Characters of one result shown to a model.
    pub result_budget: usize,
    /// How much of a long run a model is sent.
    pub context: ContextPolicy,
}

impl Agent {
    /// An agent over `tools` storing transcripts in `store`, running plans only (see
    /// [`Agent::with_reasoner_config`]).
    pub fn new(tools: ToolSet, store: Store) -> Self {
        Self {
            tools,
            store,
            reasoners: Reasoners::new(ReasonerConfig::default()),
            last_transcript: Mutex::new(None),
            result_budget: DEFAULT_RESULT_BUDGET,
            context: ContextPolicy::default(),
        }
    }

    /// The agent as a deployment configures it, from the environment: the tools
    /// (`AGENT_TOOLS_FILE`), the offload store, the reasoners and the context policy. Cheap:
    /// no network (clients are built on first use). The agent Lambda and the hybrid host
    /// (`agent-host`) both start this way.
    pub fn from_env() -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let tools = ToolSet::from_env()?;
        let store = Store::from_env()?;
        let reasoners = ReasonerConfig::from_env()?;
        let context = ContextPolicy::from_env()?;
        Ok(Self::new(tools, store)
            .with_reasoner_config(reasoners)
            .with_context_policy(context))
    }

    /// Uses `policy` for what a model is sent (usually [`ContextPolicy::from_env`]).
    pub fn with_context_policy(mut self, policy: ContextPolicy) -> Self {
        self.context = policy;
        self
    }

    /// Uses `reasoner` for every step, whatever the options say.
    pub fn with_reasoner(mut self, reasoner: Arc<dyn Reasoner>) -> Self {
        self.reasoners.fix(reasoner);
        self
    }

    /// The tools.
    pub fn tools(&self) -> &ToolSet {
        &self.tools
    }

    /// Uses the deployment's reasoner configuration (usually [`ReasonerConfig::from_env`]).
    pub fn with_reasoner_config(mut self, config: ReasonerConfig) -> Self {
        self.reasoners.configure(config);
        self
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

    /// The phases, in order (see the module docs).
    async fn step_inner(&self, input: AgentStepInput) -> Result<AgentStepOutput, StepError> {
        let store = self.store.for_execution(&input.execution);
        let mut run = match self.open(&store, &input).await? {
            open::Opened::Run(run) => run,
            open::Opened::Refused(cause) => {
                let refused = Verdict::failed(ErrorName::InvalidStart, cause);
                return self
                    .conclude(&store, &input.execution, Run::default(), refused)
                    .await;
            }
        };
        absorb::absorb(&input.state, &mut run);
        self.store_large_outputs(&store, run.transcript.unstored_mut())
            .await?;
        let verdict = match guards::before_reasoning(&run, &input.config, &input.execution.name) {
            Some(tripped) => tripped,
            None => self.consult(&store, &mut run).await?,
        };
        self.conclude(&store, &input.execution, run, verdict).await
    }

    /// Asks the reasoner until it answers, fails, or proposes a runnable call; calls
    /// answered from the cache or refused are recorded and it is asked again, at most
    /// [`CONSULTATIONS_PER_STEP`] times.
    async fn consult(&self, store: &ExecutionStore, run: &mut Run) -> Result<Verdict, StepError> {
        let reasoner = self
            .reasoners
            .pick(&run.transcript.options)
            .map_err(|cause| StepError::new(ErrorName::InvalidStart, cause))?;
        let turn = run.next_turn();
        for _ in 0..CONSULTATIONS_PER_STEP {
            let conversation = Conversation {
                transcript: &run.transcript,
                tools: &self.tools,
                result_budget: self.result_budget,
                context: &self.context,
            };
            match reasoner.decide(&conversation).await? {
                Decision::Answer(answer) => {
                    run.transcript.push(Entry::Answer {
                        value: answer.clone(),
                    });
                    return Ok(Verdict::Answer(answer));
                }
                Decision::Fail { error, cause } => return Ok(Verdict::Failed { error, cause }),
                Decision::Calls { calls, text } => {
                    let triage = triage::triage(
                        &self.tools,
                        &run.transcript,
                        calls,
                        turn,
                        self.context.read_chars,
                    );
                    let cache_hits = triage.cache_hits;
                    let mut runnable = triage.record(&mut run.transcript, turn, text);
                    if let Some(tripped) =
                        guards::invalid_streak(&mut run.transcript, runnable.len(), cache_hits)
                    {
                        return Ok(tripped);
                    }
                    if !runnable.is_empty() {
                        for call in &mut runnable {
                            self.adopt_pointers(store, &run.transcript, &mut call.input)
                                .await?;
                        }
                        return Ok(Verdict::Calls(runnable));
                    }
                }
            }
        }
        Ok(guards::consultations_exhausted())
    }

    /// Reads the transcript whose latest segment is `pointer`, written by `owner`: taken
    /// from memory when this warm process wrote it last (the pointer, hash included, is the
    /// same), else read from the chain with its checks.
    async fn load_transcript(
        &self,
        owner: &protocol::ExecutionRef,
        pointer: &protocol::OffloadPointer,
    ) -> Result<Transcript, StepError> {
        {
            let mut last = self
                .last_transcript
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            if last.as_ref().is_some_and(|(p, _)| p == pointer) {
                let (_, transcript) = last.take().expect("checked above");
                return Ok(transcript);
            }
        }
        Ok(chain::load(&self.store, owner, pointer).await?)
    }

    /// Appends the step's entries to the chain as one segment and keeps the transcript for
    /// the next step in this process.
    async fn save_transcript(
        &self,
        execution: &protocol::ExecutionRef,
        mut transcript: Transcript,
    ) -> Result<protocol::OffloadPointer, StepError> {
        let pointer = chain::append(&self.store, execution, &mut transcript).await?;
        *self
            .last_transcript
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some((pointer.clone(), transcript));
        Ok(pointer)
    }

    /// Copies into this execution's folder every offloaded result in `value` that the
    /// transcript holds from an earlier execution of the run (a continued execution adopts
    /// the chain without copying it; a tool may only read its own execution's folder, so
    /// an old result is copied when a call uses it).
    async fn adopt_pointers(
        &self,
        store: &ExecutionStore,
        transcript: &Transcript,
        value: &mut Value,
    ) -> Result<(), StepError> {
        let mut stack = vec![value];
        while let Some(value) = stack.pop() {
            if let Some(pointer) = protocol::OffloadPointer::from_value(value) {
                if store.check(&pointer).is_err()
                    && let Some((known, owner)) = transcript.known_pointer(&pointer.uri)
                    && *known == pointer
                {
                    let bytes = self.store.for_execution(owner).get_bytes(known).await?;
                    let copy = store.put_bytes(&bytes, known.media_type.as_deref()).await?;
                    *value = copy.to_value();
                }
                continue;
            }
            match value {
                Value::Array(items) => stack.extend(items.iter_mut()),
                Value::Object(map) => stack.extend(map.values_mut()),
                _ => {}
            }
        }
        Ok(())
    }
}

/// Fixtures the phases' unit tests share.
#[cfg(test)]
mod fixtures {
    use protocol::call::ExecutionRef;
    use protocol::manifest::ToolManifest;
    use serde_json::{Value, json};

    use crate::tools::ToolSet;

    /// `calc` (read-only, so cacheable: `{"expression": string}`) and `fetch` (neither
    /// read-only nor idempotent: `{"url": string}`).
    pub fn tools() -> ToolSet {
        let manifest = |name: &str, field: &str, annotations: Value| -> ToolManifest {
            serde_json::from_value(json!({
                "name": name,
                "description": name,
                "inputSchema": {
                    "type": "object",
                    "properties": {field: {"type": "string"}},
                    "required": [field],
                    "additionalProperties": false
                },
                "annotations": annotations
            }))
            .unwrap()
        };
        ToolSet::new(vec![
            manifest("calc", "expression", json!({"readOnlyHint": true})),
            manifest("fetch", "url", json!({"readOnlyHint": false})),
        ])
        .unwrap()
    }

    pub fn execution(machine: &str, name: &str) -> ExecutionRef {
        ExecutionRef {
            id: format!("arn:aws:states:us-east-1:123456789012:execution:{machine}:{name}"),
            name: name.to_owned(),
        }
    }
}
