//! `sfn-gen pull` and `sfn-gen diff`: console round-trip. Users edit the deployed workflow in
//! Workflow Studio; `pull` fetches it (DescribeStateMachine) and writes it back into
//! `statemachines/` with the deployed ARNs turned back into `${...}` placeholders; `diff`
//! shows the drift between the repository and what is deployed.
//!
//! ARNs become placeholders by what the generator wrote: the function called by the `Agent`
//! state is `${AgentFunctionArn}`, the one called by `Tool_<tool>` or `Call_<tool>` is
//! `${ToolFunctionArn_<tool>}`; `--sub NAME=VALUE` adds any other. Every occurrence of a
//! mapped ARN, in generated or user states, is replaced.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use asl::model::{Machine, State, StateGraph, StateKind};
use serde_json::Value;

use crate::generate::{AGENT_PLACEHOLDER, to_pretty, tool_placeholder};

/// Arguments shared by `pull` and `diff`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The deployed state machine.
    #[arg(long)]
    pub state_machine_arn: String,
    /// The definition file in the repository.
    #[arg(long, default_value = "statemachines/agent.asl.json")]
    pub file: PathBuf,
    /// Map a deployed value back to a placeholder: `--sub Bucket=my-bucket-name`.
    #[arg(long = "sub", value_name = "NAME=VALUE")]
    pub substitutions: Vec<String>,
}

/// Fetches a deployed definition.
pub async fn fetch(client: &aws_sdk_sfn::Client, arn: &str) -> anyhow::Result<Value> {
    let described = client
        .describe_state_machine()
        .state_machine_arn(arn)
        .send()
        .await
        .map_err(|e| {
            anyhow::anyhow!(
                "DescribeStateMachine {arn} failed: {}",
                aws_sdk_sfn::error::DisplayErrorContext(&e)
            )
        })?;
    serde_json::from_str(described.definition())
        .with_context(|| format!("the definition of {arn} is not JSON"))
}

/// The Lambda function a state calls: `FunctionName` of its `lambda:invoke` parameters or
/// arguments, or its `Resource` when that is a function ARN.
fn function_called(state: &State) -> Option<&str> {
    let StateKind::Task(task) = &state.kind else {
        return None;
    };
    task.parameters
        .as_ref()
        .or(task.arguments.as_ref())
        .and_then(|template| template.value().get("FunctionName"))
        .and_then(Value::as_str)
        .or_else(|| Some(task.resource.as_str()).filter(|r| r.contains(":function:")))
}

/// Which deployed ARN each generated state's placeholder became, in `graph` and the
/// graphs nested in its Parallel and Map states.
fn collect_mapping(graph: &StateGraph, mapping: &mut BTreeMap<String, String>) {
    for (name, state) in graph.states.iter() {
        let placeholder = if name == "Agent" {
            Some(AGENT_PLACEHOLDER.to_owned())
        } else {
            name.strip_prefix("Tool_")
                .or_else(|| name.strip_prefix("Call_"))
                .map(tool_placeholder)
        };
        if let (Some(placeholder), Some(arn)) = (placeholder, function_called(state))
            && !arn.starts_with("${")
        {
            mapping.insert(arn.to_owned(), format!("${{{placeholder}}}"));
        }
        match &state.kind {
            StateKind::Map(map) => collect_mapping(&map.processor.graph, mapping),
            StateKind::Parallel(parallel) => parallel
                .branches
                .iter()
                .for_each(|branch| collect_mapping(branch, mapping)),
            _ => {}
        }
    }
}

