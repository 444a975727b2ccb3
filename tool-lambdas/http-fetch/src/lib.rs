//! The `http-fetch` tool: HTTP GET or POST with a timeout, a body size limit and SSRF
//! protection.
//!
//! Every hop is checked the same way: the host name is resolved first, every resolved
//! address must pass the [`guard::AddressPolicy`], and the connection goes to exactly the
//! checked address (the resolution is pinned, so DNS rebinding between check and connect
//! cannot redirect it). Redirects are followed by hand (at most 5), each hop checked.
//!
//! Outcomes:
//! - 2xx, 3xx without `Location`, and 4xx other than 429 are results: the model sees the
//!   status and can adapt (a 404 is information, not a failure of the tool);
//! - 429 and 5xx, connection errors and timeouts are `ToolError.Retryable` (the state
//!   machine retries them with backoff);
//! - a refused address, a bad URL, too many redirects or a body over `max_bytes` are
//!   `ToolError.InvalidInput`.
//!
//! A body whose size passes the offload threshold is offloaded: `body` becomes a pointer
//! that `json-query` can read.

pub mod guard;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use protocol::manifest::{Annotations, SfnConfig};
use reqwest::Url;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use toolkit::{Tool, ToolContext, ToolError};

pub use guard::{AddressPolicy, Cidr, CidrError};

const MAX_REDIRECTS: usize = 5;
const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
const HARD_MAX_BYTES: u64 = 100 * 1024 * 1024;
const DEFAULT_TIMEOUT_MS: u64 = 10_000;

/// HTTP method.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// GET (the default).
    #[default]
    Get,
    /// POST.
    Post,
}

/// Input of `http-fetch`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The URL (http or https) to fetch.
    pub url: String,
    /// `GET` (default) or `POST`.
    #[serde(default)]
    pub method: Method,
    /// Request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Request body for POST: a string is sent as is, any other JSON value as JSON.
    #[serde(default)]
    pub body: Option<Value>,
    /// Timeout for the whole request in milliseconds (default 10000, at most 60000).
    #[serde(default)]
    pub timeout_ms: Option<u64>,
    /// Largest response body accepted, in bytes (default 10 MiB, at most 100 MiB).
    #[serde(default)]
    pub max_bytes: Option<u64>,
}

/// Output of `http-fetch`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// HTTP status code.
    pub status: u16,
    /// The final URL after redirects.
    pub url: String,
    /// Response headers (lower-case names; repeated headers joined with `, `).
    pub headers: BTreeMap<String, String>,
    /// The body: parsed JSON when the response is JSON, text otherwise; an offload pointer
    /// when it is large (read it with `json-query`).
    pub body: Value,
    /// Body size in bytes.
    pub size: u64,
}

/// The http-fetch tool.
#[derive(Debug, Clone, Default)]
pub struct HttpFetch {
    policy: AddressPolicy,
}

impl HttpFetch {
    /// A tool with the given address policy.
    pub fn new(policy: AddressPolicy) -> Self {
        Self { policy }
    }

    /// Reads the allow-list from `HTTP_FETCH_ALLOW`.
    pub fn from_env() -> Result<Self, CidrError> {
        Ok(Self::new(AddressPolicy::from_env()?))
    }

    /// Resolves a URL's host and checks every address; returns the one to connect to.
    async fn checked_address(&self, url: &Url) -> Result<SocketAddr, ToolError> {
        let host = url
            .host_str()
            .ok_or_else(|| ToolError::invalid_input(format!("`{url}` has no host")))?;
        let port = url
            .port_or_known_default()
            .ok_or_else(|| ToolError::invalid_input(format!("`{url}` has no port")))?;
        let host_for_lookup = host.trim_start_matches('[').trim_end_matches(']');
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host_for_lookup, port))
            .await
            .map_err(|e| ToolError::retryable(format!("cannot resolve `{host}`: {e}")))?
            .collect();
        if addrs.is_empty() {
            return Err(ToolError::retryable(format!(
                "`{host}` resolves to no address"
            )));
        }
        // Every address must pass: a name that also resolves to a private address is refused.
        for addr in &addrs {
            if let Err(reason) = self.policy.check(addr.ip()) {
                return Err(ToolError::invalid_input(format!(
                    "refused `{url}`: `{host}` resolves to {}, a {reason} address; http-fetch only reaches public addresses",
                    addr.ip()
                )));
            }
        }
        Ok(addrs[0])
    }

    /// Performs the request, following redirects hop by hop.
    pub async fn fetch(&self, input: &Input) -> Result<Fetched, ToolError> {
        let timeout = Duration::from_millis(
            input
                .timeout_ms
                .unwrap_or(DEFAULT_TIMEOUT_MS)
                .clamp(1, 60_000),
        );
        let max_bytes = input
            .max_bytes
            .unwrap_or(DEFAULT_MAX_BYTES)
            .min(HARD_MAX_BYTES);
        let mut url = Url::parse(&input.url)
            .map_err(|e| ToolError::invalid_input(format!("`url` is not a valid URL: {e}")))?;
        let mut method = input.method;
        let mut body = input.body.clone();
        let deadline = tokio::time::Instant::now() + timeout;
        for _hop in 0..=MAX_REDIRECTS {
            if !matches!(url.scheme(), "http" | "https") {
                return Err(ToolError::invalid_input(format!(
                    "refused `{url}`: only http and https URLs can be fetched"
                )));
            }
            let addr = self.checked_address(&url).await?;
            let host = url.host_str().unwrap_or_default().to_owned();
            // One client per hop, pinned to the checked address.
            let client = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .resolve(&host, addr)
                .no_proxy()
                .build()
                .map_err(|e| ToolError::fatal(format!("cannot build the HTTP client: {e}")))?;
            let mut request = match method {
                Method::Get => client.get(url.clone()),
                Method::Post => client.post(url.clone()),
            };
            for (name, value) in &input.headers {
                request = request.header(name, value);
            }
            if method == Method::Post {
                request = match &body {
                    Some(Value::String(text)) => request.body(text.clone()),
                    Some(other) => request
                        .header("content-type", "application/json")
                        .body(other.to_string()),
                    None => request,
                };
            }
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            let response = tokio::time::timeout(remaining, request.send())
                .await
                .map_err(|_| ToolError::retryable(format!("`{url}` timed out after {timeout:?}")))?
                .map_err(|e| ToolError::retryable(format!("request to `{url}` failed: {e}")))?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get("location")
            {
                let location = location.to_str().unwrap_or_default();
                url = url.join(location).map_err(|e| {
                    ToolError::invalid_input(format!(
                        "redirect to an invalid location `{location}`: {e}"
                    ))
                })?;
                // 301/302/303 turn a POST into a GET (Fetch standard); 307/308 keep it.
                if matches!(status.as_u16(), 301..=303) {
                    method = Method::Get;
                    body = None;
                }
                continue;
            }
            if status.as_u16() == 429 || status.is_server_error() {
                return Err(ToolError::retryable(format!("`{url}` answered {status}")));
            }
            let headers = collect_headers(response.headers());
            let bytes = read_limited(response, max_bytes, deadline, &url).await?;
            return Ok(Fetched {
                status: status.as_u16(),
                url: url.to_string(),
                headers,
                bytes,
            });
        }
        Err(ToolError::invalid_input(format!(
            "more than {MAX_REDIRECTS} redirects starting at `{}`",
            input.url
        )))
    }
}

