//! The network reasoners against local HTTP servers that speak each provider's wire format,
//! so the real SDK (Bedrock) and the real HTTP client (OpenAI-compatible) send real
//! requests: tool calls, answers, throttling, malformed responses, an unknown tool and
//! arguments that fail the schema.

mod common;

use std::sync::Arc;

use agent_lambda::reasoner::bedrock::BedrockReasoner;
use agent_lambda::{Agent, StepError};
use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
use common::*;
use protocol::ErrorName;
use protocol::agent::{AgentStatus, LoopConfig};
use serde_json::{Value, json};

fn bedrock_agent(dir: &std::path::Path, addr: std::net::SocketAddr) -> Agent {
    let config = aws_sdk_bedrockruntime::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .endpoint_url(format!("http://{addr}"))
        .build();
    let client = aws_sdk_bedrockruntime::Client::from_conf(config);
    local_agent(dir).with_reasoner(Arc::new(BedrockReasoner::with_client("test-model", client)))
}

fn converse(stop_reason: &str, content: Value) -> (u16, String) {
    (
        200,
        json!({
            "output": {"message": {"role": "assistant", "content": content}},
            "stopReason": stop_reason,
            "usage": {"inputTokens": 10, "outputTokens": 5, "totalTokens": 15},
            "metrics": {"latencyMs": 12}
        })
        .to_string(),
    )
}

