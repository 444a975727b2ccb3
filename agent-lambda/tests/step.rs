//! The step logic with the plan reasoner and scripted reasoners: routing, guards, cache,
//! hand-off, and the state staying small.

mod common;

use std::sync::{Arc, Mutex};

use agent_lambda::reasoner::{Conversation, Decision, Proposal, Reasoner, ReasonerError};
use common::*;
use protocol::agent::{AgentStatus, LoopConfig};
use serde_json::{Value, json};

/// Answers with the given decisions in order (the last repeats) and counts consultations.
struct Scripted {
    decisions: Mutex<Vec<Decision>>,
    consulted: Mutex<usize>,
}

impl Scripted {
    fn new(decisions: Vec<Decision>) -> Arc<Self> {
        Arc::new(Self {
            decisions: Mutex::new(decisions),
            consulted: Mutex::new(0),
        })
    }
}

#[async_trait::async_trait]
impl Reasoner for Scripted {
    async fn decide(&self, _: &Conversation<'_>) -> Result<Decision, ReasonerError> {
        *self.consulted.lock().unwrap() += 1;
        let mut decisions = self.decisions.lock().unwrap();
        Ok(if decisions.len() > 1 {
            decisions.remove(0)
        } else {
            decisions[0].clone()
        })
    }
}

fn calls(list: &[(&str, Value)]) -> Decision {
    Decision::Calls {
        calls: list
            .iter()
            .map(|(tool, input)| Proposal {
                id: None,
                tool: (*tool).to_owned(),
                input: input.clone(),
            })
            .collect(),
        text: None,
    }
}

