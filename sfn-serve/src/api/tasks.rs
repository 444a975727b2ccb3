//! Task token operations: SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use super::required;
use crate::error::{ApiError, ErrorKind};
use crate::runner::{MAX_INPUT_BYTES, Runner};
use crate::tokens::Answer;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SuccessRequest {
    task_token: Option<String>,
    output: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FailureRequest {
    task_token: Option<String>,
    error: Option<String>,
    cause: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HeartbeatRequest {
    task_token: Option<String>,
}

pub(super) fn success(runner: &Arc<Runner>, request: SuccessRequest) -> Result<Value, ApiError> {
    let token = required(&request.task_token, "taskToken")?;
    let output = required(&request.output, "output")?;
    if output.len() > MAX_INPUT_BYTES {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'output' failed to satisfy constraint: Member must have length less than or equal to {MAX_INPUT_BYTES}"
        )));
    }
    let output: Value = serde_json::from_str(output).map_err(|e| {
        ApiError::new(
            ErrorKind::InvalidOutput,
            format!("Invalid Output: the task output is not JSON ({e}); pass a JSON document, e.g. '{{}}'"),
        )
    })?;
    runner.tokens.answer(token, Answer::Success(output))?;
    Ok(json!({}))
}

pub(super) fn failure(runner: &Arc<Runner>, request: FailureRequest) -> Result<Value, ApiError> {
    let token = required(&request.task_token, "taskToken")?;
    runner.tokens.answer(
        token,
        Answer::Failure {
            error: request.error.unwrap_or_default(),
            cause: request.cause.unwrap_or_default(),
        },
    )?;
    Ok(json!({}))
}

pub(super) fn heartbeat(
    runner: &Arc<Runner>,
    request: HeartbeatRequest,
) -> Result<Value, ApiError> {
    let token = required(&request.task_token, "taskToken")?;
    runner.tokens.answer(token, Answer::Heartbeat)?;
    Ok(json!({}))
}
