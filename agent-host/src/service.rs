//! P4, the hybrid host: a long-running HTTP service that runs the loop itself (the agent
//! step in process, so a running run's transcript stays in memory) and calls tools on
//! Lambda.
//!
//! | request | answer |
//! | --- | --- |
//! | `POST /runs` (body: the start input), `?wait=true` to wait | `202 {"id", "status": "RUNNING"}`, or `200` with the run when waiting |
//! | `GET /runs/{id}` | `{"id", "status", "answer", "error", "cause", "turns", "executions"}` |
//! | `GET /runs/{id}/events` | `text/event-stream`: every event so far, then live ones until the run ends |
//! | `GET /runs/{id}/view` | a page that shows those events as they come (`EventSource`), then the outcome |
//! | `GET /health` | `200 ok` |
//!
//! With a data folder, every run's [`Checkpoint`] (the state before each agent step) is
//! written to `<data>/runs/<id>.json`, and the final run beside it; a restarted service
//! resumes every run whose last record is a checkpoint, so a restart loses at most the
//! turn in flight (its tool calls run again: at-least-once).

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, StreamBody, combinators::BoxBody};
use hyper::body::Frame;
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::driver::{Checkpoint, Driver, RunOutcome};
use crate::events::Event;

/// The largest start input accepted (Step Functions' own limit).
pub const MAX_INPUT_BYTES: usize = 256 * 1024;

type Body = BoxBody<Bytes, Infallible>;

/// One run as the service keeps it.
struct Run {
    events: Vec<Event>,
    outcome: Option<RunOutcome>,
    executions: Vec<protocol::ExecutionRef>,
    live: broadcast::Sender<Option<Event>>,
}

/// The service's runs and how it runs them.
#[derive(Clone)]
pub struct Service {
    driver: Driver,
    runs: Arc<Mutex<HashMap<String, Run>>>,
    data: Option<PathBuf>,
}

/// What a saved run record holds.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "record", rename_all = "snake_case")]
enum Record {
    Checkpoint(Checkpoint),
    Finished(Value),
}

impl Service {
    /// A service over `driver`, keeping run records in `data` when given.
    pub fn new(driver: Driver, data: Option<PathBuf>) -> std::io::Result<Self> {
        if let Some(dir) = &data {
            std::fs::create_dir_all(dir.join("runs"))?;
        }
        Ok(Self {
            driver,
            runs: Arc::new(Mutex::new(HashMap::new())),
            data,
        })
    }

