//! `mcp-proxy` against real MCP servers on loopback: `mcp-server-time` over stdio and
//! server-everything over Streamable HTTP, through the handler and through the real binary
//! behind lambda-local's Runtime API.

mod support;

use std::time::Duration;

use mcp_proxy::{Proxy, ProxyConfig, handle};
use protocol::mcp::McpTransport;
use protocol::{ErrorName, OffloadPointer};
use serde_json::{Value, json};
use support::*;

fn proxy(
    manifest: protocol::ToolManifest,
    offload: &std::path::Path,
    timeout_ms: Option<u64>,
) -> Proxy {
    let mut config = ProxyConfig::from_manifest(manifest, "test", |_| None).unwrap();
    if let Some(ms) = timeout_ms {
        config.timeout = Duration::from_millis(ms);
    }
    Proxy::new(config, offload::Store::local(offload)).unwrap()
}

fn stdio(path: &std::path::Path) -> McpTransport {
    McpTransport::Stdio {
        command: vec![
            path.display().to_string(),
            "--local-timezone".into(),
            "UTC".into(),
        ],
    }
}

fn text_of(output: &Value) -> String {
    output["output"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn time_over_stdio_answers_warm_and_an_error_result_is_an_error_the_agent_sees() {
    let Some(server) = time_server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let transport = stdio(&server);
    let tool = server_tool(&transport, "get_current_time").await;
    let p = proxy(
        manifest(transport, &tool, "time_get_current_time"),
        dir.path(),
        None,
    );
    let out = handle(
        &p,
        event("time_get_current_time", json!({"timezone": "Europe/Paris"})),
        None,
    )
    .await
    .unwrap();
    let text = text_of(&out);
    assert!(text.contains("Europe/Paris"), "{out}");
    assert!(
        p.connection().is_open().await,
        "the stdio child stays up between calls"
    );
    let err = handle(
        &p,
        event(
            "time_get_current_time",
            json!({"timezone": "Mars/Olympus_Mons"}),
        ),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err.name, ErrorName::Fatal, "{err}");
    assert!(err.message.contains("reported an error"), "{err}");
    assert!(err.message.contains("Mars/Olympus_Mons"), "{err}");
    // An error result is an answer, not a broken connection.
    assert!(p.connection().is_open().await);
    let out = handle(
        &p,
        event("time_get_current_time", json!({"timezone": "UTC"})),
        None,
    )
    .await
    .unwrap();
    assert!(text_of(&out).contains("UTC"), "{out}");
}

#[tokio::test]
async fn arguments_are_validated_against_the_servers_original_schema_before_the_call() {
    let Some(server) = time_server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let transport = stdio(&server);
    let tool = server_tool(&transport, "get_current_time").await;
    let p = proxy(
        manifest(transport, &tool, "time_get_current_time"),
        dir.path(),
        None,
    );
    let err = handle(&p, event("time_get_current_time", json!({})), None)
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::InvalidInput, "{err}");
    assert!(err.message.contains("timezone"), "{err}");
    assert!(
        !p.connection().is_open().await,
        "nothing was sent to the server"
    );
}

#[tokio::test]
async fn everything_over_http_text_structured_content_and_an_offloaded_image() {
    let Some(js) = everything_js() else { return };
    let server = Everything::start(&js);
    let dir = tempfile::tempdir().unwrap();
    let transport = McpTransport::StreamableHttp {
        url: server.url(),
        headers: vec![],
    };

    let sum = server_tool(&transport, "get-sum").await;
    let p = proxy(
        manifest(transport.clone(), &sum, "everything_get-sum"),
        dir.path(),
        None,
    );
    let out = handle(
        &p,
        event("everything_get-sum", json!({"a": 2, "b": 3})),
        None,
    )
    .await
    .unwrap();
    assert!(text_of(&out).contains('5'), "{out}");

    let structured = server_tool(&transport, "get-structured-content").await;
    let p = proxy(
        manifest(transport.clone(), &structured, "everything_weather"),
        dir.path(),
        None,
    );
    let out = handle(
        &p,
        event("everything_weather", json!({"location": "Chicago"})),
        None,
    )
    .await
    .unwrap();
    assert!(
        out["output"]["structuredContent"]["temperature"].is_number(),
        "{out}"
    );

    let image = server_tool(&transport, "get-tiny-image").await;
    let p = proxy(
        manifest(transport, &image, "everything_image"),
        dir.path(),
        None,
    );
    let out = handle(&p, event("everything_image", json!({})), None)
        .await
        .unwrap();
    let blocks = out["output"]["content"].as_array().unwrap();
    let img = blocks
        .iter()
        .find(|b| b["type"] == "image")
        .expect("an image block");
    assert_eq!(img["mimeType"], "image/png");
    let pointer = OffloadPointer::from_value(&img["data"]).expect("the image is a pointer");
    let store = offload::Store::local(dir.path()).for_execution(&protocol::ExecutionRef {
        id: "arn:aws:states:us-east-1:111111111111:execution:Agent:run-1".into(),
        name: "run-1".into(),
    });
    let bytes = store.get_bytes(&pointer).await.unwrap();
    assert_eq!(&bytes[..4], b"\x89PNG");
    assert!(
        !out.to_string().contains("iVBORw0KGgo"),
        "no base64 rides in the state"
    );
}

#[tokio::test]
async fn a_server_that_dies_mid_run_is_unavailable_and_the_next_call_reconnects() {
    let Some(js) = everything_js() else { return };
    let mut server = Everything::start(&js);
    let dir = tempfile::tempdir().unwrap();
    let transport = McpTransport::StreamableHttp {
        url: server.url(),
        headers: vec![],
    };
    let tool = server_tool(&transport, "get-sum").await;
    let p = proxy(
        manifest(transport, &tool, "everything_get-sum"),
        dir.path(),
        Some(10_000),
    );
    let call = || {
        handle(
            &p,
            event("everything_get-sum", json!({"a": 1, "b": 1})),
            None,
        )
    };
    call().await.unwrap();
    server.kill();
    let err = call().await.unwrap_err();
    // The dead server refuses the connection: the call provably did not run, so even a
    // tool that must not run twice is retried on it.
    assert_eq!(err.name, ErrorName::Unavailable, "{err}");
    assert!(
        !p.connection().is_open().await,
        "a broken session is dropped"
    );
    server.restart();
    let out = call().await.unwrap();
    assert!(text_of(&out).contains('2'), "{out}");
}

#[tokio::test]
async fn a_call_past_its_deadline_is_a_timeout() {
    let Some(js) = everything_js() else { return };
    let server = Everything::start(&js);
    let dir = tempfile::tempdir().unwrap();
    let transport = McpTransport::StreamableHttp {
        url: server.url(),
        headers: vec![],
    };
    let tool = server_tool(&transport, "trigger-long-running-operation").await;
    let p = proxy(
        manifest(transport, &tool, "everything_long"),
        dir.path(),
        Some(1_000),
    );
    let err = handle(
        &p,
        event("everything_long", json!({"duration": 5, "steps": 5})),
        None,
    )
    .await
    .unwrap_err();
    assert_eq!(err.name, ErrorName::Timeout, "{err}");
}

#[test]
fn the_real_binary_behind_the_runtime_api_reuses_its_connection_and_names_its_errors() {
    let Some(server) = time_server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let transport = stdio(&server);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let tool = rt.block_on(server_tool(&transport, "get_current_time"));
    let m = manifest(transport, &tool, "time_get_current_time");
    let path = dir.path().join("tool.json");
    std::fs::write(&path, serde_json::to_string_pretty(&m).unwrap()).unwrap();
    let mut spec =
        lambda_local::FunctionSpec::new("time_get_current_time", env!("CARGO_BIN_EXE_mcp-proxy"));
    spec.timeout = Duration::from_secs(30);
    spec.env
        .insert("AWS_LAMBDA_LOG_LEVEL".into(), "error".into());
    spec.env.insert(
        "OFFLOAD_DIR".into(),
        dir.path().join("offload").display().to_string(),
    );
    spec.env
        .insert("MCP_PROXY_MANIFEST".into(), path.display().to_string());
    let l = lambda_local::LocalLambdas::start(vec![spec]).unwrap();
    for _ in 0..3 {
        let ok = l
            .invoke(
                "time_get_current_time",
                &event("time_get_current_time", json!({"timezone": "UTC"})),
                None,
            )
            .unwrap();
        assert!(text_of(&ok).contains("UTC"), "{ok}");
    }
    let err = l
        .invoke(
            "time_get_current_time",
            &event("time_get_current_time", json!({"timezone": "Nowhere/Land"})),
            None,
        )
        .unwrap_err();
    let lambda_local::InvokeFailure::Function { error, cause } = &err else {
        panic!("expected a function error, got {err:?}");
    };
    assert_eq!(error, ErrorName::Fatal.as_str(), "{cause}");
    assert!(cause.contains("Nowhere/Land"), "{cause}");
    assert_eq!(
        l.stats()[0].init_ms.len(),
        1,
        "one cold start served every call"
    );
}

#[tokio::test]
async fn a_stdio_server_that_dies_mid_run_is_retryable_and_the_next_call_respawns_it() {
    let Some(server) = time_server() else { return };
    let dir = tempfile::tempdir().unwrap();
    // The launcher records the server's pid (`exec` keeps it) so the test can kill it.
    let pid_file = dir.path().join("pid");
    let launcher = dir.path().join("time.sh");
    std::fs::write(
        &launcher,
        format!(
            "echo $$ > '{}'\nexec '{}' --local-timezone UTC\n",
            pid_file.display(),
            server.display()
        ),
    )
    .unwrap();
    let transport = McpTransport::Stdio {
        command: vec!["sh".into(), launcher.display().to_string()],
    };
    let tool = server_tool(&transport, "get_current_time").await;
    let p = proxy(
        manifest(transport, &tool, "time_now"),
        dir.path(),
        Some(10_000),
    );
    let call = || handle(&p, event("time_now", json!({"timezone": "UTC"})), None);
    call().await.unwrap();
    let first = std::fs::read_to_string(&pid_file).unwrap();
    let killed = std::process::Command::new("kill")
        .args(["-9", first.trim()])
        .status()
        .unwrap();
    assert!(killed.success());
    let err = call().await.unwrap_err();
    assert_eq!(err.name, ErrorName::Retryable, "{err}");
    let out = call().await.unwrap();
    assert!(text_of(&out).contains("UTC"), "{out}");
    let second = std::fs::read_to_string(&pid_file).unwrap();
    assert_ne!(first, second, "the server was spawned again");
}
