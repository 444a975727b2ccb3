//! Reasoners decide the next step from the conversation: tool calls or an answer.
//!
//! - [`plan::PlanReasoner`]: no model; runs a plan given in the start input (the default
//!   for local runs, demos and deterministic pipelines).
//! - [`bedrock::BedrockReasoner`]: Amazon Bedrock's Converse API.
//! - [`openai::OpenAiReasoner`]: OpenAI-compatible chat completions (Ollama, llama.cpp
//!   server, vLLM, ...).

pub mod bedrock;
pub mod openai;
pub mod plan;
pub mod select;

use serde_json::Value;

use crate::context::ContextPolicy;
use crate::tools::ToolSet;
use crate::transcript::Transcript;

/// A call the reasoner proposes (not yet checked).
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The provider's id for the call, when it has one (kept to pair results).
    pub id: Option<String>,
    /// The tool name, as the reasoner wrote it.
    pub tool: String,
    /// The arguments.
    pub input: Value,
}

/// What the reasoner decided.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// Run these calls (the prose is kept in the transcript).
    Calls {
        /// Calls in the order given.
        calls: Vec<Proposal>,
        /// Accompanying text.
        text: Option<String>,
    },
    /// Finished with this answer.
    Answer(Value),
    /// End the run with a named error.
    Fail {
        /// Error name (`Agent.Refused`, `Agent.PlanFailed`, ...).
        error: String,
        /// Why.
        cause: String,
    },
}

/// Why a reasoner could not decide.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReasonerError {
    /// The provider throttled the request (`Agent.ReasonerThrottled`; the state machine
    /// retries with back-off).
    #[error("the model provider throttled the request: {0}")]
    Throttled(String),
    /// The provider failed or answered something malformed (`Agent.ReasonerError`).
    #[error("the model provider failed: {0}")]
    Failed(String),
}

/// What a reasoner gets to see.
pub struct Conversation<'a> {
    /// The run so far.
    pub transcript: &'a Transcript,
    /// The tools.
    pub tools: &'a ToolSet,
    /// Characters of one result shown to a model.
    pub result_budget: usize,
    /// How much of a long run a model is sent.
    pub context: &'a ContextPolicy,
}

/// Decides the next step.
#[async_trait::async_trait]
pub trait Reasoner: Send + Sync {
    /// The next decision for `conversation`.
    async fn decide(&self, conversation: &Conversation<'_>) -> Result<Decision, ReasonerError>;
}

/// The system prompt shared by the model reasoners.
pub fn system_prompt() -> String {
    "You are an agent that reaches the user's goal by calling tools. Call tools when you need \
     facts or computation; you may call several at once when they do not depend on each \
     other. Large results are stored outside the conversation and shown as a pointer: read \
     them with the json-query tool. Older exchanges are shown compacted or not at all: read \
     them in full with the transcript_read tool. When you have the answer, reply with it and \
     call no tool."
        .to_owned()
}
