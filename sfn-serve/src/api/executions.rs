//! Execution operations: Start, StartSync, Describe, List, Stop and
//! DescribeStateMachineForExecution.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::machines::load;
use super::{next_token, page, put, required};
use crate::arn;
use crate::error::{ApiError, ErrorKind};
use crate::runner::Runner;
use crate::store::ExecutionRow;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StartRequest {
    state_machine_arn: Option<String>,
    name: Option<String>,
    input: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ExecutionRequest {
    execution_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct StopRequest {
    execution_arn: Option<String>,
    error: Option<String>,
    cause: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListRequest {
    state_machine_arn: Option<String>,
    status_filter: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

/// Loads an execution by ARN, or `ExecutionDoesNotExist`.
pub(super) fn load_execution(
    runner: &Runner,
    execution_arn: &str,
) -> Result<ExecutionRow, ApiError> {
    arn::check_execution_arn(execution_arn)?;
    runner.store.execution(execution_arn)?.ok_or_else(|| {
        ApiError::new(
            ErrorKind::ExecutionDoesNotExist,
            format!("Execution Does Not Exist: '{execution_arn}'; list a machine's executions with ListExecutions"),
        )
    })
}

pub(super) fn start(runner: &Arc<Runner>, request: StartRequest) -> Result<Value, ApiError> {
    let machine_arn = required(&request.state_machine_arn, "stateMachineArn")?;
    let machine = load(runner, machine_arn)?;
    let (arn, started) =
        runner.start(&machine, request.name.as_deref(), request.input.as_deref())?;
    Ok(json!({"executionArn": arn, "startDate": started}))
}

pub(super) fn start_sync(runner: &Arc<Runner>, request: StartRequest) -> Result<Value, ApiError> {
    let machine_arn = required(&request.state_machine_arn, "stateMachineArn")?;
    let machine = load(runner, machine_arn)?;
    if machine.kind != "EXPRESS" {
        return Err(ApiError::new(
            ErrorKind::StateMachineTypeNotSupported,
            format!(
                "This operation is not supported by this type of state machine: '{machine_arn}' is STANDARD; StartSyncExecution runs EXPRESS machines (use StartExecution)"
            ),
        ));
    }
    let row = runner.start_sync(&machine, request.name.as_deref(), request.input.as_deref())?;
    let mut out = common(&row);
    out.insert(
        "billingDetails".into(),
        json!({
            "billedMemoryUsedInMB": 64,
            "billedDurationInMilliseconds": (((row.stopped.unwrap_or(row.started) - row.started) * 1000.0).ceil() as i64).max(100),
        }),
    );
    Ok(Value::Object(out))
}

/// The members DescribeExecution and StartSyncExecution share.
fn common(row: &ExecutionRow) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("executionArn".into(), json!(row.arn));
    out.insert("stateMachineArn".into(), json!(row.machine_arn));
    out.insert("name".into(), json!(row.name));
    out.insert("status".into(), json!(row.status));
    out.insert("startDate".into(), json!(row.started));
    put(&mut out, "stopDate", row.stopped);
    out.insert("input".into(), json!(row.input));
    out.insert("inputDetails".into(), json!({"included": true}));
    if let Some(output) = &row.output {
        out.insert("output".into(), json!(output));
        out.insert("outputDetails".into(), json!({"included": true}));
    }
    put(&mut out, "error", row.error.clone());
    put(&mut out, "cause", row.cause.clone());
    out
}

pub(super) fn describe(runner: &Arc<Runner>, request: ExecutionRequest) -> Result<Value, ApiError> {
    let execution_arn = required(&request.execution_arn, "executionArn")?;
    let row = load_execution(runner, execution_arn)?;
    let mut out = common(&row);
    out.insert("redriveCount".into(), json!(0));
    out.insert("redriveStatus".into(), json!("NOT_REDRIVABLE"));
    if row.status != "RUNNING" && row.status != "SUCCEEDED" {
        out.insert(
            "redriveStatusReason".into(),
            json!("RedriveExecution is not served by sfn-gen serve; start a new execution"),
        );
    }
    Ok(Value::Object(out))
}

pub(super) fn list(runner: &Arc<Runner>, request: ListRequest) -> Result<Value, ApiError> {
    let machine_arn = required(&request.state_machine_arn, "stateMachineArn")?;
    load(runner, machine_arn)?;
    let status = match request.status_filter.as_deref() {
        None => None,
        Some(
            s @ ("RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED" | "PENDING_REDRIVE"),
        ) => Some(s),
        Some(other) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE]"
            )));
        }
    };
    let (offset, limit) = page(request.max_results, request.next_token.as_deref())?;
    let rows = runner
        .store
        .executions(Some(machine_arn), status, offset, limit)?;
    let listed: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut item = Map::new();
            item.insert("executionArn".into(), json!(r.arn));
            item.insert("stateMachineArn".into(), json!(r.machine_arn));
            item.insert("name".into(), json!(r.name));
            item.insert("status".into(), json!(r.status));
            item.insert("startDate".into(), json!(r.started));
            put(&mut item, "stopDate", r.stopped);
            Value::Object(item)
        })
        .collect();
    let mut out = Map::new();
    out.insert("executions".into(), Value::Array(listed));
    put(&mut out, "nextToken", next_token(offset, limit, rows.len()));
    Ok(Value::Object(out))
}

pub(super) fn stop(runner: &Arc<Runner>, request: StopRequest) -> Result<Value, ApiError> {
    let execution_arn = required(&request.execution_arn, "executionArn")?;
    let row = load_execution(runner, execution_arn)?;
    let stopped = runner.stop(&row, request.error, request.cause)?;
    Ok(json!({"stopDate": stopped}))
}

pub(super) fn describe_machine_for(
    runner: &Arc<Runner>,
    request: ExecutionRequest,
) -> Result<Value, ApiError> {
    let execution_arn = required(&request.execution_arn, "executionArn")?;
    let row = load_execution(runner, execution_arn)?;
    // The definition the execution runs, even when the machine was updated or deleted since.
    let name = arn::check_machine_arn(&row.machine_arn).unwrap_or_default();
    let machine = runner.store.machine(&row.machine_arn)?;
    Ok(json!({
        "stateMachineArn": row.machine_arn,
        "name": name,
        "definition": row.definition,
        "roleArn": row.role_arn,
        "updateDate": machine.as_ref().map_or(row.started, |m| m.updated),
        "loggingConfiguration": machine.as_ref().map_or(json!({"level": "OFF", "includeExecutionData": false}), |m| m.logging.clone()),
        "tracingConfiguration": machine.as_ref().map_or(json!({"enabled": false}), |m| m.tracing.clone()),
        "revisionId": row.revision,
    }))
}
