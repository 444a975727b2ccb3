//! `ValidateStateMachineDefinition`: our validator, in AWS's response shape.
//!
//! Each diagnostic carries the JSON pointer as `location` and the rule broken in the
//! message (`[rule-id]`); `code` is the closest of AWS's documented codes.

use asl::validate::{Diagnostic, MAX_DEFINITION_BYTES, MachineType, Rule, ValidateOptions};
use serde::Deserialize;
use serde_json::{Value, json};

use super::required;
use crate::error::{ApiError, ErrorKind};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Request {
    definition: Option<String>,
    r#type: Option<String>,
    severity: Option<String>,
    max_results: Option<i64>,
}

/// AWS's diagnostic code for one of our rules.
fn code(rule: Rule) -> &'static str {
    match rule {
        Rule::InvalidJson => "INVALID_JSON_DESCRIPTION",
        Rule::NoTerminalState => "MISSING_END_STATE",
        Rule::DuplicateStateName => "DUPLICATE_STATE_NAME",
        Rule::InvalidStateName | Rule::StateNameTooLong => "INVALID_STATE_NAME",
        Rule::InvalidResource | Rule::UnknownResource => "INVALID_RESOURCE",
        _ => "SCHEMA_VALIDATION_FAILED",
    }
}

/// Parses `type` (`STANDARD`, the default, or `EXPRESS`).
pub(super) fn machine_type(kind: Option<&str>) -> Result<(MachineType, &'static str), ApiError> {
    match kind {
        None | Some("STANDARD") => Ok((MachineType::Standard, "STANDARD")),
        Some("EXPRESS") => Ok((MachineType::Express, "EXPRESS")),
        Some(other) => Err(ApiError::validation(format!(
            "1 validation error detected: Value '{other}' at 'type' failed to satisfy constraint: Member must satisfy enum value set: [STANDARD, EXPRESS]"
        ))),
    }
}

/// Checks the definition's size (AWS's member constraint: a ValidationException).
pub(super) fn check_size(definition: &str) -> Result<(), ApiError> {
    if definition.len() > MAX_DEFINITION_BYTES {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at 'definition' failed to satisfy constraint: Member must have length less than or equal to {MAX_DEFINITION_BYTES} (it has {} bytes); move large constants out of the definition",
            definition.len()
        )));
    }
    Ok(())
}

/// Every problem of a definition.
pub(super) fn diagnostics(definition: &str, machine_type: MachineType) -> Vec<Diagnostic> {
    asl::validate::validate_text_with(definition, &ValidateOptions { machine_type })
}

/// The `InvalidDefinition` error for `diagnostics`, listing every one.
pub(super) fn invalid(diagnostics: &[Diagnostic]) -> ApiError {
    let listed: Vec<String> = diagnostics
        .iter()
        .map(|d| {
            let at = if d.pointer.is_empty() {
                "/"
            } else {
                &d.pointer
            };
            format!(
                "{}: {} at {at} [{}]",
                code(d.rule),
                d.message,
                d.rule.as_str()
            )
        })
        .collect();
    ApiError::new(
        ErrorKind::InvalidDefinition,
        format!(
            "Invalid State Machine Definition: '{}' ({} problem(s); ValidateStateMachineDefinition lists them with their locations)",
            listed.join(", "),
            diagnostics.len()
        ),
    )
}

pub(super) fn validate(request: Request) -> Result<Value, ApiError> {
    let definition = required(&request.definition, "definition")?;
    check_size(definition)?;
    let (kind, _) = machine_type(request.r#type.as_deref())?;
    match request.severity.as_deref() {
        None | Some("ERROR") | Some("WARNING") => {}
        Some(other) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{other}' at 'severity' failed to satisfy constraint: Member must satisfy enum value set: [ERROR, WARNING]"
            )));
        }
    }
    let max = match request.max_results {
        None | Some(0) => 100,
        Some(n @ 1..=100) => n as usize,
        Some(n) => {
            return Err(ApiError::validation(format!(
                "1 validation error detected: Value '{n}' at 'maxResults' failed to satisfy constraint: Member must have value between 0 and 100"
            )));
        }
    };
    let found = diagnostics(definition, kind);
    let listed: Vec<Value> = found
        .iter()
        .take(max)
        .map(|d| {
            json!({
                "severity": "ERROR",
                "code": code(d.rule),
                "message": format!("{} [{}]", d.message, d.rule.as_str()),
                "location": if d.pointer.is_empty() { "/".to_owned() } else { d.pointer.clone() },
            })
        })
        .collect();
    Ok(json!({
        "result": if found.is_empty() { "OK" } else { "FAIL" },
        "diagnostics": listed,
        "truncated": found.len() > max,
    }))
}
