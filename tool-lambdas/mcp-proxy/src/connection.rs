//! The MCP client side: connect to a server (stdio child or Streamable HTTP) with rmcp,
//! list its tools page by page, and call one tool over a connection kept across calls.
//!
//! `sfn-gen import-mcp` uses [`connect`] and [`list_tools`]; the proxy keeps one
//! [`Connection`] per warm process, so a stdio server is spawned once (not per call) and an
//! HTTP session is reused. A transport failure drops the connection; the next call
//! reconnects (a stdio server is respawned).

use std::collections::HashMap;
use std::time::Duration;

use protocol::ErrorName;
use protocol::mcp::McpTransport;
use rmcp::RoleClient;
use rmcp::model::{CallToolRequestParams, PaginatedRequestParams, ProtocolVersion};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RunningService, ServiceError};
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::{StreamableHttpClientTransport, TokioChildProcess};
use serde_json::Value;
use tokio::sync::Mutex;
use toolkit::ToolError;

/// A running client session with one server.
pub type Session = RunningService<RoleClient, ()>;

/// Most `tools/list` pages read before giving up (a server whose cursor never ends).
pub const MAX_LIST_PAGES: usize = 1000;

/// Why a connection could not be made or a request failed, already named for the state
/// machine (see [`classify`]).
pub type McpError = ToolError;

/// Connects and initializes a session: MCP 2026-07-28 (`server/discover`) first, falling
/// back to the 2025-11-25 `initialize` handshake for older servers.
pub async fn connect(
    transport: &McpTransport,
    headers: &[(String, String)],
) -> Result<Session, McpError> {
    let lifecycle = ClientLifecycleMode::Auto {
        preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        legacy_version: Some(ProtocolVersion::V_2025_11_25),
    };
    let describe = transport.describe();
    let started = match transport {
        McpTransport::Stdio { command } => {
            let Some((program, args)) = command.split_first() else {
                return Err(ToolError::fatal(
                    "the stdio server's command is empty; set `x-sfn.mcp.transport.stdio.command` \
                     (re-run `sfn-gen import-mcp NAME --command \"CMD ARGS\"`)",
                ));
            };
            let mut cmd = tokio::process::Command::new(program);
            cmd.args(args);
            // The server's logs are its own; the proxy's stdout belongs to no one.
            let (child, _stderr) = TokioChildProcess::builder(cmd)
                .stderr(std::process::Stdio::inherit())
                .spawn()
                .map_err(|e| spawn_error(program, &e))?;
            ().serve_with_lifecycle(child, lifecycle).await
        }
        McpTransport::StreamableHttp { url, .. } => {
            let mut custom = HashMap::new();
            for (name, value) in headers {
                let name = http::HeaderName::try_from(name.as_str()).map_err(|e| {
                    ToolError::fatal(format!("header name `{name}` is invalid: {e}"))
                })?;
                let value = http::HeaderValue::try_from(value.as_str()).map_err(|e| {
                    ToolError::fatal(format!("the value of header `{name}` is invalid: {e}"))
                })?;
                custom.insert(name, value);
            }
            let config =
                StreamableHttpClientTransportConfig::with_uri(url.as_str()).custom_headers(custom);
            ().serve_with_lifecycle(
                StreamableHttpClientTransport::from_config(config),
                lifecycle,
            )
            .await
        }
    };
    // No `tools/call` was sent on a session that never started: safe to retry for any tool.
    started.map_err(|e| {
        ToolError::unavailable(format!(
            "cannot start an MCP session with {describe}: {}",
            error_chain(&e)
        ))
    })
}

fn spawn_error(program: &str, err: &std::io::Error) -> ToolError {
    if err.kind() == std::io::ErrorKind::NotFound {
        ToolError::fatal(format!(
            "cannot start the stdio MCP server: `{program}` is not found; install it where the \
             proxy runs (on AWS, package it with the function, or serve it over Streamable \
             HTTP and import it with `--url`)"
        ))
    } else {
        ToolError::unavailable(format!(
            "cannot start the stdio MCP server `{program}`: {err}"
        ))
    }
}

/// Every tool of the server as the JSON `tools/list` returns, following `nextCursor`.
pub async fn list_tools(session: &Session) -> Result<Vec<Value>, McpError> {
    let mut tools = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_LIST_PAGES {
        let params = PaginatedRequestParams::default().with_cursor(cursor.take());
        let page = session
            .list_tools(Some(params))
            .await
            .map_err(|e| classify(&e, "tools/list"))?;
        for tool in &page.tools {
            tools.push(serde_json::to_value(tool).expect("an MCP tool serializes"));
        }
        match page.next_cursor {
            Some(next) if !next.is_empty() => cursor = Some(next),
            _ => return Ok(tools),
        }
    }
    Err(ToolError::fatal(format!(
        "the server's `tools/list` returned more than {MAX_LIST_PAGES} pages; its cursor never ends"
    )))
}

