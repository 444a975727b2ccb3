//! One plan, three hosts (issue 15, item 4): P3 (the generated machine through `sfn-gen
//! run`), P1 (`sfn-gen loop`, the client loop) and P4 (the `agent-host` service, the agent
//! in process, tools through `sfn-gen serve`'s Lambda Invoke API). Each runs the same real
//! agent and tool binaries over a machine generated for `calculator` and the test-only
//! `fault-tool`, with the same injected faults; each must give the same answer, the same
//! transcript entries (ids, tools, inputs, outcomes) and the same named error.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{
    build_lambdas, chromium, generate_machine, run_chromium, sfn_gen_command, workspace,
};

/// The fault tool's folder for attempt counts (`fault_tool::STATE_DIR_ENV`).
const FAULT_TOOL_STATE_ENV: &str = "FAULT_TOOL_STATE_DIR";

/// The longest one host's run may take.
const RUN_DEADLINE: Duration = Duration::from_secs(300);

/// A machine over `calculator` and `fault-tool`, in a temporary folder.
struct Rig {
    dir: tempfile::TempDir,
    machine: PathBuf,
    tools: PathBuf,
}

/// How one host's run ended.
#[derive(Debug)]
struct Ended {
    status: String,
    answer: Value,
    error: Value,
    cause: Value,
    /// The transcript's entries, when the run succeeded.
    entries: Option<Vec<Value>>,
}

impl Rig {
    fn new() -> Self {
        build_lambdas();
        let dir = tempfile::tempdir().unwrap();
        let (machine, tools) = generate_machine(
            dir.path(),
            &[
                "test-tools/fault-tool/tool.json",
                "tool-lambdas/calculator/tool.json",
            ],
            &json!({}),
        );
        Self {
            dir,
            machine,
            tools,
        }
    }

    /// A fresh folder under the rig's.
    fn folder(&self, name: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        path
    }

    /// P3: the state machine through the local engine.
    fn p3(&self, input: &Value, run: &str) -> Ended {
        let offload = self.folder(&format!("{run}-offload"));
        let attempts = self.folder(&format!("{run}-attempts"));
        let mut command = sfn_gen_command();
        command
            .arg("run")
            .arg(&self.machine)
            .arg("--workspace-lambdas")
            .arg("--tools")
            .arg(&self.tools)
            .args(["--input", &input.to_string(), "--format", "json"])
            .args([
                "--context",
                &json!({
                    "state_machine_name": "hosts",
                    "execution_name": run,
                    "execution_arn": format!("arn:aws:states:us-east-1:123456789012:execution:hosts:{run}"),
                })
                .to_string(),
            ])
            .arg("--offload-dir")
            .arg(&offload)
            .arg("--env")
            .arg(format!("{FAULT_TOOL_STATE_ENV}={}", attempts.display()));
        let report = json_line(command);
        let execution = protocol::ExecutionRef {
            id: format!("arn:aws:states:us-east-1:123456789012:execution:hosts:{run}"),
            name: run.to_owned(),
        };
        let entries = (report["status"] == "SUCCEEDED")
            .then(|| entries(&offload, &execution, &report["output"]["transcript"]));
        Ended {
            status: report["status"].as_str().unwrap_or_default().to_owned(),
            answer: report["output"]["answer"].clone(),
            error: report["error"].clone(),
            cause: report["cause"].clone(),
            entries,
        }
    }

    /// P1: `sfn-gen loop` on the same binaries as local processes.
    fn p1(&self, input: &Value, run: &str) -> Ended {
        let offload = self.folder(&format!("{run}-offload"));
        let attempts = self.folder(&format!("{run}-attempts"));
        let mut command = sfn_gen_command();
        command
            .arg("loop")
            .arg("--machine")
            .arg(&self.machine)
            .arg("--workspace-lambdas")
            .arg("--tools")
            .arg(&self.tools)
            .args([
                "--input",
                &input.to_string(),
                "--format",
                "json",
                "--name",
                run,
            ])
            .arg("--offload-dir")
            .arg(&offload)
            .arg("--env")
            .arg(format!("{FAULT_TOOL_STATE_ENV}={}", attempts.display()));
        let report = json_line(command);
        self.ended(&report, &offload)
    }

