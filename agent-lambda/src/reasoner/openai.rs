//! OpenAI-compatible chat completions with tool calling (Ollama, llama.cpp server, vLLM,
//! and OpenAI itself): `POST {base}/chat/completions`.
//!
//! `finish_reason` `tool_calls` gives calls, `stop` the answer, `length` the calls made so
//! far or else `Agent.ReasonerError`, `content_filter` ends the run with `Agent.Refused`;
//! HTTP 429 is `Agent.ReasonerThrottled`.
//!
//! The endpoint is the deployment's (see [`super::select`]); the client connects only to
//! addresses the [`AddressPolicy`] admits (public ones, unless `OPENAI_ALLOW` re-admits a
//! block for a local model server), follows no redirect, and never copies a response body
//! into an error: causes end up in the execution's history, visible to whoever can read it,
//! so a body is logged (truncated) to the function's own log instead.

use std::net::SocketAddr;
use std::sync::Arc;

use netguard::AddressPolicy;
use protocol::ErrorName;
use serde_json::{Value, json};

use super::{Conversation, Decision, Proposal, Reasoner, ReasonerError, system_prompt};
use crate::builtin;
use crate::context::{self, View};

/// Reasoner speaking the chat-completions wire format.
pub struct OpenAiReasoner {
    base_url: String,
    model: String,
    api_key: Option<String>,
    client: std::sync::OnceLock<reqwest::Client>,
    policy: AddressPolicy,
}

/// Resolves names for the reasoner's client and refuses any that reach an address the
/// policy does not admit (every address of the name must pass, as in `http-fetch`).
struct GuardedResolver(AddressPolicy);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            for addr in &addrs {
                if let Err(reason) = policy.check(addr.ip()) {
                    return Err(format!(
                        "the model endpoint `{host}` resolves to {}, a {reason} address; set OPENAI_ALLOW to admit it (a local model server)",
                        addr.ip()
                    )
                    .into());
                }
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// An HTTP client for model endpoints: names resolved through the address policy, no
/// redirects, no proxy from the environment (a proxy would resolve the name unchecked).
pub fn guarded_client(policy: AddressPolicy) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .dns_resolver(Arc::new(GuardedResolver(policy)))
        .no_proxy()
        .build()
        .map_err(|e| format!("cannot build the model endpoint's HTTP client: {e}"))
}

/// Largest part of a failed response's body written to the function's log.
const LOGGED_BODY_BYTES: usize = 1_024;

fn log_body(status: reqwest::StatusCode, text: &str) {
    let mut cut = text.len().min(LOGGED_BODY_BYTES);
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    tracing::warn!(%status, body = &text[..cut], "model endpoint answered with an error");
}

impl OpenAiReasoner {
    /// A reasoner for `model` at `base_url` (for example `http://127.0.0.1:11434/v1`).
    pub fn new(
        base_url: impl Into<String>,
        model: impl Into<String>,
        api_key: Option<String>,
    ) -> Self {
        Self {
            base_url: base_url.into().trim_end_matches('/').to_owned(),
            model: model.into(),
            api_key,
            client: std::sync::OnceLock::new(),
            policy: AddressPolicy::default(),
        }
    }

    /// Checks an endpoint given as an IP address against `policy` (names are checked when
    /// the client resolves them); the default refuses every non-public address.
    pub fn with_policy(mut self, policy: AddressPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// `Err` when the endpoint's host is an IP address the policy refuses.
    fn check_literal_host(&self) -> Result<(), ReasonerError> {
        let url = reqwest::Url::parse(&self.base_url).map_err(|e| {
            ReasonerError::Failed(format!(
                "the model endpoint `{}` is not a URL: {e}; fix OPENAI_BASE_URL",
                self.base_url
            ))
        })?;
        let host = url.host_str().unwrap_or_default();
        let Ok(ip) = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
        else {
            return Ok(());
        };
        self.policy.check(ip).map_err(|reason| {
            ReasonerError::Failed(format!(
                "the model endpoint `{}` is a {reason} address; set OPENAI_ALLOW to admit it (a local model server)",
                self.base_url
            ))
        })
    }

    /// Uses `client` (shared across steps, so connections and TLS setup are reused)
    /// instead of building one on first use.
    pub fn with_client(self, client: reqwest::Client) -> Self {
        let _ = self.client.set(client);
        self
    }
}

/// The request body for a conversation: the goal, then what [`context::fit`] keeps of the
/// run within the policy's `max_request_bytes`, and the tools with the built-in ones.
pub fn request_body(model: &str, conversation: &Conversation<'_>) -> Result<Value, ReasonerError> {
    let mut tools: Vec<Value> = conversation
        .tools
        .iter()
        .map(|t| &t.manifest)
        .chain(std::iter::once(&builtin::manifest()))
        .map(|m| {
            json!({"type": "function", "function": {
                "name": m.name,
                "description": m.description,
                "parameters": m.input_schema,
            }})
        })
        .collect();
    tools.sort_by(|a, b| {
        a["function"]["name"]
            .as_str()
            .cmp(&b["function"]["name"].as_str())
    });
    let body = |view: &View<'_>| {
        let mut messages = vec![
            json!({"role": "system", "content": system_prompt()}),
            json!({"role": "user", "content": conversation.transcript.goal}),
        ];
        if let Some(note) = &view.omitted {
            messages.push(json!({"role": "user", "content": note}));
        }
        for exchange in &view.exchanges {
            let tool_calls: Vec<Value> = exchange
                .calls
                .iter()
                .map(|c| {
                    json!({"id": c.call.call_id, "type": "function",
                           "function": {"name": c.call.tool, "arguments": c.arguments}})
                })
                .collect();
            messages.push(
                json!({"role": "assistant", "content": exchange.text, "tool_calls": tool_calls}),
            );
            for shown in &exchange.calls {
                let content = if shown.failed {
                    format!("ERROR {}", shown.content)
                } else {
                    shown.content.clone()
                };
                messages.push(
                    json!({"role": "tool", "tool_call_id": shown.call.call_id, "content": content}),
                );
            }
        }
        json!({"model": model, "messages": messages, "tools": tools})
    };
    let view = context::fit(
        conversation.transcript,
        conversation.context,
        conversation.result_budget,
        |view| offload::serialized_len(&body(view)) as usize,
    )
    .map_err(ReasonerError::Failed)?;
    Ok(body(&view))
}