/// Names a failed request for the state machine: a request that provably never reached the
/// server (connection refused, HTTP 429: the server turned it away before running it) is
/// `ToolError.Unavailable`, which is retried even for a tool that must not run twice; other
/// transport failures and 5xx are `ToolError.Retryable` (the call may have run), a request
/// timeout `ToolError.Timeout`, an invalid-params JSON-RPC error `ToolError.InvalidInput`,
/// and anything else `ToolError.Fatal`.
pub fn classify(err: &ServiceError, what: &str) -> ToolError {
    let detail = error_chain(err);
    match err {
        ServiceError::Timeout { .. } => ToolError::timeout(format!("`{what}` timed out: {detail}")),
        ServiceError::McpError(data) if data.code == rmcp::model::ErrorCode::INVALID_PARAMS => {
            ToolError::invalid_input(format!(
                "the MCP server refused the arguments of `{what}`: {}",
                data.message
            ))
        }
        ServiceError::McpError(data) => ToolError::fatal(format!(
            "the MCP server answered `{what}` with JSON-RPC error {}: {}",
            data.code.0, data.message
        )),
        ServiceError::TransportSend(_) => match http_status(err) {
            Some(429) => ToolError::unavailable(format!(
                "the MCP server throttled `{what}` (HTTP 429) before running it: {detail}"
            )),
            Some(status) if status < 500 => ToolError::fatal(format!(
                "the MCP server answered `{what}` with HTTP {status}: {detail}; check the \
                 server's URL and the credentials (`MCP_HEADER_*`)"
            )),
            None if connection_refused(err) => ToolError::unavailable(format!(
                "`{what}` was not delivered: the MCP server refused the connection: {detail}"
            )),
            _ => ToolError::retryable(format!("`{what}` failed in transport: {detail}")),
        },
        ServiceError::TransportClosed | ServiceError::Cancelled { .. } => ToolError::retryable(
            format!("the connection to the MCP server closed during `{what}`: {detail}"),
        ),
        _ => ToolError::fatal(format!("`{what}` failed: {detail}")),
    }
}

/// Whether the error's source chain shows that no connection was made, so nothing was sent:
/// the HTTP client failed to connect (refused, unreachable, DNS), or a refused socket.
/// rmcp keeps the client's error as a value without a `source`, so it is found by type.
fn connection_refused(err: &(dyn std::error::Error + 'static)) -> bool {
    use rmcp::transport::streamable_http_client::StreamableHttpError;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(StreamableHttpError::Client(client)) =
            e.downcast_ref::<StreamableHttpError<reqwest::Error>>()
        {
            return client.is_connect();
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            return true;
        }
        cur = e.source();
    }
    false
}

/// The HTTP status in the error's source chain, when the transport reported one.
fn http_status(err: &(dyn std::error::Error + 'static)) -> Option<u16> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(s) =
            e.downcast_ref::<rmcp::transport::streamable_http_client::HttpStatusError>()
        {
            return Some(s.status);
        }
        cur = e.source();
    }
    None
}

/// `err` and its sources, joined with `: `.
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
    }
    out
}

/// One server's connection, opened on first use and kept across warm invocations.
pub struct Connection {
    transport: McpTransport,
    headers: Vec<(String, String)>,
    session: Mutex<Option<Session>>,
}

impl Connection {
    /// A connection not yet opened (nothing slow happens at cold start).
    pub fn new(transport: McpTransport, headers: Vec<(String, String)>) -> Self {
        Self {
            transport,
            headers,
            session: Mutex::new(None),
        }
    }

    /// Whether a session is open (for tests and the benchmark).
    pub async fn is_open(&self) -> bool {
        self.session.lock().await.is_some()
    }

    /// Sends `tools/call` and returns the `CallToolResult` as JSON. Connects first if
    /// needed; the whole call (connecting included) must finish within `timeout`.
    pub async fn call(
        &self,
        tool: &str,
        arguments: serde_json::Map<String, Value>,
        timeout: Duration,
    ) -> Result<Value, ToolError> {
        let mut guard = self.session.lock().await;
        let work = async {
            if guard.is_none() {
                *guard = Some(connect(&self.transport, &self.headers).await?);
            }
            let session = guard.as_ref().expect("connected above");
            let params = CallToolRequestParams::new(tool.to_owned()).with_arguments(arguments);
            session
                .call_tool(params)
                .await
                .map(|r| serde_json::to_value(r).expect("a tool result serializes"))
                .map_err(|e| classify(&e, &format!("tools/call {tool}")))
        };
        let outcome = match tokio::time::timeout(timeout, work).await {
            Ok(outcome) => outcome,
            Err(_) => Err(ToolError::timeout(format!(
                "the MCP server did not answer `tools/call {tool}` within {} ms",
                timeout.as_millis()
            ))),
        };
        if let Err(e) = &outcome
            && matches!(e.name, ErrorName::Retryable | ErrorName::Unavailable)
        {
            // A broken session is not reused: the next call reconnects (respawns a
            // stdio server), which is what the state machine's retry relies on.
            if let Some(session) = guard.take() {
                drop(session);
            }
        }
        outcome
    }
}
