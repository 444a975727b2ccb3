//! The whole loop under real faults, large data and long runs: a machine generated for a
//! tool set that includes the test-only `fault-tool` (`test-tools/fault-tool`, a real tool
//! crate whose input chooses how it misbehaves), run by `sfn-gen run` on the real agent
//! and tool binaries, offloading to S3 on the loopback S3 server that `scripts/test.sh`
//! starts (`TEST_S3_ENDPOINT`). The plan reasoner scripts the turns. Every figure a test
//! measures is printed with `eprintln!` (run with `--nocapture` to see them).
//!
//! Error names are AWS's: a tool's own error under its `errorType`, a Lambda past its
//! timeout `Sandbox.Timedout`, a process that exits `Runtime.ExitError`.

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{build_lambdas, generate_machine, sfn_gen_command, workspace};

/// One test at a time: the timing checks (a Lambda timeout, concurrent calls) should not
/// share two cores with a 50 MB result or a 300-turn run.
static SERIAL: Mutex<()> = Mutex::new(());

/// The longest any one `sfn-gen run` here may take before the test kills it and fails.
const RUN_DEADLINE: Duration = Duration::from_secs(600);

/// The fault tool's folder for attempt counts (`fault_tool::STATE_DIR_ENV`; the crate is a
/// Lambda binary here, not a dependency).
const FAULT_TOOL_STATE_ENV: &str = "FAULT_TOOL_STATE_DIR";

/// AWS's state input/output limit is 256 KiB; the design keeps every state far below it.
const STATE_BUDGET_BYTES: usize = 8 * 1024;

/// A generated machine over `fault-tool` and `json-query`, an S3 bucket on the loopback
/// server, and a folder for the fault tool's attempt counts.
struct Rig {
    dir: tempfile::TempDir,
    machine: PathBuf,
    tools: PathBuf,
    endpoint: String,
    bucket: String,
    runtime: tokio::runtime::Runtime,
    store: offload::Store,
}

/// What one `sfn-gen run --format json --history` printed, and how long it took.
struct Ran {
    report: Value,
    stderr: String,
    wall: Duration,
}

