//! The Step Functions API (AWS JSON 1.0): one function per operation, grouped by what it
//! acts on, behind [`dispatch`].
//!
//! Requests are decoded into typed structs with `serde_path_to_error`, so a field of the
//! wrong type is a `ValidationException` that names it. Responses use AWS's member names;
//! dates are epoch seconds, as the protocol sends them.

mod executions;
mod history;
mod machines;
mod tasks;
mod validate;

use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{ApiError, ErrorKind};
use crate::runner::Runner;

/// The operations served, as named in `X-Amz-Target: AWSStepFunctions.<Op>`.
pub const OPERATIONS: &[&str] = &[
    "CreateStateMachine",
    "UpdateStateMachine",
    "DescribeStateMachine",
    "ListStateMachines",
    "DeleteStateMachine",
    "ValidateStateMachineDefinition",
    "StartExecution",
    "StartSyncExecution",
    "DescribeExecution",
    "ListExecutions",
    "GetExecutionHistory",
    "StopExecution",
    "DescribeStateMachineForExecution",
    "SendTaskSuccess",
    "SendTaskFailure",
    "SendTaskHeartbeat",
];

/// The prefix of `X-Amz-Target`.
pub const TARGET_PREFIX: &str = "AWSStepFunctions.";

/// Runs one operation on a request body. Blocks (the store, StartSyncExecution): call it
/// off the async runtime's workers.
pub fn dispatch(runner: &Arc<Runner>, operation: &str, body: &[u8]) -> Result<Value, ApiError> {
    if !OPERATIONS.contains(&operation) {
        return Err(ApiError::new(
            ErrorKind::UnknownOperationException,
            format!(
                "the operation `{operation}` is not served here; this server serves {}",
                OPERATIONS.join(", ")
            ),
        ));
    }
    let request: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        serde_json::from_slice(body).map_err(|e| {
            ApiError::new(
                ErrorKind::SerializationException,
                format!("the request body is not JSON ({e}); send an AWS JSON 1.0 document"),
            )
        })?
    };
    if !request.is_object() {
        return Err(ApiError::new(
            ErrorKind::SerializationException,
            "the request body is not a JSON object; send an AWS JSON 1.0 document",
        ));
    }
    match operation {
        "CreateStateMachine" => machines::create(runner, decode(request)?),
        "UpdateStateMachine" => machines::update(runner, decode(request)?),
        "DescribeStateMachine" => machines::describe(runner, decode(request)?),
        "ListStateMachines" => machines::list(runner, decode(request)?),
        "DeleteStateMachine" => machines::delete(runner, decode(request)?),
        "ValidateStateMachineDefinition" => validate::validate(decode(request)?),
        "StartExecution" => executions::start(runner, decode(request)?),
        "StartSyncExecution" => executions::start_sync(runner, decode(request)?),
        "DescribeExecution" => executions::describe(runner, decode(request)?),
        "ListExecutions" => executions::list(runner, decode(request)?),
        "StopExecution" => executions::stop(runner, decode(request)?),
        "DescribeStateMachineForExecution" => {
            executions::describe_machine_for(runner, decode(request)?)
        }
        "GetExecutionHistory" => history::get(runner, decode(request)?),
        "SendTaskSuccess" => tasks::success(runner, decode(request)?),
        "SendTaskFailure" => tasks::failure(runner, decode(request)?),
        _ => tasks::heartbeat(runner, decode(request)?),
    }
}

/// Decodes a request, naming the field that does not fit.
fn decode<T: DeserializeOwned>(request: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(request).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        ApiError::validation(format!(
            "1 validation error detected: the request's `{path}` {inner}; see the Step Functions API reference for the operation's members"
        ))
    })
}

/// A required member.
fn required<'a>(value: &'a Option<String>, member: &str) -> Result<&'a str, ApiError> {
    value.as_deref().ok_or_else(|| {
        ApiError::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    })
}

/// `maxResults`/`nextToken` pagination over offsets: returns (offset, limit).
fn page(max_results: Option<i64>, next_token: Option<&str>) -> Result<(u64, u64), ApiError> {
    let limit = match max_results {
        None | Some(0) => 100,
        Some(n @ 1..=1000) => n as u64,
        Some(n) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 0 and 1000"
            )));
        }
    };
    let offset = match next_token {
        None | Some("") => 0,
        Some(token) => token.strip_prefix("p").and_then(|t| t.parse().ok()).ok_or_else(|| {
            ApiError::new(
                ErrorKind::InvalidToken,
                format!("Invalid Token: `{token}` is not a nextToken this server gave; pass the nextToken of the previous page, or none for the first page"),
            )
        })?,
    };
    Ok((offset, limit))
}

/// The `nextToken` of a page that came back full.
fn next_token(offset: u64, limit: u64, returned: usize) -> Option<String> {
    (returned as u64 == limit).then(|| format!("p{}", offset + limit))
}

/// Puts `value` under `key` unless it is `None`.
fn put(object: &mut serde_json::Map<String, Value>, key: &str, value: Option<impl Into<Value>>) {
    if let Some(v) = value {
        object.insert(key.to_owned(), v.into());
    }
}
