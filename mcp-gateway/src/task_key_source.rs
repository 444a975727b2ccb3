//! Where the deployed gateway's task key comes from: `MCP_GATEWAY_TASK_KEY` (base64, for
//! local runs and tests) or, as the CDK stack deploys it, `MCP_GATEWAY_TASK_KEY_SECRET`,
//! a Secrets Manager secret (name or ARN) whose `SecretString` is the key itself, read once
//! per cold start. Every instance of the function reads the same secret, so a task id
//! sealed by one instance opens on any other. The key is never logged or echoed.

use crate::task_id::TaskKey;

/// The environment variable holding the key as base64.
pub const KEY_ENV: &str = "MCP_GATEWAY_TASK_KEY";
/// The environment variable naming the secret that holds the key.
pub const SECRET_ENV: &str = "MCP_GATEWAY_TASK_KEY_SECRET";

/// Why no key could be had, with what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum TaskKeyError {
    /// Neither variable is set.
    #[error("set {KEY_ENV} (base64, 32+ bytes) or {SECRET_ENV} (a Secrets Manager secret)")]
    Unset,
    /// `MCP_GATEWAY_TASK_KEY` is not a usable base64 key.
    #[error("{KEY_ENV}: {0}")]
    Base64(String),
    /// The secret could not be read or does not hold a usable key.
    #[error("{SECRET_ENV} `{secret}`: {message}")]
    Secret {
        /// The secret's name or ARN, as configured.
        secret: String,
        /// What went wrong and what to do about it (never the secret's value).
        message: String,
    },
}

/// The key from `MCP_GATEWAY_TASK_KEY`, else from the secret `MCP_GATEWAY_TASK_KEY_SECRET`
/// names (read with the standard AWS configuration chain). `env` looks a variable up.
pub async fn task_key(env: impl Fn(&str) -> Option<String>) -> Result<TaskKey, TaskKeyError> {
    if let Some(text) = env(KEY_ENV) {
        return TaskKey::from_base64(&text).map_err(TaskKeyError::Base64);
    }
    let Some(secret) = env(SECRET_ENV) else {
        return Err(TaskKeyError::Unset);
    };
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    from_secret(&aws_sdk_secretsmanager::Client::new(&aws), &secret).await
}

/// The key held by `secret` (name or ARN): its `SecretString`'s bytes, at least 32.
pub async fn from_secret(
    client: &aws_sdk_secretsmanager::Client,
    secret: &str,
) -> Result<TaskKey, TaskKeyError> {
    let fail = |message: String| TaskKeyError::Secret {
        secret: secret.to_owned(),
        message,
    };
    let fetched = client
        .get_secret_value()
        .secret_id(secret)
        .send()
        .await
        .map_err(|e| {
            fail(format!(
                "cannot read it: {}; check that it exists in this region and that the \
                 function's role may call secretsmanager:GetSecretValue on it",
                aws_sdk_secretsmanager::error::DisplayErrorContext(&e)
            ))
        })?;
    let text = fetched
        .secret_string()
        .ok_or_else(|| fail("it holds binary data; store the key as its SecretString".into()))?;
    TaskKey::new(text.as_bytes().to_vec()).map_err(fail)
}
