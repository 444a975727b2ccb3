//! The generated agent machine (`statemachines/agent.asl.json`) end to end, with the real
//! agent and tool binaries behind the server, started and polled through `aws-sdk-sfn`.
//!
//! The binaries are the workspace's debug builds (`cargo test --workspace` builds them
//! before any test runs). `scripts/test.sh` sets `SFN_SERVE_WORKSPACE_LAMBDAS=1`; with it
//! set, a missing binary fails the test; without it, the test says so and passes.

use std::path::PathBuf;
use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use lambda_local::FunctionSpec;
use serde_json::Value;
use sfn_serve::{Clock, Config, Server};

use crate::support::{ROLE, finished, sfn};

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_generated_agent_runs_end_to_end_with_real_lambda_binaries() {
    if std::env::var_os("SFN_SERVE_WORKSPACE_LAMBDAS").is_none() {
        eprintln!(
            "note: SFN_SERVE_WORKSPACE_LAMBDAS is unset, so the real-binaries agent test does not run; scripts/test.sh sets it"
        );
        return;
    }
    let root = workspace();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("debug");
    let mut functions = Vec::new();
    for name in ["agent-lambda", "calculator", "json-query"] {
        let path = target.join(name);
        assert!(
            path.is_file(),
            "`{}` is missing; build it with `cargo build -p {name}`",
            path.display()
        );
        let mut spec = FunctionSpec::new(name, path);
        spec.timeout = Duration::from_secs(60);
        spec.env.insert(
            "AGENT_TOOLS_FILE".into(),
            root.join("statemachines/tools.json").display().to_string(),
        );
        functions.push(spec);
    }
    let dir = tempfile::tempdir().unwrap();
    for spec in &mut functions {
        spec.env.insert(
            "OFFLOAD_DIR".into(),
            dir.path().join("offload").display().to_string(),
        );
    }
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), dir.path().join("data"));
    config.functions = functions;
    config.clock = Clock::Real;
    let server = Server::start(config).await.unwrap();
    let client = sfn(&server.endpoint());
    let definition = std::fs::read_to_string(root.join("statemachines/agent.asl.json")).unwrap();
    let machine = client
        .create_state_machine()
        .name("agent")
        .definition(definition)
        .role_arn(ROLE)
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let input = std::fs::read_to_string(root.join("examples/plan-calculator.json")).unwrap();
    let started = client
        .start_execution()
        .state_machine_arn(&machine)
        .input(input)
        .send()
        .await
        .unwrap();
    let done = finished(&client, &started.execution_arn, Duration::from_secs(120)).await;
    assert_eq!(
        done.status,
        ExecutionStatus::Succeeded,
        "{:?} {:?}",
        done.error,
        done.cause
    );
    let output: Value = serde_json::from_str(done.output().unwrap()).unwrap();
    assert_eq!(output["status"], "done", "{output}");
    assert_eq!(output["answer"]["product"], "12.5", "{output}");
    server.stop().await;
}
