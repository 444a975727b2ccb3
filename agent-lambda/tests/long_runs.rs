//! A 1,000-turn run of the OpenAI-compatible reasoner against a scripted chat-completions
//! server on loopback: the real HTTP client sends every request, the server records each
//! body as received. No request passes the context policy's size, every step writes one
//! small segment whatever the run's length (two continue-as-new hand-offs included), and
//! the model reads an old result whole through the built-in `transcript_read`.

mod common;

use std::sync::Arc;

use agent_lambda::context::ContextPolicy;
use agent_lambda::transcript::chain::Segment;
use common::*;
use protocol::agent::{AgentStatus, LoopConfig};
use serde_json::{Value, json};

fn chat(message: Value, finish: &str) -> (u16, String) {
    (
        200,
        json!({"id": "x", "object": "chat.completion", "choices": [{"index": 0, "message": message, "finish_reason": finish}]})
            .to_string(),
    )
}

fn tool_call(id: &str, name: &str, arguments: Value) -> (u16, String) {
    chat(
        json!({"role": "assistant", "content": null, "tool_calls": [
            {"id": id, "type": "function", "function": {"name": name, "arguments": arguments.to_string()}}
        ]}),
        "tool_calls",
    )
}

const TURNS: u32 = 1_000;
/// The turn at which the model asks for the result of turn 5 again.
const READ_AT: u32 = 995;
const MAX_REQUEST: usize = 48 * 1024;

/// What the calculator "returned" at turn `t`: 1.5 KB, and at turn 5 a result whose secret
/// lies past any compacted view.
fn output(turn: u32) -> Value {
    if turn == 5 {
        json!({"filler": "z".repeat(3_000), "secret": "the old value of turn five"})
    } else {
        json!({"value": turn, "note": "y".repeat(1_500)})
    }
}

#[tokio::test]
async fn a_thousand_turns_stay_under_the_request_limit_and_an_old_result_is_read_whole() {
    let mut answers = Vec::new();
    for turn in 1..=TURNS {
        if turn == READ_AT {
            answers.push(tool_call(
                "read-1",
                "transcript_read",
                json!({"call_id": "call_5"}),
            ));
        }
        answers.push(tool_call(
            &format!("call_{turn}"),
            "calculator",
            json!({"expression": format!("{turn} + 1")}),
        ));
    }
    answers.push(chat(
        json!({"role": "assistant", "content": "done"}),
        "stop",
    ));
    let server = scripted_server(answers).await;
    let dir = tempfile::tempdir().unwrap();
    let policy = ContextPolicy {
        max_request_bytes: MAX_REQUEST,
        ..ContextPolicy::default()
    };
    let agent = local_agent(dir.path())
        .with_reasoner(Arc::new(local_openai(server.addr, "m", None)))
        .with_context_policy(policy);
    let config = LoopConfig {
        max_turns: 2 * TURNS,
        turns_per_execution: 400,
        ..LoopConfig::default()
    };
    let mut exec = execution("long-model-run");
    let store = offload::Store::local(dir.path());
    let mut out = agent
        .step(input(
            start("count to a thousand", json!({})),
            exec.clone(),
            config.clone(),
        ))
        .await
        .unwrap();
    let mut executions = 1;
    let mut largest_segment = 0;
    while out.status != AgentStatus::Done {
        let state = match out.status {
            AgentStatus::ToolCalls => {
                let call = &out.calls[0];
                let turn: u32 = call.call_id.strip_prefix("call_").unwrap().parse().unwrap();
                next_state(&out, vec![ok(&call.call_id, "calculator", output(turn))])
            }
            AgentStatus::Continue => {
                let state = continued(&out, &exec);
                exec = execution(out.continue_as.as_deref().unwrap());
                executions += 1;
                state
            }
            other => panic!("{other:?}: {:?} {:?}", out.error, out.cause),
        };
        out = agent
            .step(input(state, exec.clone(), config.clone()))
            .await
            .unwrap();
        // The state names the step's one new segment: it holds only that step's entries.
        let segment: Segment = serde_json::from_value(
            store
                .for_execution(&exec)
                .get_json(&out.transcript)
                .await
                .unwrap(),
        )
        .unwrap();
        assert!(
            segment.entries.len() <= 5,
            "{} entries",
            segment.entries.len()
        );
        largest_segment = largest_segment.max(out.transcript.size);
    }
    assert_eq!(out.answer, Some(json!("done")));
    assert_eq!(out.turn, TURNS);
    assert_eq!(executions, 3, "two continue-as-new hand-offs");
    assert!(
        largest_segment < 8 * 1024,
        "largest segment {largest_segment} bytes"
    );

    let sizes = server.sizes.lock().unwrap().clone();
    let requests = server.requests.lock().unwrap().clone();
    assert_eq!(sizes.len(), TURNS as usize + 2);
    let largest = *sizes.iter().max().unwrap();
    println!("largest model request over {TURNS} turns: {largest} bytes (limit {MAX_REQUEST})");
    assert!(largest <= MAX_REQUEST, "a request of {largest} bytes");
    // Late requests are near the limit, not growing with the run: the last request is no
    // larger than the one at turn 100.
    assert!(
        sizes[sizes.len() - 1] <= sizes[100] + 1_024,
        "{} vs {}",
        sizes[sizes.len() - 1],
        sizes[100]
    );

    // The built-in tool is in the list the model sees.
    let tools = requests[0].1["tools"].as_array().unwrap();
    assert!(
        tools
            .iter()
            .any(|t| t["function"]["name"] == "transcript_read")
    );
    // Before the read, turn 5's secret was nowhere in the request; the request after it
    // carries the whole result as the tool's answer.
    let read_request = READ_AT as usize - 1;
    let before = requests[read_request].1.to_string();
    assert!(!before.contains("the old value of turn five"));
    let after = &requests[read_request + 1].1["messages"];
    let answer = after
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "tool" && m["tool_call_id"] == "read-1")
        .expect("the read's answer is in the next request");
    let read: Value = serde_json::from_str(answer["content"].as_str().unwrap()).unwrap();
    assert_eq!(read["call_id"], "call_5");
    assert_eq!(read["output"], output(5));
}
