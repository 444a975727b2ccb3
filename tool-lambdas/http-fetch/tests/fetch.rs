//! http-fetch against a real HTTP server on loopback (allow-listed), and the SSRF refusals:
//! the metadata endpoint, a private address, a name resolving to loopback, and a redirect
//! to a private address.

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
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
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(async move {
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), hyper::service::service_fn(route))
                    .await;
            });
        }
    });
    addr
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
async fn throttling_and_server_errors_are_retryable() {
    let addr = serve().await;
    for path in ["/busy", "/throttle"] {
        let err = call(tool(true), json!({"url": format!("http://{addr}{path}")}))
            .await
            .unwrap_err();
        assert_eq!(err.name, ErrorName::Retryable, "{path}");
    }
    // Nothing listens on port 9 of loopback: connection refused.
    let err = call(tool(true), json!({"url": "http://127.0.0.1:9/"}))
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

#[test]
fn committed_tool_json_matches_the_binary() {
    toolkit::testing::assert_manifest_matches::<http_fetch::HttpFetch>(env!("CARGO_MANIFEST_DIR"));
}
