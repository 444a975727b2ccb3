//! Shared test helpers: a scripted HTTP server on loopback, the workspace's tools, a local
//! store, and a driver that plays the state machine's part between steps.

#![allow(dead_code, missing_docs)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use agent_lambda::Agent;
use agent_lambda::reasoner::openai::OpenAiReasoner;
use agent_lambda::tools::ToolSet;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use protocol::agent::{
    AgentStepInput, AgentStepOutput, LoopConfig, LoopState, ToolOutcome, ToolResults,
};
use protocol::call::ExecutionRef;
use serde_json::{Value, json};

/// A server answering with canned (status, body) pairs in order (the last repeats) and
/// recording each request's path and JSON body.
pub struct Scripted {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<(String, Value)>>>,
    /// The size in bytes of each request body, as received.
    pub sizes: Arc<Mutex<Vec<usize>>>,
}

pub async fn scripted_server(answers: Vec<(u16, String)>) -> Scripted {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let recorded = requests.clone();
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let sized = sizes.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                break;
            };
            let answers = answers.clone();
            let recorded = recorded.clone();
            let sized = sized.clone();
            tokio::spawn(async move {
                let service =
                    hyper::service::service_fn(move |req: Request<hyper::body::Incoming>| {
                        let answers = answers.clone();
                        let recorded = recorded.clone();
                        let sized = sized.clone();
                        async move {
                            let path = req.uri().path().to_owned();
                            let body = req.into_body().collect().await.unwrap().to_bytes();
                            sized.lock().unwrap().push(body.len());
                            let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                            recorded.lock().unwrap().push((path, json));
                            let (status, text) = {
                                let mut answers = answers.lock().unwrap();
                                if answers.len() > 1 {
                                    answers.pop_front().unwrap()
                                } else {
                                    answers.front().cloned().unwrap()
                                }
                            };
                            let mut response = Response::builder()
                                .status(status)
                                .header("content-type", "application/json");
                            if (300..400).contains(&status) {
                                response = response.header("location", text.clone());
                            }
                            if status == 429 {
                                response =
                                    response.header("x-amzn-errortype", "ThrottlingException");
                            }
                            Ok::<_, Infallible>(
                                response.body(Full::new(Bytes::from(text))).unwrap(),
                            )
                        }
                    });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Scripted {
        addr,
        requests,
        sizes,
    }
}

/// An OpenAI-compatible reasoner at a scripted server, loopback admitted.
pub fn local_openai(addr: SocketAddr, model: &str, key: Option<&str>) -> OpenAiReasoner {
    OpenAiReasoner::new(format!("http://{addr}/v1"), model, key.map(str::to_owned))
        .with_policy(loopback_allowed())
}

/// An address policy admitting 127.0.0.0/8 (the scripted servers).
pub fn loopback_allowed() -> netguard::AddressPolicy {
    netguard::AddressPolicy::with_allow_list(vec!["127.0.0.0/8".parse().unwrap()])
}

pub fn workspace_tools() -> ToolSet {
    ToolSet::from_folder(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tool-lambdas"))
        .expect("the workspace's tool manifests load")
}

pub fn local_agent(dir: &std::path::Path) -> Agent {
    Agent::new(workspace_tools(), offload::Store::local(dir))
}

pub fn execution(name: &str) -> ExecutionRef {
    ExecutionRef {
        id: format!("arn:aws:states:us-east-1:123456789012:execution:agent:{name}"),
        name: name.to_owned(),
    }
}

pub fn start(goal: &str, options: Value) -> LoopState {
    LoopState {
        goal: Some(goal.to_owned()),
        options: Some(options),
        ..LoopState::default()
    }
}

/// The state the machine builds for the next step from an output and tool outcomes.
pub fn next_state(output: &AgentStepOutput, outcomes: Vec<ToolOutcome>) -> LoopState {
    LoopState {
        transcript: Some(output.transcript.clone()),
        turn: output.turn,
        failures: output.failures.clone(),
        calls: output.calls.clone(),
        tool: Some(ToolResults { results: outcomes }),
        ..LoopState::default()
    }
}

/// The start input of a continued execution, as the ContinueAsNew state builds it.
pub fn continued(output: &AgentStepOutput, parent: &ExecutionRef) -> LoopState {
    LoopState {
        handoff: Some(
            output
                .handoff
                .clone()
                .expect("a continue output carries a hand-off"),
        ),
        parent: Some(parent.clone()),
        ..LoopState::default()
    }
}

pub fn input(state: LoopState, execution: ExecutionRef, config: LoopConfig) -> AgentStepInput {
    AgentStepInput {
        state,
        execution,
        config,
    }
}

pub fn ok(call_id: &str, tool: &str, output: Value) -> ToolOutcome {
    ToolOutcome {
        call_id: call_id.into(),
        tool: tool.into(),
        output: Some(output),
        error: None,
        cause: None,
    }
}

pub fn err(call_id: &str, tool: &str, error: &str) -> ToolOutcome {
    ToolOutcome {
        call_id: call_id.into(),
        tool: tool.into(),
        output: None,
        error: Some(error.into()),
        cause: Some("it broke".into()),
    }
}

pub fn size(value: &impl serde::Serialize) -> usize {
    serde_json::to_vec(value).unwrap().len()
}

pub fn calc_call(expression: &str) -> Value {
    json!({"expression": expression})
}
