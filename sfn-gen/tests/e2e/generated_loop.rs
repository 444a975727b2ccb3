//! The generated agent loop, run by the local engine with canned agent and tool answers:
//! routing, parallel calls, error observations, retries, guards, and the transition counts
//! `sfn-gen cost` promises (3 per single-call turn, 3 + 2N for N parallel calls).

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::support::{sfn_gen_command, workspace};

/// Runs the committed machine with `mocks`; returns the `--format json` report.
fn run_with(definition: &Path, mocks: Value) -> Value {
    let output = sfn_gen_command()
        .arg("run")
        .arg(definition)
        .args(["--input", r#"{"goal": "add two numbers"}"#])
        .args(["--mocks", &mocks.to_string()])
        .args(["--format", "json"])
        .output()
        .expect("sfn-gen runs");
    assert!(
        output.status.success(),
        "sfn-gen run failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON object on stdout")
}

fn agent_step(route: &str, calls: Value, turn: u32) -> Value {
    json!({
        "return": {
            "status": if route == "done" { "done" } else if route == "failed" { "failed" } else { "tool_calls" },
            "route": route,
            "calls": calls,
            "answer": if route == "done" { json!("42") } else { Value::Null },
            "transcript": {"$offload": "file:t.json", "size": 2, "sha256": "00", "mediaType": "application/json"},
            "turn": turn,
            "failures": {}
        }
    })
}

fn call(id: &str, tool: &str) -> Value {
    json!({"call_id": id, "tool": tool, "input": {"expression": "1+1"}})
}

fn machine(language: &str) -> PathBuf {
    if language == "jsonpath" {
        return workspace().join("statemachines/agent.asl.json");
    }
    // Generated once per test process (tests run in parallel), in a folder of its own:
    // generate writes tools.json beside the machine.
    static JSONATA: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    JSONATA.get_or_init(|| generate_into_temp(language)).clone()
}

fn generate_into_temp(language: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sfn-gen-test-{}-{language}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("agent.asl.json");
    let output = sfn_gen_command()
        .args(["generate", "--query-language", language, "--out"])
        .arg(&out)
        .output()
        .expect("sfn-gen generate runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

fn tool_ok(tool: &str) -> Value {
    json!({"return": {"call_id": "c1", "tool": tool, "output": {"value": "2"}}})
}

#[test]
fn single_and_parallel_turns_cost_what_the_cost_model_says() {
    for language in ["jsonpath", "jsonata"] {
        let definition = machine(language);
        let mocks = json!({"lambda": {
            "agent-lambda": {"sequence": [
                agent_step("call:calculator", json!([call("c1", "calculator")]), 1),
                agent_step("map", json!([call("c2", "calculator"), call("c3", "json-query"), call("c4", "calculator")]), 2),
                agent_step("done", json!([]), 3)
            ]},
            "calculator": tool_ok("calculator"),
            "json-query": tool_ok("json-query"),
            "http-fetch": tool_ok("http-fetch")
        }});
        let report = run_with(&definition, mocks);
        assert_eq!(report["status"], "SUCCEEDED", "{language}: {report}");
        assert_eq!(report["output"]["answer"], "42");
        // 3 (single call) + 3 + 2*3 (three parallel calls) + 3 (answer).
        assert_eq!(report["transitions"], 15, "{language}: {report}");
    }
}

#[test]
fn tool_errors_become_observations_and_retryable_ones_are_retried() {
    for language in ["jsonpath", "jsonata"] {
        let definition = machine(language);
        let mocks = json!({"lambda": {
            "agent-lambda": {"sequence": [
                agent_step("call:calculator", json!([call("c1", "calculator")]), 1),
                agent_step("call:calculator", json!([call("c2", "calculator")]), 2),
                agent_step("map", json!([call("c3", "calculator"), call("c4", "no-such-tool")]), 3),
                agent_step("done", json!([]), 4)
            ]},
            "calculator": {"sequence": [
                {"raise": {"error": "ToolError.InvalidInput", "cause": "bad expression at /expression"}},
                {"raise": {"error": "ToolError.Retryable", "cause": "try again"}},
                tool_ok("calculator"),
                {"raise": {"error": "ToolError.Fatal", "cause": "boom"}}
            ]}
        }});
        let report = run_with(&definition, mocks);
        assert_eq!(report["status"], "SUCCEEDED", "{language}: {report}");
        // Turn 1: 3 (caught, back to the agent). Turn 2: 3 + 1 retry. Turn 3: Map with a
        // failing call (Choice, Task, CallFailed/CallDone) and an unknown tool (Choice,
        // UnknownTool): 3 + 3 + 2. Answer: 3.
        assert_eq!(report["transitions"], 3 + 4 + 8 + 3, "{language}: {report}");
    }
}

#[test]
fn the_agent_payload_carries_the_state_execution_and_limits() {
    let definition = machine("jsonpath");
    let mocks = json!({"lambda": {"agent-lambda": {"echo": true}}});
    let report = run_with(&definition, mocks);
    // The echoed payload has no route: the machine fails with its named error.
    assert_eq!(report["status"], "FAILED");
    assert_eq!(report["error"], "States.Runtime", "{report}");
    let mocks = json!({"lambda": {"agent-lambda": agent_step("failed", json!([]), 1)}});
    let mut failed = mocks.clone();
    failed["lambda"]["agent-lambda"]["return"]["error"] = json!("Agent.CircuitOpen");
    failed["lambda"]["agent-lambda"]["return"]["cause"] =
        json!("tool `calculator` failed 5 times in a row");
    let report = run_with(&definition, failed);
    assert_eq!(report["status"], "FAILED");
    assert_eq!(report["error"], "Agent.CircuitOpen");
    assert_eq!(report["cause"], "tool `calculator` failed 5 times in a row");
}

#[test]
fn committed_machine_is_fresh() {
    let output = sfn_gen_command()
        .args(["generate", "--check"])
        .output()
        .expect("sfn-gen generate runs");
    assert!(
        output.status.success(),
        "statemachines/ is stale:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn continue_as_new_hands_off_to_a_fresh_execution() {
    for language in ["jsonpath", "jsonata"] {
        let definition = machine(language);
        let mut handoff = agent_step("continue", json!([]), 1);
        handoff["return"]["status"] = json!("continue");
        handoff["return"]["continue_as"] = json!("run-t1-0123456789abcdef");
        handoff["return"]["handoff"] =
            json!({"$offload": "file:h.json", "size": 2, "sha256": "00"});
        let mocks = json!({"lambda": {
            "agent-lambda": {"sequence": [
                agent_step("call:calculator", json!([call("c1", "calculator")]), 1),
                handoff,
                agent_step("done", json!([]), 2)
            ]},
            "calculator": tool_ok("calculator")
        }});
        let report = run_with(&definition, mocks);
        assert_eq!(report["status"], "SUCCEEDED", "{language}: {report}");
        assert_eq!(report["output"]["answer"], "42");
        let executions = report["executions"].as_array().expect("two executions");
        assert_eq!(executions.len(), 2);
        // The fresh execution has the name the agent's hand-off record gives.
        assert_eq!(
            executions[1]["name"], "run-t1-0123456789abcdef",
            "{language}"
        );
        // First: Agent, Route, Tool, Agent, Route, ContinueAsNew, HandedOff. Then the
        // fresh execution: Agent, Route, Done.
        assert_eq!(executions[0]["transitions"], 7, "{language}: {report}");
        assert_eq!(executions[1]["transitions"], 3);
        assert_eq!(report["transitions"], 10);
    }
}
