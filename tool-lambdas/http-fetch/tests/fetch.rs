//! http-fetch against real HTTP servers on loopback (allow-listed), and the SSRF refusals:
//! the metadata endpoint, a private address, a name resolving to loopback, and a redirect
//! to a private address. Two servers on two ports are two origins: what a redirect from
//! one to the other carries is checked on the receiving side.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::Full;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use protocol::{ErrorName, OffloadPointer};
use serde_json::{Value, json};
use toolkit::{Runner, handle};

async fn route(req: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let (status, content_type, location, body): (u16, &str, Option<&str>, Vec<u8>) =
        match req.uri().path() {
            "/json" => (
                200,
                "application/json",
                None,
                br#"{"hello":"world","n":[1,2,3]}"#.to_vec(),
            ),
            "/text" => (200, "text/plain", None, b"plain text".to_vec()),
            "/big" => (
                200,
                "application/json",
                None,
                serde_json::to_vec(&json!({"items": vec!["x".repeat(100); 2000]})).unwrap(),
            ),
            "/echo-method" => (
                200,
                "text/plain",
                None,
                req.method().as_str().as_bytes().to_vec(),
            ),
            "/missing" => (404, "text/plain", None, b"no such page".to_vec()),
            "/busy" => (503, "text/plain", None, b"try later".to_vec()),
            "/throttle" => (429, "text/plain", None, b"slow down".to_vec()),
            "/to-json" => (302, "text/plain", Some("/json"), Vec::new()),
            "/to-metadata" => (
                302,
                "text/plain",
                Some("http://169.254.169.254/latest/meta-data/"),
                Vec::new(),
            ),
            "/to-private" => (
                307,
                "text/plain",
                Some("http://10.0.0.7:8080/internal"),
                Vec::new(),
            ),
            "/loop" => (302, "text/plain", Some("/loop"), Vec::new()),
            _ => (500, "text/plain", None, b"?".to_vec()),
        };
    let mut response = Response::builder()
        .status(status)
        .header("content-type", content_type);
    if let Some(location) = location {
        response = response.header("location", location);
    }
    Ok(response.body(Full::new(Bytes::from(body))).unwrap())
}

async fn serve() -> SocketAddr {
    serve_with(route).await
}

async fn serve_with<F, Fut>(route: F) -> SocketAddr
where
    F: Fn(Request<hyper::body::Incoming>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = Result<Response<Full<Bytes>>, Infallible>> + Send + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let route = route.clone();
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(route))
                    .await;
            });
        }
    });
    addr
}

/// `/echo` answers what it received (method, headers, body) as JSON;
/// `/go/<status>/<host:port>/<rest>` redirects with `<status>` to `http://<host:port>/<rest>`,
/// so a chain of hops across servers is spelled in one URL.
async fn echo_or_redirect(
    req: Request<hyper::body::Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let path = req.uri().path().to_owned();
    if let Some(rest) = path.strip_prefix("/go/") {
        let (status, target) = rest.split_once('/').unwrap();
        return Ok(Response::builder()
            .status(status.parse::<u16>().unwrap())
            .header("location", format!("http://{target}"))
            .body(Full::new(Bytes::new()))
            .unwrap());
    }
    let method = req.method().to_string();
    let headers: serde_json::Map<String, Value> = req
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v.to_str().unwrap())))
        .collect();
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let echo =
        json!({"method": method, "headers": headers, "body": String::from_utf8_lossy(&body)});
    Ok(Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(echo.to_string())))
        .unwrap())
}

/// The headers a caller may send with credentials in them.
fn credential_headers() -> Value {
    json!({
        "Authorization": "Bearer s3cret",
        "Cookie": "session=s3cret",
        "Proxy-Authorization": "Basic czNjcmV0",
        "X-Api-Key": "s3cret",
        "Accept": "application/json",
    })
}

fn tool(allow_loopback: bool) -> http_fetch::HttpFetch {
    let allow = if allow_loopback {
        vec!["127.0.0.1/32".parse().unwrap()]
    } else {
        vec![]
    };
    http_fetch::HttpFetch::new(http_fetch::AddressPolicy::with_allow_list(allow))
}

