//! The AWS CLI and boto3 (from PyPI, in the test venv) against the server: the same
//! create, start, poll, history, list, stop and task-token flow the SDK tests run.
//!
//! `scripts/test.sh` installs them into `target/test-tools/venv` and sets
//! `SFN_SERVE_TEST_VENV` to that folder; with the variable set, a missing tool fails the
//! test. Without it (a bare `cargo test`), these tests say so and pass.

use std::path::PathBuf;
use std::process::Command;

use serde_json::{Value, json};
use sfn_serve::Clock;

use crate::support::{ROLE, start};

/// The venv's folder, or `None` (with a note) when `SFN_SERVE_TEST_VENV` is unset.
fn venv(tool: &str) -> Option<PathBuf> {
    let Some(dir) = std::env::var_os("SFN_SERVE_TEST_VENV") else {
        eprintln!(
            "note: SFN_SERVE_TEST_VENV is unset, so the {tool} test does not run; scripts/test.sh sets it"
        );
        return None;
    };
    let dir = PathBuf::from(dir);
    let bin = dir.join("bin").join(tool);
    assert!(
        bin.is_file(),
        "SFN_SERVE_TEST_VENV is `{}` but `{}` is missing; install it: `{}/bin/pip install awscli boto3`",
        dir.display(),
        bin.display(),
        dir.display()
    );
    Some(dir)
}

fn aws(venv: &std::path::Path, endpoint: &str, args: &[&str]) -> Value {
    let output = Command::new(venv.join("bin/aws"))
        .args([
            "--endpoint-url",
            endpoint,
            "--region",
            "us-east-1",
            "--output",
            "json",
        ])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "aws {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    if text.trim().is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("aws {args:?} printed no JSON ({e}): {text}"))
    }
}

