//! Per-step cost of the agent at turns 10, 100 and 1,000 (`bench/transcript/run.sh`): a
//! plan of N sequential calculator calls driven in process, the state machine's part played
//! as the tests do, on a local offload store. For each measured turn it prints one JSON line:
//! the mean wall time of the five steps ending at that turn and the bytes they added to the
//! store, per step.
//!
//! Uses only the agent's public step API (`Agent::new`, `Agent::step`) and `protocol`, so the
//! same file builds against the baseline commit.
//!
//!   cargo run --release -p agent-lambda --example transcript_bench -- [CALLS]
// The step's future is as deep as the agent binary's (see `src/main.rs`).
#![recursion_limit = "256"]

use std::path::Path;
use std::time::Instant;

use agent_lambda::Agent;
use agent_lambda::tools::ToolSet;
use protocol::agent::{
    AgentStatus, AgentStepInput, LoopConfig, LoopState, ToolOutcome, ToolResults,
};
use protocol::call::ExecutionRef;
use serde_json::{Value, json};

/// Steps averaged per measured turn.
const WINDOW: u32 = 5;

fn folder_bytes(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => folder_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let calls: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("CALLS is a number"))
        .unwrap_or(1_000);
    let tools_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tool-lambdas");
    let tools = ToolSet::from_folder(&tools_dir).expect("the workspace's tool manifests load");
    let dir = tempfile::tempdir().expect("a temporary folder");
    let agent = Agent::new(tools, offload::Store::local(dir.path()));
    let steps: Vec<Value> = (1..=calls)
        .map(|i| {
            let expression = if i == 1 {
                "1 + 1".to_owned()
            } else {
                format!("{{{{s{}.output.result}}}} + 1", i - 1)
            };
            json!({"id": format!("s{i}"), "tool": "calculator", "input": {"expression": expression}})
        })
        .collect();
    let options = json!({"reasoner": "plan", "plan": {"steps": steps, "answer": format!("{{{{s{calls}.output.result}}}}")}});
    let execution = ExecutionRef {
        id: "arn:aws:states:us-east-1:123456789012:execution:agent:bench".into(),
        name: "bench".into(),
    };
    let config = LoopConfig {
        max_turns: calls + 10,
        turns_per_execution: calls + 10,
        ..LoopConfig::default()
    };
    let mut state = LoopState {
        goal: Some("count".into()),
        options: Some(options),
        ..LoopState::default()
    };
    let measured = [10, 100, 1_000];
    let mut window_start = None;
    for turn in 1..=calls + 1 {
        let in_window = measured.iter().any(|m| turn + WINDOW > *m && turn <= *m);
        if in_window && window_start.is_none() {
            window_start = Some((Instant::now(), folder_bytes(dir.path()), 0u128));
        }
        let started = Instant::now();
        let out = agent
            .step(AgentStepInput {
                state: state.clone(),
                execution: execution.clone(),
                config: config.clone(),
            })
            .await
            .expect("the step runs");
        let elapsed = started.elapsed().as_micros();
        if let Some((_, _, total)) = &mut window_start {
            *total += elapsed;
        }
        if let Some((_, before, total)) = window_start
            && measured.contains(&turn)
        {
            let written = folder_bytes(dir.path()) - before;
            println!(
                "{}",
                json!({"calls": calls, "turn": turn, "step_ms": total as f64 / 1000.0 / f64::from(WINDOW),
                       "bytes_per_step": written / u64::from(WINDOW)})
            );
            window_start = None;
        }
        if out.status != AgentStatus::ToolCalls {
            assert_eq!(
                out.status,
                AgentStatus::Done,
                "{:?}: {:?}",
                out.error,
                out.cause
            );
            break;
        }
        let results = out
            .calls
            .iter()
            .map(|c| ToolOutcome {
                call_id: c.call_id.clone(),
                tool: c.tool.clone(),
                // What the calculator answers: s1 = 1 + 1, s<i> = s<i-1> + 1.
                output: Some(json!({"result": (turn + 1).to_string()})),
                error: None,
                cause: None,
            })
            .collect();
        state = LoopState {
            transcript: Some(out.transcript.clone()),
            turn: out.turn,
            failures: out.failures.clone(),
            calls: out.calls.clone(),
            tool: Some(ToolResults { results }),
            ..LoopState::default()
        };
    }
}