impl Rig {
    /// `None` (after saying why) when no S3 server is configured; `scripts/test.sh`
    /// always starts one, so under it these tests never skip.
    fn new(config: Value) -> Option<Self> {
        let Ok(endpoint) = std::env::var("TEST_S3_ENDPOINT") else {
            eprintln!(
                "TEST_S3_ENDPOINT is not set: the fault tests skipped (scripts/test.sh starts a loopback S3 server and sets it)"
            );
            return None;
        };
        for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"] {
            assert!(
                std::env::var_os(name).is_some(),
                "TEST_S3_ENDPOINT is set but {name} is not: export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 (as scripts/test.sh does)"
            );
        }
        build_lambdas();
        let dir = tempfile::tempdir().unwrap();
        let (machine, tools) = generate_machine(
            dir.path(),
            &[
                "test-tools/fault-tool/tool.json",
                "tool-lambdas/json-query/tool.json",
            ],
            &config,
        );
        std::fs::create_dir_all(dir.path().join("attempts")).unwrap();
        let bucket = format!("faults-{}", uuid::Uuid::new_v4().simple());
        let store = offload::Store::s3(&bucket, true).with_s3_endpoint(&endpoint);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let offload::Backend::S3(backend) = store.backend() else {
            unreachable!("an S3 store")
        };
        runtime.block_on(async {
            backend
                .client()
                .await
                .create_bucket()
                .bucket(&bucket)
                .send()
                .await
                .unwrap_or_else(|e| panic!("cannot create bucket `{bucket}` at {endpoint}: {e:?}"));
        });
        Some(Self {
            dir,
            machine,
            tools,
            endpoint,
            bucket,
            runtime,
            store,
        })
    }

    /// Runs the machine on the real binaries with `input` (the plan's steps and answer)
    /// and `extra` flags, offloading to the rig's bucket.
    fn run(&self, steps: Value, answer: Value, extra: &[&str]) -> Ran {
        let input = json!({
            "goal": "exercise the loop under faults",
            "options": {"reasoner": "plan", "plan": {"steps": steps, "answer": answer}}
        });
        let mut command = sfn_gen_command();
        command
            .arg("run")
            .arg(&self.machine)
            .arg("--workspace-lambdas")
            .arg("--tools")
            .arg(&self.tools)
            .args(["--input", &input.to_string(), "--format", "json"])
            .arg("--offload-dir")
            .arg(self.dir.path().join("unused-local-store"))
            .args(extra);
        for (name, value) in [
            ("OFFLOAD_BUCKET", self.bucket.clone()),
            ("OFFLOAD_S3_PATH_STYLE", "true".to_owned()),
            ("AWS_ENDPOINT_URL_S3", self.endpoint.clone()),
            (
                FAULT_TOOL_STATE_ENV,
                self.dir.path().join("attempts").display().to_string(),
            ),
        ] {
            command.arg("--env").arg(format!("{name}={value}"));
        }
        let started = Instant::now();
        let (stdout, stderr) = output_within(command, RUN_DEADLINE);
        let wall = started.elapsed();
        let report: Value = serde_json::from_str(stdout.lines().next().unwrap_or_default())
            .unwrap_or_else(|e| panic!("sfn-gen run printed no JSON report ({e}):\n{stderr}"));
        Ran {
            report,
            stderr,
            wall,
        }
    }

    /// The attempts the fault tool counted for `key`.
    fn attempts(&self, key: &str) -> u64 {
        std::fs::metadata(self.dir.path().join("attempts").join(key)).map_or(0, |m| m.len())
    }

    /// Reads and verifies (size, SHA-256) the JSON an `s3://` pointer of this bucket names.
    fn read_pointer(&self, pointer: &Value) -> Value {
        let pointer = protocol::OffloadPointer::from_value(pointer)
            .unwrap_or_else(|| panic!("not an offload pointer: {pointer}"));
        let key = pointer
            .uri
            .strip_prefix(&format!("s3://{}/", self.bucket))
            .unwrap_or_else(|| panic!("`{}` is not in bucket {}", pointer.uri, self.bucket));
        // `<prefix>/<machine>/<execution>/<object>`: the reader is bound to that execution.
        let parts: Vec<&str> = key.split('/').collect();
        assert_eq!(parts.len(), 4, "{key}");
        let execution = protocol::ExecutionRef {
            id: format!(
                "arn:aws:states:us-east-1:123456789012:execution:{}:{}",
                parts[1], parts[2]
            ),
            name: parts[2].to_owned(),
        };
        let scoped = self.store.for_execution(&execution);
        self.runtime
            .block_on(scoped.get_json(&pointer))
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", pointer.uri))
    }
}

/// Runs `command`, killing it past `deadline`; returns stdout and stderr.
fn output_within(mut command: Command, deadline: Duration) -> (String, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sfn-gen starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    match status {
        Some(status) => assert!(status.success(), "sfn-gen run failed ({status}):\n{stderr}"),
        None => panic!("sfn-gen run passed its {deadline:?} deadline and was killed:\n{stderr}"),
    }
    (stdout, stderr)
}

/// The run's history events.
fn history(report: &Value) -> &[Value] {
    report["history"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_else(|| panic!("no history in the report: {report}"))
}

/// The details object of an event (`taskFailedEventDetails`, ...).
fn details(event: &Value) -> &Value {
    event
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.ends_with("EventDetails")))
        .map_or(&Value::Null, |(_, v)| v)
}

