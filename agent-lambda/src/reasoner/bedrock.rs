//! Amazon Bedrock's Converse API (`aws-sdk-bedrockruntime`).
//!
//! The tool configuration comes from the same manifests the state machine is generated from
//! (`toolSpec.inputSchema.json` is the tool's `inputSchema`), plus the built-in
//! `transcript_read`. The conversation is rebuilt each step from what the context policy
//! keeps of the transcript: the goal as the first user message, each exchange's calls as
//! an assistant message of `toolUse` blocks, their results as a user message of
//! `toolResult` blocks (failures with status `error`). Every `stopReason` has a defined
//! outcome: `tool_use` gives calls, `end_turn`/`stop_sequence` the answer, `max_tokens`
//! the calls made so far or else `Agent.ReasonerError`, `guardrail_intervened` and
//! `content_filtered` end the run with `Agent.Refused`. Throttling surfaces as
//! `Agent.ReasonerThrottled` so the state machine's Retry backs off.
//!
//! The client is built on first use, never at init (cold start).

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::SdkError;
use aws_sdk_bedrockruntime::operation::converse::ConverseError;
use aws_sdk_bedrockruntime::types::{
    ContentBlock, ConversationRole, ConverseOutput, Message, StopReason, SystemContentBlock, Tool,
    ToolConfiguration, ToolInputSchema, ToolResultBlock, ToolResultContentBlock, ToolResultStatus,
    ToolSpecification, ToolUseBlock,
};
use aws_smithy_types::{Document, Number};
use protocol::ErrorName;
use serde_json::Value;
use tokio::sync::OnceCell;

use super::{Conversation, Decision, Proposal, Reasoner, ReasonerError, system_prompt};
use crate::builtin;
use crate::context::{self, View};

/// The default model: small and fast.
pub const DEFAULT_MODEL: &str = "us.amazon.nova-micro-v1:0";

/// Converse-backed reasoner.
pub struct BedrockReasoner {
    model: String,
    client: OnceCell<Client>,
}

impl BedrockReasoner {
    /// A reasoner for `model` whose client loads the AWS configuration on first use.
    pub fn new(model: impl Into<String>) -> Self {
        Self {
            model: model.into(),
            client: OnceCell::new(),
        }
    }

    /// A reasoner with a ready client (tests point it at a local server).
    pub fn with_client(model: impl Into<String>, client: Client) -> Self {
        Self {
            model: model.into(),
            client: OnceCell::new_with(Some(client)),
        }
    }

    async fn client(&self) -> &Client {
        self.client
            .get_or_init(|| async {
                let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
                    .load()
                    .await;
                Client::new(&config)
            })
            .await
    }
}

/// serde_json to Smithy documents.
pub fn to_document(value: &Value) -> Document {
    match value {
        Value::Null => Document::Null,
        Value::Bool(b) => Document::Bool(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                Document::Number(Number::PosInt(u))
            } else if let Some(i) = n.as_i64() {
                Document::Number(Number::NegInt(i))
            } else {
                Document::Number(Number::Float(n.as_f64().unwrap_or(0.0)))
            }
        }
        Value::String(s) => Document::String(s.clone()),
        Value::Array(items) => Document::Array(items.iter().map(to_document).collect()),
        Value::Object(map) => Document::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), to_document(v)))
                .collect(),
        ),
    }
}

/// Smithy documents to serde_json.
pub fn from_document(document: &Document) -> Value {
    match document {
        Document::Null => Value::Null,
        Document::Bool(b) => Value::Bool(*b),
        Document::Number(Number::PosInt(u)) => Value::from(*u),
        Document::Number(Number::NegInt(i)) => Value::from(*i),
        Document::Number(Number::Float(f)) => Value::from(*f),
        Document::String(s) => Value::String(s.clone()),
        Document::Array(items) => Value::Array(items.iter().map(from_document).collect()),
        Document::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), from_document(v)))
                .collect(),
        ),
    }
}

fn build_error(e: impl std::fmt::Display) -> ReasonerError {
    ReasonerError::Failed(format!("cannot build the Converse request: {e}"))
}

