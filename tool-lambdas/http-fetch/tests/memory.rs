//! Peak memory of fetching a large JSON body, measured on the whole test process (its own
//! binary, one test, so nothing else runs meanwhile): the resident-set high-water mark
//! (`VmHWM`) is reset after the served body is built, and read after the fetch. Linux only
//! (elsewhere the test only fetches; on Linux an unwritable `/proc/self/clear_refs` fails it).

use std::convert::Infallible;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Response;
use hyper_util::rt::TokioIo;
use protocol::OffloadPointer;
use serde_json::json;
use toolkit::{Runner, handle};

/// A compact JSON array of small records of about `target` bytes: the shape that inflates
/// most when parsed into a `serde_json::Value` (about 20x).
fn records(target: usize) -> Bytes {
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

fn status_kib(field: &str) -> Option<u64> {
    std::fs::read_to_string("/proc/self/status")
        .ok()?
        .lines()
        .find_map(|l| l.strip_prefix(field))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[tokio::test(flavor = "current_thread")]
async fn json_body_peak_memory_stays_a_small_multiple_of_its_size() {
    let served = records(9_900_000);
    let size = served.len() as u64;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let body = served.clone();
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
    let dir = tempfile::tempdir().unwrap();
    let tool = http_fetch::HttpFetch::new(http_fetch::AddressPolicy::with_allow_list(vec![
        "127.0.0.1/32".parse().unwrap(),
    ]));
    let runner = Runner::new(tool, offload::Store::local(dir.path())).unwrap();
    let measured = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    // On Linux the measurement is the point of the test: not being able to take it fails.
    assert!(
        measured || !cfg!(target_os = "linux"),
        "cannot reset the peak resident set (/proc/self/clear_refs); run on a Linux with procfs writable"
    );
    let before = status_kib("VmRSS:");

    let out = handle(
        &runner,
        json!({
            "call": {"call_id": "f1", "tool": "http-fetch", "input": {"url": format!("http://{addr}/")}},
            "execution": {"id": "arn:aws:states:us-east-1:111111111111:execution:Agent:r1", "name": "r1"},
        }),
    )
    .await
    .unwrap();
    let pointer = OffloadPointer::from_value(&out["output"]["body"]).expect("offloaded");
    assert_eq!(pointer.size, size);

    if let (true, Some(before), Some(peak)) = (measured, before, status_kib("VmHWM:")) {
        let grew = (peak.saturating_sub(before)) * 1024;
        // The body is held once (plus buffers); parsing it into a Value took ~20x.
        assert!(
            grew < 3 * size,
            "fetching a {size}-byte JSON body grew the resident set by {grew} bytes (more than 3x)"
        );
    }
}
