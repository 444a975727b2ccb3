//! The `http-fetch` tool: HTTP GET or POST with a timeout, a body size limit and SSRF
//! protection.
//!
//! Every hop is checked the same way: the host name is resolved first, every resolved
//! address must pass the [`guard::AddressPolicy`], and the connection goes to exactly the
//! checked address (the resolution is pinned, so DNS rebinding between check and connect
//! cannot redirect it). Redirects are followed by hand (at most 5), each hop checked.
//!
//! Headers are checked before anything is sent (a bad name or value is
//! `ToolError.InvalidInput` naming the header). On a redirect to another origin (scheme,
//! host or port differ) the caller's headers are dropped for the rest of the chain except
//! `Accept`, `Accept-Language`, `User-Agent` and `Content-Type` ([`headers`]): no
//! `Authorization`, `Cookie`, `Proxy-Authorization` or API key reaches a host the caller did
//! not name. A 307/308 redirect keeps method and body (Fetch standard) only within the
//! origin: a POST body is never re-sent to another origin; that 307/308 response is returned
//! as the result instead (status 307/308, its `location` header naming the target), so the
//! model can decide to call again with that URL. 301/302/303 turn a POST into a GET without
//! a body, as before.
//!
//! Outcomes:
//! - 2xx, 3xx without `Location` (or a cross-origin 307/308 of a body, above), and 4xx
//!   other than 429 are results: the model sees the status and can adapt (a 404 is
//!   information, not a failure of the tool);
//! - a request that provably reached no server (a name that does not resolve, a refused
//!   connection, a 429 throttle) on the first hop is `ToolError.Unavailable`: retried even
//!   though http-fetch may POST and so does not declare itself idempotent; after a redirect
//!   the first request did reach a server, so the same failures are `ToolError.Retryable`;
//! - 5xx, other connection errors and timeouts are `ToolError.Retryable` (the call may have
//!   run: the state machine retries them only for a repeatable tool, see
//!   `protocol::repeat`);
//! - a refused address, a bad URL, a bad header, too many redirects or a body over
//!   `max_bytes` are `ToolError.InvalidInput`.
//!
//! A body whose size passes the offload threshold is offloaded: `body` becomes a pointer
//! that `json-query` can read. A large JSON body is validated without being parsed into a
//! value and stored as the bytes received (`src/body.rs`), so a fetch holds the body in memory
//! once: peak memory is about **1x the body** (at most `max_bytes`) plus a constant of a few
//! MiB. Measured with `examples/big_body.rs` (release build, local store, a compact JSON
//! array of small records; "fetch cost" is the growth of the resident set during the call,
//! the rest of the whole-process peak being the runtime and the example server's own copy
//! of the body):
//!
//! | body | before (parsed into a `Value`) | after |
//! | --- | --- | --- |
//! | 9.9 MB | 223 MB peak (fetch cost 200 MB), 0.45 s | 28 MB peak (fetch cost 11 MB), 0.08 s |
//! | 99 MB | 2.09 GB peak (fetch cost 1.94 GB), 4.6 s | 198 MB peak (fetch cost 96 MB), 0.8 s |
//!
//! At the defaults (10 MiB `max_bytes`) a fetch needs about 30 MB, far inside the
//! function's 256 MB; even the hard limit (100 MiB) fits. `tests/memory.rs` keeps the
//! multiple under 3x.

pub use netguard as guard;

mod body;
pub mod headers;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use protocol::ErrorName;
use protocol::manifest::{Annotations, SfnConfig};
use reqwest::Url;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use toolkit::{Tool, ToolContext, ToolError};

pub use guard::{AddressPolicy, Admitted, Cidr, CidrError};