    /// P4: `sfn-gen serve` for the tools' Lambda Invoke API, and the `agent-host` service
    /// running the loop with the agent in process.
    fn p4(&self, input: &Value, run: &str) -> Ended {
        let p4 = self.start_p4(run, None);
        let (status, body) = http(&p4.url, "POST", "/runs?wait=true", &input.to_string());
        assert_eq!(status, 200, "{body}");
        let report: Value = serde_json::from_str(&body).unwrap();
        self.ended(&report, &p4.offload)
    }

    /// `sfn-gen serve` (the tools) and `agent-host` over it, keeping run records in `data`
    /// when given.
    fn start_p4(&self, run: &str, data: Option<&Path>) -> P4 {
        let serve_data = self.folder(&format!("{run}-serve"));
        let attempts = self.folder(&format!("{run}-attempts"));
        let mut serve = sfn_gen_command();
        serve
            .args(["serve", "--addr", "127.0.0.1:0", "--workspace-lambdas"])
            .arg("--data")
            .arg(&serve_data)
            .arg("--lambda")
            .arg(format!(
                "fault-tool={}",
                target_binary("fault-tool").display()
            ))
            .arg("--env")
            .arg(format!("{FAULT_TOOL_STATE_ENV}={}", attempts.display()));
        let (serve, endpoint) = Server::start(serve);
        let mut p4 = P4 {
            _serve: serve,
            host: None,
            url: String::new(),
            endpoint,
            // `sfn-gen serve --workspace-lambdas` gives its functions `<data>/offload`.
            offload: serve_data.join("offload"),
            attempts,
            data: data.map(Path::to_path_buf),
        };
        self.start_host(&mut p4);
        p4
    }

    /// (Re)starts P4's `agent-host`.
    fn start_host(&self, p4: &mut P4) {
        let mut host = Command::new(target_binary("agent-host"));
        host.current_dir(workspace())
            .args(["--addr", "127.0.0.1:0", "--lambda-endpoint", &p4.endpoint])
            .arg("--machine")
            .arg(&self.machine)
            .env("OFFLOAD_DIR", &p4.offload)
            .env("AGENT_TOOLS_FILE", self.dir.path().join("tools.json"))
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1");
        if let Some(data) = &p4.data {
            host.arg("--data").arg(data);
        }
        let (host, url) = Server::start(host);
        p4.host = Some(host);
        p4.url = url;
    }

    /// A P1 or P4 report (`status`, `answer`, `error`, `cause`, `executions`, `transcript`).
    fn ended(&self, report: &Value, offload: &Path) -> Ended {
        let entries = (report["status"] == "SUCCEEDED").then(|| {
            let executions = report["executions"].as_array().expect("executions");
            let last: protocol::ExecutionRef =
                serde_json::from_value(executions.last().unwrap().clone()).unwrap();
            entries(offload, &last, &report["transcript"])
        });
        Ended {
            status: report["status"].as_str().unwrap_or_default().to_owned(),
            answer: report["answer"].clone(),
            error: report["error"].clone(),
            cause: report["cause"].clone(),
            entries,
        }
    }
}

/// P4's two processes, stopped when dropped.
struct P4 {
    _serve: Server,
    host: Option<Server>,
    url: String,
    endpoint: String,
    offload: PathBuf,
    attempts: PathBuf,
    data: Option<PathBuf>,
}

impl P4 {
    /// The attempts the fault tool counted for `key`.
    fn attempts(&self, key: &str) -> u64 {
        std::fs::metadata(self.attempts.join(key)).map_or(0, |m| m.len())
    }