async fn call(tool: http_fetch::HttpFetch, input: Value) -> Result<Value, toolkit::ToolError> {
    let dir = tempfile::tempdir().unwrap();
    let runner = Runner::new(tool, offload::Store::local(dir.path())).unwrap();
    let event = json!({
        "call": {"call_id": "f1", "tool": "http-fetch", "input": input},
        "execution": {"id": "arn:aws:states:us-east-1:111111111111:execution:Agent:r1", "name": "r1"},
    });
    let out = handle(&runner, event).await;
    // Keep the store alive while callers inspect pointers.
    std::mem::forget(dir);
    out.map(|v| v["output"].clone())
}

#[tokio::test]
async fn json_text_post_and_4xx_come_back_as_results() {
    let addr = serve().await;
    let out = call(tool(true), json!({"url": format!("http://{addr}/json")}))
        .await
        .unwrap();
    assert_eq!(out["status"], 200);
    assert_eq!(out["body"], json!({"hello": "world", "n": [1, 2, 3]}));
    assert_eq!(out["headers"]["content-type"], "application/json");

    let out = call(tool(true), json!({"url": format!("http://{addr}/text")}))
        .await
        .unwrap();
    assert_eq!(out["body"], "plain text");

    let out = call(
        tool(true),
        json!({"url": format!("http://{addr}/echo-method"), "method": "POST", "body": {"a": 1}}),
    )
    .await
    .unwrap();
    assert_eq!(out["body"], "POST");

    let out = call(tool(true), json!({"url": format!("http://{addr}/missing")}))
        .await
        .unwrap();
    assert_eq!(out["status"], 404);
    assert_eq!(out["body"], "no such page");
}

#[tokio::test]
async fn redirects_are_followed_and_each_hop_is_checked() {
    let addr = serve().await;
    let out = call(tool(true), json!({"url": format!("http://{addr}/to-json")}))
        .await
        .unwrap();
    assert_eq!(out["status"], 200);
    assert_eq!(out["url"], format!("http://{addr}/json"));

    for (path, needle) in [
        ("/to-metadata", "169.254.169.254"),
        ("/to-private", "10.0.0.7"),
    ] {
        let err = call(tool(true), json!({"url": format!("http://{addr}{path}")}))
            .await
            .unwrap_err();
        assert_eq!(err.name, ErrorName::InvalidInput, "{path}");
        assert!(
            err.message.contains(needle) && err.message.contains("refused"),
            "{}",
            err.message
        );
    }
    let err = call(tool(true), json!({"url": format!("http://{addr}/loop")}))
        .await
        .unwrap_err();
    assert!(err.message.contains("redirects"), "{}", err.message);
}

