//! AWS SDK clients for the gateway: the default chain (AWS, or `AWS_ENDPOINT_URL`), or a
//! local endpoint (`sfn-gen serve`, which accepts any credentials).

/// Lambda and Step Functions clients for `endpoint`, with placeholder credentials and
/// region `us-east-1` (what `sfn-gen serve` expects).
pub fn local(endpoint: &str) -> (aws_sdk_lambda::Client, aws_sdk_sfn::Client) {
    let credentials = aws_sdk_sfn::config::Credentials::new("local", "local", None, None, "local");
    let lambda = aws_sdk_lambda::Config::builder()
        .behavior_version_latest()
        .endpoint_url(endpoint)
        .region(aws_sdk_lambda::config::Region::new("us-east-1"))
        .credentials_provider(credentials.clone())
        .build();
    let sfn = aws_sdk_sfn::Config::builder()
        .behavior_version_latest()
        .endpoint_url(endpoint)
        .region(aws_sdk_sfn::config::Region::new("us-east-1"))
        .credentials_provider(credentials)
        .build();
    (
        aws_sdk_lambda::Client::from_conf(lambda),
        aws_sdk_sfn::Client::from_conf(sfn),
    )
}

/// Clients from the environment's configuration (region, credentials, endpoints).
pub async fn from_env() -> (aws_sdk_lambda::Client, aws_sdk_sfn::Client) {
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    (
        aws_sdk_lambda::Client::new(&config),
        aws_sdk_sfn::Client::new(&config),
    )
}

/// The ARN of the state machine `name` holding `definition`: created, or updated when one
/// of that name exists (for a local endpoint, where the gateway brings its own machine).
pub async fn ensure_state_machine(
    sfn: &aws_sdk_sfn::Client,
    name: &str,
    definition: &str,
    role_arn: &str,
) -> anyhow::Result<String> {
    use anyhow::Context;
    let listed = sfn
        .list_state_machines()
        .send()
        .await
        .context("cannot list the state machines (is the endpoint a Step Functions API?)")?;
    if let Some(existing) = listed.state_machines.iter().find(|m| m.name == name) {
        sfn.update_state_machine()
            .state_machine_arn(&existing.state_machine_arn)
            .definition(definition)
            .send()
            .await
            .with_context(|| format!("cannot update the state machine `{name}`"))?;
        return Ok(existing.state_machine_arn.clone());
    }
    let created = sfn
        .create_state_machine()
        .name(name)
        .definition(definition)
        .role_arn(role_arn)
        .send()
        .await
        .with_context(|| format!("cannot create the state machine `{name}`"))?;
    Ok(created.state_machine_arn)
}
