//! The deployed gateway's task key read from a real Secrets Manager API: moto's server on
//! loopback, the process `scripts/test.sh` starts for S3 (`TEST_S3_ENDPOINT`), through
//! aws-sdk-secretsmanager, as the CDK stack deploys it (`MCP_GATEWAY_TASK_KEY_SECRET`).

use mcp_gateway::task_key_source::{TaskKeyError, from_secret};

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

async fn create(client: &aws_sdk_secretsmanager::Client, name: &str, text: &str) -> String {
    let created = client
        .create_secret()
        .name(name)
        .secret_string(text)
        .send()
        .await
        .expect("moto creates the secret");
    created.arn().expect("an ARN").to_owned()
}

#[tokio::test]
async fn two_instances_reading_the_secret_open_each_others_task_ids() {
    let Some(client) = client().await else { return };
    let name = format!("mcp-gateway-key-{}", std::process::id());
    let arn = create(&client, &name, &"k".repeat(48)).await;
    // Two cold starts: one by name, one by ARN, as either may be configured.
    let first = from_secret(&client, &name).await.unwrap();
    let second = from_secret(&client, &arn).await.unwrap();
    let execution = "arn:aws:states:us-east-1:123456789012:execution:Agent:run-1";
    let id = first.seal("caller-a", execution);
    assert_eq!(second.open("caller-a", &id).unwrap(), execution);
    assert!(
        second.open("caller-b", &id).is_err(),
        "still bound to its caller"
    );
}

#[tokio::test]
async fn a_short_or_missing_secret_is_refused_by_name_without_its_text() {
    let Some(client) = client().await else { return };
    let name = format!("mcp-gateway-short-key-{}", std::process::id());
    create(&client, &name, "too-short-secret-text").await;
    let short = from_secret(&client, &name).await.unwrap_err();
    let text = short.to_string();
    assert!(matches!(short, TaskKeyError::Secret { .. }));
    assert!(
        text.contains(&name) && text.contains("at least 32"),
        "{text}"
    );
    assert!(
        !text.contains("too-short-secret-text"),
        "never echoes the key: {text}"
    );

    let missing = format!("mcp-gateway-absent-{}", std::process::id());
    let text = from_secret(&client, &missing)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        text.contains(&missing) && text.contains("secretsmanager:GetSecretValue"),
        "{text}"
    );
}
