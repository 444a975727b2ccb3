//! Shared helpers: `sfn-gen serve`'s server in this process with the workspace's real
//! agent and tool binaries, the agent machine created on it, and the gateway on a free
//! loopback port in front of it; raw JSON-RPC over HTTP; the real clients' locations.

use std::path::{Path, PathBuf};
use std::time::Duration;

use lambda_local::FunctionSpec;
use mcp_gateway::http::{CancellationToken, Guard};
use mcp_gateway::invoke::FunctionNames;
use mcp_gateway::{Catalog, Gateway, GatewayConfig, TaskKey};
use serde_json::Value;

/// The workspace root.
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Whether `scripts/test.sh` runs us: then a missing binary or client fails the test.
pub fn required() -> bool {
    std::env::var_os("REQUIRE_MCP_CLIENTS").is_some()
}

/// `None` (with a note) when `what` is missing outside `scripts/test.sh`; a failure under it.
pub fn present(path: &Path, what: &str, fix: &str) -> bool {
    if path.exists() {
        return true;
    }
    assert!(
        !required(),
        "{what} is missing at `{}`; {fix}",
        path.display()
    );
    eprintln!(
        "note: {what} is missing at `{}` ({fix}); scripts/test.sh requires it",
        path.display()
    );
    false
}

/// The served functions: the agent and every tool, as `sfn-gen serve --workspace-lambdas`.
const FUNCTIONS: [&str; 4] = ["agent-lambda", "calculator", "json-query", "http-fetch"];

/// The gateway in front of a local Step Functions and Lambda server.
pub struct Stack {
    /// `http://127.0.0.1:PORT/mcp`.
    pub url: String,
    /// The gateway's port.
    pub port: u16,
    /// The Step Functions client the gateway uses (for checks behind its back).
    pub sfn: aws_sdk_sfn::Client,
    server: Option<sfn_serve::Server>,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

impl Stack {
    /// Starts everything; `None` when the binaries are missing outside test.sh.
    pub async fn start(sync_wait: Duration) -> Option<Self> {
        Self::start_with(sync_wait, &[]).await
    }

    /// [`Stack::start`] with extra environment for every function.
    pub async fn start_with(sync_wait: Duration, env: &[(&str, &str)]) -> Option<Self> {
        let root = workspace();
        let target = std::env::var_os("CARGO_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("target"))
            .join("debug");
        let dir = tempfile::tempdir().unwrap();
        let mut functions = Vec::new();
        for name in FUNCTIONS {
            let path = target.join(name);
            if !present(
                &path,
                &format!("the `{name}` binary"),
                &format!("build it with `cargo build -p {name}`"),
            ) {
                return None;
            }
            let mut spec = FunctionSpec::new(name, path);
            spec.timeout = Duration::from_secs(60);
            spec.env.insert(
                "AGENT_TOOLS_FILE".into(),
                root.join("statemachines/tools.json").display().to_string(),
            );
            spec.env.insert(
                "OFFLOAD_DIR".into(),
                dir.path().join("offload").display().to_string(),
            );
            for (k, v) in env {
                spec.env.insert((*k).to_owned(), (*v).to_owned());
            }
            functions.push(spec);
        }
        let mut config =
            sfn_serve::Config::new("127.0.0.1:0".parse().unwrap(), dir.path().join("data"));
        config.functions = functions;
        let server = sfn_serve::Server::start(config).await.unwrap();
        let (lambda, sfn) = mcp_gateway::clients::local(&server.endpoint());
        let definition =
            std::fs::read_to_string(root.join("statemachines/agent.asl.json")).unwrap();
        let state_machine_arn = mcp_gateway::clients::ensure_state_machine(
            &sfn,
            "agent",
            &definition,
            "arn:aws:iam::123456789012:role/agent",
        )
        .await
        .unwrap();
        let mut stack = Self::gateway(lambda, sfn, state_machine_arn, sync_wait, dir).await;
        stack.server = Some(server);
        Some(stack)
    }

    /// Only the gateway, with AWS clients pointed at a closed port (for what needs no
    /// backend: listing, validation, the HTTP guard).
    pub async fn gateway_only() -> Self {
        let (lambda, sfn) = mcp_gateway::clients::local("http://127.0.0.1:9");
        let dir = tempfile::tempdir().unwrap();
        Self::gateway(
            lambda,
            sfn,
            "arn:aws:states:us-east-1:123456789012:stateMachine:agent".into(),
            Duration::from_secs(1),
            dir,
        )
        .await
    }

    async fn gateway(
        lambda: aws_sdk_lambda::Client,
        sfn: aws_sdk_sfn::Client,
        state_machine_arn: String,
        sync_wait: Duration,
        dir: tempfile::TempDir,
    ) -> Self {
        let root = workspace();
        let catalog = Catalog::load(
            &root.join("statemachines/tools.json"),
            &root.join("statemachines/agent.asl.json"),
        )
        .unwrap();
        let gateway = Gateway::new(GatewayConfig {
            catalog,
            functions: FunctionNames::default(),
            state_machine_arn,
            task_key: TaskKey::random(),
            sync_wait,
            lambda,
            sfn: sfn.clone(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let shutdown = CancellationToken::new();
        tokio::spawn(mcp_gateway::http::serve(
            listener,
            gateway,
            Guard::loopback(port),
            shutdown.clone(),
        ));
        Self {
            url: format!("http://127.0.0.1:{port}/mcp"),
            port,
            sfn,
            server: None,
            shutdown,
            _dir: dir,
        }
    }

    /// Stops the gateway and the server.
    pub async fn stop(self) {
        self.shutdown.cancel();
        if let Some(server) = self.server {
            server.stop().await;
        }
    }
}

/// One JSON-RPC POST to the gateway; the HTTP status and the body as JSON.
pub async fn post(url: &str, headers: &[(&str, &str)], body: &Value) -> (u16, Value) {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .header("accept", "application/json, text/event-stream");
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    let response = request.body(body.to_string()).send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Runs a client process to its end within `limit` (killed past it); success, stdout and
/// stderr.
pub fn run_bounded(command: &mut std::process::Command, limit: Duration) -> (bool, String, String) {
    use std::io::Read;
    let mut child = command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Read both pipes while the client runs, so a chatty client cannot block on a full pipe.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let deadline = std::time::Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (out, err) = (out.join().unwrap(), err.join().unwrap());
    let status = status.unwrap_or_else(|| panic!("the client ran past {limit:?}; stderr:\n{err}"));
    (status.success(), out, err)
}
