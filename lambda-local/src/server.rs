//! The Runtime API endpoints one instance talks to.
//!
//! <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>: `GET
//! /2018-06-01/runtime/invocation/next` blocks until there is an event, then returns it with
//! the `Lambda-Runtime-*` headers; the function answers on `.../{id}/response` or reports a
//! failure on `.../{id}/error` (and `.../init/error` before its first poll).

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;

use crate::InvokeFailure;
use crate::pool::{Function, Instance};

const PREFIX: &str = "/2018-06-01/runtime/";

/// Accepts connections from one instance until the task is aborted.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    function: Arc<Function>,
    instance: Arc<Instance>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let function = function.clone();
        let instance = instance.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let function = function.clone();
                let instance = instance.clone();
                async move { Ok::<_, Infallible>(route(req, &function, &instance).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn reply(status: StatusCode, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response
}

async fn route(
    req: Request<Incoming>,
    function: &Function,
    instance: &Instance,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let Some(rest) = path.strip_prefix(PREFIX) else {
        return reply(StatusCode::NOT_FOUND, "unknown path");
    };
    let method = req.method().clone();
    let segments: Vec<&str> = rest.split('/').collect();
    match (method, segments.as_slice()) {
        (Method::GET, ["invocation", "next"]) => next(function, instance).await,
        (Method::POST, ["invocation", id, "response"]) => {
            let body = read_body(req).await;
            let value = serde_json::from_slice(&body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&body).into_owned()));
            finish(instance, id);
            function.complete(id, Ok(value));
            reply(StatusCode::ACCEPTED, "")
        }
        (Method::POST, ["invocation", id, "error"]) => {
            let header_type = req
                .headers()
                .get("Lambda-Runtime-Function-Error-Type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            let body = read_body(req).await;
            finish(instance, id);
            function.complete(id, Err(function_error(&body, header_type)));
            reply(StatusCode::ACCEPTED, "")
        }
        (Method::POST, ["init", "error"]) => {
            let body = read_body(req).await;
            tracing::warn!(
                function = %function.spec.name,
                error = %String::from_utf8_lossy(&body),
                "function reported an init error"
            );
            reply(StatusCode::ACCEPTED, "")
        }
        _ => reply(StatusCode::NOT_FOUND, "unknown path"),
    }
}

async fn next(function: &Function, instance: &Instance) -> Response<Full<Bytes>> {
    if !instance.polled.swap(true, Ordering::SeqCst) {
        let init = instance.started.elapsed().as_secs_f64() * 1000.0;
        function.init_ms.lock().unwrap().push(init);
    }
    let job = {
        let mut rx = function.queue_rx.lock().await;
        rx.recv().await
    };
    let Some(job) = job else {
        return reply(StatusCode::GONE, "shutting down");
    };
    *instance.current.lock().unwrap() = Some(job.request_id.clone());
    let _ = job.picked.send(());
    let deadline_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis()
        + job.limit.as_millis();
    let mut response = reply(StatusCode::OK, job.payload);
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = value.parse() {
            headers.insert(name, value);
        }
    };
    set("Lambda-Runtime-Aws-Request-Id", job.request_id);
    set("Lambda-Runtime-Deadline-Ms", deadline_ms.to_string());
    set("Lambda-Runtime-Invoked-Function-Arn", function.arn.clone());
    set(
        "Lambda-Runtime-Trace-Id",
        format!(
            "Root=1-00000000-{:024x};Parent=0000000000000000;Sampled=0",
            instance.id
        ),
    );
    set("Content-Type", "application/json".into());
    response
}

fn finish(instance: &Instance, request_id: &str) {
    let mut current = instance.current.lock().unwrap();
    if current.as_deref() == Some(request_id) {
        *current = None;
    }
}

async fn read_body(req: Request<Incoming>) -> Bytes {
    req.into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default()
}

/// The error Step Functions records for a function error: the name is the document's
/// `errorType` (or the header's), the cause the document itself, compact.
fn function_error(body: &[u8], header_type: Option<String>) -> InvokeFailure {
    let doc: Option<Value> = serde_json::from_slice(body).ok();
    let error = doc
        .as_ref()
        .and_then(|d| d.get("errorType"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .filter(|s| !s.is_empty())
        .or(header_type)
        .unwrap_or_else(|| "Lambda.Unknown".to_owned());
    let cause = match doc {
        Some(doc) => doc.to_string(),
        None => String::from_utf8_lossy(body).into_owned(),
    };
    InvokeFailure::Function { error, cause }
}
