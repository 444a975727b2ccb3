//! `sfn-gen import-mcp` against real MCP servers on loopback, none written here:
//! `mcp-server-time` (PyPI, stdio) and `@modelcontextprotocol/server-everything` (npm,
//! Streamable HTTP). With `REQUIRE_MCP_SERVERS=1` (set by `scripts/test.sh`) a missing
//! server fails the test with the command that installs it; without it the test is skipped.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

#[allow(dead_code)] // this binary uses build_lambdas only
#[path = "e2e/support.rs"]
mod support;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn missing(what: &str, install: &str) -> Option<PathBuf> {
    if std::env::var_os("REQUIRE_MCP_SERVERS").is_some_and(|v| v == "1") {
        panic!(
            "{what} is not installed but REQUIRE_MCP_SERVERS=1 says it must be; install it with: {install}"
        );
    }
    eprintln!("skipped: {what} is not installed ({install})");
    None
}

fn time_server() -> Option<PathBuf> {
    let path = root().join("target/test-tools/venv/bin/mcp-server-time");
    if path.is_file() {
        return Some(path);
    }
    missing(
        "`mcp-server-time`",
        "target/test-tools/venv/bin/pip install 'mcp-server-time==2026.10.19'",
    )
}

fn everything_js() -> Option<PathBuf> {
    let path = root().join(
        "tool-lambdas/mcp-proxy/tests/servers/node_modules/@modelcontextprotocol/server-everything/dist/index.js",
    );
    if path.is_file() {
        return Some(path);
    }
    missing(
        "`@modelcontextprotocol/server-everything`",
        "npm ci --prefix tool-lambdas/mcp-proxy/tests/servers",
    )
}

fn sfn_gen(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sfn-gen"))
        .args(args)
        .output()
        .expect("sfn-gen runs")
}

/// Every `<dir>/*/tool.json`, by folder, as text.
fn files(dir: &Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("tool.json").is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read_to_string(p.join("tool.json")).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn importing_the_stdio_time_server_twice_gives_identical_files_and_check_finds_changes() {
    let Some(server) = time_server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tools");
    // The server's tool descriptions name its local timezone: a file the launcher reads
    // lets the test change the server's tools without changing the command.
    let tz = dir.path().join("tz");
    std::fs::write(&tz, "Europe/Paris").unwrap();
    let launcher = dir.path().join("time.sh");
    std::fs::write(
        &launcher,
        format!(
            "exec '{}' --local-timezone \"$(cat '{}')\"\n",
            server.display(),
            tz.display()
        ),
    )
    .unwrap();
    let command = format!("sh {}", launcher.display());
    let import = [
        "import-mcp",
        "time",
        "--command",
        &command,
        "--out",
        out.to_str().unwrap(),
    ];
    let first = sfn_gen(&import);
    assert!(first.status.success(), "{}", stderr(&first));
    let written = files(&out);
    let names: Vec<&str> = written.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["time_convert_time", "time_get_current_time"]);
    let m: Value = serde_json::from_str(&written[1].1).unwrap();
    assert_eq!(m["name"], "time_get_current_time");
    assert_eq!(m["x-sfn"]["mcp"]["runtime"], "mcp-proxy");
    assert_eq!(m["x-sfn"]["mcp"]["tool"], "get_current_time");
    assert_eq!(m["x-sfn"]["mcp"]["transport"]["stdio"]["command"][0], "sh");
    assert_eq!(m["inputSchema"]["type"], "object");

    let second = sfn_gen(&import);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(files(&out), written, "a second import changes nothing");

    let mut check = import.to_vec();
    check.push("--check");
    let up_to_date = sfn_gen(&check);
    assert!(up_to_date.status.success(), "{}", stderr(&up_to_date));

    std::fs::write(&tz, "Asia/Tokyo").unwrap();
    let drifted = sfn_gen(&check);
    assert_eq!(drifted.status.code(), Some(1), "{}", stderr(&drifted));
    let err = stderr(&drifted);
    assert!(err.contains("changed on the server"), "{err}");
    assert!(
        err.contains("-") && err.contains("Asia/Tokyo"),
        "a diff: {err}"
    );
    assert!(err.contains("re-run the import without `--check`"), "{err}");
    assert_eq!(files(&out), written, "--check writes nothing");
}