    /// `GET /runs/{id}` until the run is not running, within [`RUN_DEADLINE`].
    fn wait(&self, id: &str) -> Value {
        let started = Instant::now();
        loop {
            let (status, body) = http(&self.url, "GET", &format!("/runs/{id}"), "");
            assert_eq!(status, 200, "{body}");
            let run: Value = serde_json::from_str(&body).unwrap();
            if run["status"] != "RUNNING" {
                return run;
            }
            assert!(
                started.elapsed() < RUN_DEADLINE,
                "the run did not end: {run}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The transcript whose latest segment is `head`, as JSON entries.
fn entries(offload: &Path, execution: &protocol::ExecutionRef, head: &Value) -> Vec<Value> {
    let head = protocol::OffloadPointer::from_value(head)
        .unwrap_or_else(|| panic!("no transcript pointer: {head}"));
    let store = offload::Store::local(offload);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let transcript = runtime
        .block_on(agent_lambda::transcript::chain::load(
            &store, execution, &head,
        ))
        .unwrap_or_else(|e| panic!("cannot read the transcript at {}: {e}", head.uri));
    transcript
        .entries()
        .iter()
        .map(|e| {
            let mut entry = serde_json::to_value(e).unwrap();
            // The fault tool reports its process and clock (for the timing tests): the one
            // part of an outcome that differs from run to run.
            if entry["tool"] == "fault-tool"
                && let Some(output) = entry.get_mut("output").and_then(Value::as_object_mut)
            {
                for field in ["pid", "started_ms", "ended_ms"] {
                    output.remove(field);
                }
            }
            entry
        })
        .collect()
}

/// A binary of the workspace's target folder.
fn target_binary(name: &str) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace().join("target"));
    let path = target.join("debug").join(name);
    assert!(
        path.is_file(),
        "{} is not built (cargo build -p {name})",
        path.display()
    );
    path
}

/// Runs `command` to its end within [`RUN_DEADLINE`]; its first stdout line as JSON.
fn json_line(mut command: Command) -> Value {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > RUN_DEADLINE {
            let _ = child.kill();
            panic!("the run took over {RUN_DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    serde_json::from_str(stdout.lines().next().unwrap_or_default())
        .unwrap_or_else(|e| panic!("no JSON report ({e}):\n{stdout}\n{stderr}"))
}

/// A server process, killed when dropped.
struct Server(Child);

impl Server {
    /// Starts `command` and reads the URL it prints as its first stdout line.
    fn start(mut command: Command) -> (Self, String) {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the server starts");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("the server prints its URL within a minute");
        let url = line.trim().to_owned();
        assert!(url.starts_with("http://"), "not a URL: {line:?}");
        (Self(child), url)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request (`Connection: close`); the status and body.
fn http(url: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    let address = url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address).unwrap();
    stream.set_read_timeout(Some(RUN_DEADLINE)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_owned())
}

/// The start input of a plan.
fn plan(steps: Value, answer: Value) -> Value {
    json!({
        "goal": "the same plan on every host",
        "options": {"reasoner": "plan", "plan": {"steps": steps, "answer": answer}}
    })
}

#[test]
fn one_plan_gives_the_same_answer_and_transcript_on_p1_p3_and_p4() {
    let rig = Rig::new();
    // Turn 1 runs the three independent steps at once (the Map): a calculation, a call
    // that fails twice before it answers (retried per the manifest) and a permanent
    // failure the plan carries on from; turn 2 the two that use them (the Map again);
    // turn 3 one call (the single-call Task).
    let input = plan(
        json!([
            {"id": "sum", "tool": "calculator", "input": {"expression": "2 + 3"}},
            {"id": "flaky", "tool": "fault-tool", "input": {"key": "flaky", "fail_times": 2}},
            {"id": "broken", "tool": "fault-tool", "input": {"fail": "ToolError.Fatal"}, "on_error": "continue"},
            {"id": "a", "tool": "calculator", "input": {"expression": "{{sum.output.result}} * 10"}},
            {"id": "b", "tool": "calculator", "input": {"expression": "{{flaky.output.attempt}} + 100"}},
            {"id": "c", "tool": "calculator", "input": {"expression": "{{a.output.result}} + {{b.output.result}}"}}
        ]),
        json!({"c": "{{c.output.result}}", "broken": "{{broken.output.error}}"}),
    );
    let p3 = rig.p3(&input, "same-p3");
    let p1 = rig.p1(&input, "same-p1");
    let p4 = rig.p4(&input, "same-p4");
    assert_eq!(p3.status, "SUCCEEDED", "{p3:?}");
    // Written from the plan: (2 + 3) * 10 + (the third attempt of `flaky` + 100), and the
    // fault tool's error name (the calculator answers decimal strings).
    assert_eq!(
        p3.answer,
        json!({"c": "153", "broken": "ToolError.Fatal"}),
        "{p3:?}"
    );
    for (host, ended) in [("P1", &p1), ("P4", &p4)] {
        assert_eq!(ended.status, p3.status, "{host}: {ended:?}");
        assert_eq!(ended.answer, p3.answer, "{host}: {ended:?}");
        assert_eq!(
            ended.entries, p3.entries,
            "{host}'s transcript differs from P3's"
        );
    }
    let entries = p3.entries.unwrap();
    eprintln!(
        "equivalent on P1, P3, P4: {} transcript entries, answer {}",
        entries.len(),
        p3.answer
    );
}

#[test]
fn the_same_fault_ends_every_host_with_the_same_named_error() {
    let rig = Rig::new();
    // One tool failing every time, chained so each failure is its own turn: fed back
    // each turn until the circuit opens at the machine's threshold (5).
    let steps: Vec<Value> = (1..=6)
        .map(|i| {
            let note = if i == 1 {
                json!("first")
            } else {
                json!(format!("{{{{f{}.output.error}}}} #{i}", i - 1))
            };
            json!({"id": format!("f{i}"), "tool": "fault-tool",
                   "input": {"fail": "ToolError.Fatal", "note": note}, "on_error": "continue"})
        })
        .collect();
    let input = plan(json!(steps), json!("never"));
    let p3 = rig.p3(&input, "circuit-p3");
    let p1 = rig.p1(&input, "circuit-p1");
    let p4 = rig.p4(&input, "circuit-p4");
    assert_eq!(p3.status, "FAILED", "{p3:?}");
    assert_eq!(p3.error, "Agent.CircuitOpen", "{p3:?}");
    let cause = p3.cause.as_str().unwrap();
    assert!(
        cause.starts_with("tool `fault-tool` failed 5 times in a row"),
        "{cause}"
    );
    for (host, ended) in [("P1", &p1), ("P4", &p4)] {
        assert_eq!(ended.status, "FAILED", "{host}: {ended:?}");
        assert_eq!(ended.error, p3.error, "{host}: {ended:?}");
        assert_eq!(ended.cause, p3.cause, "{host}: {ended:?}");
    }
}

/// The events of a finished run's `text/event-stream` (`data: {...}` lines).
fn sse_events(body: &str) -> Vec<Value> {
    body.lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .map(|data| serde_json::from_str(data).unwrap())
        .collect()
}

#[test]
fn the_hybrid_host_streams_a_run_as_events_and_to_a_browser_page() {
    let rig = Rig::new();
    let p4 = rig.start_p4("page", None);
    let input = plan(
        json!([
            {"id": "sum", "tool": "calculator", "input": {"expression": "20 + 22"}},
            {"id": "flaky", "tool": "fault-tool", "input": {"key": "page", "fail_times": 1, "note": "{{sum.output.result}}"}}
        ]),
        json!({"sum": "{{sum.output.result}}", "attempt": "{{flaky.output.attempt}}"}),
    );
    let (status, body) = http(&p4.url, "POST", "/runs", &input.to_string());
    assert_eq!(status, 202, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The stream ends with the run: the events so far, then live ones.
    let (status, body) = http(&p4.url, "GET", &format!("/runs/{id}/events"), "");
    assert_eq!(status, 200, "{body}");
    let events = sse_events(&body);
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    // Written from the plan: turn 1 calls `sum`, turn 2 `flaky` (one failure, retried per
    // the manifest, then its answer), turn 3 answers.
    assert_eq!(
        kinds,
        [
            "step_started",
            "decision",
            "call_started",
            "call_finished",
            "step_started",
            "decision",
            "call_started",
            "call_retrying",
            "call_finished",
            "step_started",
            "decision",
            "answer"
        ],
        "{body}"
    );
    assert_eq!(events[7]["error"], "ToolError.Retryable", "{body}");
    assert_eq!(events[8]["attempts"], 2, "{body}");
    assert_eq!(
        events[11]["answer"],
        json!({"sum": "42", "attempt": 2}),
        "{body}"
    );
    let run = p4.wait(&id);
    assert_eq!(run["status"], "SUCCEEDED", "{run}");
    assert_eq!(run["answer"], events[11]["answer"], "{run}");
    assert_eq!(p4.attempts("page"), 2);

    // The page shows the same events, one item each, and the outcome.
    if let Some(browser) = chromium() {
        let dom = run_chromium(
            &browser,
            &format!("{}/runs/{id}/view", p4.url),
            &[
                "--dump-dom".to_owned(),
                "--virtual-time-budget=10000".to_owned(),
            ],
        );
        assert!(dom.contains(r#"<strong id="status" data-outcome="{&quot;sum&quot;:&quot;42&quot;,&quot;attempt&quot;:2}">SUCCEEDED</strong>"#), "{dom}");
        assert_eq!(dom.matches("<li class=").count(), events.len(), "{dom}");
        assert!(
            dom.contains("retry flaky after ToolError.Retryable"),
            "{dom}"
        );
    }

    // Bad requests are refused with what to do.
    let (status, body) = http(&p4.url, "POST", "/runs", "[1, 2]");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("must be a JSON object"), "{body}");
    let (status, body) = http(&p4.url, "GET", "/runs/no-such-run", "");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("POST /runs starts one"), "{body}");
    let big = format!("{{\"goal\": \"{}\"}}", "x".repeat(300 * 1024));
    let (status, body) = http(&p4.url, "POST", "/runs", &big);
    assert_eq!(status, 413, "{body}");
}

#[test]
fn a_killed_hybrid_host_resumes_its_runs_from_the_last_checkpoint() {
    let rig = Rig::new();
    let data = rig.folder("host-data");
    let mut p4 = rig.start_p4("resume", Some(&data));
    // Five chained calls of about a second each: long enough to kill the host mid-run.
    let steps: Vec<Value> = (1..=5)
        .map(|i| {
            let note = if i == 1 {
                json!("first")
            } else {
                json!(format!("{{{{k{}.output.attempt}}}}", i - 1))
            };
            json!({"id": format!("k{i}"), "tool": "fault-tool",
                   "input": {"key": format!("k{i}"), "sleep_ms": 900, "note": note}})
        })
        .collect();
    let input = plan(json!(steps), json!("{{k5.output.attempt}}"));
    let (status, body) = http(&p4.url, "POST", "/runs", &input.to_string());
    assert_eq!(status, 202, "{body}");
    let id = serde_json::from_str::<Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Wait until the checkpoint says two turns are done, then kill the host mid-call.
    let record = data.join("runs").join(format!("{id}.json"));
    let started = Instant::now();
    loop {
        let turn = std::fs::read(&record)
            .ok()
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|r| r["state"]["turn"].as_u64())
            .unwrap_or(0);
        if turn >= 2 {
            break;
        }
        assert!(started.elapsed() < RUN_DEADLINE, "the run made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(400));
    drop(p4.host.take()); // SIGKILL
    let before: u64 = (1..=5).map(|i| p4.attempts(&format!("k{i}"))).sum();
    rig.start_host(&mut p4);
    let run = p4.wait(&id);
    assert_eq!(run["status"], "SUCCEEDED", "{run}");
    let attempts: Vec<u64> = (1..=5).map(|i| p4.attempts(&format!("k{i}"))).collect();
    // Every call answered; one in flight at the kill may have run twice (at-least-once).
    assert!(attempts.iter().all(|&n| n == 1 || n == 2), "{attempts:?}");
    let repeated = attempts.iter().filter(|&&n| n == 2).count();
    assert!(repeated <= 1, "{attempts:?}");
    assert_eq!(run["answer"], attempts[4], "{run}");
    // Every turn is in the transcript exactly once.
    let last: protocol::ExecutionRef = serde_json::from_value(
        run["executions"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone(),
    )
    .unwrap();
    let entries = entries(&p4.offload, &last, &run["transcript"]);
    for i in 1..=5 {
        let id = format!("k{i}");
        let asked = entries
            .iter()
            .filter(|e| e["kind"] == "calls")
            .flat_map(|e| e["calls"].as_array().unwrap())
            .filter(|c| c["call_id"] == id)
            .count();
        let answered = entries
            .iter()
            .filter(|e| e["kind"] == "result" && e["call_id"] == id)
            .count();
        assert_eq!((asked, answered), (1, 1), "{id} in {entries:?}");
    }
    eprintln!(
        "hybrid host killed after {before} tool attempts; resumed and finished: attempts per call {attempts:?} ({repeated} call(s) ran again), each of 5 turns once in the transcript"
    );
}