/// Errors of the Tasks that failed, in order.
fn task_failures(report: &Value) -> Vec<(String, String)> {
    history(report)
        .iter()
        .filter(|e| e["type"] == "TaskFailed")
        .map(|e| {
            let d = details(e);
            (
                d["error"].as_str().unwrap_or_default().to_owned(),
                d["cause"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// How many times the fault tool's Lambda was scheduled.
fn fault_tool_invocations(report: &Value) -> usize {
    history(report)
        .iter()
        .filter(|e| e["type"] == "TaskScheduled")
        .filter(|e| {
            details(e)["parameters"]
                .as_str()
                .is_some_and(|p| p.contains(":function:fault-tool"))
        })
        .count()
}

/// How many times a state named `name` was entered.
fn entered(report: &Value, name: &str) -> usize {
    history(report)
        .iter()
        .filter(|e| {
            e["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("StateEntered"))
        })
        .filter(|e| details(e)["name"] == name)
        .count()
}

/// The largest state input or output of the run, in bytes, from its history.
fn largest_state(report: &Value) -> usize {
    history(report)
        .iter()
        .filter_map(|e| {
            let d = details(e);
            d.get("input").or(d.get("output"))?.as_str().map(str::len)
        })
        .max()
        .unwrap_or(0)
}

/// A fault-tool step of a plan.
/// The fault tool's committed manifest (its retry policy and Lambda timeout drive the tests).
fn fault_manifest() -> Value {
    serde_json::from_slice(
        &std::fs::read(workspace().join("test-tools/fault-tool/tool.json")).unwrap(),
    )
    .unwrap()
}

fn step(id: &str, input: Value) -> Value {
    json!({"id": id, "tool": "fault-tool", "input": input})
}

#[test]
fn a_transient_failure_is_retried_per_the_manifest_then_succeeds() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rig) = Rig::new(json!({})) else {
        return;
    };
    let manifest = fault_manifest();
    let max_attempts = manifest["x-sfn"]["retry"]["maxAttempts"].as_u64().unwrap();
    assert!(max_attempts >= 2, "the test needs two retries: {manifest}");

    // Two failures, then an answer: within the manifest's retries.
    let ran = rig.run(
        json!([step("flaky", json!({"key": "flaky", "fail_times": 2}))]),
        json!("{{flaky.output.attempt}}"),
        &["--history"],
    );
    let report = &ran.report;
    assert_eq!(report["status"], "SUCCEEDED", "{report}");
    assert_eq!(report["output"]["answer"], 3, "{report}");
    assert_eq!(rig.attempts("flaky"), 3);
    let failures = task_failures(report);
    assert_eq!(failures.len(), 2, "{failures:?}");
    for (error, cause) in &failures {
        assert_eq!(error, "ToolError.Retryable");
        assert!(cause.contains("fails on purpose"), "{cause}");
    }
    // One Task state entered, its Lambda scheduled three times (the Retry, not the agent).
    assert_eq!(entered(report, "Tool_fault-tool"), 1, "{report}");
    assert_eq!(fault_tool_invocations(report), 3);

    // More failures than the manifest retries: caught after 1 + maxAttempts attempts,
    // fed back, and the plan ends by name.
    let ran = rig.run(
        json!([step(
            "hopeless",
            json!({"key": "hopeless", "fail_times": 100})
        )]),
        json!("never"),
        &["--history"],
    );
    let report = &ran.report;
    assert_eq!(report["status"], "FAILED", "{report}");
    assert_eq!(report["error"], "Agent.PlanFailed");
    let cause = report["cause"].as_str().unwrap();
    assert!(
        cause.contains("`hopeless` failed with ToolError.Retryable"),
        "{cause}"
    );
    assert_eq!(rig.attempts("hopeless"), 1 + max_attempts);
    assert_eq!(fault_tool_invocations(report) as u64, 1 + max_attempts);
    eprintln!(
        "transient: 2 failures then success in 3 attempts; past the retries: {} attempts, then caught",
        1 + max_attempts
    );
}

#[test]
fn a_permanent_failure_is_caught_fed_back_and_the_plan_ends_by_name_or_adapts() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rig) = Rig::new(json!({})) else {
        return;
    };
    let ran = rig.run(
        json!([step(
            "broken",
            json!({"key": "broken", "fail": "ToolError.Fatal"})
        )]),
        json!("never"),
        &["--history"],
    );
    let report = &ran.report;
    assert_eq!(report["status"], "FAILED", "{report}");
    assert_eq!(report["error"], "Agent.PlanFailed");
    assert!(
        report["cause"]
            .as_str()
            .unwrap()
            .contains("`broken` failed with ToolError.Fatal: {\"errorType\":\"ToolError.Fatal\",\"errorMessage\":\"asked to fail with ToolError.Fatal\"}"),
        "{report}"
    );
    // Not retried; caught, and the agent saw it (it ran a second time).
    assert_eq!(rig.attempts("broken"), 1);
    assert_eq!(task_failures(report)[0].0, "ToolError.Fatal");
    assert_eq!(entered(report, "Agent"), 2, "{report}");

    // The plan adapts: the failure is the step's result, and a fallback uses it.
    let ran = rig.run(
        json!([
            {"id": "primary", "tool": "fault-tool", "input": {"fail": "ToolError.Fatal"}, "on_error": "continue"},
            step("fallback", json!({"note": "{{primary.output.error}}"}))
        ]),
        json!({"recovered_from": "{{fallback.output.note}}"}),
        &["--history"],
    );
    let report = &ran.report;
    assert_eq!(report["status"], "SUCCEEDED", "{report}");
    assert_eq!(
        report["output"]["answer"]["recovered_from"],
        "ToolError.Fatal"
    );
    assert_eq!(fault_tool_invocations(report), 2);
}

#[test]
fn a_tool_past_its_lambda_timeout_fails_with_sandbox_timedout() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rig) = Rig::new(json!({})) else {
        return;
    };
    let manifest = fault_manifest();
    let timeout = manifest["x-sfn"]["timeoutSeconds"].as_u64().unwrap();
    let sleep_ms = 60_000;
    assert!(
        timeout * 1000 < sleep_ms / 3,
        "the sleep must outlast the timeout"
    );
    let ran = rig.run(
        json!([step("slow", json!({"key": "slow", "sleep_ms": sleep_ms}))]),
        json!("never"),
        &["--history"],
    );
    let report = &ran.report;
    assert_eq!(report["status"], "FAILED", "{report}");
    assert_eq!(report["error"], "Agent.PlanFailed");
    let failures = task_failures(report);
    assert!(!failures.is_empty(), "{report}");
    for (error, cause) in &failures {
        assert_eq!(error, "Sandbox.Timedout", "{cause}");
        let document: Value = serde_json::from_str(cause).unwrap();
        assert_eq!(document["errorType"], "Sandbox.Timedout");
        assert_eq!(
            document["errorMessage"],
            format!("Task timed out after {timeout}.00 seconds")
        );
    }
    assert!(
        report["cause"]
            .as_str()
            .unwrap()
            .contains("Sandbox.Timedout"),
        "{report}"
    );
    // Lambda ended each attempt at the timeout, long before the sleep would have.
    let attempts = rig.attempts("slow");
    assert_eq!(attempts as usize, failures.len());
    assert!(
        ran.wall < Duration::from_millis(sleep_ms),
        "{:?} for {attempts} attempt(s)",
        ran.wall
    );
    eprintln!(
        "timeout: {attempts} attempt(s) of a {sleep_ms} ms sleep ended at the {timeout} s Lambda timeout; run {:.2} s",
        ran.wall.as_secs_f64()
    );
}