    /// Resumes every run the data folder holds a checkpoint for; returns their ids.
    pub fn resume(&self) -> std::io::Result<Vec<String>> {
        let Some(dir) = &self.data else {
            return Ok(Vec::new());
        };
        let mut resumed = Vec::new();
        for entry in std::fs::read_dir(dir.join("runs"))? {
            let path = entry?.path();
            let Some(id) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
                continue;
            };
            let record: Option<Record> = std::fs::read(&path)
                .ok()
                .and_then(|bytes| serde_json::from_slice(&bytes).ok());
            match record {
                Some(Record::Checkpoint(checkpoint)) => {
                    tracing::info!(run = %id, "resuming a run from its last checkpoint");
                    self.spawn(id.clone(), checkpoint);
                    resumed.push(id);
                }
                Some(Record::Finished(_)) => {}
                None => {
                    tracing::warn!(path = %path.display(), "an unreadable run record; left as it is")
                }
            }
        }
        Ok(resumed)
    }

    /// Starts a run of `input`; returns its id.
    pub fn start(&self, input: Value) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let checkpoint = Checkpoint {
            executions: vec![self.driver.execution(&id)],
            state: input,
        };
        self.spawn(id.clone(), checkpoint);
        id
    }

    fn spawn(&self, id: String, checkpoint: Checkpoint) {
        let (live, _) = broadcast::channel(1024);
        self.runs.lock().unwrap().insert(
            id.clone(),
            Run {
                events: Vec::new(),
                outcome: None,
                executions: checkpoint.executions.clone(),
                live,
            },
        );
        let this = self.clone();
        tokio::spawn(async move {
            let runs = this.runs.clone();
            let event_id = id.clone();
            let events: crate::events::EventSink = Arc::new(move |event: &Event| {
                if let Some(run) = runs.lock().unwrap().get_mut(&event_id) {
                    run.events.push(event.clone());
                    let _ = run.live.send(Some(event.clone()));
                }
            });
            let checkpoints = this.data.as_ref().map(|dir| {
                let path = record_path(dir, &id);
                let runs = this.runs.clone();
                let run_id = id.clone();
                Arc::new(move |checkpoint: &Checkpoint| {
                    if let Some(run) = runs.lock().unwrap().get_mut(&run_id) {
                        run.executions = checkpoint.executions.clone();
                    }
                    write_record(&path, &Record::Checkpoint(checkpoint.clone()));
                }) as crate::driver::CheckpointSink
            });
            let outcome = this.driver.run_from(checkpoint, events, checkpoints).await;
            if let Some(dir) = &this.data {
                write_record(
                    &record_path(dir, &id),
                    &Record::Finished(describe(&id, Some(&outcome), &outcome.executions)),
                );
            }
            if let Some(run) = this.runs.lock().unwrap().get_mut(&id) {
                run.executions = outcome.executions.clone();
                run.outcome = Some(outcome);
                let _ = run.live.send(None);
            }
        });
    }

    /// The run's description, when the service knows it.
    pub fn describe(&self, id: &str) -> Option<Value> {
        if let Some(run) = self.runs.lock().unwrap().get(id) {
            return Some(describe(id, run.outcome.as_ref(), &run.executions));
        }
        // A run finished before a restart.
        let dir = self.data.as_ref()?;
        match serde_json::from_slice(&std::fs::read(record_path(dir, id)).ok()?).ok()? {
            Record::Finished(description) => Some(description),
            Record::Checkpoint(_) => None,
        }
    }

    /// Waits for the run to end; its description.
    pub async fn wait(&self, id: &str) -> Option<Value> {
        let mut live = {
            let runs = self.runs.lock().unwrap();
            let run = runs.get(id)?;
            if run.outcome.is_some() {
                return Some(describe(id, run.outcome.as_ref(), &run.executions));
            }
            run.live.subscribe()
        };
        // Until the end marker (`None`) or the run's sender is gone.
        while let Ok(Some(_)) | Err(broadcast::error::RecvError::Lagged(_)) = live.recv().await {}
        self.describe(id)
    }

    /// Answers one HTTP request.
    pub async fn handle<B>(&self, request: Request<B>) -> Response<Body>
    where
        B: hyper::body::Body,
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let path = request.uri().path().to_owned();
        let query = request.uri().query().unwrap_or("").to_owned();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (request.method().clone(), segments.as_slice()) {
            (Method::GET, ["health"]) => text(StatusCode::OK, "ok"),
            (Method::POST, ["runs"]) => {
                let body = match read_limited(request.into_body()).await {
                    Ok(body) => body,
                    Err(response) => return response,
                };
                let input: Value = match serde_json::from_slice(&body) {
                    Ok(value @ Value::Object(_)) => value,
                    Ok(_) => {
                        return error(
                            StatusCode::BAD_REQUEST,
                            "InvalidInput",
                            "the body must be a JSON object: the start input, e.g. {\"goal\": \"...\"}",
                        );
                    }
                    Err(e) => {
                        return error(
                            StatusCode::BAD_REQUEST,
                            "InvalidInput",
                            &format!(
                                "the body is not JSON ({e}); send the start input as a JSON object"
                            ),
                        );
                    }
                };
                let id = self.start(input);
                if query.split('&').any(|p| p == "wait=true") {
                    let description = self.wait(&id).await.unwrap_or(Value::Null);
                    return json_response(StatusCode::OK, &description);
                }
                json_response(
                    StatusCode::ACCEPTED,
                    &json!({"id": id, "status": "RUNNING"}),
                )
            }
            (Method::GET, ["runs", id]) => match self.describe(id) {
                Some(description) => json_response(StatusCode::OK, &description),
                None => not_found(id),
            },
            (Method::GET, ["runs", id, "events"]) => self.events(id),
            (Method::GET, ["runs", id, "view"]) => match self.describe(id) {
                Some(_) => html(&view_page(id)),
                None => not_found(id),
            },
            _ => error(
                StatusCode::NOT_FOUND,
                "NotFound",
                "routes: POST /runs, GET /runs/{id}, GET /runs/{id}/events, GET /health",
            ),
        }
    }

    /// The run's events as Server-Sent Events: those so far, then live ones.
    fn events(&self, id: &str) -> Response<Body> {
        let (past, live, ended) = {
            let runs = self.runs.lock().unwrap();
            let Some(run) = runs.get(id) else {
                return not_found(id);
            };
            (
                run.events.clone(),
                run.live.subscribe(),
                run.outcome.is_some(),
            )
        };
        let stream = event_stream(past, live, ended);
        Response::builder()
            .status(StatusCode::OK)
            .header("content-type", "text/event-stream")
            .header("cache-control", "no-cache")
            .body(BoxBody::new(StreamBody::new(stream)))
            .expect("a valid response")
    }
}

