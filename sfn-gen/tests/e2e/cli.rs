//! The CLI interfaces tests and users rely on (ARCHITECTURE.md, "Interfaces tests rely
//! on"): exit codes, `--format json` shapes, and errors that say where and how to fix.

use serde_json::{Value, json};

use crate::support::{sfn_gen, workspace, write_json};

#[test]
fn validate_exit_codes_and_json_diagnostics() {
    let dir = tempfile::tempdir().unwrap();
    let good = write_json(
        dir.path(),
        "good.json",
        &json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
    );
    let bad = write_json(
        dir.path(),
        "bad.json",
        &json!({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nope"}}}),
    );
    let out = sfn_gen(&["validate", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let out = sfn_gen(&[
        "validate",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["valid"], false);
    let diagnostics = report["diagnostics"].as_array().unwrap();
    assert!(
        diagnostics
            .iter()
            .all(|d| d["file"].as_str().unwrap().ends_with("bad.json"))
    );
    assert!(diagnostics.iter().any(|d| d["pointer"] == "/States/A/Next"));
    // The committed machines validate, in both query languages.
    let out = sfn_gen(&[
        "validate",
        "statemachines/agent.asl.json",
        "bench/engine/counter-loop.asl.json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let jsonata = dir.path().join("agent-jsonata.asl.json");
    assert!(
        sfn_gen(&[
            "generate",
            "--query-language",
            "jsonata",
            "--out",
            jsonata.to_str().unwrap()
        ])
        .status
        .success()
    );
    let out = sfn_gen(&["validate", jsonata.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn run_prints_one_json_object_and_exits_zero_whatever_the_status() {
    let dir = tempfile::tempdir().unwrap();
    let fail = write_json(
        dir.path(),
        "fail.json",
        &json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Oops", "Cause": "on purpose"}}}),
    );
    let out = sfn_gen(&["run", fail.to_str().unwrap(), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "FAILED");
    assert_eq!(report["error"], "Oops");
    assert_eq!(report["cause"], "on purpose");
    assert_eq!(report["transitions"], 1);
    // A definition that cannot run is a non-zero exit with the reason.
    let out = sfn_gen(&["run", "no/such/file.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
}

#[test]
fn run_takes_corpus_mocks_context_and_prints_history() {
    let dir = tempfile::tempdir().unwrap();
    let machine = write_json(
        dir.path(),
        "m.json",
        &json!({
            "StartAt": "Call",
            "States": {
                "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
                         "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 10, "MaxAttempts": 2}],
                         "ResultPath": "$.r", "Next": "Who"},
                "Who": {"Type": "Pass", "Parameters": {"r.$": "$.r", "name.$": "$$.Execution.Name"}, "End": true}
            }
        }),
    );
    let mocks = json!({"lambda": {"f": {"sequence": [{"raise": {"error": "Busy", "cause": "later"}}, {"return": 7}]}}});
    let context = json!({"state_machine_name": "sm", "execution_name": "exec-1", "execution_arn": "arn:aws:states:us-east-1:111111111111:execution:sm:exec-1", "state_machine_arn": "arn:aws:states:us-east-1:111111111111:stateMachine:sm", "role_arn": "role", "account_id": "111111111111", "region": "us-east-1", "partition": "aws"});
    let out = sfn_gen(&[
        "run",
        machine.to_str().unwrap(),
        "--input",
        "{}",
        "--mocks",
        &mocks.to_string(),
        "--context",
        &context.to_string(),
        "--format",
        "json",
        "--history",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["output"], json!({"r": 7, "name": "exec-1"}));
    // Two states and one retry; the retry waited 10 s on the virtual clock.
    assert_eq!(report["transitions"], 3);
    assert_eq!(report["durationSeconds"], 10.0);
    let kinds: Vec<&str> = report["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ]
    );
}

#[test]
fn bad_flags_name_the_problem() {
    let out = sfn_gen(&[
        "run",
        "bench/engine/counter-loop.asl.json",
        "--mocks",
        "{\"lambda\": {\"f\": {\"retrun\": 1}}}",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("/lambda/f"), "{stderr}");
    let out = sfn_gen(&[
        "run",
        "bench/engine/counter-loop.asl.json",
        "--input",
        "{not json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--input"));
    let out = sfn_gen(&[
        "run",
        "bench/engine/counter-loop.asl.json",
        "--max-transitions",
        "100",
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "ABORTED");
    assert_eq!(report["error"], "Local.TransitionLimitExceeded");
}

#[test]
fn tools_lists_the_tool_crates_for_scripts() {
    let out = sfn_gen(&["tools"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let crates: Vec<&str> = text.lines().collect();
    let mut sorted = crates.clone();
    sorted.sort_unstable();
    assert_eq!(crates, sorted, "sorted, one per line");
    assert!(crates.contains(&"calculator"), "{crates:?}");
    assert!(
        !crates.contains(&"toolkit"),
        "the toolkit has no tool.json: {crates:?}"
    );
    // The JSON form names each crate's tool: the set the generator wrote to tools.json.
    let out = sfn_gen(&["tools", "--format", "json"]);
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("statemachines/tools.json")).unwrap(),
    )
    .unwrap();
    let committed: Vec<&str> = committed
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, committed);
}

#[test]
fn placeholders_and_graph() {
    let out = sfn_gen(&["placeholders", "statemachines/agent.asl.json"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l == "AgentFunctionArn"));
    assert!(text.lines().any(|l| l == "ToolFunctionArn_calculator"));
    let out = sfn_gen(&["graph", "statemachines/agent.asl.json"]);
    let mermaid = String::from_utf8_lossy(&out.stdout);
    assert!(mermaid.starts_with("flowchart TD"));
    assert!(mermaid.contains("s_Route -->|\"call:calculator\"| s_Tool_calculator"));
}

/// Corpus cases through the CLI exactly as ARCHITECTURE.md describes the interface: the
/// definition as a file, `--input`, `--mocks` and `--context` as the case holds them.
#[test]
fn corpus_cases_run_through_the_cli_interface() {
    let cases = workspace().join("../shared/conformance/localstack-aws-recorded/cases");
    if !cases.is_dir() {
        assert!(
            std::env::var_os("REQUIRE_CONFORMANCE_CORPUS").is_none(),
            "the conformance corpus is missing at {} and REQUIRE_CONFORMANCE_CORPUS is set (scripts/test.sh sets it)",
            cases.display()
        );
        println!("SKIPPED: no conformance corpus at {}", cases.display());
        return;
    }
    let names = [
        // Lambda mocks (raise, then Catch) and the Context Object.
        "test_base_scenarios__TestBaseScenarios__test_lambda_invoke_with_retry_base.json",
        // lambda:invoke with the recorded envelope.
        "test_lambda_task_service__TestTaskServiceLambda__test_invoke_json_values__HelloWorld.json",
        // A failed execution with AWS's cause.
        "test_base__TestSnfBase__test_state_fail.json",
    ];
    let dir = tempfile::tempdir().unwrap();
    for name in names {
        let case: Value =
            serde_json::from_str(&std::fs::read_to_string(cases.join(name)).unwrap()).unwrap();
        let definition = write_json(dir.path(), "definition.json", &case["definition"]);
        let mut args = vec![
            "run".to_owned(),
            definition.display().to_string(),
            "--input".to_owned(),
            case["input"].to_string(),
            "--format".to_owned(),
            "json".to_owned(),
        ];
        if let Some(mocks) = case.get("mocks") {
            args.extend(["--mocks".to_owned(), mocks.to_string()]);
        }
        if let Some(context) = case.get("context") {
            args.extend(["--context".to_owned(), context.to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = sfn_gen(&args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let expected = &case["expected"];
        assert_eq!(report["status"], expected["status"], "{name}");
        assert_eq!(report["error"], expected["error"], "{name}");
        if expected["status"] == "SUCCEEDED" && case.get("wildcards").is_none() {
            assert_eq!(report["output"], expected["output"], "{name}");
        }
    }
}

#[test]
fn other_service_integrations_run_on_mocks_and_are_refused_clearly_without() {
    let dir = tempfile::tempdir().unwrap();
    let machine = write_json(
        dir.path(),
        "m.json",
        &json!({
            "StartAt": "Put",
            "States": {
                "Put": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                        "Parameters": {"TableName": "orders", "Item": {"id": {"S.$": "$.id"}}},
                        "ResultPath": "$.put", "Next": "Notify"},
                "Notify": {"Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                           "Parameters": {"TopicArn": "arn:aws:sns:us-east-1:1:t", "Message.$": "$.id"},
                           "Catch": [{"ErrorEquals": ["SNS.NotFound"], "ResultPath": "$.error", "Next": "Done"}],
                           "End": true},
                "Done": {"Type": "Succeed"}
            }
        }),
    );
    let mocks = json!({"tasks": {
        "arn:aws:states:::dynamodb:putItem": {"echo": true},
        "arn:aws:states:::sns:publish": {"raise": {"error": "SNS.NotFound", "cause": "no topic"}}
    }});
    let out = sfn_gen(&[
        "run",
        machine.to_str().unwrap(),
        "--input",
        r#"{"id": "o-1"}"#,
        "--mocks",
        &mocks.to_string(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "SUCCEEDED", "{report}");
    assert_eq!(
        report["output"]["put"],
        json!({"TableName": "orders", "Item": {"id": {"S": "o-1"}}})
    );
    assert_eq!(
        report["output"]["error"],
        json!({"Error": "SNS.NotFound", "Cause": "no topic"})
    );
    let out = sfn_gen(&[
        "run",
        machine.to_str().unwrap(),
        "--input",
        r#"{"id": "o-1"}"#,
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "FAILED");
    assert_eq!(report["error"], "States.Runtime");
    assert!(
        report["cause"].as_str().unwrap().contains("\"tasks\""),
        "{report}"
    );
}
