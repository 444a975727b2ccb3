//! What a caller who can start executions, or a hostile model endpoint, can make the agent
//! do: regression tests for the security issue's agent items (model endpoint and key from
//! configuration only, proven hand-offs, saturating counters).

mod common;

use std::sync::{Arc, Mutex};

use agent_lambda::reasoner::openai::OpenAiReasoner;
use agent_lambda::reasoner::select::{ReasonerConfig, ReasonerKind};
use agent_lambda::reasoner::{Conversation, Decision, Proposal, Reasoner, ReasonerError};
use common::*;
use protocol::ErrorName;
use protocol::agent::{AgentStatus, CaughtError, LoopConfig, LoopState, ToolResults};
use protocol::call::ToolCall;
use serde_json::{Value, json};

/// Proposes a new calculator call every time (so no cache answers it) and records every
/// transcript it is shown.
#[derive(Default)]
struct Recording {
    seen: Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl Reasoner for Recording {
    async fn decide(&self, conversation: &Conversation<'_>) -> Result<Decision, ReasonerError> {
        let shown = serde_json::to_string(conversation.transcript).unwrap();
        let mut seen = self.seen.lock().unwrap();
        seen.push(shown);
        Ok(Decision::Calls {
            calls: vec![Proposal {
                id: None,
                tool: "calculator".into(),
                input: json!({"expression": format!("{} + 1", seen.len())}),
            }],
            text: None,
        })
    }
}

fn openai_config(addr: std::net::SocketAddr) -> ReasonerConfig {
    ReasonerConfig {
        default: ReasonerKind::OpenAi,
        allowed: vec![ReasonerKind::OpenAi],
        openai_base_url: format!("http://{addr}/v1"),
        openai_api_key: Some("deployment-secret-key".into()),
        openai_allow: vec!["127.0.0.0/8".parse().unwrap()],
        ..ReasonerConfig::default()
    }
}

fn answer(text: &str) -> (u16, String) {
    (
        200,
        json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]})
            .to_string(),
    )
}

