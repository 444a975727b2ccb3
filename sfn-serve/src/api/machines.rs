//! State machine operations: Create, Update, Describe, List and Delete.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::validate::{check_size, diagnostics, invalid, machine_type};
use super::{next_token, page, put, required};
use crate::arn;
use crate::error::{ApiError, ErrorKind};
use crate::runner::{Runner, now};
use crate::store::MachineRow;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreateRequest {
    name: Option<String>,
    definition: Option<String>,
    role_arn: Option<String>,
    r#type: Option<String>,
    logging_configuration: Option<Value>,
    tracing_configuration: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct UpdateRequest {
    state_machine_arn: Option<String>,
    definition: Option<String>,
    role_arn: Option<String>,
    logging_configuration: Option<Value>,
    tracing_configuration: Option<Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ArnRequest {
    state_machine_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ListRequest {
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn logging(given: Option<Value>) -> Value {
    given.unwrap_or_else(|| json!({"level": "OFF", "includeExecutionData": false}))
}

fn tracing(given: Option<Value>) -> Value {
    given.unwrap_or_else(|| json!({"enabled": false}))
}

/// A definition that the validator accepts, or `InvalidDefinition` with every problem.
fn check_definition(definition: &str, kind: asl::validate::MachineType) -> Result<(), ApiError> {
    check_size(definition)?;
    let found = diagnostics(definition, kind);
    if found.is_empty() {
        Ok(())
    } else {
        Err(invalid(&found))
    }
}

/// Loads a state machine by ARN, or `StateMachineDoesNotExist`.
pub(super) fn load(runner: &Runner, machine_arn: &str) -> Result<MachineRow, ApiError> {
    arn::check_machine_arn(machine_arn)?;
    runner.store.machine(machine_arn)?.ok_or_else(|| {
        ApiError::new(
            ErrorKind::StateMachineDoesNotExist,
            format!("State Machine Does Not Exist: '{machine_arn}'; create it first, or list them with ListStateMachines"),
        )
    })
}

pub(super) fn create(runner: &Arc<Runner>, request: CreateRequest) -> Result<Value, ApiError> {
    let name = required(&request.name, "name")?;
    let definition = required(&request.definition, "definition")?;
    let role_arn = required(&request.role_arn, "roleArn")?;
    arn::check_name(name, "state machine")?;
    let (kind, kind_name) = machine_type(request.r#type.as_deref())?;
    check_definition(definition, kind)?;
    let machine_arn = arn::machine_arn(name);
    if let Some(existing) = runner.store.machine(&machine_arn)? {
        // AWS: creating the same machine again is a no-op; anything different is an error.
        if existing.definition == definition
            && existing.role_arn == role_arn
            && existing.kind == kind_name
        {
            return Ok(json!({"stateMachineArn": existing.arn, "creationDate": existing.created}));
        }
        return Err(ApiError::new(
            ErrorKind::StateMachineAlreadyExists,
            format!(
                "State Machine Already Exists: '{machine_arn}' with another definition, role or type; update it with UpdateStateMachine, or pick another name"
            ),
        ));
    }
    let created = now();
    runner.store.put_machine(MachineRow {
        arn: machine_arn.clone(),
        name: name.to_owned(),
        kind: kind_name.to_owned(),
        definition: definition.to_owned(),
        role_arn: role_arn.to_owned(),
        created,
        updated: created,
        revision: uuid::Uuid::new_v4().to_string(),
        logging: logging(request.logging_configuration),
        tracing: tracing(request.tracing_configuration),
    })?;
    Ok(json!({"stateMachineArn": machine_arn, "creationDate": created}))
}

pub(super) fn update(runner: &Arc<Runner>, request: UpdateRequest) -> Result<Value, ApiError> {
    let machine_arn = required(&request.state_machine_arn, "stateMachineArn")?;
    let mut machine = load(runner, machine_arn)?;
    if request.definition.is_none()
        && request.role_arn.is_none()
        && request.logging_configuration.is_none()
        && request.tracing_configuration.is_none()
    {
        return Err(ApiError::new(
            ErrorKind::ValidationException,
            "UpdateStateMachine needs at least one of definition, roleArn, loggingConfiguration or tracingConfiguration",
        ));
    }
    if let Some(definition) = request.definition {
        let (kind, _) = machine_type(Some(&machine.kind))?;
        check_definition(&definition, kind)?;
        machine.definition = definition;
    }
    if let Some(role) = request.role_arn {
        machine.role_arn = role;
    }
    if let Some(l) = request.logging_configuration {
        machine.logging = l;
    }
    if let Some(t) = request.tracing_configuration {
        machine.tracing = t;
    }
    machine.updated = now();
    machine.revision = uuid::Uuid::new_v4().to_string();
    let answer = json!({"updateDate": machine.updated, "revisionId": machine.revision});
    runner.store.put_machine(machine)?;
    Ok(answer)
}

/// DescribeStateMachine's shape of a machine.
pub(super) fn describe_shape(machine: &MachineRow) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("stateMachineArn".into(), json!(machine.arn));
    out.insert("name".into(), json!(machine.name));
    out.insert("status".into(), json!("ACTIVE"));
    out.insert("definition".into(), json!(machine.definition));
    out.insert("roleArn".into(), json!(machine.role_arn));
    out.insert("type".into(), json!(machine.kind));
    out.insert("creationDate".into(), json!(machine.created));
    out.insert("loggingConfiguration".into(), machine.logging.clone());
    out.insert("tracingConfiguration".into(), machine.tracing.clone());
    put(&mut out, "revisionId", Some(machine.revision.clone()));
    out
}

pub(super) fn describe(runner: &Arc<Runner>, request: ArnRequest) -> Result<Value, ApiError> {
    let machine_arn = required(&request.state_machine_arn, "stateMachineArn")?;
    Ok(Value::Object(describe_shape(&load(runner, machine_arn)?)))
}

pub(super) fn list(runner: &Arc<Runner>, request: ListRequest) -> Result<Value, ApiError> {
    let (offset, limit) = page(request.max_results, request.next_token.as_deref())?;
    let machines = runner.store.machines(offset, limit)?;
    let listed: Vec<Value> = machines
        .iter()
        .map(|m| {
            json!({"stateMachineArn": m.arn, "name": m.name, "type": m.kind, "creationDate": m.created})
        })
        .collect();
    let mut out = Map::new();
    out.insert("stateMachines".into(), Value::Array(listed));
    put(
        &mut out,
        "nextToken",
        next_token(offset, limit, machines.len()),
    );
    Ok(Value::Object(out))
}

pub(super) fn delete(runner: &Arc<Runner>, request: ArnRequest) -> Result<Value, ApiError> {
    let machine_arn = required(&request.state_machine_arn, "stateMachineArn")?;
    arn::check_machine_arn(machine_arn)?;
    // Deleting a machine that does not exist succeeds (AWS); running executions go on with
    // the definition they started with.
    runner.store.delete_machine(machine_arn)?;
    Ok(json!({}))
}