#[tokio::test]
async fn metadata_private_and_names_resolving_to_loopback_are_refused() {
    for url in [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://10.1.2.3/",
        "http://192.168.0.1:8080/admin",
        "http://[::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://0x7f000001/",
    ] {
        let err = call(tool(false), json!({"url": url})).await.unwrap_err();
        assert_eq!(err.name, ErrorName::InvalidInput, "{url}: {}", err.message);
        assert!(err.message.contains("refused"), "{url}: {}", err.message);
    }
    // A name is resolved before the check: `localhost` resolves to loopback.
    let addr = serve().await;
    let err = call(
        tool(false),
        json!({"url": format!("http://localhost:{}/json", addr.port())}),
    )
    .await
    .unwrap_err();
    assert!(
        err.message.contains("`localhost` resolves to"),
        "{}",
        err.message
    );
    // Even the allow-listed server is refused without the allow-list.
    let err = call(tool(false), json!({"url": format!("http://{addr}/json")}))
        .await
        .unwrap_err();
    assert!(err.message.contains("loopback"), "{}", err.message);
    let err = call(tool(false), json!({"url": "file:///etc/passwd"}))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("only http and https"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn server_errors_are_retryable_and_undelivered_requests_unavailable() {
    let addr = serve().await;
    let err = call(tool(true), json!({"url": format!("http://{addr}/busy")}))
        .await
        .unwrap_err();
    assert_eq!(
        err.name,
        ErrorName::Retryable,
        "a 503 may follow a request that ran"
    );
    let err = call(
        tool(true),
        json!({"url": format!("http://{addr}/throttle")}),
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.name,
        ErrorName::Unavailable,
        "a 429 turned the request away"
    );
    // Nothing listens on port 9 of loopback: connection refused, nothing was sent.
    let err = call(tool(true), json!({"url": "http://127.0.0.1:9/"}))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::Unavailable, "{}", err.message);
    // After a redirect the first request reached a server: the same refusal is no longer
    // proof that nothing ran.
    let redirector = serve_with(echo_or_redirect).await;
    let err = call(
        tool(true),
        json!({"url": format!("http://{redirector}/go/302/127.0.0.1:9/x")}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.name, ErrorName::Retryable, "{}", err.message);
}

#[tokio::test]
async fn a_large_body_is_offloaded_and_max_bytes_is_enforced() {
    let addr = serve().await;
    let out = call(tool(true), json!({"url": format!("http://{addr}/big")}))
        .await
        .unwrap();
    let pointer = OffloadPointer::from_value(&out["body"]).expect("the body is offloaded");
    assert_eq!(out["status"], 200);
    assert!(pointer.size > 32 * 1024);
    let err = call(
        tool(true),
        json!({"url": format!("http://{addr}/big"), "max_bytes": 1000}),
    )
    .await
    .unwrap_err();
    assert_eq!(err.name, ErrorName::InvalidInput);
    assert!(err.message.contains("max_bytes"), "{}", err.message);
}

#[tokio::test]
async fn redirects_to_another_origin_drop_credentials_and_never_resend_the_body() {
    let a = serve_with(echo_or_redirect).await;
    let b = serve_with(echo_or_redirect).await;
    let fetch = |url: String, extra: Value| {
        let mut input = json!({"url": url, "headers": credential_headers()});
        input
            .as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        call(tool(true), input)
    };
    let sent = |out: &Value, name: &str| out["body"]["headers"].get(name).is_some();

    // Same origin: everything the caller set arrives.
    let out = fetch(format!("http://{a}/go/302/{a}/echo"), json!({}))
        .await
        .unwrap();
    assert_eq!(out["url"], format!("http://{a}/echo"));
    for name in [
        "authorization",
        "cookie",
        "proxy-authorization",
        "x-api-key",
        "accept",
    ] {
        assert!(sent(&out, name), "same origin keeps {name}: {out}");
    }

    // Another port is another origin: only Accept arrives there; and a redirect back to the
    // first origin does not bring the credentials back.
    for url in [
        format!("http://{a}/go/302/{b}/echo"),
        format!("http://{a}/go/307/{b}/echo"),
        format!("http://{a}/go/308/{b}/go/302/{a}/echo"),
    ] {
        let out = fetch(url.clone(), json!({})).await.unwrap();
        assert_eq!(out["status"], 200, "{url}: {out}");
        for name in [
            "authorization",
            "cookie",
            "proxy-authorization",
            "x-api-key",
        ] {
            assert!(!sent(&out, name), "{url} forwarded {name}: {out}");
        }
        assert!(sent(&out, "accept"), "{url}: {out}");
        assert!(!out.to_string().contains("s3cret"), "{url}: {out}");
    }

    // A 307/308 of a POST body: followed within the origin (method and body kept) ...
    let post = json!({"method": "POST", "body": {"order": 1}});
    let out = fetch(format!("http://{a}/go/307/{a}/echo"), post.clone())
        .await
        .unwrap();
    assert_eq!(out["body"]["method"], "POST");
    assert_eq!(out["body"]["body"], r#"{"order":1}"#);
    // ... but not to another origin: the 307/308 itself is the result, naming the target.
    for status in [307, 308] {
        let url = format!("http://{a}/go/{status}/{b}/echo");
        let out = fetch(url.clone(), post.clone()).await.unwrap();
        assert_eq!(out["status"], status, "{out}");
        assert_eq!(out["url"], url);
        assert_eq!(out["headers"]["location"], format!("http://{b}/echo"));
    }
    // A 303 turns the POST into a GET without body (nor Content-Type) and may cross.
    let out = fetch(format!("http://{a}/go/303/{b}/echo"), post)
        .await
        .unwrap();
    assert_eq!(out["body"]["method"], "GET");
    assert_eq!(out["body"]["body"], "");
    assert!(!sent(&out, "content-type"), "{out}");
    assert!(!sent(&out, "authorization"), "{out}");
}

#[tokio::test]
async fn invalid_header_names_and_values_are_invalid_input_naming_the_header() {
    let addr = serve().await;
    for (headers, needle) in [
        (json!({"X Bad Name": "1"}), "X Bad Name"),
        (json!({"X-Colon:": "1"}), "X-Colon:"),
        (json!({"X-Token": "s3cret\r\nInjected: 1"}), "X-Token"),
        (json!({"X-Nul": "a\u{0}b"}), "X-Nul"),
    ] {
        let err = call(
            tool(true),
            json!({"url": format!("http://{addr}/json"), "headers": headers}),
        )
        .await
        .unwrap_err();
        assert_eq!(
            err.name,
            ErrorName::InvalidInput,
            "{headers}: {}",
            err.message
        );
        assert!(err.message.contains(needle), "{}", err.message);
        assert!(
            !err.message.contains("s3cret"),
            "the value leaks: {}",
            err.message
        );
    }
}

/// A pretty-printed JSON document of about `bytes` bytes (whitespace, so that the bytes
/// stored differ from a re-serialization of the parsed value).
fn pretty_json(bytes: usize) -> (Vec<u8>, Value) {
    let rows: Vec<Value> = (0..bytes / 60)
        .map(|i| json!({"id": i, "name": format!("item-{i}"), "ok": i & 1 == 0}))
        .collect();
    let doc = json!({"rows": rows});
    (serde_json::to_vec_pretty(&doc).unwrap(), doc)
}

#[tokio::test]
async fn a_large_json_body_is_offloaded_as_received_and_json_query_reads_it() {
    let (served, doc) = pretty_json(1_000_000);
    let served = Bytes::from(served);
    let body = served.clone();
    let addr = serve_with(move |req: Request<hyper::body::Incoming>| {
        let mut body = body.clone();
        if req.uri().path() == "/broken" {
            body.truncate(body.len() - 1);
        }
        async move {
            Ok(Response::builder()
                .header("content-type", "application/json; charset=utf-8")
                .body(Full::new(body))
                .unwrap())
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let store = offload::Store::local(dir.path());
    let exec =
        json!({"id": "arn:aws:states:us-east-1:111111111111:execution:Agent:r1", "name": "r1"});
    let runner = Runner::new(tool(true), store.clone()).unwrap();
    let out = handle(
        &runner,
        json!({"call": {"call_id": "f1", "tool": "http-fetch", "input": {"url": format!("http://{addr}/")}}, "execution": exec}),
    )
    .await
    .unwrap();
    let pointer = OffloadPointer::from_value(&out["output"]["body"]).expect("offloaded");
    // The bytes as received, not a re-serialization of a parsed value.
    assert_eq!(pointer.size, served.len() as u64);
    assert_eq!(pointer.media_type.as_deref(), Some("application/json"));
    assert_eq!(out["output"]["size"], served.len() as u64);
    let scoped = store.for_execution(&serde_json::from_value(exec.clone()).unwrap());
    assert_eq!(scoped.get_bytes(&pointer).await.unwrap(), served.to_vec());
    assert_eq!(scoped.get_json(&pointer).await.unwrap(), doc);

    // json-query reads the pointer.
    let query = Runner::new(json_query::JsonQuery, store).unwrap();
    let out = handle(
        &query,
        json!({"call": {"call_id": "q1", "tool": "json-query", "input": {
            "query": "$.rows[?@.id == 1234].name", "document": pointer.to_value()}}, "execution": exec}),
    )
    .await
    .unwrap();
    assert_eq!(out["output"]["matches"][0]["value"], "item-1234");

    // A body that says JSON but is not stays text, offloaded as a JSON string.
    let out = handle(
        &runner,
        json!({"call": {"call_id": "f2", "tool": "http-fetch", "input": {"url": format!("http://{addr}/broken")}}, "execution": exec}),
    )
    .await
    .unwrap();
    let pointer = OffloadPointer::from_value(&out["output"]["body"]).expect("offloaded");
    let text = scoped.get_json(&pointer).await.unwrap();
    assert_eq!(text.as_str().map(str::len), Some(served.len() - 1));
}

#[test]
fn committed_tool_json_matches_the_binary() {
    toolkit::testing::assert_manifest_matches::<http_fetch::HttpFetch>(env!("CARGO_MANIFEST_DIR"));
}