#[test]
fn a_tool_whose_process_exits_fails_with_runtime_exit_error_and_the_next_call_recovers() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rig) = Rig::new(json!({})) else {
        return;
    };
    let ran = rig.run(
        json!([
            {"id": "crash", "tool": "fault-tool", "input": {"key": "crash", "exit": 3}, "on_error": "continue"},
            step("after", json!({"note": "{{crash.output.error}}"}))
        ]),
        json!({"crash": "{{crash.output}}", "after": "{{after.output.note}}"}),
        &["--history"],
    );
    let report = &ran.report;
    assert_eq!(report["status"], "SUCCEEDED", "{report}");
    let failures = task_failures(report);
    assert_eq!(failures.len(), 1, "{failures:?}");
    let (error, cause) = &failures[0];
    assert_eq!(error, "Runtime.ExitError");
    let document: Value = serde_json::from_str(cause).unwrap();
    assert_eq!(document["errorType"], "Runtime.ExitError");
    let message = document["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("RequestId: ")
            && message.ends_with(" Error: Runtime exited with error: exit status 3"),
        "{message}"
    );
    // The agent saw the error by name, and the next call got a fresh process.
    assert_eq!(report["output"]["answer"]["after"], "Runtime.ExitError");
    assert_eq!(rig.attempts("crash"), 1);
}

