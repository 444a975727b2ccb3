//! The HTTP front refuses what a browser-borne or rebinding attacker would send: a foreign
//! `Origin` or `Host`; and serves MCP only at `/mcp`.

use serde_json::json;

use crate::support::{Stack, post};

fn initialize() -> serde_json::Value {
    json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "guard-test", "version": "0"}
    }})
}

#[tokio::test(flavor = "multi_thread")]
async fn a_foreign_origin_or_host_is_refused_and_only_mcp_is_served() {
    let stack = Stack::gateway_only().await;
    let (status, body) = post(&stack.url, &[], &initialize()).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["protocolVersion"], "2025-11-25", "{body}");
    assert!(
        body["result"]["capabilities"]["tools"].is_object(),
        "{body}"
    );

    let own = format!("http://127.0.0.1:{}", stack.port);
    let (status, _) = post(&stack.url, &[("origin", &own)], &initialize()).await;
    assert_eq!(status, 200);
    let (status, body) = post(
        &stack.url,
        &[("origin", "https://evil.example")],
        &initialize(),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = post(&stack.url, &[("host", "evil.example")], &initialize()).await;
    assert_eq!(status, 403, "{body}");

    let elsewhere = stack.url.replace("/mcp", "/other");
    let (status, _) = post(&elsewhere, &[], &initialize()).await;
    assert_eq!(status, 404);

    // Not a JSON-RPC message: refused before any handler runs. rmcp 3.11 answers 415 with a
    // plain-text reason here (the spec suggests 400 and a JSON-RPC error).
    let (status, body) = post(
        &stack.url,
        &[],
        &json!({"jsonrpc": "2.0", "id": 2, "method": 7}),
    )
    .await;
    assert!((400..500).contains(&status), "{status} {body}");
    stack.stop().await;
}