#[tokio::test]
async fn a_plan_runs_step_by_step_with_parallel_turns_and_renders_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let agent = local_agent(dir.path());
    let plan = json!({"reasoner": "plan", "plan": {
        "steps": [
            {"id": "a", "tool": "calculator", "input": {"expression": "2 + 3"}},
            {"id": "b", "tool": "calculator", "input": {"expression": "10 / 4"}},
            {"id": "c", "tool": "calculator", "input": {"expression": "{{a.output.value}} * {{b.output.value}}"}}
        ],
        "answer": "The product is {{c.output.value}}"
    }});
    let exec = execution("plan-run");
    let out = agent
        .step(input(
            start("multiply", plan),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.status, AgentStatus::ToolCalls);
    assert_eq!(out.route, "map");
    assert_eq!(out.calls.len(), 2);
    assert_eq!(out.calls[0].call_id, "a");
    let out = agent
        .step(input(
            next_state(
                &out,
                vec![
                    ok("a", "calculator", json!({"value": "5"})),
                    ok("b", "calculator", json!({"value": "2.5"})),
                ],
            ),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.route, "call:calculator");
    assert_eq!(out.calls[0].input, json!({"expression": "5 * 2.5"}));
    let out = agent
        .step(input(
            next_state(&out, vec![ok("c", "calculator", json!({"value": "12.5"}))]),
            exec,
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.status, AgentStatus::Done);
    assert_eq!(out.answer, Some(json!("The product is 12.5")));
    assert_eq!(out.turn, 2);
}

#[tokio::test]
async fn a_failed_plan_step_ends_the_run_with_its_error() {
    let dir = tempfile::tempdir().unwrap();
    let agent = local_agent(dir.path());
    let plan = json!({"plan": {"steps": [{"id": "a", "tool": "calculator", "input": {"expression": "1/0"}}], "answer": "{{a.output}}"}});
    let exec = execution("plan-fail");
    let out = agent
        .step(input(start("g", plan), exec.clone(), LoopConfig::default()))
        .await
        .unwrap();
    let out = agent
        .step(input(
            next_state(&out, vec![err("a", "calculator", "ToolError.InvalidInput")]),
            exec,
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.status, AgentStatus::Failed);
    assert_eq!(out.error.as_deref(), Some("Agent.PlanFailed"));
    assert!(out.cause.unwrap().contains("ToolError.InvalidInput"));
}

#[tokio::test]
async fn a_start_without_goal_or_with_a_bad_plan_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let agent = local_agent(dir.path());
    let mut state = start("", json!({}));
    state.goal = None;
    let out = agent
        .step(input(state, execution("no-goal"), LoopConfig::default()))
        .await
        .unwrap();
    assert_eq!(out.error.as_deref(), Some("Agent.InvalidStart"));
    let out = agent
        .step(input(start("g", json!({"plan": {"steps": [{"id": "x", "tool": "calculator", "input": {"e": "{{y.output}}"}}]}})), execution("bad-plan"), LoopConfig::default()))
        .await
        .unwrap();
    assert_eq!(out.error.as_deref(), Some("Agent.InvalidStart"));
    assert!(out.cause.unwrap().contains("not an earlier step"));
}

#[tokio::test]
async fn unknown_tools_and_invalid_arguments_are_fed_back_then_end_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let reasoner = Scripted::new(vec![
        calls(&[("no_such_tool", json!({}))]),
        calls(&[("calculator", json!({"expr": "1+1"}))]),
        calls(&[("calculator", json!({"expression": 5}))]),
    ]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner.clone());
    let out = agent
        .step(input(
            start("g", json!({})),
            execution("invalid"),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.status, AgentStatus::Failed);
    assert_eq!(out.error.as_deref(), Some("Agent.InvalidCalls"));
    assert_eq!(*reasoner.consulted.lock().unwrap(), 3);
    // The observations are in the transcript, with the JSON pointer of the bad field.
    let store = offload::Store::local(dir.path()).for_execution(&execution("invalid"));
    let transcript = store.get_json(&out.transcript).await.unwrap().to_string();
    assert!(transcript.contains("Agent.UnknownTool"));
    assert!(transcript.contains("There is no tool named `no_such_tool`"));
    assert!(transcript.contains("ToolError.InvalidInput"));
    assert!(transcript.contains("at `/expression`"));
}

#[tokio::test]
async fn an_invalid_call_is_retried_by_the_model_within_the_same_step() {
    let dir = tempfile::tempdir().unwrap();
    let reasoner = Scripted::new(vec![
        calls(&[("calculator", json!({"expr": "1+1"}))]),
        calls(&[("calculator", calc_call("1+1"))]),
    ]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner);
    let out = agent
        .step(input(
            start("g", json!({})),
            execution("fix"),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.route, "call:calculator");
    assert_eq!(out.calls[0].input, calc_call("1+1"));
}

#[tokio::test]
async fn the_circuit_opens_after_consecutive_failures_and_names_the_tool() {
    let dir = tempfile::tempdir().unwrap();
    let reasoner = Scripted::new(vec![calls(&[(
        "http-fetch",
        json!({"url": "https://example.com"}),
    )])]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner);
    let config = LoopConfig {
        failure_threshold: 3,
        ..LoopConfig::default()
    };
    let exec = execution("circuit");
    let mut out = agent
        .step(input(start("g", json!({})), exec.clone(), config.clone()))
        .await
        .unwrap();
    for round in 1..=3 {
        let call = out.calls[0].clone();
        out = agent
            .step(input(
                next_state(
                    &out,
                    vec![err(&call.call_id, "http-fetch", "ToolError.Fatal")],
                ),
                exec.clone(),
                config.clone(),
            ))
            .await
            .unwrap();
        if round < 3 {
            assert_eq!(out.status, AgentStatus::ToolCalls, "round {round}");
            assert_eq!(out.failures["http-fetch"], round);
        }
    }
    assert_eq!(out.status, AgentStatus::Failed);
    assert_eq!(out.error.as_deref(), Some("Agent.CircuitOpen"));
    let cause = out.cause.unwrap();
    assert!(
        cause.contains("`http-fetch` failed 3 times in a row"),
        "{cause}"
    );
    assert!(cause.contains("ToolError.Fatal"));
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let dir = tempfile::tempdir().unwrap();
    let reasoner = Scripted::new(vec![calls(&[(
        "http-fetch",
        json!({"url": "https://example.com"}),
    )])]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner);
    let exec = execution("reset");
    let out = agent
        .step(input(
            start("g", json!({})),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    let id = out.calls[0].call_id.clone();
    let out = agent
        .step(input(
            next_state(&out, vec![err(&id, "http-fetch", "ToolError.Fatal")]),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.failures["http-fetch"], 1);
    let id = out.calls[0].call_id.clone();
    let out = agent
        .step(input(
            next_state(&out, vec![ok(&id, "http-fetch", json!({"status": 200}))]),
            exec,
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert!(!out.failures.contains_key("http-fetch"));
}

#[tokio::test]
async fn the_turn_limit_ends_a_runaway_loop() {
    let dir = tempfile::tempdir().unwrap();
    let reasoner = Scripted::new(vec![calls(&[(
        "http-fetch",
        json!({"url": "https://example.com"}),
    )])]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner);
    let config = LoopConfig {
        max_turns: 4,
        ..LoopConfig::default()
    };
    let exec = execution("limit");
    let mut out = agent
        .step(input(start("g", json!({})), exec.clone(), config.clone()))
        .await
        .unwrap();
    let mut steps = 1;
    while out.status == AgentStatus::ToolCalls {
        let id = out.calls[0].call_id.clone();
        out = agent
            .step(input(
                next_state(&out, vec![ok(&id, "http-fetch", json!({"status": 200}))]),
                exec.clone(),
                config.clone(),
            ))
            .await
            .unwrap();
        steps += 1;
        assert!(steps < 10);
    }
    assert_eq!(out.error.as_deref(), Some("Agent.TurnLimit"));
    assert_eq!(out.turn, 4);
}

#[tokio::test]
async fn repeated_read_only_calls_are_answered_from_the_cache() {
    let dir = tempfile::tempdir().unwrap();
    // calculator is read-only and idempotent; http-fetch is not.
    let reasoner = Scripted::new(vec![
        calls(&[("calculator", calc_call("6*7"))]),
        calls(&[("calculator", json!({"expression": "6*7"}))]),
        Decision::Answer(json!("42")),
    ]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner.clone());
    let exec = execution("cache");
    let out = agent
        .step(input(
            start("g", json!({})),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    let id = out.calls[0].call_id.clone();
    let out = agent
        .step(input(
            next_state(&out, vec![ok(&id, "calculator", json!({"value": "42"}))]),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    // The repeat was answered in the same step: no Task ran, the reasoner answered.
    assert_eq!(out.status, AgentStatus::Done);
    assert_eq!(*reasoner.consulted.lock().unwrap(), 3);
    let store = offload::Store::local(dir.path()).for_execution(&exec);
    let transcript = store.get_json(&out.transcript).await.unwrap();
    assert!(transcript.to_string().contains(r#""cached":true"#));

    let reasoner = Scripted::new(vec![calls(&[(
        "http-fetch",
        json!({"url": "https://example.com"}),
    )])]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner);
    let exec = execution("no-cache");
    let out = agent
        .step(input(
            start("g", json!({})),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    let id = out.calls[0].call_id.clone();
    let out = agent
        .step(input(
            next_state(&out, vec![ok(&id, "http-fetch", json!({"status": 200}))]),
            exec,
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(
        out.route, "call:http-fetch",
        "a non-idempotent tool is called again"
    );
}

#[tokio::test]
async fn the_hand_off_carries_the_transcript_into_the_next_execution() {
    let dir = tempfile::tempdir().unwrap();
    let reasoner = Scripted::new(vec![calls(&[(
        "http-fetch",
        json!({"url": "https://example.com"}),
    )])]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner);
    let config = LoopConfig {
        turns_per_execution: 2,
        ..LoopConfig::default()
    };
    let first = execution("first");
    let mut out = agent
        .step(input(start("g", json!({})), first.clone(), config.clone()))
        .await
        .unwrap();
    for _ in 0..2 {
        let id = out.calls[0].call_id.clone();
        out = agent
            .step(input(
                next_state(&out, vec![ok(&id, "http-fetch", json!({"status": 200}))]),
                first.clone(),
                config.clone(),
            ))
            .await
            .unwrap();
    }
    assert_eq!(out.status, AgentStatus::Continue);
    assert_eq!(out.route, "continue");
    // The new execution, started with the name the agent chose, gets only the hand-off
    // record and its parent (ContinueInput).
    let state = continued(&out, &first);
    let second = execution(out.continue_as.as_deref().unwrap());
    let out2 = agent
        .step(input(state, second.clone(), config))
        .await
        .unwrap();
    assert_eq!(out2.status, AgentStatus::ToolCalls);
    assert_eq!(out2.turn, out.turn + 1);
    // The child's segment links to the parent's chain, which holds the goal.
    let transcript = agent_lambda::transcript::chain::load(
        &offload::Store::local(dir.path()),
        &second,
        &out2.transcript,
    )
    .await
    .unwrap();
    assert_eq!(transcript.goal, "g");
    assert_eq!(transcript.call_count(), 3);
}

#[tokio::test]
async fn a_call_without_an_outcome_is_answered_as_failed_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let reasoner = Scripted::new(vec![
        calls(&[
            ("calculator", calc_call("1 + 1")),
            ("http-fetch", json!({"url": "https://example.com"})),
        ]),
        Decision::Answer(json!("done")),
    ]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner);
    let exec = execution("lost");
    let out = agent
        .step(input(
            start("g", json!({})),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.route, "map");
    // Only the calculator's outcome arrives.
    let id = out.calls[0].call_id.clone();
    let out = agent
        .step(input(
            next_state(&out, vec![ok(&id, "calculator", json!({"result": "2"}))]),
            exec.clone(),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.status, AgentStatus::Done);
    assert_eq!(out.failures.get("http-fetch"), Some(&1));
    assert_eq!(out.failures.get("calculator"), None);
    let store = offload::Store::local(dir.path()).for_execution(&exec);
    let transcript = store.get_json(&out.transcript).await.unwrap();
    let lost = transcript["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "result" && e["tool"] == "http-fetch")
        .unwrap();
    assert_eq!(lost["error"], "ToolError.Fatal");
}

#[tokio::test]
async fn a_hand_off_adopts_the_parents_chain_copies_an_old_result_only_when_used_and_refuses_another_machine()
 {
    let dir = tempfile::tempdir().unwrap();
    let first = execution("parent");
    // The tool offloads its output into the parent's folder (content-addressed, so its
    // pointer is known before the run).
    let parent_store = offload::Store::local(dir.path()).for_execution(&first);
    let big = parent_store
        .put_json(&json!({"items": vec!["x"; 10_000]}))
        .await
        .unwrap();
    let reasoner = Scripted::new(vec![
        calls(&[("http-fetch", json!({"url": "https://example.com"}))]),
        calls(&[(
            "json-query",
            json!({"document": big.to_value(), "query": "$.items[0]"}),
        )]),
    ]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner);
    let config = LoopConfig {
        turns_per_execution: 1,
        ..LoopConfig::default()
    };
    let out = agent
        .step(input(start("g", json!({})), first.clone(), config.clone()))
        .await
        .unwrap();
    let id = out.calls[0].call_id.clone();
    let out = agent
        .step(input(
            next_state(&out, vec![ok(&id, "http-fetch", big.to_value())]),
            first.clone(),
            config.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(out.route, "continue");

    let second = execution(out.continue_as.as_deref().unwrap());
    let out2 = agent
        .step(input(
            continued(&out, &first),
            second.clone(),
            config.clone(),
        ))
        .await
        .unwrap();
    assert_eq!(out2.route, "call:json-query");
    // The call names the parent's result; it goes out as a copy in the child's folder,
    // which the child's tools may read.
    let store = offload::Store::local(dir.path()).for_execution(&second);
    let copy = protocol::OffloadPointer::from_value(&out2.calls[0].input["document"]).unwrap();
    assert_ne!(copy.uri, big.uri);
    assert_eq!(copy.sha256, big.sha256);
    assert_eq!(store.get_json(&copy).await.unwrap()["items"][0], json!("x"));
    // Nothing else was copied: the child's folder holds its one segment and that copy; the
    // segment links to the parent's chain.
    let child_folder = dir.path().join("agents/agent").join(&second.name);
    assert_eq!(std::fs::read_dir(&child_folder).unwrap().count(), 2);
    let segment = store.get_json(&out2.transcript).await.unwrap();
    assert_eq!(segment["prev"]["execution"]["name"], "parent");
    assert_eq!(segment["first"], 2);

    // An execution of another state machine cannot take the transcript over, even with
    // the name the record gives.
    let stranger = protocol::ExecutionRef {
        id: format!(
            "arn:aws:states:us-east-1:123456789012:execution:other-machine:{}",
            second.name
        ),
        name: second.name.clone(),
    };
    let refused = agent
        .step(input(continued(&out, &first), stranger, config))
        .await
        .unwrap();
    assert_eq!(refused.error.as_deref(), Some("Agent.InvalidStart"));
    assert!(refused.cause.unwrap().contains("same state machine"));
}

#[tokio::test]
async fn the_state_stays_under_8_kib_after_300_turns_and_a_50_mb_result() {
    let dir = tempfile::tempdir().unwrap();
    // http-fetch is neither read-only nor idempotent, so every turn calls it again.
    let reasoner = Scripted::new(vec![calls(&[(
        "http-fetch",
        json!({"url": "https://example.com/data"}),
    )])]);
    let agent = local_agent(dir.path()).with_reasoner(reasoner);
    let config = LoopConfig {
        max_turns: 1_000,
        turns_per_execution: 1_000,
        ..LoopConfig::default()
    };
    let exec = execution("long");
    let tool_store = offload::Store::local(dir.path()).for_execution(&exec);
    // A 50 MB result, offloaded by the tool as it would be in a real run.
    let big = json!({"items": "x".repeat(50 * 1024 * 1024)});
    let pointer = serde_json::to_value(tool_store.put_json(&big).await.unwrap()).unwrap();
    let mut out = agent
        .step(input(start("g", json!({})), exec.clone(), config.clone()))
        .await
        .unwrap();
    let mut largest_input = 0;
    let mut largest_output = 0;
    for turn in 0..300 {
        let id = out.calls[0].call_id.clone();
        let result = if turn == 150 {
            pointer.clone()
        } else {
            json!({"matches": [1], "count": 1, "filler": "y".repeat(2_000)})
        };
        let step_input = input(
            next_state(&out, vec![ok(&id, "http-fetch", result)]),
            exec.clone(),
            config.clone(),
        );
        largest_input = largest_input.max(size(&step_input));
        out = agent.step(step_input).await.unwrap();
        largest_output = largest_output.max(size(&out));
    }
    assert_eq!(out.turn, 301);
    assert!(
        largest_input < 8 * 1024,
        "largest input {largest_input} bytes"
    );
    assert!(
        largest_output < 8 * 1024,
        "largest output {largest_output} bytes"
    );
}