fn replace_all(value: &mut Value, mapping: &BTreeMap<String, String>) {
    match value {
        Value::String(text) => {
            for (deployed, placeholder) in mapping {
                if text.contains(deployed.as_str()) {
                    *text = text.replace(deployed.as_str(), placeholder);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| replace_all(i, mapping)),
        Value::Object(map) => map.values_mut().for_each(|v| replace_all(v, mapping)),
        _ => {}
    }
}

/// Turns deployed values back into placeholders. The mapping is read from the typed model;
/// the replacement is made in the document as deployed (user states, key order and all).
pub fn unsubstitute(mut deployed: Value, extra: &[(String, String)]) -> anyhow::Result<Value> {
    let machine = Machine::from_value(&deployed).map_err(|e| {
        anyhow::anyhow!(
            "the deployed definition does not read as ASL: {e}; check it with `sfn-gen validate`"
        )
    })?;
    let mut mapping = BTreeMap::new();
    collect_mapping(&machine.graph, &mut mapping);
    for (name, value) in extra {
        mapping.insert(value.clone(), format!("${{{name}}}"));
    }
    replace_all(&mut deployed, &mapping);
    Ok(deployed)
}

fn extra_subs(args: &Args) -> anyhow::Result<Vec<(String, String)>> {
    args.substitutions
        .iter()
        .map(|s| match s.split_once('=') {
            Some((k, v)) if !k.is_empty() && !v.is_empty() => Ok((k.to_owned(), v.to_owned())),
            _ => bail!("`--sub {s}` is not NAME=VALUE"),
        })
        .collect()
}

async fn client() -> aws_sdk_sfn::Client {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await;
    aws_sdk_sfn::Client::new(&config)
}

/// `pull` with a given client.
pub async fn pull_with(client: &aws_sdk_sfn::Client, args: &Args) -> anyhow::Result<String> {
    let deployed = fetch(client, &args.state_machine_arn).await?;
    let pulled = unsubstitute(deployed, &extra_subs(args)?)?;
    let diagnostics = asl::validate::validate_definition(&pulled);
    if !diagnostics.is_empty() {
        eprintln!(
            "warning: the deployed definition has {} validation problem(s):",
            diagnostics.len()
        );
        for d in diagnostics {
            eprintln!("  {d}");
        }
    }
    Ok(to_pretty(&pulled))
}

/// `diff` with a given client: the unified diff (empty when in sync).
pub async fn diff_with(client: &aws_sdk_sfn::Client, args: &Args) -> anyhow::Result<String> {
    let deployed = to_pretty(&unsubstitute(
        fetch(client, &args.state_machine_arn).await?,
        &extra_subs(args)?,
    )?);
    let local_text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read `{}`", args.file.display()))?;
    let local: Value = serde_json::from_str(&local_text)
        .with_context(|| format!("`{}` is not JSON", args.file.display()))?;
    let local = to_pretty(&local);
    if local == deployed {
        return Ok(String::new());
    }
    Ok(similar::TextDiff::from_lines(&local, &deployed)
        .unified_diff()
        .context_radius(3)
        .header(&args.file.display().to_string(), &args.state_machine_arn)
        .to_string())
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `sfn-gen pull`.
pub fn run_pull(args: Args) -> anyhow::Result<ExitCode> {
    let text = runtime()?.block_on(async { pull_with(&client().await, &args).await })?;
    std::fs::write(&args.file, &text)
        .with_context(|| format!("cannot write `{}`", args.file.display()))?;
    eprintln!(
        "wrote {}; run `sfn-gen generate` to refresh the generated states (yours are kept) and review with `git diff`",
        args.file.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `sfn-gen diff`: exit 1 when the deployed machine differs from the file.
pub fn run_diff(args: Args) -> anyhow::Result<ExitCode> {
    let diff = runtime()?.block_on(async { diff_with(&client().await, &args).await })?;
    if diff.is_empty() {
        eprintln!("{} matches {}", args.file.display(), args.state_machine_arn);
        return Ok(ExitCode::SUCCESS);
    }
    print!("{diff}");
    eprintln!(
        "drift: the deployed machine differs; `sfn-gen pull --state-machine-arn {}` takes the console's version, a deploy takes the repository's",
        args.state_machine_arn
    );
    Ok(ExitCode::from(1))
}

#[cfg(test)]
mod tests {
    use aws_sdk_sfn::operation::describe_state_machine::{
        DescribeStateMachineError, DescribeStateMachineOutput,
    };
    use aws_sdk_sfn::types::StateMachineType;
    use aws_sdk_sfn::types::error::StateMachineDoesNotExist;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use serde_json::json;

    use super::*;

    const ARN: &str = "arn:aws:states:us-east-1:123456789012:stateMachine:agent";
    const AGENT: &str = "arn:aws:lambda:us-east-1:123456789012:function:SfnAgent-Agent-abc";
    const CALC: &str = "arn:aws:lambda:us-east-1:123456789012:function:SfnAgent-Toolcalculator-def";

    fn deployed() -> Value {
        json!({
            "StartAt": "Agent",
            "States": {
                "Agent": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                          "Parameters": {"FunctionName": AGENT, "Payload.$": "$"}, "Next": "Tool_calculator"},
                "Tool_calculator": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                                    "Parameters": {"FunctionName": CALC}, "Next": "Audit"},
                "Audit": {"Type": "Task", "Comment": "added in Workflow Studio",
                          "Resource": "arn:aws:states:::lambda:invoke",
                          "Parameters": {"FunctionName": CALC, "Payload": {"bucket": "audit-bucket-123"}}, "End": true}
            }
        })
    }

    fn client_for(definition: Value) -> aws_sdk_sfn::Client {
        let rule = mock!(aws_sdk_sfn::Client::describe_state_machine)
            .match_requests(|req| req.state_machine_arn() == Some(ARN))
            .then_output(move || {
                DescribeStateMachineOutput::builder()
                    .state_machine_arn(ARN)
                    .name("agent")
                    .definition(definition.to_string())
                    .role_arn("arn:aws:iam::123456789012:role/r")
                    .r#type(StateMachineType::Standard)
                    .creation_date(aws_sdk_sfn::primitives::DateTime::from_secs(0))
                    .build()
                    .unwrap()
            });
        mock_client!(aws_sdk_sfn, RuleMode::MatchAny, &[&rule])
    }

    fn args(file: PathBuf, subs: &[&str]) -> Args {
        Args {
            state_machine_arn: ARN.to_owned(),
            file,
            substitutions: subs.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[tokio::test]
    async fn pull_turns_arns_back_into_placeholders_everywhere() {
        let client = client_for(deployed());
        let dir = tempfile::tempdir().unwrap();
        let text = pull_with(
            &client,
            &args(dir.path().join("a.json"), &["AuditBucket=audit-bucket-123"]),
        )
        .await
        .unwrap();
        let pulled: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            pulled["States"]["Agent"]["Parameters"]["FunctionName"],
            "${AgentFunctionArn}"
        );
        assert_eq!(
            pulled["States"]["Tool_calculator"]["Parameters"]["FunctionName"],
            "${ToolFunctionArn_calculator}"
        );
        // The user's state keeps its shape, with the same placeholders.
        assert_eq!(
            pulled["States"]["Audit"]["Parameters"]["FunctionName"],
            "${ToolFunctionArn_calculator}"
        );
        assert_eq!(
            pulled["States"]["Audit"]["Parameters"]["Payload"]["bucket"],
            "${AuditBucket}"
        );
        assert!(!text.contains("123456789012:function"));
    }

    #[test]
    fn arns_called_inside_map_and_parallel_states_become_placeholders_too() {
        let deployed = json!({"StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "Branches": [
            {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemProcessor": {
                "StartAt": "Call_calculator",
                "States": {"Call_calculator": {"Type": "Task", "Resource": CALC, "End": true}}
            }, "End": true}}}
        ], "End": true}}});
        let pulled = unsubstitute(deployed, &[]).unwrap();
        let call = &pulled["States"]["Fan"]["Branches"][0]["States"]["Each"]["ItemProcessor"]["States"]
            ["Call_calculator"];
        assert_eq!(call["Resource"], "${ToolFunctionArn_calculator}");
    }

    #[test]
    fn a_deployed_definition_that_is_not_asl_is_a_clear_error() {
        let error = unsubstitute(json!({"States": {}}), &[])
            .unwrap_err()
            .to_string();
        assert!(error.contains("does not read as ASL"), "{error}");
        assert!(error.contains("StartAt"), "{error}");
    }

    #[tokio::test]
    async fn diff_is_empty_in_sync_and_shows_console_edits() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("agent.asl.json");
        std::fs::write(&file, to_pretty(&unsubstitute(deployed(), &[]).unwrap())).unwrap();
        let client = client_for(deployed());
        assert_eq!(
            diff_with(&client, &args(file.clone(), &[])).await.unwrap(),
            ""
        );
        let mut edited = deployed();
        edited["States"]["Audit"]["Comment"] = json!("renamed in the console");
        let client = client_for(edited);
        let diff = diff_with(&client, &args(file, &[])).await.unwrap();
        assert!(
            diff.contains("-      \"Comment\": \"added in Workflow Studio\""),
            "{diff}"
        );
        assert!(
            diff.contains("+      \"Comment\": \"renamed in the console\""),
            "{diff}"
        );
    }

    #[tokio::test]
    async fn a_missing_machine_is_a_clear_error() {
        let rule = mock!(aws_sdk_sfn::Client::describe_state_machine).then_error(|| {
            DescribeStateMachineError::StateMachineDoesNotExist(
                StateMachineDoesNotExist::builder()
                    .message("State Machine Does Not Exist")
                    .build(),
            )
        });
        let client = mock_client!(aws_sdk_sfn, RuleMode::MatchAny, &[&rule]);
        let dir = tempfile::tempdir().unwrap();
        let err = pull_with(&client, &args(dir.path().join("a.json"), &[]))
            .await
            .unwrap_err();
        let message = err.to_string();
        assert!(message.contains("DescribeStateMachine"), "{message}");
        assert!(
            message.contains("State Machine Does Not Exist"),
            "{message}"
        );
    }
}