/// Past events, then live ones until the run ends, as SSE frames.
fn event_stream(
    past: Vec<Event>,
    mut live: broadcast::Receiver<Option<Event>>,
    ended: bool,
) -> tokio_stream_shim::ReceiverStream {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Frame<Bytes>, Infallible>>(64);
    tokio::spawn(async move {
        for event in &past {
            if tx.send(Ok(sse_frame(event))).await.is_err() {
                return;
            }
        }
        if ended {
            return;
        }
        // The snapshot and the subscription were taken under the runs' lock, under which
        // every event is recorded and sent: nothing is missed or repeated.
        loop {
            match live.recv().await {
                Ok(Some(event)) => {
                    if tx.send(Ok(sse_frame(&event))).await.is_err() {
                        return;
                    }
                }
                Ok(None) | Err(broadcast::error::RecvError::Closed) => return,
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
            }
        }
    });
    tokio_stream_shim::ReceiverStream(rx)
}

/// A minimal `Stream` over an mpsc receiver (what `tokio-stream` would give).
mod tokio_stream_shim {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use bytes::Bytes;
    use hyper::body::Frame;

    /// Frames from a channel.
    pub struct ReceiverStream(
        pub tokio::sync::mpsc::Receiver<Result<Frame<Bytes>, std::convert::Infallible>>,
    );

    impl futures_core::Stream for ReceiverStream {
        type Item = Result<Frame<Bytes>, std::convert::Infallible>;
        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            self.0.poll_recv(cx)
        }
    }
}

fn sse_frame(event: &Event) -> Frame<Bytes> {
    let data = serde_json::to_string(event).expect("an event serializes");
    Frame::data(Bytes::from(format!("data: {data}\n\n")))
}

fn describe(
    id: &str,
    outcome: Option<&RunOutcome>,
    executions: &[protocol::ExecutionRef],
) -> Value {
    match outcome {
        None => json!({"id": id, "status": "RUNNING", "executions": executions}),
        Some(o) => json!({
            "id": id,
            "status": o.status,
            "answer": o.answer,
            "error": o.error,
            "cause": o.cause,
            "turns": o.turns,
            "executions": o.executions,
            "transcript": o.transcript(),
        }),
    }
}

fn record_path(dir: &Path, id: &str) -> PathBuf {
    dir.join("runs").join(format!("{id}.json"))
}

/// Writes a record whole or not at all (a temporary file renamed over the old one).
fn write_record(path: &Path, record: &Record) {
    let temporary = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec(record).expect("a record serializes");
    let written =
        std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(e) = written {
        tracing::error!(path = %path.display(), error = %e, "cannot write the run record");
    }
}

async fn read_limited<B>(body: B) -> Result<Bytes, Response<Body>>
where
    B: hyper::body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let limited = http_body_util::Limited::new(body, MAX_INPUT_BYTES);
    match limited.collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) => Err(error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "InputTooLarge",
            &format!(
                "the start input is over {MAX_INPUT_BYTES} bytes or unreadable ({e}); put large data in the offload store and pass a pointer"
            ),
        )),
    }
}

fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(value.to_string())).boxed())
        .expect("a valid response")
}

/// The page of one run: its events, live, from `/runs/{id}/events`.
fn view_page(id: &str) -> String {
    // The id is a UUID this service made, or was looked up: it is safe in the page, but
    // JSON-encode it anyway so no id could ever end the script.
    let id_json = serde_json::to_string(id).expect("a string serializes");
    VIEW_PAGE.replace("__RUN_ID__", &id_json.replace('<', "\\u003c"))
}

/// The run page's template (self-contained: no external script, style or font).
const VIEW_PAGE: &str = include_str!("view.html");

fn html(body: &str) -> Response<Body> {
    Response::builder()
        .status(StatusCode::OK)
        .header("content-type", "text/html; charset=utf-8")
        .header(
            "content-security-policy",
            "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'",
        )
        .body(Full::new(Bytes::from(body.to_owned())).boxed())
        .expect("a valid response")
}

fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header("content-type", "text/plain")
        .body(Full::new(Bytes::from_static(body.as_bytes())).boxed())
        .expect("a valid response")
}

fn error(status: StatusCode, name: &str, message: &str) -> Response<Body> {
    json_response(status, &json!({"error": name, "message": message}))
}

fn not_found(id: &str) -> Response<Body> {
    error(
        StatusCode::NOT_FOUND,
        "RunNotFound",
        &format!("no run `{id}` on this host; POST /runs starts one"),
    )
}