#[test]
fn five_failures_in_a_row_open_the_circuit_naming_the_tool() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rig) = Rig::new(json!({"failureThreshold": 5})) else {
        return;
    };
    // Six chained steps, each failing for good; the plan would go on past every failure.
    let steps: Vec<Value> = (1..=6)
        .map(|i| {
            let note = if i == 1 {
                json!("first")
            } else {
                json!(format!("{{{{f{}.output.error}}}} #{i}", i - 1))
            };
            json!({"id": format!("f{i}"), "tool": "fault-tool",
                   "input": {"key": format!("f{i}"), "fail": "ToolError.Fatal", "note": note},
                   "on_error": "continue"})
        })
        .collect();
    let ran = rig.run(json!(steps), json!("never"), &["--history"]);
    let report = &ran.report;
    assert_eq!(report["status"], "FAILED", "{report}");
    assert_eq!(report["error"], "Agent.CircuitOpen");
    let cause = report["cause"].as_str().unwrap();
    assert!(
        cause.starts_with("tool `fault-tool` failed 5 times in a row (threshold 5)"),
        "{cause}"
    );
    assert!(cause.contains("ToolError.Fatal"), "{cause}");
    // The fifth failure opened it: the sixth call never ran.
    assert_eq!(fault_tool_invocations(report), 5);
    assert_eq!(rig.attempts("f5"), 1);
    assert_eq!(rig.attempts("f6"), 0);
}

#[test]
fn a_50_mb_result_stays_out_of_the_state_and_json_query_answers_from_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rig) = Rig::new(json!({})) else {
        return;
    };
    let bytes: u64 = 50_000_000;
    // The fault tool's rows are numbered from 0 and labelled `row-` and 8 digits.
    let wanted = 424_242;
    let ran = rig.run(
        json!([
            step("big", json!({"big": bytes})),
            {"id": "find", "tool": "json-query", "input": {
                "document": "{{big.output}}",
                "query": format!("$.rows[?@.id == {wanted}].label")
            }}
        ]),
        json!({"labels": "{{find.output.matches}}", "count": "{{find.output.count}}", "result": "{{big.output}}"}),
        &["--history"],
    );
    let report = &ran.report;
    assert_eq!(report["status"], "SUCCEEDED", "{report}\n{}", ran.stderr);
    let answer = &report["output"]["answer"];
    assert_eq!(answer["count"], 1, "{answer}");
    assert_eq!(answer["labels"][0]["value"], format!("row-{wanted:08}"));
    // The result travelled as a verified pointer into the S3 bucket.
    let result = &answer["result"];
    let size = result["size"].as_u64().unwrap();
    assert!(size >= bytes, "{result}");
    assert!(
        result["$offload"]
            .as_str()
            .unwrap()
            .starts_with(&format!("s3://{}/", rig.bucket)),
        "{result}"
    );
    let largest = largest_state(report);
    assert!(
        largest < STATE_BUDGET_BYTES,
        "a state carried {largest} bytes"
    );
    eprintln!(
        "50 MB result: {size} bytes offloaded to S3; largest state input/output over the run {largest} bytes (budget {STATE_BUDGET_BYTES}, AWS limit 262144); run {:.2} s",
        ran.wall.as_secs_f64()
    );
}

