//! The Streamable HTTP front: rmcp's `StreamableHttpService` in stateless mode with JSON
//! responses, `Host` and `Origin` validated, mounted at `/mcp`, served on a local port with
//! hyper (`sfn-gen mcp --addr`) or inside the Lambda (`src/main.rs`).

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, combinators::BoxBody};
use hyper_util::rt::TokioIo;
use rmcp::transport::streamable_http_server::session::never::NeverSessionManager;
use rmcp::transport::{StreamableHttpServerConfig, StreamableHttpService};
use tokio::net::TcpListener;
pub use tokio_util::sync::CancellationToken;

use crate::server::{Caller, Gateway};

/// The path the MCP endpoint is served at.
pub const MCP_PATH: &str = "/mcp";

/// Which `Host` and `Origin` values are accepted.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Hostnames or `host:port` authorities (empty: any host, for a deployment behind
    /// IAM or JWT auth whose domain is not known in advance).
    pub allowed_hosts: Vec<String>,
    /// Browser origins (`scheme://host:port`); a request without `Origin` passes, one
    /// with an `Origin` not listed is refused (403).
    pub allowed_origins: Vec<String>,
}

impl Guard {
    /// For a loopback server on `port`: the loopback names, and the same as origins.
    pub fn loopback(port: u16) -> Self {
        let hosts = ["127.0.0.1", "localhost", "[::1]"];
        Self {
            allowed_hosts: hosts
                .iter()
                .flat_map(|h| [h.to_string(), format!("{h}:{port}")])
                .collect(),
            allowed_origins: hosts.iter().map(|h| format!("http://{h}:{port}")).collect(),
        }
    }
}

/// The rmcp service: stateless, JSON responses, the guard's hosts and origins.
pub fn mcp_service(
    gateway: Gateway,
    guard: &Guard,
) -> StreamableHttpService<Gateway, NeverSessionManager> {
    let mut config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        .with_allowed_origins(guard.allowed_origins.clone())
        .enforce_origin_validation();
    config = if guard.allowed_hosts.is_empty() {
        config.disable_allowed_hosts()
    } else {
        config.with_allowed_hosts(guard.allowed_hosts.clone())
    };
    StreamableHttpService::new(
        move || Ok(gateway.clone()),
        Arc::new(NeverSessionManager::default()),
        config,
    )
}

/// The HTTP response type of the front.
pub type Response = http::Response<BoxBody<Bytes, Infallible>>;

fn not_found() -> Response {
    http::Response::builder()
        .status(http::StatusCode::NOT_FOUND)
        .header(http::header::CONTENT_TYPE, "text/plain")
        .body(Full::new(Bytes::from_static(b"not found: the MCP endpoint is /mcp\n")).boxed())
        .expect("a static response is valid")
}

/// Routes one request: `/mcp` to the MCP service with `caller` attached, anything else 404.
pub async fn route<B>(
    service: &StreamableHttpService<Gateway, NeverSessionManager>,
    mut request: http::Request<B>,
    caller: Caller,
) -> Response
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: std::fmt::Display,
{
    if request.uri().path() != MCP_PATH {
        return not_found();
    }
    request.extensions_mut().insert(caller);
    let mut service = service.clone();
    match tower_service::Service::call(&mut service, request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Serves the gateway on `listener` until `shutdown` fires; every request is from the
/// local caller.
pub async fn serve(
    listener: TcpListener,
    gateway: Gateway,
    guard: Guard,
    shutdown: CancellationToken,
) {
    let service = mcp_service(gateway, &guard);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = shutdown.cancelled() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let service = service.clone();
        tokio::spawn(async move {
            let handler = hyper::service::service_fn(move |request| {
                let service = service.clone();
                async move {
                    Ok::<_, Infallible>(route(&service, request, Caller("local".into())).await)
                }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handler)
                .await;
        });
    }
}

/// Serves one MCP session on stdin/stdout until the client closes it.
pub async fn serve_stdio(gateway: Gateway) -> anyhow::Result<()> {
    use anyhow::Context;
    use rmcp::ServiceExt;
    let running = gateway
        .serve(rmcp::transport::stdio())
        .await
        .context("cannot start MCP over stdio")?;
    running.waiting().await.context("the MCP session failed")?;
    Ok(())
}
