//! A bounded load test: many concurrent short executions through the SDK, all succeed.

use std::time::{Duration, Instant};

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::json;
use sfn_serve::Clock;

use crate::support::{create, finished, sfn, start};

const EXECUTIONS: usize = 500;

#[tokio::test(flavor = "multi_thread")]
async fn five_hundred_concurrent_short_executions_all_succeed() {
    let (server, _dir) = start(Clock::Real).await;
    let client = sfn(&server.endpoint());
    let machine = create(
        &client,
        "short",
        &json!({"StartAt": "A", "States": {
            "A": {"Type": "Pass", "Next": "B"},
            "B": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "Next": "C"},
            "C": {"Type": "Wait", "Seconds": 1, "End": true}
        }}),
    )
    .await;
    let began = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..EXECUTIONS {
        let client = client.clone();
        let machine = machine.clone();
        tasks.push(tokio::spawn(async move {
            let started = client
                .start_execution()
                .state_machine_arn(&machine)
                .input(json!({"i": i}).to_string())
                .send()
                .await
                .unwrap();
            finished(&client, &started.execution_arn, Duration::from_secs(60))
                .await
                .status
        }));
    }
    let mut succeeded = 0;
    for task in tasks {
        if task.await.unwrap() == ExecutionStatus::Succeeded {
            succeeded += 1;
        }
    }
    let seconds = began.elapsed().as_secs_f64();
    eprintln!(
        "load test: {succeeded}/{EXECUTIONS} concurrent executions (each with a 1 s Wait) succeeded in {seconds:.2} s"
    );
    assert_eq!(succeeded, EXECUTIONS);
    server.stop().await;
}