/// The Converse messages for a conversation: the goal, then what [`context::fit`] keeps of
/// the run within the policy's `max_request_bytes` (estimated from the text the messages
/// carry: the SDK does not expose the serialized request).
pub fn messages(conversation: &Conversation<'_>) -> Result<Vec<Message>, ReasonerError> {
    let transcript = conversation.transcript;
    let fixed = system_prompt().len()
        + transcript.goal.len()
        + conversation
            .tools
            .iter()
            .map(|t| &t.manifest)
            .chain(std::iter::once(&builtin::manifest()))
            .map(|m| m.name.len() + m.description.len() + m.input_schema.to_string().len() + 64)
            .sum::<usize>();
    let estimate = |view: &View<'_>| {
        fixed
            + view.omitted.as_ref().map_or(0, String::len)
            + view
                .exchanges
                .iter()
                .flat_map(|e| &e.calls)
                .map(|c| c.arguments.len() + c.content.len() + c.call.call_id.len() * 2 + 128)
                .sum::<usize>()
    };
    let view = context::fit(
        transcript,
        conversation.context,
        conversation.result_budget,
        estimate,
    )
    .map_err(ReasonerError::Failed)?;
    let mut goal = Message::builder()
        .role(ConversationRole::User)
        .content(ContentBlock::Text(transcript.goal.clone()));
    if let Some(note) = &view.omitted {
        goal = goal.content(ContentBlock::Text(note.clone()));
    }
    let mut messages = vec![goal.build().map_err(build_error)?];
    for exchange in &view.exchanges {
        let mut assistant = Message::builder().role(ConversationRole::Assistant);
        if let Some(text) = exchange.text.filter(|t| !t.is_empty()) {
            assistant = assistant.content(ContentBlock::Text(text.to_owned()));
        }
        let mut results = Message::builder().role(ConversationRole::User);
        for shown in &exchange.calls {
            let call = shown.call;
            // Converse wants an object: a compacted (cut) argument text travels inside one.
            let whole = call.input.to_string();
            let input = if shown.arguments == whole {
                to_document(&call.input)
            } else {
                to_document(&serde_json::json!({"compacted_arguments": shown.arguments}))
            };
            assistant = assistant.content(ContentBlock::ToolUse(
                ToolUseBlock::builder()
                    .tool_use_id(&call.call_id)
                    .name(&call.tool)
                    .input(input)
                    .build()
                    .map_err(build_error)?,
            ));
            let status = if shown.failed {
                ToolResultStatus::Error
            } else {
                ToolResultStatus::Success
            };
            results = results.content(ContentBlock::ToolResult(
                ToolResultBlock::builder()
                    .tool_use_id(&call.call_id)
                    .content(ToolResultContentBlock::Text(shown.content.clone()))
                    .status(status)
                    .build()
                    .map_err(build_error)?,
            ));
        }
        messages.push(assistant.build().map_err(build_error)?);
        messages.push(results.build().map_err(build_error)?);
    }
    Ok(messages)
}

/// The tool configuration from the manifests.
pub fn tool_config(conversation: &Conversation<'_>) -> Result<ToolConfiguration, ReasonerError> {
    let mut builder = ToolConfiguration::builder();
    let builtin = builtin::manifest();
    for manifest in conversation
        .tools
        .iter()
        .map(|t| &t.manifest)
        .chain(std::iter::once(&builtin))
    {
        builder = builder.tools(Tool::ToolSpec(
            ToolSpecification::builder()
                .name(&manifest.name)
                .description(&manifest.description)
                .input_schema(ToolInputSchema::Json(to_document(&manifest.input_schema)))
                .build()
                .map_err(build_error)?,
        ));
    }
    builder.build().map_err(build_error)
}

#[async_trait::async_trait]
impl Reasoner for BedrockReasoner {
    async fn decide(&self, conversation: &Conversation<'_>) -> Result<Decision, ReasonerError> {
        let request = self
            .client()
            .await
            .converse()
            .model_id(&self.model)
            .system(SystemContentBlock::Text(system_prompt()))
            .set_messages(Some(messages(conversation)?))
            .tool_config(tool_config(conversation)?);
        let response = request.send().await.map_err(|e| match &e {
            SdkError::ServiceError(service) => match service.err() {
                ConverseError::ThrottlingException(t) => ReasonerError::Throttled(
                    t.message().unwrap_or("ThrottlingException").to_owned(),
                ),
                // A 429 whose error code the SDK does not know is throttling all the same.
                other if service.raw().status().as_u16() == 429 => {
                    ReasonerError::Throttled(format!("HTTP 429: {other}"))
                }
                other => ReasonerError::Failed(format!("Converse failed: {other}")),
            },
            other => ReasonerError::Failed(format!("Converse failed: {other}")),
        })?;
        let Some(ConverseOutput::Message(message)) = response.output() else {
            return Err(ReasonerError::Failed(
                "Converse answered without a message".into(),
            ));
        };
        let mut text = String::new();
        let mut calls = Vec::new();
        for block in message.content() {
            match block {
                ContentBlock::Text(t) => text.push_str(t),
                ContentBlock::ToolUse(tool_use) => calls.push(Proposal {
                    id: Some(tool_use.tool_use_id().to_owned()),
                    tool: tool_use.name().to_owned(),
                    input: from_document(tool_use.input()),
                }),
                _ => {}
            }
        }
        let text = (!text.trim().is_empty()).then_some(text);
        match response.stop_reason() {
            StopReason::ToolUse => {
                if calls.is_empty() {
                    return Err(ReasonerError::Failed(
                        "stopReason tool_use without any toolUse block".into(),
                    ));
                }
                Ok(Decision::Calls { calls, text })
            }
            StopReason::EndTurn | StopReason::StopSequence => match (calls.is_empty(), text) {
                (false, text) => Ok(Decision::Calls { calls, text }),
                (true, Some(text)) => Ok(Decision::Answer(Value::String(text))),
                (true, None) => Err(ReasonerError::Failed(
                    "the model ended its turn with neither text nor tool calls".into(),
                )),
            },
            StopReason::MaxTokens if !calls.is_empty() => Ok(Decision::Calls { calls, text }),
            StopReason::MaxTokens | StopReason::ModelContextWindowExceeded => {
                Err(ReasonerError::Failed(format!(
                    "the model stopped with {} before finishing; raise the token limit or shorten the goal",
                    response.stop_reason().as_str()
                )))
            }
            StopReason::GuardrailIntervened | StopReason::ContentFiltered => Ok(Decision::Fail {
                error: ErrorName::Refused.as_str().into(),
                cause: format!(
                    "the model stopped with {}: {}",
                    response.stop_reason().as_str(),
                    text.unwrap_or_default()
                ),
            }),
            other => Err(ReasonerError::Failed(format!(
                "the model stopped with {}",
                other.as_str()
            ))),
        }
    }
}
