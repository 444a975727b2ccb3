//! Real MCP servers for the tests, none written here, started on loopback by the test:
//! `@modelcontextprotocol/server-everything` (npm, Streamable HTTP) and `mcp-server-time`
//! (PyPI, stdio). With `REQUIRE_MCP_SERVERS=1` (set by `scripts/test.sh`) a missing server
//! fails the test with the command that installs it; without it the test is skipped.

#![allow(dead_code)]

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use protocol::mcp::{MCP_PROXY_RUNTIME, McpBinding, McpTransport};
use protocol::{SfnConfig, ToolManifest};
use serde_json::{Value, json};

/// The variable `scripts/test.sh` sets when the servers must be there.
pub const REQUIRE: &str = "REQUIRE_MCP_SERVERS";

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn missing(what: &str, install: &str) -> Option<PathBuf> {
    if std::env::var_os(REQUIRE).is_some_and(|v| v == "1") {
        panic!(
            "{what} is not installed but {REQUIRE}=1 says it must be; install it with: {install}"
        );
    }
    eprintln!("skipped: {what} is not installed ({install}; set {REQUIRE}=1 to fail instead)");
    None
}

/// `mcp-server-time` in the test venv, if installed.
pub fn time_server() -> Option<PathBuf> {
    let path = root().join("target/test-tools/venv/bin/mcp-server-time");
    if path.is_file() {
        return Some(path);
    }
    missing(
        "the PyPI server `mcp-server-time`",
        "target/test-tools/venv/bin/pip install 'mcp-server-time==2026.10.19'",
    )
}

/// server-everything's entry point, if installed.
pub fn everything_js() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/servers/node_modules/@modelcontextprotocol/server-everything/dist/index.js");
    if path.is_file() {
        return Some(path);
    }
    missing(
        "the npm server `@modelcontextprotocol/server-everything`",
        "npm ci --prefix tool-lambdas/mcp-proxy/tests/servers",
    )
}

/// A free loopback port.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// server-everything in Streamable HTTP mode; killed on drop.
pub struct Everything {
    child: Child,
    /// Its port.
    pub port: u16,
    js: PathBuf,
}

impl Everything {
    /// Starts it on a free port and waits until it accepts connections.
    pub fn start(js: &Path) -> Self {
        Self::start_on(js, free_port())
    }

    /// Starts it on `port`.
    pub fn start_on(js: &Path, port: u16) -> Self {
        let child = Command::new("node")
            .arg(js)
            .arg("streamableHttp")
            .env("PORT", port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node is on PATH");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "server-everything did not listen on 127.0.0.1:{port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            port,
            js: js.to_path_buf(),
        }
    }

    /// Its MCP endpoint.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    /// Kills it (the server dies mid-run).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) {
        self.kill();
        let again = Self::start_on(&self.js, self.port);
        let old = std::mem::replace(self, again);
        std::mem::forget(old);
    }
}

impl Drop for Everything {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A manifest for server tool `tool` (its `tools/list` entry) as the import writes it,
/// minus the schema normalization, which is `sfn-gen`'s and tested there.
pub fn manifest(transport: McpTransport, tool: &Value, name: &str) -> ToolManifest {
    ToolManifest {
        name: name.to_owned(),
        title: None,
        description: "imported".into(),
        input_schema: json!({"type": "object"}),
        output_schema: None,
        annotations: Default::default(),
        x_sfn: SfnConfig {
            mcp: Some(McpBinding {
                runtime: MCP_PROXY_RUNTIME.into(),
                server: "test".into(),
                transport,
                tool: tool["name"].as_str().unwrap().to_owned(),
                input_schema: tool["inputSchema"].clone(),
                output_schema: None,
            }),
            ..SfnConfig::default()
        },
    }
}

/// The server's `tools/list` entry named `name`.
pub async fn server_tool(transport: &McpTransport, name: &str) -> Value {
    let session = mcp_proxy::connection::connect(transport, &[])
        .await
        .unwrap();
    let tools = mcp_proxy::connection::list_tools(&session).await.unwrap();
    let _ = session.cancel().await;
    tools
        .into_iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("the server has no tool `{name}`"))
}

/// A tool invocation event.
pub fn event(tool: &str, input: Value) -> Value {
    json!({
        "call": {"call_id": "c1", "tool": tool, "input": input},
        "execution": {"id": "arn:aws:states:us-east-1:111111111111:execution:Agent:run-1", "name": "run-1"},
    })
}
