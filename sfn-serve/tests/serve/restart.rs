//! SIGKILL in the middle of many running executions, then a restart on the same data:
//! every execution resumes from its last checkpoint and finishes; none is lost.

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use serde_json::json;

use crate::support::{Process, create, free_port, sfn};

const EXECUTIONS: usize = 150;

async fn count(client: &aws_sdk_sfn::Client, machine: &str, status: ExecutionStatus) -> usize {
    let mut n = 0;
    let mut token = None;
    loop {
        let page = client
            .list_executions()
            .state_machine_arn(machine)
            .status_filter(status.clone())
            .max_results(1000)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        n += page.executions.len();
        token = page.next_token;
        if token.is_none() {
            return n;
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sigkill_restart_resumes_every_running_execution_and_loses_none() {
    let data = tempfile::tempdir().unwrap();
    let mut first = Process::start(data.path(), free_port(), &["--clock", "real"]);
    let client = sfn(&first.endpoint());
    let machine = create(
        &client,
        "napper",
        &json!({
            "StartAt": "One",
            "States": {
                "One": {"Type": "Pass", "Result": {"step": 1}, "ResultPath": "$.one", "Next": "NapA"},
                "NapA": {"Type": "Wait", "Seconds": 1, "Next": "Two"},
                "Two": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "ResultPath": "$.two", "Next": "NapB"},
                "NapB": {"Type": "Wait", "Seconds": 1, "Next": "Three"},
                "Three": {"Type": "Pass", "Result": "done", "ResultPath": "$.three", "End": true}
            }
        }),
    )
    .await;
    let mut arns = Vec::new();
    for i in 0..EXECUTIONS {
        let started = client
            .start_execution()
            .state_machine_arn(&machine)
            .name(format!("run-{i}"))
            .input(json!({"i": i}).to_string())
            .send()
            .await
            .unwrap();
        arns.push(started.execution_arn);
    }
    tokio::time::sleep(Duration::from_millis(1300)).await;
    let running_at_kill = count(&client, &machine, ExecutionStatus::Running).await;
    let finished_before_kill = count(&client, &machine, ExecutionStatus::Succeeded).await;
    first.kill9();
    assert!(
        running_at_kill > 0,
        "every execution ended before the kill; the test proves nothing"
    );

    let second = Process::start(data.path(), free_port(), &["--clock", "real"]);
    let client = sfn(&second.endpoint());
    let status = tokio::task::spawn_blocking({
        let addr = second.addr;
        move || crate::support::raw(addr, "GET", "/_serve/status", &[], b"").json()
    })
    .await
    .unwrap();
    let resumed = status["resumed_at_start"]["found_running"]
        .as_u64()
        .unwrap() as usize;
    let deadline = Instant::now() + Duration::from_secs(60);
    while count(&client, &machine, ExecutionStatus::Running).await > 0 {
        assert!(
            Instant::now() < deadline,
            "executions still running a minute after the restart"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut finished = 0;
    let mut lost = 0;
    for arn in &arns {
        match client.describe_execution().execution_arn(arn).send().await {
            Ok(d) if d.status == ExecutionStatus::Succeeded => {
                finished += 1;
                let output: serde_json::Value = serde_json::from_str(d.output().unwrap()).unwrap();
                assert_eq!(output["three"], "done", "{arn}: {output}");
                assert_eq!(output["one"], json!({"step": 1}));
            }
            _ => lost += 1,
        }
        let history = client
            .get_execution_history()
            .execution_arn(arn)
            .max_results(1000)
            .send()
            .await
            .unwrap();
        let ids: Vec<i64> = history.events.iter().map(|e| e.id).collect();
        assert!(
            ids.windows(2).all(|w| w[1] == w[0] + 1),
            "{arn}: event ids {ids:?}"
        );
        assert_eq!(
            history.events[0].r#type,
            HistoryEventType::ExecutionStarted,
            "{arn}"
        );
        assert_eq!(
            history.events.last().unwrap().r#type,
            HistoryEventType::ExecutionSucceeded,
            "{arn}"
        );
    }
    let report = json!({
        "executions": EXECUTIONS,
        "finished_before_kill": finished_before_kill,
        "running_at_kill": running_at_kill,
        "resumed": resumed,
        "resumed_from_checkpoint": status["resumed_at_start"]["from_checkpoint"],
        "restarted_from_start": status["resumed_at_start"]["from_start"],
        "finished": finished,
        "lost": lost,
    });
    eprintln!("restart test: {report}");
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("sfn-serve-restart.json"),
        report.to_string(),
    );
    assert_eq!(lost, 0);
    assert_eq!(finished, EXECUTIONS);
    // Executions only leave RUNNING: the restart resumes at most what ran at the kill (one
    // may end between the count and the kill).
    assert!(resumed > 0 && resumed <= running_at_kill, "{report}");
}