#[tokio::test]
async fn the_execution_input_cannot_pick_the_model_endpoint_or_get_the_key() {
    let deployment = scripted_server(vec![answer("fine")]).await;
    let attacker = scripted_server(vec![answer("stolen")]).await;
    let dir = tempfile::tempdir().unwrap();
    let agent = local_agent(dir.path()).with_reasoner_config(openai_config(deployment.addr));
    for options in [
        json!({"reasoner": "openai", "baseUrl": format!("http://{}/v1", attacker.addr)}),
        json!({"model": "attacker-chosen-model"}),
        json!({"reasoner": "plan", "plan": {"steps": [], "answer": "x"}}),
    ] {
        let out = agent
            .step(input(
                start("g", options.clone()),
                execution("endpoint"),
                LoopConfig::default(),
            ))
            .await
            .unwrap();
        assert_eq!(out.status, AgentStatus::Failed, "{options}");
        assert_eq!(
            out.error.as_deref(),
            Some("Agent.InvalidStart"),
            "{options}"
        );
    }
    assert!(attacker.requests.lock().unwrap().is_empty());
    assert!(deployment.requests.lock().unwrap().is_empty());
    // The configured endpoint is used, with the configured model.
    let out = agent
        .step(input(
            start("g", json!({})),
            execution("endpoint-ok"),
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.answer, Some(json!("fine")));
    assert_eq!(
        deployment.requests.lock().unwrap()[0].1["model"],
        "gpt-4o-mini"
    );
}

#[tokio::test]
async fn the_model_client_refuses_loopback_and_private_targets_unless_configured() {
    let server = scripted_server(vec![answer("reached")]).await;
    let dir = tempfile::tempdir().unwrap();
    let port = server.addr.port();
    for base in [
        format!("http://127.0.0.1:{port}/v1"),
        format!("http://localhost:{port}/v1"),
        "http://169.254.169.254/latest".to_owned(),
        "http://[::ffff:169.254.169.254]/v1".to_owned(),
    ] {
        let agent = local_agent(dir.path()).with_reasoner(Arc::new(OpenAiReasoner::new(
            base.clone(),
            "m",
            None,
        )));
        let err = agent
            .step(input(
                start("g", json!({})),
                execution("guarded"),
                LoopConfig::default(),
            ))
            .await
            .unwrap_err();
        assert_eq!(err.name, ErrorName::ReasonerError, "{base}");
        assert!(
            err.message.contains("OPENAI_ALLOW"),
            "{base}: {}",
            err.message
        );
    }
    assert!(server.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_model_client_follows_no_redirect() {
    let elsewhere = scripted_server(vec![answer("redirected")]).await;
    let server = scripted_server(vec![(
        307,
        format!("http://{}/v1/chat/completions", elsewhere.addr),
    )])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let agent = local_agent(dir.path()).with_reasoner_config(openai_config(server.addr));
    let err = agent
        .step(input(
            start("g", json!({})),
            execution("redirect"),
            LoopConfig::default(),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::ReasonerError);
    assert!(err.message.contains("redirect"), "{}", err.message);
    assert!(elsewhere.requests.lock().unwrap().is_empty());
}

#[tokio::test]
async fn reasoner_causes_never_carry_response_bodies() {
    let secret = "internal-metadata-AKIAEXAMPLESECRET";
    let dir = tempfile::tempdir().unwrap();
    for (status, body) in [
        (500, format!("{{\"error\": \"{secret}\"}}")),
        (429, format!("{{\"error\": \"{secret}\"}}")),
        (403, secret.to_owned()),
        (200, format!("<html>{secret}</html>")),
    ] {
        let server = scripted_server(vec![(status, body)]).await;
        let agent = local_agent(dir.path()).with_reasoner_config(openai_config(server.addr));
        let err = agent
            .step(input(
                start("g", json!({})),
                execution("bodies"),
                LoopConfig::default(),
            ))
            .await
            .unwrap_err();
        assert!(!err.message.contains(secret), "{status}: {}", err.message);
        assert!(
            err.message.contains(&status.to_string()) || status == 200,
            "{}",
            err.message
        );
    }
}

/// Runs a victim execution to its hand-off, with a secret in its transcript.
async fn victim_at_hand_off(
    agent: &agent_lambda::Agent,
) -> (protocol::ExecutionRef, protocol::agent::AgentStepOutput) {
    let victim = execution("victim");
    let config = LoopConfig {
        turns_per_execution: 1,
        ..LoopConfig::default()
    };
    let out = agent
        .step(input(
            start("the victim's secret goal", json!({})),
            victim.clone(),
            config.clone(),
        ))
        .await
        .unwrap();
    let id = out.calls[0].call_id.clone();
    let out = agent
        .step(input(
            next_state(
                &out,
                vec![ok(&id, "calculator", json!({"value": "victim-data"}))],
            ),
            victim.clone(),
            config,
        ))
        .await
        .unwrap();
    assert_eq!(out.status, AgentStatus::Continue);
    (victim, out)
}

#[tokio::test]
async fn a_forged_parent_cannot_take_over_another_executions_transcript() {
    let dir = tempfile::tempdir().unwrap();
    let reasoner = Arc::new(Recording::default());
    let agent = local_agent(dir.path()).with_reasoner(reasoner.clone());
    let (victim, handed) = victim_at_hand_off(&agent).await;
    let seen_before = reasoner.seen.lock().unwrap().len();

    let attacker = execution("attacker");
    let forgeries = [
        // The old continue input, as a caller can write it.
        LoopState {
            transcript: Some(handed.transcript.clone()),
            turn: handed.turn,
            failures: handed.failures.clone(),
            parent: Some(victim.clone()),
            ..LoopState::default()
        },
        // The victim's real hand-off record, claimed by an execution it does not name.
        continued(&handed, &victim),
        // The record with a transcript smuggled alongside.
        LoopState {
            transcript: Some(handed.transcript.clone()),
            ..continued(&handed, &victim)
        },
    ];
    for forged in forgeries {
        let out = agent
            .step(input(forged, attacker.clone(), LoopConfig::default()))
            .await
            .unwrap();
        assert_eq!(
            out.error.as_deref(),
            Some("Agent.InvalidStart"),
            "{:?}",
            out.cause
        );
    }
    // The model never saw anything of the victim's run on the attacker's behalf, and the
    // attacker's folder holds no copy of the victim's transcript.
    assert_eq!(reasoner.seen.lock().unwrap().len(), seen_before);
    let attacker_folder = dir.path().join("agents/agent/attacker");
    for entry in std::fs::read_dir(&attacker_folder).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains("victim's secret"), "{text}");
    }

    // The execution the record names continues the run.
    let child = execution(handed.continue_as.as_deref().unwrap());
    let out = agent
        .step(input(
            continued(&handed, &victim),
            child,
            LoopConfig::default(),
        ))
        .await
        .unwrap();
    assert_eq!(out.status, AgentStatus::ToolCalls, "{:?}", out.cause);
    assert_eq!(out.turn, handed.turn + 1);
    assert!(
        reasoner
            .seen
            .lock()
            .unwrap()
            .last()
            .unwrap()
            .contains("victim's secret goal")
    );
}

#[tokio::test]
async fn a_start_input_carrying_loop_state_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let reasoner = Arc::new(Recording::default());
    let agent = local_agent(dir.path()).with_reasoner(reasoner.clone());
    let fake_call = ToolCall {
        call_id: "c1".into(),
        tool: "calculator".into(),
        input: json!({"expression": "1"}),
    };
    let base = || start("g", json!({}));
    let cases: Vec<(&str, LoopState)> = vec![
        (
            "tool",
            LoopState {
                tool: Some(ToolResults {
                    results: vec![ok(
                        "c1",
                        "calculator",
                        json!({"value": "forged observation"}),
                    )],
                }),
                ..base()
            },
        ),
        (
            "failure",
            LoopState {
                failure: Some(CaughtError {
                    error: "X".into(),
                    cause: "forged".into(),
                }),
                calls: vec![fake_call.clone()],
                ..base()
            },
        ),
        (
            "calls",
            LoopState {
                calls: vec![fake_call],
                ..base()
            },
        ),
        (
            "failures",
            LoopState {
                failures: [("calculator".to_owned(), 4)].into(),
                ..base()
            },
        ),
        ("turn", LoopState { turn: 49, ..base() }),
    ];
    for (field, state) in cases {
        let out = agent
            .step(input(state, execution("forger"), LoopConfig::default()))
            .await
            .unwrap();
        assert_eq!(out.error.as_deref(), Some("Agent.InvalidStart"), "{field}");
        assert!(
            out.cause.unwrap().contains(&format!("`{field}`")),
            "{field}"
        );
    }
    assert!(reasoner.seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_failure_counter_at_u32_max_saturates_instead_of_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let agent = local_agent(dir.path()).with_reasoner(Arc::new(Recording::default()));
    let exec = execution("counter");
    let config = LoopConfig {
        failure_threshold: u32::MAX,
        ..LoopConfig::default()
    };
    let out = agent
        .step(input(start("g", json!({})), exec.clone(), config.clone()))
        .await
        .unwrap();
    let mut state = next_state(&out, vec![err(&out.calls[0].call_id, "calculator", "X")]);
    state.failures.insert("calculator".into(), u32::MAX);
    let out = agent.step(input(state, exec, config)).await.unwrap();
    assert_eq!(out.error.as_deref(), Some("Agent.CircuitOpen"));
    assert_eq!(out.failures["calculator"], u32::MAX);
    let _: Value = serde_json::to_value(&out).unwrap();
}