const MAX_REDIRECTS: usize = 5;
const DEFAULT_MAX_BYTES: u64 = 10 * 1024 * 1024;
pub(crate) const HARD_MAX_BYTES: u64 = 100 * 1024 * 1024;
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
    /// Request headers. On a redirect to another origin only Accept, Accept-Language, User-Agent and Content-Type are kept.
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
    /// HTTP status code; a 307/308 when a POST body would have been redirected to another origin (not followed: see the `location` header, and call again with that URL to send the body there).
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

    /// Reads the allow-lists from `HTTP_FETCH_ALLOW_HOSTS` (`address:port`) and
    /// `HTTP_FETCH_ALLOW` (CIDRs).
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
            .map_err(|e| ToolError::unavailable(format!("cannot resolve `{host}`: {e}")))?
            .collect();
        if addrs.is_empty() {
            return Err(ToolError::unavailable(format!(
                "`{host}` resolves to no address"
            )));
        }
        // Every address must pass: a name that also resolves to a private address is refused.
        for addr in &addrs {
            match self.policy.check_endpoint(*addr) {
                Ok(Admitted::Public) => {}
                Ok(Admitted::Listed { list, reason }) => tracing::warn!(
                    url = %url,
                    address = %addr,
                    list,
                    "admitting a {reason} address because {list} lists it"
                ),
                Err(reason) => {
                    return Err(ToolError::invalid_input(format!(
                        "refused `{url}`: `{host}` resolves to {}, a {reason} address; http-fetch only reaches public addresses (a local test server can be admitted with HTTP_FETCH_ALLOW_HOSTS=address:port)",
                        addr.ip()
                    )));
                }
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
        let mut headers = headers::validate(&input.headers)?;
        let deadline = tokio::time::Instant::now() + timeout;
        for hop in 0..=MAX_REDIRECTS {
            // After a redirect the first request did reach a server (and a POST may have
            // run): a later hop that is not delivered is no longer `Unavailable`.
            let undelivered = |message: String| {
                if hop == 0 {
                    ToolError::unavailable(message)
                } else {
                    ToolError::retryable(message)
                }
            };
            if !matches!(url.scheme(), "http" | "https") {
                return Err(ToolError::invalid_input(format!(
                    "refused `{url}`: only http and https URLs can be fetched"
                )));
            }
            let addr = self.checked_address(&url).await.map_err(|e| {
                if e.name == ErrorName::Unavailable {
                    undelivered(e.message)
                } else {
                    e
                }
            })?;
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
            request = request.headers(headers.clone());
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
                .map_err(|e| {
                    let message = format!("request to `{url}` failed: {e}");
                    if e.is_connect() {
                        undelivered(message)
                    } else {
                        ToolError::retryable(message)
                    }
                })?;
            let status = response.status();
            if status.is_redirection()
                && let Some(location) = response.headers().get("location")
            {
                let location = location.to_str().unwrap_or_default();
                let next = url.join(location).map_err(|e| {
                    ToolError::invalid_input(format!(
                        "redirect to an invalid location `{location}`: {e}"
                    ))
                })?;
                let cross_origin = !headers::same_origin(&url, &next);
                // 301/302/303 turn a POST into a GET (Fetch standard); 307/308 keep it, but
                // a body is never re-sent to another origin: the redirect is the result.
                if matches!(status.as_u16(), 301..=303) {
                    if method == Method::Post {
                        headers = headers::without_body_headers(&headers);
                    }
                    method = Method::Get;
                    body = None;
                } else if cross_origin && method == Method::Post && body.is_some() {
                    return self.finish(response, max_bytes, deadline, url).await;
                }
                if cross_origin {
                    headers = headers::across_origins(&headers);
                }
                url = next;
                continue;
            }
            if status.as_u16() == 429 {
                // Throttled before the server acted on the request (RFC 6585, section 4).
                return Err(undelivered(format!("`{url}` answered {status}")));
            }
            if status.is_server_error() {
                return Err(ToolError::retryable(format!("`{url}` answered {status}")));
            }
            return self.finish(response, max_bytes, deadline, url).await;
        }
        Err(ToolError::invalid_input(format!(
            "more than {MAX_REDIRECTS} redirects starting at `{}`",
            input.url
        )))
    }
}

impl HttpFetch {
    /// Reads the final response.
    async fn finish(
        &self,
        response: reqwest::Response,
        max_bytes: u64,
        deadline: tokio::time::Instant,
        url: Url,
    ) -> Result<Fetched, ToolError> {
        let status = response.status().as_u16();
        let headers = collect_headers(response.headers());
        let bytes = body::read_limited(response, max_bytes, deadline, &url).await?;
        Ok(Fetched {
            status,
            url: url.to_string(),
            headers,
            bytes,
        })
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

impl Tool for HttpFetch {
    type Input = Input;
    type Output = Output;
    const NAME: &'static str = "http-fetch";
    const TITLE: Option<&'static str> = Some("HTTP fetch");
    const DESCRIPTION: &'static str = "Fetches a public http(s) URL with GET or POST and returns \
        the status, headers and body (parsed JSON for JSON responses, text otherwise). 4xx \
        statuses are returned as results. Private, loopback and link-local addresses are \
        refused. On a redirect to another origin only the Accept, Accept-Language, User-Agent \
        and Content-Type headers are kept, and a POST body is not re-sent: the 307/308 is \
        returned instead. A large body comes back as an offload pointer: read parts of it \
        with json-query.";

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
        let body = body::shape(&fetched.headers, fetched.bytes, &ctx.store).await?;
        Ok(Output {
            status: fetched.status,
            url: fetched.url,
            headers: fetched.headers,
            body,
            size,
        })
    }
}