#[test]
fn a_300_turn_run_continues_as_new_before_the_history_limit_and_keeps_every_turn() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // The default hand-off (every 200 turns); a turn limit above the run's length.
    let Some(rig) = Rig::new(json!({"maxTurns": 400})) else {
        return;
    };
    let turns = 300;
    let steps: Vec<Value> = (1..=turns)
        .map(|i| {
            let after = if i == 1 {
                json!(0)
            } else {
                json!(format!("{{{{s{}.output.note.turn}}}}", i - 1))
            };
            step(
                &format!("s{i}"),
                json!({"note": {"turn": i, "after": after}}),
            )
        })
        .collect();
    let ran = rig.run(
        json!(steps),
        json!({"last": format!("{{{{s{turns}.output.note}}}}")}),
        &[],
    );
    let report = &ran.report;
    assert_eq!(report["status"], "SUCCEEDED", "{report}");
    assert_eq!(
        report["output"]["answer"]["last"],
        json!({"turn": turns, "after": turns - 1})
    );
    let executions = report["executions"]
        .as_array()
        .unwrap_or_else(|| panic!("a 300-turn run continues as new at least once: {report}"));
    assert!(executions.len() >= 2, "{executions:?}");
    let limit = 25_000;
    for execution in executions {
        assert_eq!(execution["status"], "SUCCEEDED", "{execution}");
        let events = execution["events"].as_u64().unwrap();
        assert!(events < limit, "{execution}");
    }
    // The transcript the last execution holds has every turn, in order.
    let transcript = rig.read_pointer(&report["output"]["transcript"]);
    // Stored as append-only segments, newest first: follow `prev` back to the start.
    let mut segments = vec![transcript];
    while let Some(prev) = segments
        .last()
        .unwrap()
        .get("prev")
        .map(|p| p["object"].clone())
        && !prev.is_null()
    {
        segments.push(rig.read_pointer(&prev));
    }
    let entries: Vec<Value> = segments
        .iter()
        .rev()
        .flat_map(|s| s["entries"].as_array().cloned().unwrap_or_default())
        .collect();
    let calls: Vec<(u64, &str)> = entries
        .iter()
        .filter(|e| e["kind"] == "calls")
        .map(|e| {
            (
                e["turn"].as_u64().unwrap(),
                e["calls"][0]["call_id"].as_str().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(u64, String)> = (1..=turns).map(|i| (i, format!("s{i}"))).collect();
    assert_eq!(
        calls
            .iter()
            .map(|(t, c)| (*t, (*c).to_owned()))
            .collect::<Vec<_>>(),
        expected
    );
    let results: Vec<u64> = entries
        .iter()
        .filter(|e| e["kind"] == "result")
        .map(|e| e["output"]["note"]["turn"].as_u64().unwrap())
        .collect();
    assert_eq!(results, (1..=turns).collect::<Vec<_>>());
    assert_eq!(entries.last().unwrap()["kind"], "answer");
    let events: Vec<u64> = executions
        .iter()
        .map(|e| e["events"].as_u64().unwrap())
        .collect();
    eprintln!(
        "300-turn run: {:.2} s wall, {} executions with {events:?} history events (limit {limit}), {} transitions",
        ran.wall.as_secs_f64(),
        executions.len(),
        report["transitions"]
    );
}

/// Seconds between an event and a later one, from their history timestamps.
fn seconds_between(from: &Value, to: &Value) -> f64 {
    to["elapsedSeconds"].as_f64().unwrap() - from["elapsedSeconds"].as_f64().unwrap()
}

#[test]
fn parallel_calls_in_one_turn_run_concurrently() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rig) = Rig::new(json!({})) else {
        return;
    };
    let sleep_ms = 1_500;
    let steps: Vec<Value> = (1..=3)
        .map(|i| step(&format!("p{i}"), json!({"sleep_ms": sleep_ms, "note": i})))
        .collect();
    // The real clock: history timestamps are wall time.
    let answer = json!({"p1": "{{p1.output}}", "p2": "{{p2.output}}", "p3": "{{p3.output}}"});
    let ran = rig.run(json!(steps), answer, &["--history", "--real-time"]);
    let report = &ran.report;
    assert_eq!(report["status"], "SUCCEEDED", "{report}");
    let events = history(report);
    let map_entered = events
        .iter()
        .find(|e| e["type"] == "MapStateEntered")
        .unwrap_or_else(|| panic!("the three calls ran in one Map: {report}"));
    let map_exited = events
        .iter()
        .find(|e| e["type"] == "MapStateExited")
        .unwrap();
    let map_wall = seconds_between(map_entered, map_exited);
    // Each call's own time, as the tool measured it (history events of parallel
    // iterations interleave).
    let answer = &report["output"]["answer"];
    let calls: Vec<f64> = (1..=3)
        .map(|i| {
            let out = &answer[format!("p{i}")];
            (out["ended_ms"].as_u64().unwrap() - out["started_ms"].as_u64().unwrap()) as f64
                / 1000.0
        })
        .collect();
    assert_eq!(calls.len(), 3, "{calls:?}");
    for call in &calls {
        assert!(
            *call >= sleep_ms as f64 / 1000.0,
            "a call took {call} s, less than its sleep"
        );
    }
    let sum: f64 = calls.iter().sum();
    let slowest = calls.iter().copied().fold(0.0, f64::max);
    assert!(
        map_wall < 0.6 * sum,
        "the turn took {map_wall:.3} s for calls summing {sum:.3} s: not concurrent"
    );
    eprintln!(
        "parallel turn: 3 calls of {sleep_ms} ms; Map wall {map_wall:.3} s, slowest call {slowest:.3} s, sum of calls {sum:.3} s ({:.2} of the sum)",
        map_wall / sum
    );
}

