//! The main job end to end: the generated state machine run by `sfn-gen run` with the real
//! agent and tool binaries behind the embedded Lambda Runtime API (no mocks).

use std::path::Path;

use serde_json::Value;

use crate::support::{build_lambdas, sfn_gen_command};

/// Runs the committed machine on the workspace's binaries; `input` is JSON or `@FILE`.
fn run_real(input: &str, offload: &Path) -> Value {
    run_machine_real(Path::new("statemachines/agent.asl.json"), input, offload)
}

/// Runs `machine` on the workspace's binaries.
fn run_machine_real(machine: &Path, input: &str, offload: &Path) -> Value {
    build_lambdas();
    let output = sfn_gen_command()
        .arg("run")
        .arg(machine)
        .arg("--workspace-lambdas")
        .args(["--input", input, "--format", "json"])
        .arg("--offload-dir")
        .arg(offload)
        .output()
        .expect("sfn-gen runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("one JSON object")
}

#[test]
fn the_example_plan_runs_on_the_real_binaries() {
    let offload = tempfile::tempdir().unwrap();
    let report = run_real("@examples/plan-calculator.json", offload.path());
    assert_eq!(report["status"], "SUCCEEDED", "{report}");
    // Checked by hand: (2 + 3) * (10 / 4) = 12.5; items priced over 5 are gear and axle.
    assert_eq!(report["output"]["answer"]["product"], "12.5");
    let names: Vec<&str> = report["output"]["answer"]["expensive"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["gear", "axle"]);
    // One parallel turn of three calls (3 + 2*3), one single call (3), the answer (3).
    assert_eq!(report["transitions"], 15);
    // Every served function reported its cold start.
    let functions = report["functions"].as_array().unwrap();
    assert!(
        functions
            .iter()
            .any(|f| f["name"] == "agent-lambda" && f["invocations"] == 3)
    );
    // The transcript was written to the offload folder given.
    let pointer = report["output"]["transcript"]["$offload"].as_str().unwrap();
    let key = pointer.strip_prefix("file:").unwrap();
    assert!(offload.path().join(key).is_file(), "{pointer}");
}

/// Serves `body` as `application/json` at every path of a loopback port, for `requests`
/// requests; returns the port.
fn serve_json(body: Vec<u8>, requests: usize) -> u16 {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(requests).flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut stream = reader.into_inner();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    port
}

#[test]
fn the_demo_plan_fetches_a_multi_megabyte_report_and_answers_from_its_pointer() {
    // A 3 MB report; every 997th item is out of stock (the SKUs are known here, not read
    // back from our tools).
    let items: Vec<Value> = (1..=30_000)
        .map(|i| {
            serde_json::json!({
                "sku": format!("SKU-{i:06}"),
                "stock": if i % 997 == 0 { 0 } else { i % 500 + 1 },
                "description": "a replacement part, described at some length for size",
            })
        })
        .collect();
    let expected: Vec<String> = (1..=30_000)
        .filter(|i| i % 997 == 0)
        .map(|i| format!("SKU-{i:06}"))
        .collect();
    let body = serde_json::to_vec(&serde_json::json!({"items": items})).unwrap();
    assert!(body.len() > 2_000_000, "{}", body.len());
    let port = serve_json(body.clone(), 4);
    let plan =
        std::fs::read_to_string(crate::support::workspace().join("examples/plan-claim-check.json"))
            .unwrap()
            .replace(
                "${DEMO_URL}",
                &format!("http://127.0.0.1:{port}/inventory.json"),
            );
    let offload = tempfile::tempdir().unwrap();
    build_lambdas();
    let output = sfn_gen_command()
        .args(["run", "statemachines/agent.asl.json", "--workspace-lambdas"])
        .args(["--input", &plan, "--format", "json", "--history"])
        .args(["--env", &format!("HTTP_FETCH_ALLOW_HOSTS=127.0.0.1:{port}")])
        .arg("--offload-dir")
        .arg(offload.path())
        .output()
        .expect("sfn-gen runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value =
        serde_json::from_str(stdout.lines().next().unwrap()).expect("one JSON object");
    assert_eq!(report["status"], "SUCCEEDED", "{report}");
    let answer = &report["output"]["answer"];
    let skus: Vec<&str> = answer["outOfStock"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["value"].as_str().unwrap())
        .collect();
    // The query's limit (5) keeps the answer small; the count covers every match.
    assert_eq!(skus, expected[..5]);
    assert_eq!(answer["outOfStockCount"], expected.len(), "{answer}");
    assert_eq!(answer["reportBytes"], body.len());
    // The report travelled as a verified pointer, never in the state.
    assert_eq!(answer["report"]["size"], body.len(), "{answer}");
    assert!(answer["report"]["sha256"].is_string(), "{answer}");
    // The largest state input or output of the whole run stays small (AWS's limit is
    // 256 KiB; the report is 3 MB).
    let largest = report["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| {
            let details = e
                .get("stateEnteredEventDetails")
                .or(e.get("stateExitedEventDetails"))?;
            details
                .get("input")
                .or(details.get("output"))?
                .as_str()
                .map(str::len)
        })
        .max()
        .unwrap();
    assert!(largest < 16 * 1024, "a state carried {largest} bytes");
    // http-fetch said that it used the allowance.
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("admitting a loopback") && stderr.contains("HTTP_FETCH_ALLOW_HOSTS"),
        "{stderr}"
    );
}

