//! Per-call overhead of `mcp-proxy`: warm (one process keeps the connection, as a warm
//! Lambda does) against cold (a new connection, and for stdio a new server process, for
//! every call, as a wrapper that restarts the server per invocation does). Run by
//! `bench/mcp-proxy/run.sh`; prints a Markdown table.
//!
//! Usage: `proxy_bench TIME_SERVER EVERYTHING_JS [WARM_CALLS] [COLD_CALLS]`.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mcp_proxy::{Proxy, ProxyConfig, handle};
use protocol::mcp::{MCP_PROXY_RUNTIME, McpBinding, McpTransport};
use protocol::{SfnConfig, ToolManifest};
use serde_json::{Value, json};

fn manifest(transport: McpTransport, tool: &str) -> ToolManifest {
    ToolManifest {
        name: "bench_tool".into(),
        title: None,
        description: "bench".into(),
        input_schema: json!({"type": "object"}),
        output_schema: None,
        annotations: Default::default(),
        x_sfn: SfnConfig {
            mcp: Some(McpBinding {
                runtime: MCP_PROXY_RUNTIME.into(),
                server: "bench".into(),
                transport,
                tool: tool.into(),
                input_schema: json!({"type": "object"}),
                output_schema: None,
            }),
            ..SfnConfig::default()
        },
    }
}

fn event(input: Value) -> Value {
    json!({
        "call": {"call_id": "c1", "tool": "bench_tool", "input": input},
        "execution": {"id": "arn:aws:states:us-east-1:111111111111:execution:Agent:bench", "name": "bench"},
    })
}

fn proxy(m: &ToolManifest, store: &Path) -> Proxy {
    let config = ProxyConfig::from_manifest(m.clone(), "bench", |_| None).expect("config");
    Proxy::new(config, offload::Store::local(store)).expect("proxy")
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn measure(
    m: &ToolManifest,
    input: Value,
    warm: usize,
    cold: usize,
    store: &Path,
) -> (Duration, Duration) {
    let p = proxy(m, store);
    handle(&p, event(input.clone()), None)
        .await
        .expect("first call");
    let mut warm_times = Vec::with_capacity(warm);
    for _ in 0..warm {
        let t = Instant::now();
        handle(&p, event(input.clone()), None)
            .await
            .expect("warm call");
        warm_times.push(t.elapsed());
    }
    let mut cold_times = Vec::with_capacity(cold);
    for _ in 0..cold {
        let t = Instant::now();
        let p = proxy(m, store);
        handle(&p, event(input.clone()), None)
            .await
            .expect("cold call");
        drop(p);
        cold_times.push(t.elapsed());
    }
    (median(warm_times), median(cold_times))
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    assert!(
        args.len() >= 3,
        "usage: bench TIME_SERVER EVERYTHING_JS [WARM_CALLS] [COLD_CALLS]"
    );
    let warm: usize = args.get(3).map_or(200, |s| s.parse().expect("a number"));
    let cold: usize = args.get(4).map_or(20, |s| s.parse().expect("a number"));
    let store = tempfile_dir();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _server = Server(
        Command::new("node")
            .arg(&args[2])
            .arg("streamableHttp")
            .env("PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs"),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "server-everything did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let rows = [
        (
            "`mcp-server-time` over stdio, `get_current_time`",
            "new server process + initialize + call",
            manifest(
                McpTransport::Stdio {
                    command: vec![args[1].clone()],
                },
                "get_current_time",
            ),
            json!({"timezone": "UTC"}),
        ),
        (
            "server-everything over Streamable HTTP (loopback), `get-sum`",
            "new HTTP session (initialize) + call",
            manifest(
                McpTransport::StreamableHttp {
                    url: format!("http://127.0.0.1:{port}/mcp"),
                    headers: vec![],
                },
                "get-sum",
            ),
            json!({"a": 1, "b": 2}),
        ),
    ];
    println!(
        "| server and tool | warm: connection reused (median of {warm}) | cold: new connection per call (median of {cold}) | cold / warm |"
    );
    println!("| --- | ---: | ---: | ---: |");
    for (label, what, m, input) in rows {
        let (w, c) = measure(&m, input, warm, cold, &store).await;
        println!(
            "| {label} | {:.2} ms | {:.2} ms ({what}) | **{:.0}x** |",
            w.as_secs_f64() * 1e3,
            c.as_secs_f64() * 1e3,
            c.as_secs_f64() / w.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&store);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mcp-proxy-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