/// A response before its body is shaped.
pub struct Fetched {
    /// Status code.
    pub status: u16,
    /// Final URL.
    pub url: String,
    /// Headers.
    pub headers: BTreeMap<String, String>,
    /// Body bytes.
    pub bytes: Vec<u8>,
}

fn collect_headers(map: &reqwest::header::HeaderMap) -> BTreeMap<String, String> {
    let mut headers: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in map {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers
            .entry(name.as_str().to_owned())
            .and_modify(|v| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    headers
}

async fn read_limited(
    mut response: reqwest::Response,
    max_bytes: u64,
    deadline: tokio::time::Instant,
    url: &Url,
) -> Result<Vec<u8>, ToolError> {
    let too_big = || {
        ToolError::invalid_input(format!(
            "the body of `{url}` is larger than max_bytes ({max_bytes}); raise max_bytes (at most {HARD_MAX_BYTES})"
        ))
    };
    if response.content_length().is_some_and(|n| n > max_bytes) {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    loop {
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let chunk = tokio::time::timeout(remaining, response.chunk())
            .await
            .map_err(|_| ToolError::retryable(format!("reading `{url}` timed out")))?
            .map_err(|e| ToolError::retryable(format!("reading `{url}` failed: {e}")))?;
        let Some(chunk) = chunk else { break };
        if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
            return Err(too_big());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The body as the model sees it: JSON when it parses as JSON and says so, text otherwise.
fn body_value(headers: &BTreeMap<String, String>, bytes: &[u8]) -> Value {
    let is_json = headers
        .get("content-type")
        .is_some_and(|ct| ct.contains("json"));
    if is_json && let Ok(value) = serde_json::from_slice(bytes) {
        return value;
    }
    Value::String(String::from_utf8_lossy(bytes).into_owned())
}

impl Tool for HttpFetch {
    type Input = Input;
    type Output = Output;
    const NAME: &'static str = "http-fetch";
    const TITLE: Option<&'static str> = Some("HTTP fetch");
    const DESCRIPTION: &'static str = "Fetches a public http(s) URL with GET or POST and returns \
        the status, headers and body (parsed JSON for JSON responses, text otherwise). 4xx \
        statuses are returned as results. Private, loopback and link-local addresses are \
        refused. A large body comes back as an offload pointer: read parts of it with json-query.";

    fn annotations() -> Annotations {
        Annotations {
            title: Some("HTTP fetch".into()),
            read_only_hint: Some(false),
            destructive_hint: Some(false),
            idempotent_hint: Some(false),
            open_world_hint: Some(true),
        }
    }

    fn config() -> SfnConfig {
        SfnConfig {
            timeout_seconds: 70,
            memory_mb: 256,
            ..SfnConfig::default()
        }
    }

    async fn call(&self, input: Input, ctx: &ToolContext) -> Result<Output, ToolError> {
        let fetched = self.fetch(&input).await?;
        let size = fetched.bytes.len() as u64;
        let body = body_value(&fetched.headers, &fetched.bytes);
        drop(fetched.bytes);
        let body = ctx.store.offload_if_large(body).await?;
        Ok(Output {
            status: fetched.status,
            url: fetched.url,
            headers: fetched.headers,
            body,
            size,
        })
    }
}
