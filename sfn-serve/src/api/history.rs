//! `GetExecutionHistory`: the stored events, paginated, in either order, with or without
//! the execution data (inputs and outputs).

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::executions::load_execution;
use super::{next_token, page, put, required};
use crate::error::ApiError;
use crate::runner::Runner;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Request {
    execution_arn: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
    reverse_order: Option<bool>,
    include_execution_data: Option<bool>,
}

/// The members that carry execution data in an event's details.
const DATA_MEMBERS: &[&str] = &[
    "input",
    "output",
    "parameters",
    "inputDetails",
    "outputDetails",
];

pub(super) fn get(runner: &Arc<Runner>, request: Request) -> Result<Value, ApiError> {
    let execution_arn = required(&request.execution_arn, "executionArn")?;
    load_execution(runner, execution_arn)?;
    let (offset, limit) = page(request.max_results, request.next_token.as_deref())?;
    let mut events = runner.store.events(
        execution_arn,
        request.reverse_order.unwrap_or(false),
        offset,
        limit,
    )?;
    let returned = events.len();
    if !request.include_execution_data.unwrap_or(true) {
        for event in &mut events {
            if let Value::Object(fields) = event {
                for (key, details) in fields.iter_mut() {
                    if key.ends_with("EventDetails")
                        && let Value::Object(details) = details
                    {
                        for member in DATA_MEMBERS {
                            details.remove(*member);
                        }
                    }
                }
            }
        }
    }
    let mut out = Map::new();
    out.insert("events".into(), Value::Array(events));
    put(&mut out, "nextToken", next_token(offset, limit, returned));
    Ok(Value::Object(out))
}