#[tokio::test]
async fn bedrock_tool_use_then_end_turn() {
    let server = scripted_server(vec![
        converse("tool_use", json!([
            {"text": "Let me compute."},
            {"toolUse": {"toolUseId": "tu-1", "name": "calculator", "input": {"expression": "6*7"}}},
            {"toolUse": {"toolUseId": "tu-2", "name": "calculator", "input": {"expression": "1+1"}}}
        ])),
        converse("end_turn", json!([{"text": "The answer is 42."}])),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let agent = bedrock_agent(dir.path(), server.addr);
    let exec = execution("bedrock");
    let out = agent
        .step(input(
            start("what is 6*7?", json!({})),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.route, "map");
    assert_eq!(out.calls[0].call_id, "tu-1");
    let out = agent
        .step(input(
            next_state(
                &out,
                vec![
                    ok("tu-1", "calculator", json!({"value": "42"})),
                    err("tu-2", "calculator", "ToolError.Fatal"),
                ],
            ),
            exec,
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.status, AgentStatus::Done);
    assert_eq!(out.answer, Some(json!("The answer is 42.")));
    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(requests[0].0, "/model/test-model/converse");
    // The tool configuration comes from the manifests.
    let specs = &requests[0].1["toolConfig"]["tools"];
    assert!(
        specs
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["toolSpec"]["name"] == "calculator"
                && t["toolSpec"]["inputSchema"]["json"]["type"] == "object")
    );
    // The second request carries the results; the failure with status error.
    let second = requests[1].1["messages"].to_string();
    assert!(second.contains(r#""toolUseId":"tu-1""#));
    assert!(second.contains(r#""status":"error""#));
    assert!(second.contains("ToolError.Fatal"));
}

#[tokio::test]
async fn bedrock_throttling_is_retryable_and_malformed_answers_are_reasoner_errors() {
    let server = scripted_server(vec![(
        429,
        json!({"message": "Too many requests"}).to_string(),
    )])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let agent = bedrock_agent(dir.path(), server.addr);
    let err: StepError = agent
        .step(input(
            start("g", json!({})),
            execution("throttle"),
            LoopConfig::default(),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::ReasonerThrottled);

    let server = scripted_server(vec![(200, "{\"output\": 17}".into())]).await;
    let agent = bedrock_agent(dir.path(), server.addr);
    let err = agent
        .step(input(
            start("g", json!({})),
            execution("malformed"),
            LoopConfig::default(),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::ReasonerError);
}

#[tokio::test]
async fn bedrock_guardrails_end_the_run_and_bad_calls_are_fed_back() {
    let server = scripted_server(vec![converse(
        "guardrail_intervened",
        json!([{"text": "blocked"}]),
    )])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let agent = bedrock_agent(dir.path(), server.addr);
    let out = agent
        .step(input(
            start("g", json!({})),
            execution("guard"),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.error.as_deref(), Some("Agent.Refused"));

    let server = scripted_server(vec![
        converse("tool_use", json!([{"toolUse": {"toolUseId": "a", "name": "teleport", "input": {}}}])),
        converse("tool_use", json!([{"toolUse": {"toolUseId": "b", "name": "calculator", "input": {"expression": ["not", "a", "string"]}}}])),
        converse("tool_use", json!([{"toolUse": {"toolUseId": "c", "name": "calculator", "input": {"expression": "2+2"}}}])),
    ])
    .await;
    let agent = bedrock_agent(dir.path(), server.addr);
    let out = agent
        .step(input(
            start("g", json!({})),
            execution("feedback"),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.route, "call:calculator");
    assert_eq!(out.calls[0].call_id, "c");
    let requests = server.requests.lock().unwrap().clone();
    let third = requests[2].1["messages"].to_string();
    assert!(
        third.contains("There is no tool named `teleport`"),
        "{third}"
    );
    assert!(third.contains("at `/expression`"), "{third}");
}

fn chat(message: Value, finish: &str) -> (u16, String) {
    (200, json!({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": message, "finish_reason": finish}]}).to_string())
}

#[tokio::test]
async fn openai_compatible_tool_calls_answers_and_errors() {
    let server = scripted_server(vec![
        chat(json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "calculator", "arguments": "{\"expression\": \"6*7\"}"}},
            {"id": "call_2", "type": "function", "function": {"name": "nope", "arguments": "{}"}}
        ]}), "tool_calls"),
        chat(json!({"role": "assistant", "content": "42"}), "stop"),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let reasoner = local_openai(server.addr, "local-model", Some("k"));
    let agent = local_agent(dir.path()).with_reasoner(Arc::new(reasoner));
    let exec = execution("openai");
    let out = agent
        .step(input(
            start("6*7?", json!({})),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    // The unknown tool became an observation; only the valid call runs.
    assert_eq!(out.route, "call:calculator");
    assert_eq!(out.calls.len(), 1);
    let out = agent
        .step(input(
            next_state(
                &out,
                vec![ok("call_1", "calculator", json!({"value": "42"}))],
            ),
            exec,
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.answer, Some(json!("42")));
    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(requests[0].0, "/v1/chat/completions");
    assert_eq!(requests[0].1["model"], "local-model");
    assert!(
        requests[0].1["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["function"]["name"] == "json-query")
    );
    let second = requests[1].1["messages"].to_string();
    assert!(second.contains("There is no tool named `nope`"));
    assert!(second.contains(r#""tool_call_id":"call_1""#));

    let server = scripted_server(vec![(
        429,
        "{\"error\": {\"message\": \"rate limited\"}}".into(),
    )])
    .await;
    let agent =
        local_agent(dir.path()).with_reasoner(Arc::new(local_openai(server.addr, "m", None)));
    let err = agent
        .step(input(
            start("g", json!({})),
            execution("o-throttle"),
            LoopConfig::default(),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::ReasonerThrottled);

    let server = scripted_server(vec![(200, "{\"choices\": []}".into())]).await;
    let agent =
        local_agent(dir.path()).with_reasoner(Arc::new(local_openai(server.addr, "m", None)));
    let err = agent
        .step(input(
            start("g", json!({})),
            execution("o-bad"),
            LoopConfig::default(),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::ReasonerError);
    assert!(err.message.contains("malformed"));
}

#[tokio::test]
async fn large_results_reach_the_model_truncated_with_a_pointer_note() {
    let server = scripted_server(vec![
        chat(json!({"role": "assistant", "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "http-fetch", "arguments": "{\"url\": \"https://example.com\"}"}}]}), "tool_calls"),
        chat(json!({"role": "assistant", "content": "done"}), "stop"),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let agent =
        local_agent(dir.path()).with_reasoner(Arc::new(local_openai(server.addr, "m", None)));
    let exec = execution("truncate");
    let out = agent
        .step(input(
            start("g", json!({})),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    let big = json!({"body": "z".repeat(20_000)});
    agent
        .step(input(
            next_state(&out, vec![ok("c1", "http-fetch", big)]),
            exec,
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    let requests = server.requests.lock().unwrap().clone();
    let tool_message = requests[1].1["messages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "tool")
        .unwrap()
        .clone();
    let content = tool_message["content"].as_str().unwrap();
    assert!(content.len() < 5_000, "{} characters", content.len());
    assert!(content.contains("truncated"));
    // The note names where the whole result is, for json-query.
    assert!(content.contains("$offload"), "{content}");
    assert!(content.contains("json-query"));
}
