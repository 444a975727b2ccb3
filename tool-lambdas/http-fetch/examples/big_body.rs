//! Peak memory of fetching a large JSON body: serves a generated JSON document of about
//! `MB` megabytes from a local server, fetches it through the tool (local offload store),
//! and prints the process's resident set before the fetch and at its peak during it.
//!
//! ```text
//! cargo run --release -p http-fetch --example big_body -- 9.9
//! /usr/bin/time -v target/release/examples/big_body 99
//! ```
//!
//! The served body is built once and shared (the server holds one copy, counted in the
//! "before" figure); the peak high-water mark is reset after it is built (Linux only), so
//! "peak" minus "before" is what the fetch itself costs.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper_util::rt::TokioIo;
use serde_json::json;
use toolkit::{Runner, handle};

/// A JSON array of small records, about `target` bytes.
fn body(target: usize) -> Bytes {
    let mut out = Vec::with_capacity(target + 128);
    out.push(b'[');
    let mut i = 0u64;
    while out.len() < target {
        if i > 0 {
            out.push(b',');
        }
        let row = json!({"id": i, "name": format!("item-{i}"), "ok": i & 1 == 0, "tags": ["a", "b"], "price": 1.5});
        serde_json::to_writer(&mut out, &row).unwrap();
        i += 1;
    }
    out.push(b']');
    Bytes::from(out)
}

fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn serve(body: Bytes) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let body = body.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req| {
                    let body = body.clone();
                    async move {
                        Ok::<_, Infallible>(
                            Response::builder()
                                .header("content-type", "application/json")
                                .body(Full::new(body))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    addr
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mb: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(9.9);
    let body = body((mb * 1_000_000.0) as usize);
    let size = body.len();
    let addr = serve(body).await;
    let dir = tempfile::tempdir().unwrap();
    let tool = http_fetch::HttpFetch::new(http_fetch::AddressPolicy::with_allow_list(vec![
        "127.0.0.1/32".parse().unwrap(),
    ]));
    let runner = Runner::new(tool, offload::Store::local(dir.path())).unwrap();
    // Reset the peak-RSS high-water mark so that it measures the fetch only.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kb("VmRSS:");
    let event = json!({
        "call": {"call_id": "f1", "tool": "http-fetch", "input": {
            "url": format!("http://{addr}/big"),
            "max_bytes": 104_857_600,
            "timeout_ms": 60_000,
        }},
        "execution": {"id": "arn:aws:states:us-east-1:111111111111:execution:Agent:r1", "name": "r1"},
    });
    let start = Instant::now();
    let out = handle(&runner, event).await;
    let elapsed = start.elapsed();
    let peak = status_kb("VmHWM:");
    let summary = match &out {
        Ok(v) => {
            let body = &v["output"]["body"];
            if body.get("$offload").is_some() {
                format!("body offloaded ({} bytes)", body["size"])
            } else {
                "body inline".to_owned()
            }
        }
        Err(e) => format!("error: {e}"),
    };
    println!(
        "body {size} bytes: {summary}; {elapsed:?}; RSS before {} MB, peak {} MB (fetch cost {} MB)",
        before / 1024,
        peak / 1024,
        peak.saturating_sub(before) / 1024
    );
}
