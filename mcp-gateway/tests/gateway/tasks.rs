//! The agent as a durable MCP task, driven by rmcp's client over 2026-07-28 with the Tasks
//! extension declared: created at once, polled to completion with the plan's answer,
//! cancelled (StopExecution) while a tool is in flight; and, for a client without Tasks, a
//! run past the wait answered by a handle that `get_agent_run` polls.

use std::time::{Duration, Instant};

use base64::Engine;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CancelTaskParams, ClientCapabilities, ClientConfig,
    GetTaskParams, GetTaskResult, Implementation, ProtocolVersion, TaskPayload, TaskStatus,
};
use rmcp::service::{ClientLifecycleMode, ClientServiceExt, RoleClient, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::{Value, json};

use crate::support::{Stack, workspace};

/// A client that declares the Tasks extension.
#[derive(Clone)]
struct TasksClient;

impl rmcp::ClientHandler for TasksClient {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(
            ClientCapabilities::builder().enable_tasks().build(),
            Implementation::new("gateway-tasks-test", "0"),
        )
    }
}

async fn connect(url: &str) -> RunningService<RoleClient, TasksClient> {
    TasksClient
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_uri(url.to_owned()),
            ClientLifecycleMode::Discover {
                preferred_versions: vec![ProtocolVersion::V_2026_07_28],
            },
        )
        .await
        .unwrap()
}

fn arguments(value: Value) -> CallToolRequestParams {
    let mut params = CallToolRequestParams::new("run_agent");
    params.arguments = value.as_object().cloned();
    params
}

fn plan_calculator() -> Value {
    let text = std::fs::read_to_string(workspace().join("examples/plan-calculator.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Polls `tasks/get` until `done` says so, within `limit`.
async fn poll(
    client: &RunningService<RoleClient, TasksClient>,
    task_id: &str,
    limit: Duration,
    done: impl Fn(&GetTaskResult) -> bool,
) -> GetTaskResult {
    let deadline = Instant::now() + limit;
    loop {
        let got = client.get_task(GetTaskParams::new(task_id)).await.unwrap();
        if done(&got) {
            return got;
        }
        assert!(
            Instant::now() < deadline,
            "task still {:?} after {limit:?}",
            got.task
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn run_agent_as_a_task_completes_with_the_plans_answer() {
    let Some(stack) = Stack::start(Duration::from_secs(25)).await else {
        return;
    };
    let client = connect(&stack.url).await;
    let created = client
        .call_tool_once(arguments(plan_calculator()))
        .await
        .unwrap();
    let CallToolResponse::Task(created) = created else {
        panic!("a client with Tasks gets a task: {created:?}")
    };
    assert_eq!(created.task.status, TaskStatus::Working);
    let task_id = created.task.task_id.clone();
    assert!(task_id.len() > 60, "an unguessable id: {task_id}");

    let done = poll(&client, &task_id, Duration::from_secs(120), |t| {
        t.task.status().is_terminal()
    })
    .await;
    let TaskPayload::Completed { result } = &done.task.payload else {
        panic!("completed: {:?}", done.task)
    };
    assert_eq!(result["isError"], false, "{result:?}");
    assert_eq!(
        result["structuredContent"]["answer"]["product"], "12.5",
        "{result:?}"
    );

    // A tampered id is an unknown task, not another execution.
    let mut forged = task_id.clone();
    forged.push('A');
    let err = client
        .get_task(GetTaskParams::new(forged))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unknown task"), "{err}");
    client.cancel().await.unwrap();
    stack.stop().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_task_stops_its_execution() {
    // A server that accepts and never answers keeps http-fetch (and so the run) busy.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap().to_string();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let Some(stack) = Stack::start_with(
        Duration::from_secs(25),
        &[("HTTP_FETCH_ALLOW_HOSTS", silent_addr.as_str())],
    )
    .await
    else {
        holder.abort();
        return;
    };
    let client = connect(&stack.url).await;
    let start = json!({"goal": "fetch a page that never comes", "options": {"reasoner": "plan", "plan": {
        "steps": [{"id": "page", "tool": "http-fetch", "input": {"url": format!("http://{silent_addr}/slow")}}],
        "answer": {"page": "{{page.output}}"}
    }}});
    let CallToolResponse::Task(created) = client.call_tool_once(arguments(start)).await.unwrap()
    else {
        panic!("a client with Tasks gets a task")
    };
    let task_id = created.task.task_id.clone();
    let working = poll(&client, &task_id, Duration::from_secs(60), |t| {
        t.task
            .task
            .status_message
            .as_deref()
            .is_some_and(|m| m.contains("Tool_http-fetch"))
    })
    .await;
    assert_eq!(working.task.status(), TaskStatus::Working);
    assert!(working.task.task.status_message.unwrap().contains("turn"));

    client
        .cancel_task(CancelTaskParams::new(&task_id))
        .await
        .unwrap();
    let cancelled = poll(&client, &task_id, Duration::from_secs(30), |t| {
        t.task.status().is_terminal()
    })
    .await;
    assert_eq!(cancelled.task.status(), TaskStatus::Cancelled);

    // Behind the gateway's back: the execution itself was stopped.
    let arn = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(task_id.split('.').next().unwrap())
        .unwrap();
    let described = stack
        .sfn
        .describe_execution()
        .execution_arn(String::from_utf8(arn).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(
        described.status,
        aws_sdk_sfn::types::ExecutionStatus::Aborted
    );
    // A second cancel of an ended task is refused.
    assert!(
        client
            .cancel_task(CancelTaskParams::new(&task_id))
            .await
            .is_err()
    );
    client.cancel().await.unwrap();
    stack.stop().await;
    holder.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn without_tasks_a_run_past_the_wait_returns_a_handle_that_get_agent_run_polls() {
    let Some(stack) = Stack::start(Duration::ZERO).await else {
        return;
    };
    // rmcp's client on the legacy lifecycle declares no Tasks.
    let client = ()
        .serve_with_lifecycle(
            StreamableHttpClientTransport::from_uri(stack.url.clone()),
            ClientLifecycleMode::Initialize,
        )
        .await
        .unwrap();
    let mut params = arguments(plan_calculator());
    params.name = "run_agent".into();
    let first = client.call_tool(params).await.unwrap();
    let first = first.structured_content.unwrap();
    assert_eq!(first["status"], "working", "{first}");
    let handle = first["handle"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(120);
    let answer = loop {
        let mut get = CallToolRequestParams::new("get_agent_run");
        get.arguments = json!({"handle": handle}).as_object().cloned();
        let got = client.call_tool(get).await.unwrap();
        let content = got.structured_content.clone().unwrap();
        if content.get("status") != Some(&json!("working")) {
            assert_eq!(got.is_error, Some(false), "{content}");
            break content;
        }
        assert!(Instant::now() < deadline, "still working: {content}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(answer["answer"]["product"], "12.5", "{answer}");
    client.cancel().await.unwrap();
    stack.stop().await;
}