/// `sfn-gen cost --turns T --calls C --format json`.
fn cost_claim(turns: u64, calls: u64) -> Value {
    let out = sfn_gen_command()
        .args([
            "cost",
            "--turns",
            &turns.to_string(),
            "--calls",
            &calls.to_string(),
        ])
        .args(["--format", "json"])
        .output()
        .expect("sfn-gen cost runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// State transitions in a history: one per state entered (Map iterations' states included).
fn transitions_in_history(report: &Value) -> u64 {
    history(report)
        .iter()
        .filter(|e| {
            e["type"]
                .as_str()
                .is_some_and(|t| t.ends_with("StateEntered"))
        })
        .count() as u64
}

#[test]
fn transitions_per_tool_call_match_what_sfn_gen_cost_claims() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(rig) = Rig::new(json!({})) else {
        return;
    };
    for (turns, calls) in [(4_u64, 1_u64), (2, 3)] {
        // `turns` turns of `calls` parallel calls: each turn's calls wait on the last turn.
        let mut steps = Vec::new();
        for turn in 1..=turns {
            for call in 1..=calls {
                let after = if turn == 1 {
                    json!(0)
                } else {
                    json!(format!("{{{{t{}c1.output.note.turn}}}}", turn - 1))
                };
                steps.push(step(
                    &format!("t{turn}c{call}"),
                    json!({"note": {"turn": turn, "call": call, "after": after}}),
                ));
            }
        }
        let ran = rig.run(json!(steps), json!("done"), &["--history"]);
        let report = &ran.report;
        assert_eq!(report["status"], "SUCCEEDED", "{report}");
        assert_eq!(fault_tool_invocations(report) as u64, turns * calls);
        let counted = transitions_in_history(report);
        let claim = cost_claim(turns, calls);
        assert_eq!(counted, claim["transitionsPerRun"], "{claim}");
        assert_eq!(report["transitions"], counted, "the engine's own count");
        let per_call = (counted - 3) as f64 / (turns * calls) as f64;
        assert_eq!(
            per_call,
            claim["transitionsPerCall"].as_f64().unwrap(),
            "{claim}"
        );
        eprintln!(
            "transitions: {turns} turn(s) x {calls} call(s): {counted} counted in the history, {} claimed by sfn-gen cost; {per_call:.2} per call counted, {} claimed",
            claim["transitionsPerRun"], claim["transitionsPerCall"]
        );
    }
}