fn wait(venv: &std::path::Path, endpoint: &str, arn: &str) -> Value {
    for _ in 0..300 {
        let described = aws(
            venv,
            endpoint,
            &[
                "stepfunctions",
                "describe-execution",
                "--execution-arn",
                arn,
            ],
        );
        if described["status"] != "RUNNING" {
            return described;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{arn} still running");
}

#[tokio::test(flavor = "multi_thread")]
async fn aws_cli_creates_starts_polls_reads_history_stops_and_answers_tokens() {
    let Some(venv) = venv("aws") else { return };
    let (server, dir) = start(Clock::Real).await;
    let endpoint = server.endpoint();
    let out = dir.path().join("invoke-out.json");
    tokio::task::spawn_blocking(move || {
        let greet = json!({"StartAt": "Greet", "States": {"Greet": {"Type": "Pass", "Parameters": {"hello.$": "$.who"}, "End": true}}});
        let created = aws(&venv, &endpoint, &["stepfunctions", "create-state-machine", "--name", "cli", "--definition", &greet.to_string(), "--role-arn", ROLE]);
        let machine = created["stateMachineArn"].as_str().unwrap().to_owned();
        let started = aws(&venv, &endpoint, &["stepfunctions", "start-execution", "--state-machine-arn", &machine, "--name", "cli-1", "--input", r#"{"who": "cli"}"#]);
        let arn = started["executionArn"].as_str().unwrap().to_owned();
        let done = wait(&venv, &endpoint, &arn);
        assert_eq!(done["status"], "SUCCEEDED");
        assert_eq!(done["output"], r#"{"hello":"cli"}"#);
        let history = aws(&venv, &endpoint, &["stepfunctions", "get-execution-history", "--execution-arn", &arn, "--reverse-order"]);
        assert_eq!(history["events"][0]["type"], "ExecutionSucceeded");
        let listed = aws(&venv, &endpoint, &["stepfunctions", "list-executions", "--state-machine-arn", &machine, "--status-filter", "SUCCEEDED"]);
        assert_eq!(listed["executions"][0]["name"], "cli-1");

        let nap = json!({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": true}}});
        let nap_machine = aws(&venv, &endpoint, &["stepfunctions", "create-state-machine", "--name", "cli-nap", "--definition", &nap.to_string(), "--role-arn", ROLE]);
        let sleeping = aws(&venv, &endpoint, &["stepfunctions", "start-execution", "--state-machine-arn", nap_machine["stateMachineArn"].as_str().unwrap()]);
        let sleeping = sleeping["executionArn"].as_str().unwrap();
        aws(&venv, &endpoint, &["stepfunctions", "stop-execution", "--execution-arn", sleeping, "--cause", "cli"]);
        assert_eq!(wait(&venv, &endpoint, sleeping)["status"], "ABORTED");

        let ask = json!({"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken", "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token"}}, "End": true}}});
        let ask_machine = aws(&venv, &endpoint, &["stepfunctions", "create-state-machine", "--name", "cli-ask", "--definition", &ask.to_string(), "--role-arn", ROLE]);
        let asking = aws(&venv, &endpoint, &["stepfunctions", "start-execution", "--state-machine-arn", ask_machine["stateMachineArn"].as_str().unwrap()]);
        let asking = asking["executionArn"].as_str().unwrap().to_owned();
        let mut token = None;
        for _ in 0..100 {
            let events = aws(&venv, &endpoint, &["stepfunctions", "get-execution-history", "--execution-arn", &asking]);
            token = events["events"].as_array().unwrap().iter().find_map(|e| {
                let parameters = e["taskScheduledEventDetails"]["parameters"].as_str()?;
                let parameters: Value = serde_json::from_str(parameters).ok()?;
                parameters["Payload"]["token"].as_str().map(str::to_owned)
            });
            if token.is_some() {
                break;
            }
        }
        let token = token.expect("a TaskScheduled event with the token");
        aws(&venv, &endpoint, &["stepfunctions", "send-task-success", "--task-token", &token, "--task-output", r#"{"ok": true}"#]);
        assert_eq!(wait(&venv, &endpoint, &asking)["status"], "SUCCEEDED");

        let invoked = aws(&venv, &endpoint, &["lambda", "invoke", "--function-name", "echo", "--payload", r#"{"n": 3}"#, out.to_str().unwrap()]);
        assert_eq!(invoked["StatusCode"], 200);
        let payload: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        assert_eq!(payload, json!({"n": 3}));
    })
    .await
    .unwrap();
    drop(dir);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn boto3_runs_the_same_flow_and_start_sync_execution() {
    let Some(venv) = venv("python") else { return };
    let (server, _dir) = start(Clock::Real).await;
    let endpoint = server.endpoint();
    let seen = tokio::task::spawn_blocking(move || {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/serve/boto3_flow.py");
        let output = Command::new(venv.join("bin/python"))
            .arg(script)
            .arg(&endpoint)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "boto3 flow failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<Value>(&output.stdout).unwrap()
    })
    .await
    .unwrap();
    assert_eq!(seen["status"], "SUCCEEDED", "{seen}");
    assert_eq!(seen["output"], json!({"hello": "boto3"}));
    assert_eq!(seen["first_event"], "ExecutionStarted");
    assert_eq!(seen["last_event"], "ExecutionSucceeded");
    assert_eq!(seen["paged_events"], seen["events"]);
    assert_eq!(seen["listed"], json!(["py-1"]));
    assert_eq!(seen["reused_name"], "ExecutionAlreadyExists");
    assert_eq!(seen["missing_machine"], "StateMachineDoesNotExist");
    assert_eq!(seen["stopped"], "ABORTED");
    assert_eq!(seen["token_flow"], "SUCCEEDED");
    assert_eq!(seen["sync"], json!(["SUCCEEDED", {"hello": "sync"}]));
    assert_eq!(seen["validate"], "FAIL");
    assert_eq!(seen["invoke"], json!([200, {"n": 7}]));
    assert_eq!(seen["invoke_error"], "Unhandled");
    server.stop().await;
}
