//! Header values read from a real Secrets Manager API: moto's server on loopback, the same
//! process `scripts/test.sh` starts for S3 (`TEST_S3_ENDPOINT`), through aws-sdk-secretsmanager.

use mcp_proxy::ProxyConfig;
use mcp_proxy::config::ConfigError;
use serde_json::json;

fn manifest() -> protocol::ToolManifest {
    serde_json::from_value(json!({
        "name": "srv_echo", "description": "d", "inputSchema": {"type": "object"},
        "x-sfn": {"timeoutSeconds": 10, "mcp": {
            "runtime": "mcp-proxy", "server": "srv", "tool": "echo",
            "inputSchema": {"type": "object"},
            "transport": {"streamableHttp": {"url": "http://127.0.0.1:9/mcp",
                          "headers": ["Authorization"]}}}}
    }))
    .unwrap()
}

async fn client() -> Option<aws_sdk_secretsmanager::Client> {
    let Ok(endpoint) = std::env::var("TEST_S3_ENDPOINT") else {
        eprintln!(
            "TEST_S3_ENDPOINT is not set: the Secrets Manager test skipped (scripts/test.sh starts moto's server and sets it)"
        );
        return None;
    };
    let aws = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_secretsmanager::config::Credentials::new(
            "test", "test", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .load()
        .await;
    Some(aws_sdk_secretsmanager::Client::new(&aws))
}

#[tokio::test]
async fn the_proxy_reads_its_headers_from_the_named_secret() {
    let Some(client) = client().await else { return };
    let name = format!("mcp-proxy-test-{}", std::process::id());
    let created = client
        .create_secret()
        .name(&name)
        .secret_string(json!({"Authorization": "Bearer from-the-secret"}).to_string())
        .send()
        .await
        .expect("moto creates the secret");
    let arn = created.arn().expect("an ARN").to_owned();
    let env = |k: &str| (k == "MCP_HEADERS_SECRET").then(|| arn.clone());
    let mut config = ProxyConfig::from_manifest(manifest(), "test", env).unwrap();
    assert!(config.headers.is_empty(), "nothing is read before resolve");
    mcp_proxy::secret::resolve_with(&mut config, &client)
        .await
        .unwrap();
    assert_eq!(
        config.headers,
        [(
            "Authorization".to_owned(),
            "Bearer from-the-secret".to_owned()
        )]
    );

    // A secret that does not exist: the error names it and says what to check.
    let env = |k: &str| (k == "MCP_HEADERS_SECRET").then(|| format!("{name}-missing"));
    let mut config = ProxyConfig::from_manifest(manifest(), "test", env).unwrap();
    let err = mcp_proxy::secret::resolve_with(&mut config, &client)
        .await
        .unwrap_err();
    assert!(matches!(err, ConfigError::Secret { .. }), "{err}");
    let text = err.to_string();
    assert!(text.contains(&format!("{name}-missing")), "{text}");
    assert!(text.contains("secretsmanager:GetSecretValue"), "{text}");
}
