//! The Rust `aws-sdk-sfn` client: the whole life of state machines and executions.

use std::time::Duration;

use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use serde_json::{Value, json};
use sfn_serve::Clock;

use crate::support::{ROLE, create, finished, sfn, start};

fn short_machine() -> Value {
    json!({
        "StartAt": "Greet",
        "States": {
            "Greet": {"Type": "Pass", "Parameters": {"hello.$": "$.who"}, "Next": "Call"},
            "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:echo", "Next": "Pause"},
            "Pause": {"Type": "Wait", "Seconds": 0, "End": true}
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn sdk_creates_starts_describes_lists_and_reads_history() {
    let (server, _dir) = start(Clock::Real).await;
    let client = sfn(&server.endpoint());
    let machine = create(&client, "greeter", &short_machine()).await;
    assert_eq!(
        machine,
        "arn:aws:states:us-east-1:123456789012:stateMachine:greeter"
    );

    // Creating the same machine again is a no-op; a different one of that name is not.
    assert_eq!(create(&client, "greeter", &short_machine()).await, machine);
    let clash = client
        .create_state_machine()
        .name("greeter")
        .definition(json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}).to_string())
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    assert!(clash.into_service_error().is_state_machine_already_exists());

    let described = client
        .describe_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    assert_eq!(described.name, "greeter");
    assert_eq!(
        described.r#type,
        aws_sdk_sfn::types::StateMachineType::Standard
    );
    let listed = client.list_state_machines().send().await.unwrap();
    assert_eq!(listed.state_machines.len(), 1);

    let started = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("first")
        .input(r#"{"who": "world"}"#)
        .send()
        .await
        .unwrap();
    let done = finished(&client, &started.execution_arn, Duration::from_secs(10)).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert_eq!(
        serde_json::from_str::<Value>(done.output.as_deref().unwrap()).unwrap(),
        json!({"hello": "world"})
    );
    assert!(done.stop_date.is_some());

    // A name reused after the execution ended, or with other input, is refused.
    let reused = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("first")
        .input(r#"{"who": "else"}"#)
        .send()
        .await
        .unwrap_err();
    assert!(reused.into_service_error().is_execution_already_exists());

    // History: whole, paginated, reversed, without data.
    let history = client
        .get_execution_history()
        .execution_arn(&started.execution_arn)
        .send()
        .await
        .unwrap();
    let kinds: Vec<HistoryEventType> = history.events.iter().map(|e| e.r#type.clone()).collect();
    assert_eq!(kinds.first(), Some(&HistoryEventType::ExecutionStarted));
    assert_eq!(kinds.last(), Some(&HistoryEventType::ExecutionSucceeded));
    assert!(
        kinds.contains(&HistoryEventType::LambdaFunctionSucceeded),
        "{kinds:?}"
    );
    let ids: Vec<i64> = history.events.iter().map(|e| e.id).collect();
    assert_eq!(ids, (1..=ids.len() as i64).collect::<Vec<_>>());

    let mut paged = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .get_execution_history()
            .execution_arn(&started.execution_arn)
            .max_results(3)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        assert!(page.events.len() <= 3);
        paged.extend(page.events.iter().map(|e| e.id));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(paged, ids);
    let reversed = client
        .get_execution_history()
        .execution_arn(&started.execution_arn)
        .reverse_order(true)
        .include_execution_data(false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        reversed.events[0].r#type,
        HistoryEventType::ExecutionSucceeded
    );
    let first = reversed.events.last().unwrap();
    assert_eq!(first.r#type, HistoryEventType::ExecutionStarted);
    assert_eq!(
        first
            .execution_started_event_details()
            .and_then(|d| d.input()),
        None
    );

    // ListExecutions with a status filter and pagination.
    for i in 0..4 {
        client
            .start_execution()
            .state_machine_arn(&machine)
            .name(format!("more-{i}"))
            .input(r#"{"who": "x"}"#)
            .send()
            .await
            .unwrap();
    }
    let mut all = Vec::new();
    let mut token = None;
    loop {
        let page = client
            .list_executions()
            .state_machine_arn(&machine)
            .max_results(2)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        all.extend(page.executions.into_iter().map(|e| e.name));
        token = page.next_token;
        if token.is_none() {
            break;
        }
    }
    assert_eq!(all.len(), 5, "{all:?}");
    let succeeded = client
        .list_executions()
        .state_machine_arn(&machine)
        .status_filter(ExecutionStatus::Succeeded)
        .send()
        .await
        .unwrap();
    assert!(
        succeeded
            .executions
            .iter()
            .all(|e| e.status == ExecutionStatus::Succeeded)
    );
    assert!(succeeded.executions.iter().any(|e| e.name == "first"));

    // The definition an execution ran, even after the machine changes.
    client
        .update_state_machine()
        .state_machine_arn(&machine)
        .definition(json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}}).to_string())
        .send()
        .await
        .unwrap();
    let ran = client
        .describe_state_machine_for_execution()
        .execution_arn(&started.execution_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&ran.definition).unwrap(),
        short_machine()
    );

    client
        .delete_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap();
    let gone = client
        .describe_state_machine()
        .state_machine_arn(&machine)
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_state_machine_does_not_exist());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sdk_stop_execution_aborts_a_waiting_execution() {
    let (server, _dir) = start(Clock::Real).await;
    let client = sfn(&server.endpoint());
    let machine = create(
        &client,
        "sleeper",
        &json!({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
    )
    .await;
    let started = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("nap")
        .input(r#"{"n": 1}"#)
        .send()
        .await
        .unwrap();
    // Same name and input while it runs: the same answer (StartExecution is idempotent);
    // other input under that name is refused.
    let again = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("nap")
        .input(r#"{"n": 1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(again.execution_arn, started.execution_arn);
    assert_eq!(again.start_date, started.start_date);
    let other = client
        .start_execution()
        .state_machine_arn(&machine)
        .name("nap")
        .input(r#"{"n": 2}"#)
        .send()
        .await
        .unwrap_err();
    assert!(other.into_service_error().is_execution_already_exists());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let running = client
        .list_executions()
        .state_machine_arn(&machine)
        .status_filter(ExecutionStatus::Running)
        .send()
        .await
        .unwrap();
    assert_eq!(running.executions.len(), 1);
    client
        .stop_execution()
        .execution_arn(&started.execution_arn)
        .error("Operator")
        .cause("no longer needed")
        .send()
        .await
        .unwrap();
    let stopped = client
        .describe_execution()
        .execution_arn(&started.execution_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.status, ExecutionStatus::Aborted);
    assert_eq!(stopped.error.as_deref(), Some("Operator"));
    let history = client
        .get_execution_history()
        .execution_arn(&started.execution_arn)
        .reverse_order(true)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(history.events[0].r#type, HistoryEventType::ExecutionAborted);
    // The engine's thread ends soon after, without writing past the abort.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while server.runner().running() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the stopped execution's thread still runs"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let last = client
        .get_execution_history()
        .execution_arn(&started.execution_arn)
        .reverse_order(true)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(last.events[0].r#type, HistoryEventType::ExecutionAborted);
    server.stop().await;
}

fn approval_machine() -> Value {
    json!({
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "notify", "Payload": {"token.$": "$$.Task.Token", "ask.$": "$.ask"}},
                "HeartbeatSeconds": 30,
                "TimeoutSeconds": 60,
                "End": true
            }
        }
    })
}

/// The task token a `.waitForTaskToken` Task handed to its function, read from the
/// history (what a client that cannot see the function's event does).
async fn token_of(client: &aws_sdk_sfn::Client, execution: &str) -> String {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let history = client
            .get_execution_history()
            .execution_arn(execution)
            .send()
            .await
            .unwrap();
        let scheduled = history.events.iter().find_map(|e| {
            e.task_scheduled_event_details()
                .map(|d| d.parameters.clone())
        });
        if let Some(parameters) = scheduled {
            let parameters: Value = serde_json::from_str(&parameters).unwrap();
            return parameters["Payload"]["token"].as_str().unwrap().to_owned();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no TaskScheduled event"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sdk_wait_for_task_token_completes_with_send_task_success_and_failure() {
    let (server, _dir) = start(Clock::Real).await;
    let client = sfn(&server.endpoint());
    let machine = create(&client, "approvals", &approval_machine()).await;

    let approved = client
        .start_execution()
        .state_machine_arn(&machine)
        .input(r#"{"ask": "deploy?"}"#)
        .send()
        .await
        .unwrap();
    let token = token_of(&client, &approved.execution_arn).await;
    client
        .send_task_heartbeat()
        .task_token(&token)
        .send()
        .await
        .unwrap();
    let described = client
        .describe_execution()
        .execution_arn(&approved.execution_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(described.status, ExecutionStatus::Running);
    client
        .send_task_success()
        .task_token(&token)
        .output(r#"{"approved": true}"#)
        .send()
        .await
        .unwrap();
    let done = finished(&client, &approved.execution_arn, Duration::from_secs(10)).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    assert_eq!(done.output.as_deref(), Some(r#"{"approved":true}"#));
    // The token is spent.
    let spent = client
        .send_task_success()
        .task_token(&token)
        .output("{}")
        .send()
        .await
        .unwrap_err();
    assert!(spent.into_service_error().is_task_does_not_exist());

    let rejected = client
        .start_execution()
        .state_machine_arn(&machine)
        .input(r#"{"ask": "delete prod?"}"#)
        .send()
        .await
        .unwrap();
    let token = token_of(&client, &rejected.execution_arn).await;
    client
        .send_task_failure()
        .task_token(&token)
        .error("Rejected")
        .cause("not today")
        .send()
        .await
        .unwrap();
    let done = finished(&client, &rejected.execution_arn, Duration::from_secs(10)).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.error.as_deref(), Some("Rejected"));
    assert_eq!(done.cause.as_deref(), Some("not today"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sdk_errors_carry_aws_names_and_the_validator_answers_in_aws_shape() {
    let (server, _dir) = start(Clock::Virtual).await;
    let client = sfn(&server.endpoint());
    let missing = client
        .describe_state_machine()
        .state_machine_arn("arn:aws:states:us-east-1:123456789012:stateMachine:nope")
        .send()
        .await
        .unwrap_err();
    assert!(
        missing
            .into_service_error()
            .is_state_machine_does_not_exist()
    );
    let bad_arn = client
        .describe_execution()
        .execution_arn("not-an-arn")
        .send()
        .await
        .unwrap_err();
    assert!(bad_arn.into_service_error().is_invalid_arn());
    let no_execution = client
        .describe_execution()
        .execution_arn("arn:aws:states:us-east-1:123456789012:execution:m:e")
        .send()
        .await
        .unwrap_err();
    assert!(
        no_execution
            .into_service_error()
            .is_execution_does_not_exist()
    );

    let broken = json!({"StartAt": "Nowhere", "States": {"A": {"Type": "Pass", "Next": "B"}}});
    let invalid = client
        .create_state_machine()
        .name("broken")
        .definition(broken.to_string())
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(invalid.is_invalid_definition(), "{invalid:?}");
    let message = invalid.meta().message().unwrap().to_owned();
    assert!(
        message.contains("/StartAt") && message.contains("unknown-start-state"),
        "{message}"
    );
    let bad_name = client
        .create_state_machine()
        .name("has space")
        .definition(short_machine().to_string())
        .role_arn(ROLE)
        .send()
        .await
        .unwrap_err();
    assert!(bad_name.into_service_error().is_invalid_name());

    let validated = client
        .validate_state_machine_definition()
        .definition(broken.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        validated.result,
        aws_sdk_sfn::types::ValidateStateMachineDefinitionResultCode::Fail
    );
    assert!(
        validated
            .diagnostics
            .iter()
            .any(|d| d.location.as_deref() == Some("/StartAt"))
    );
    let ok = client
        .validate_state_machine_definition()
        .definition(short_machine().to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        ok.result,
        aws_sdk_sfn::types::ValidateStateMachineDefinitionResultCode::Ok
    );
    assert!(ok.diagnostics.is_empty());

    let machine = create(&client, "m", &short_machine()).await;
    let bad_input = client
        .start_execution()
        .state_machine_arn(&machine)
        .input("{not json")
        .send()
        .await
        .unwrap_err();
    assert!(bad_input.into_service_error().is_invalid_execution_input());
    let unknown_token = client
        .send_task_heartbeat()
        .task_token("no-such-token")
        .send()
        .await
        .unwrap_err();
    assert!(unknown_token.into_service_error().is_task_does_not_exist());
    server.stop().await;
}