/// Reads a chat-completions response.
pub fn parse_response(body: &Value) -> Result<Decision, ReasonerError> {
    let malformed =
        |what: &str| ReasonerError::Failed(format!("malformed chat completion: {what}"));
    let choice = body
        .get("choices")
        .and_then(|c| c.get(0))
        .ok_or_else(|| malformed("no choices[0]"))?;
    let message = choice
        .get("message")
        .ok_or_else(|| malformed("no choices[0].message"))?;
    let text = message
        .get("content")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty())
        .map(str::to_owned);
    let mut calls = Vec::new();
    if let Some(tool_calls) = message.get("tool_calls").and_then(Value::as_array) {
        for (i, call) in tool_calls.iter().enumerate() {
            let function = call
                .get("function")
                .ok_or_else(|| malformed(&format!("tool_calls[{i}] has no function")))?;
            let name = function
                .get("name")
                .and_then(Value::as_str)
                .ok_or_else(|| malformed(&format!("tool_calls[{i}].function has no name")))?;
            // Arguments are a JSON string in the wire format; some servers send an object.
            let input = match function.get("arguments") {
                Some(Value::String(text)) if text.trim().is_empty() => json!({}),
                Some(Value::String(text)) => serde_json::from_str(text)
                    .unwrap_or_else(|_| json!({ crate::tools::UNPARSEABLE_ARGUMENTS: text })),
                Some(other) => other.clone(),
                None => json!({}),
            };
            calls.push(Proposal {
                id: call.get("id").and_then(Value::as_str).map(str::to_owned),
                tool: name.to_owned(),
                input,
            });
        }
    }
    let finish = choice
        .get("finish_reason")
        .and_then(Value::as_str)
        .unwrap_or("stop");
    match finish {
        "content_filter" => Ok(Decision::Fail {
            error: ErrorName::Refused.as_str().into(),
            cause: "the model's answer was filtered (finish_reason content_filter)".into(),
        }),
        _ if !calls.is_empty() => Ok(Decision::Calls { calls, text }),
        "length" => Err(ReasonerError::Failed(
            "the model stopped at its token limit (finish_reason length) before answering".into(),
        )),
        _ => match text {
            Some(text) => Ok(Decision::Answer(Value::String(text))),
            None => Err(malformed("neither content nor tool_calls")),
        },
    }
}

#[async_trait::async_trait]
impl Reasoner for OpenAiReasoner {
    async fn decide(&self, conversation: &Conversation<'_>) -> Result<Decision, ReasonerError> {
        self.check_literal_host()?;
        let mut request = self
            .client
            .get_or_init(|| guarded_client(self.policy.clone()).unwrap_or_default())
            .post(format!("{}/chat/completions", self.base_url))
            .json(&request_body(&self.model, conversation)?);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|e| {
            // The innermost cause says what happened (a refused address, a refused connection).
            let mut reason = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                reason = inner.to_string();
                source = inner.source();
            }
            ReasonerError::Failed(format!(
                "cannot reach the model endpoint {}: {reason}",
                self.base_url
            ))
        })?;
        let status = response.status();
        if status.is_redirection() {
            return Err(ReasonerError::Failed(format!(
                "the model endpoint answered {status} (a redirect, which is not followed); set OPENAI_BASE_URL to the final URL"
            )));
        }
        let text = response.text().await.map_err(|e| {
            ReasonerError::Failed(format!("cannot read the model endpoint's response: {e}"))
        })?;
        if status.as_u16() == 429 {
            log_body(status, &text);
            return Err(ReasonerError::Throttled(format!(
                "the model endpoint answered {status}"
            )));
        }
        if !status.is_success() {
            log_body(status, &text);
            return Err(ReasonerError::Failed(format!(
                "the model endpoint answered {status}; its body ({} bytes) is in the agent function's log",
                text.len()
            )));
        }
        let body: Value = serde_json::from_str(&text).map_err(|e| {
            log_body(status, &text);
            ReasonerError::Failed(format!(
                "the model endpoint's response is not JSON ({e}); its body is in the agent function's log"
            ))
        })?;
        parse_response(&body)
    }
}
