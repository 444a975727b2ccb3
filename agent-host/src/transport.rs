//! How a host reaches a function: one Invoke, answered with the function's payload or the
//! error Step Functions would see, so the machine's retriers match it the same way.
//!
//! - [`LambdaApi`]: the Lambda Invoke API through `aws-sdk-lambda` (AWS, or any endpoint
//!   that speaks it, such as `sfn-gen serve`). A function error is its `errorType` (cause:
//!   the error document); a failure of the API itself is `Lambda.<its error code>`
//!   (`Lambda.TooManyRequestsException`, ...), or `Lambda.SdkClientException` when no
//!   answer came back.
//! - [`LocalProcesses`]: the binaries as local processes behind the embedded Lambda
//!   Runtime API (`lambda-local`), the errors named as `sfn-gen run` names them
//!   (`Sandbox.Timedout`, `Runtime.ExitError`, ...).
//!
//! An attempt past the caller's limit (a Task's `TimeoutSeconds`) is `States.Timeout` on
//! both.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use serde_json::Value;

use crate::retry::TaskError;

/// `States.Timeout`, as `asl` names it.
pub const STATES_TIMEOUT: &str = asl::model::STATES_TIMEOUT;

/// One Invoke of a function.
#[async_trait]
pub trait Invoke: Send + Sync {
    /// Invokes `function` with `payload`; `timeout` is the caller's limit for this attempt.
    async fn invoke(
        &self,
        function: &str,
        payload: &Value,
        timeout: Duration,
    ) -> Result<Value, TaskError>;
}

/// The Lambda Invoke API.
#[derive(Debug, Clone)]
pub struct LambdaApi {
    client: aws_sdk_lambda::Client,
}

impl LambdaApi {
    /// Invokes through `client`.
    pub fn new(client: aws_sdk_lambda::Client) -> Self {
        Self { client }
    }

    /// A client for a local endpoint (`sfn-gen serve`), with fixed test credentials.
    pub fn local(endpoint: &str) -> Self {
        let config = aws_sdk_lambda::Config::builder()
            .behavior_version(aws_sdk_lambda::config::BehaviorVersion::latest())
            .region(aws_sdk_lambda::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_lambda::config::Credentials::new(
                "local",
                "local",
                None,
                None,
                "agent-host",
            ))
            .endpoint_url(endpoint)
            .build();
        Self::new(aws_sdk_lambda::Client::from_conf(config))
    }

    /// A client from the environment (region, credentials), at `endpoint` when given.
    pub async fn from_env(endpoint: Option<&str>) -> Self {
        let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
        if let Some(url) = endpoint {
            loader = loader.endpoint_url(url);
        }
        Self::new(aws_sdk_lambda::Client::new(&loader.load().await))
    }
}

#[async_trait]
impl Invoke for LambdaApi {
    async fn invoke(
        &self,
        function: &str,
        payload: &Value,
        timeout: Duration,
    ) -> Result<Value, TaskError> {
        let body = serde_json::to_vec(payload).expect("a JSON value serializes");
        let send = self
            .client
            .invoke()
            .function_name(function)
            .payload(Blob::new(body))
            .send();
        let answer = match tokio::time::timeout(timeout, send).await {
            Err(_) => return Err(timed_out(timeout)),
            Ok(answer) => answer.map_err(|e| {
                let error = match e.code() {
                    Some(code) => format!("Lambda.{code}"),
                    None => "Lambda.SdkClientException".to_owned(),
                };
                TaskError {
                    error,
                    cause: aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
                }
            })?,
        };
        let body = answer.payload.map(Blob::into_inner).unwrap_or_default();
        let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        if answer.function_error.is_some() {
            let error = value
                .get("errorType")
                .and_then(Value::as_str)
                .unwrap_or("Lambda.Unknown")
                .to_owned();
            return Err(TaskError {
                error,
                cause: String::from_utf8_lossy(&body).into_owned(),
            });
        }
        Ok(value)
    }
}

/// The workspace's binaries as local processes.
#[derive(Clone)]
pub struct LocalProcesses {
    lambdas: Arc<lambda_local::LocalLambdas>,
}

impl LocalProcesses {
    /// Invokes the functions of `lambdas`.
    pub fn new(lambdas: lambda_local::LocalLambdas) -> Self {
        Self {
            lambdas: Arc::new(lambdas),
        }
    }

    /// Per-function invocation counts and cold starts so far.
    pub fn stats(&self) -> Vec<lambda_local::FunctionStats> {
        self.lambdas.stats()
    }
}

#[async_trait]
impl Invoke for LocalProcesses {
    async fn invoke(
        &self,
        function: &str,
        payload: &Value,
        timeout: Duration,
    ) -> Result<Value, TaskError> {
        let lambdas = self.lambdas.clone();
        let function = function.to_owned();
        let payload = payload.clone();
        // `LocalLambdas::invoke` blocks on its own runtime.
        let outcome =
            tokio::task::spawn_blocking(move || lambdas.invoke(&function, &payload, Some(timeout)))
                .await
                .map_err(|e| TaskError {
                    error: "Lambda.SdkClientException".to_owned(),
                    cause: format!("the local invocation was lost: {e}"),
                })?;
        outcome.map_err(|failure| match failure {
            lambda_local::InvokeFailure::TaskTimedOut(after) => timed_out(after),
            other => {
                let (error, cause) = other.error_and_cause();
                TaskError { error, cause }
            }
        })
    }
}

fn timed_out(after: Duration) -> TaskError {
    TaskError {
        error: STATES_TIMEOUT.to_owned(),
        cause: format!("the function did not answer within {}s", after.as_secs()),
    }
}