#[test]
fn a_refused_fetch_is_caught_fed_back_and_ends_the_plan_by_name() {
    let offload = tempfile::tempdir().unwrap();
    let input = serde_json::json!({
        "goal": "read the instance metadata",
        "options": {"plan": {"steps": [
            {"id": "meta", "tool": "http-fetch", "input": {"url": "http://169.254.169.254/latest/meta-data/"}}
        ], "answer": "{{meta.output}}"}}
    });
    let report = run_real(&input.to_string(), offload.path());
    // The tool refused (a named error), the Task's Catch fed it back to the agent, and the
    // plan ended with the agent's named error: Agent, Route, Tool (caught), Agent, Route, Failed.
    assert_eq!(report["status"], "FAILED", "{report}");
    assert_eq!(report["error"], "Agent.PlanFailed");
    let cause = report["cause"].as_str().unwrap();
    assert!(
        cause.contains("ToolError.InvalidInput") || cause.contains("refused"),
        "{cause}"
    );
    assert_eq!(report["transitions"], 6, "{report}");
}

#[test]
fn a_long_run_continues_through_the_agents_hand_off_record_on_the_real_binaries() {
    for language in ["jsonpath", "jsonata"] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("sfn-gen.json");
        std::fs::write(&config, r#"{"turnsPerExecution": 1}"#).unwrap();
        let machine = dir.path().join("agent.asl.json");
        let status = sfn_gen_command()
            .args(["generate", "--query-language", language, "--config"])
            .arg(&config)
            .arg("--out")
            .arg(&machine)
            .output()
            .expect("sfn-gen generates");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let offload = tempfile::tempdir().unwrap();
        let report = run_machine_real(&machine, "@examples/plan-calculator.json", offload.path());
        assert_eq!(report["status"], "SUCCEEDED", "{language}: {report}");
        assert_eq!(report["output"]["answer"]["product"], "12.5", "{language}");
        // Two tool turns, one per execution, then the answer in a third execution, each
        // started with the name its parent's record gives.
        let executions = report["executions"].as_array().unwrap();
        assert_eq!(executions.len(), 3, "{language}: {report}");
        for pair in executions.windows(2) {
            let parent = pair[0]["name"].as_str().unwrap();
            let child = pair[1]["name"].as_str().unwrap();
            assert!(
                child.starts_with(&parent[..parent.len().min(24)]),
                "{parent} -> {child}"
            );
            assert!(child.len() > 32 && child.len() <= 80, "{child}");
        }
    }
}