struct Everything(Child);

impl Drop for Everything {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts server-everything in Streamable HTTP mode on a free loopback port and waits until
/// it accepts connections; the server stops when the guard drops.
fn start_everything(js: &Path) -> (Everything, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let server = Everything(
        Command::new("node")
            .arg(js)
            .arg("streamableHttp")
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server-everything did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    (server, port)
}

#[test]
fn importing_server_everything_over_http_writes_a_valid_manifest_per_tool() {
    let Some(js) = everything_js() else { return };
    let (_server, port) = start_everything(&js);
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tools");
    let url = format!("http://127.0.0.1:{port}/mcp");
    // SAFETY-free: the variable is read by the child process only.
    let o = Command::new(env!("CARGO_BIN_EXE_sfn-gen"))
        .args([
            "import-mcp",
            "everything",
            "--url",
            &url,
            "--header",
            "X-Test-Token:$TEST_TOKEN",
        ])
        .args(["--out", out.to_str().unwrap()])
        .env("TEST_TOKEN", "not-a-real-secret-4711")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let written = files(&out);
    assert!(
        written.len() >= 10,
        "server-everything has many tools: {written:?}"
    );
    for (folder, text) in &written {
        assert!(
            !text.contains("not-a-real-secret-4711"),
            "a header value leaked into {folder}"
        );
        let m: protocol::ToolManifest = serde_json::from_str(text).unwrap();
        assert_eq!(&m.name, folder);
        assert!(m.check().is_empty(), "{folder}: {:?}", m.check());
        assert!(protocol::manifest::validate_tool_name(&m.name).is_ok());
        assert!(!m.input_schema.to_string().contains("$ref"), "{folder}");
        let mcp = m.x_sfn.mcp.unwrap();
        assert_eq!(
            mcp.transport,
            protocol::mcp::McpTransport::StreamableHttp {
                url: url.clone(),
                headers: vec!["X-Test-Token".into()]
            }
        );
    }
    let image: Value = serde_json::from_str(
        &written
            .iter()
            .find(|(n, _)| n == "everything_get-tiny-image")
            .unwrap()
            .1,
    )
    .unwrap();
    assert_eq!(image["annotations"]["readOnlyHint"], true);
    // The generator takes the imported tools like our own.
    let asl = dir.path().join("agent.asl.json");
    let g = sfn_gen(&[
        "generate",
        "--tools",
        out.to_str().unwrap(),
        "--out",
        asl.to_str().unwrap(),
    ]);
    assert!(g.status.success(), "{}", stderr(&g));
    let definition = std::fs::read_to_string(&asl).unwrap();
    assert!(definition.contains("everything_get-tiny-image"), "routed");
}

#[test]
fn a_server_name_that_cannot_prefix_tool_names_is_refused_before_connecting() {
    let o = sfn_gen(&["import-mcp", "bad_name", "--command", "true"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("must match `[a-zA-Z0-9-]{1,24}`"),
        "{}",
        stderr(&o)
    );
}

/// Builds the served Lambda binaries (a no-op when they are fresh) with the e2e tests' one
/// package set, so that cargo resolves the same features and rebuilds nothing.
fn build_binaries() -> PathBuf {
    support::build_lambdas();
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
        .join("debug")
}

#[test]
fn an_agent_plan_through_the_engine_calls_imported_tools_of_both_servers() {
    let (Some(time), Some(js)) = (time_server(), everything_js()) else {
        return;
    };
    let (_server, port) = start_everything(&js);
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("tools");
    let t = tools.to_str().unwrap();
    let command = format!("{} --local-timezone UTC", time.display());
    let url = format!("http://127.0.0.1:{port}/mcp");
    for import in [
        vec!["import-mcp", "time", "--command", &command, "--out", t],
        vec!["import-mcp", "everything", "--url", &url, "--out", t],
    ] {
        let o = sfn_gen(&import);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let asl = dir.path().join("out/agent.asl.json");
    let g = sfn_gen(&["generate", "--tools", t, "--out", asl.to_str().unwrap()]);
    assert!(g.status.success(), "{}", stderr(&g));
    let bin = build_binaries();
    let proxy = bin.join("mcp-proxy").display().to_string();
    let run = |plan: Value| -> Value {
        let input = dir.path().join("plan.json");
        std::fs::write(&input, plan.to_string()).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_sfn-gen"));
        // Outside the workspace, so that the agent reads this tool set, not the committed one.
        cmd.current_dir(dir.path())
            .args(["run", asl.to_str().unwrap(), "--format", "json"])
            .args(["--input", &format!("@{}", input.display())])
            .arg("--lambda")
            .arg(format!(
                "agent-lambda={}",
                bin.join("agent-lambda").display()
            ))
            .env("MCP_PROXY_MANIFEST_DIR", &tools)
            .env("AGENT_TOOLS_FILE", dir.path().join("out/tools.json"))
            .env("AWS_LAMBDA_LOG_LEVEL", "error");
        for tool in [
            "time_get_current_time",
            "everything_get-sum",
            "everything_get-tiny-image",
        ] {
            cmd.arg("--lambda").arg(format!("{tool}={proxy}"));
        }
        let o = cmd.output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    let done = run(serde_json::json!({
        "goal": "What time is it in Tokyo, what is 2 + 3, and show me the tiny image",
        "options": {"reasoner": "plan", "plan": {
            "steps": [
                {"id": "now", "tool": "time_get_current_time", "input": {"timezone": "Asia/Tokyo"}},
                {"id": "sum", "tool": "everything_get-sum", "input": {"a": 2, "b": 3}},
                {"id": "img", "tool": "everything_get-tiny-image", "input": {}}
            ],
            "answer": {"time": "{{now.output.content}}", "sum": "{{sum.output.content}}", "image": "{{img.output.content}}"}
        }}
    }));
    assert_eq!(done["status"], "SUCCEEDED", "{done}");
    let answer = done["output"].to_string();
    assert!(answer.contains("Asia/Tokyo"), "{answer}");
    assert!(answer.contains('5'), "{answer}");
    assert!(
        answer.contains("$offload"),
        "the image is a pointer: {answer}"
    );
    assert!(
        !answer.contains("iVBORw0KGgo"),
        "no image bytes in the state: {answer}"
    );

    let failed = run(serde_json::json!({
        "goal": "What time is it on Mars?",
        "options": {"reasoner": "plan", "plan": {
            "steps": [{"id": "now", "tool": "time_get_current_time", "input": {"timezone": "Mars/Olympus_Mons"}}],
            "answer": {"time": "{{now.output.content}}"}
        }}
    }));
    assert_eq!(failed["status"], "FAILED", "{failed}");
    let cause = failed.to_string();
    assert!(
        cause.contains("Mars/Olympus_Mons"),
        "the server's error reaches the agent: {cause}"
    );
}

/// Issue 13's dying server: server-everything is killed while it runs a call of the plan
/// (its long-running tool, four seconds), so that call fails in flight; every later call
/// finds the connection refused (`ToolError.Unavailable`), is retried by the generated Retry
/// and caught, until the circuit opens naming the tool.
#[test]
fn a_server_that_dies_mid_run_is_retried_then_the_circuit_opens_by_name() {
    let Some(js) = everything_js() else { return };
    let (mut server, port) = start_everything(&js);
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("tools");
    let t = tools.to_str().unwrap();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let o = sfn_gen(&["import-mcp", "everything", "--url", &url, "--out", t]);
    assert!(o.status.success(), "{}", stderr(&o));
    let asl = dir.path().join("out/agent.asl.json");
    let g = sfn_gen(&["generate", "--tools", t, "--out", asl.to_str().unwrap()]);
    assert!(g.status.success(), "{}", stderr(&g));
    let echo = "everything_echo";
    let long = "everything_trigger-long-running-operation";
    // server-everything marks both tools read-only: the generated policy retries every
    // transient failure, `ToolError.Unavailable` included, and says why.
    let policies = stderr(&g);
    for tool in [echo, long] {
        let line = policies
            .lines()
            .find(|l| l.starts_with(&format!("retry policy: {tool}: ")))
            .unwrap_or_else(|| panic!("no policy line for {tool}:\n{policies}"));
        assert!(line.contains("may repeat (readOnlyHint)"), "{line}");
        assert!(
            line.contains("ToolError.Unavailable up to 3 times"),
            "{line}"
        );
    }
    // s1 runs for four seconds on the server; s2..s7 echo, each after the previous one.
    let mut steps = vec![serde_json::json!({
        "id": "s1", "tool": long, "input": {"duration": 4, "steps": 4}, "on_error": "continue"
    })];
    for i in 2..=7 {
        steps.push(serde_json::json!({
            "id": format!("s{i}"), "tool": echo,
            "input": {"message": format!("after {{{{s{}.output}}}}", i - 1)},
            "on_error": "continue"
        }));
    }
    let plan = serde_json::json!({
        "goal": "Run the long operation, then echo six times",
        "options": {"reasoner": "plan", "plan": {"steps": steps, "answer": "never"}}
    });
    let input = dir.path().join("plan.json");
    std::fs::write(&input, plan.to_string()).unwrap();
    let bin = build_binaries();
    let proxy = bin.join("mcp-proxy").display().to_string();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sfn-gen"));
    cmd.current_dir(dir.path())
        .args(["run", asl.to_str().unwrap()])
        .args(["--input", &format!("@{}", input.display())])
        .arg("--lambda")
        .arg(format!(
            "agent-lambda={}",
            bin.join("agent-lambda").display()
        ))
        .args(["--lambda", &format!("{echo}={proxy}")])
        .args(["--lambda", &format!("{long}={proxy}")])
        .env("MCP_PROXY_MANIFEST_DIR", &tools)
        .env("AGENT_TOOLS_FILE", dir.path().join("out/tools.json"))
        .env("AWS_LAMBDA_LOG_LEVEL", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    // The live trace (stderr) says when the long call's state is entered: the server dies
    // one second into its four.
    let trace = std::io::BufReader::new(child.stderr.take().unwrap());
    let lines = std::thread::spawn(move || {
        use std::io::BufRead;
        let mut seen = Vec::new();
        let mut killed = false;
        for line in trace.lines().map_while(Result::ok) {
            if !killed && line.contains('→') && line.contains(long) {
                std::thread::sleep(Duration::from_secs(1));
                let _ = server.0.kill();
                let _ = server.0.wait();
                killed = true;
            }
            seen.push(line);
        }
        (killed, seen)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(300) {
            let _ = child.kill();
            panic!("the run did not end within 300 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    let (killed, trace) = lines.join().unwrap();
    let trace = trace.join("\n");
    assert!(
        killed,
        "the long call's state never appeared in the trace:\n{trace}"
    );
    assert!(
        status.success(),
        "sfn-gen run reports a failed run on stdout:\n{trace}"
    );
    assert!(stdout.starts_with("FAILED"), "{stdout}\n{trace}");
    assert!(
        stdout.contains("error: Agent.CircuitOpen"),
        "{stdout}\n{trace}"
    );
    assert!(
        stdout.contains(&format!("tool `{echo}` failed 5 times in a row")),
        "the circuit names the tool: {stdout}"
    );
    // Retried: more failed attempts of the echo Task than calls that failed.
    let unavailable = trace.matches("ToolError.Unavailable").count();
    assert!(
        unavailable > 5,
        "each undelivered echo was retried ({unavailable} failed attempts):\n{trace}"
    );
    // s2..s6 ran (five echo calls), s7 never did: the circuit ended the run first.
    let echo_calls = trace
        .lines()
        .filter(|l| l.contains('→') && l.contains(echo))
        .count();
    assert_eq!(echo_calls, 5, "{trace}");
}
