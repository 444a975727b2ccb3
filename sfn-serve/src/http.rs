//! The HTTP front: one loopback port for the Step Functions API (`POST /` with
//! `X-Amz-Target`), the Lambda Invoke API (`POST /2015-03-31/functions/{name}/invocations`)
//! and the web page (`GET /`).
//!
//! Any SigV4 `Authorization` header is accepted (local credentials are not checked). Every
//! failure is an answer in AWS's JSON error shape; a request never brings the server down.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;

use crate::api;
use crate::error::{ApiError, ErrorKind};
use crate::lambda;
use crate::page;
use crate::runner::Runner;

/// The largest request body read (a 1 MB definition or a 256 KiB input fits, escaped).
pub const MAX_BODY_BYTES: usize = 4 << 20;

const AMZ_JSON: &str = "application/x-amz-json-1.0";
const LAMBDA_PREFIX: &str = "/2015-03-31/functions/";

/// Accepts connections until `shutdown` fires.
pub async fn serve(
    listener: tokio::net::TcpListener,
    runner: Arc<Runner>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => return,
        };
        let Ok((stream, _)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let runner = runner.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let runner = runner.clone();
                async move { Ok::<_, Infallible>(route(req, runner).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

fn response(status: u16, content_type: &str, body: impl Into<Bytes>) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(content_type) {
        headers.insert(CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert("x-amzn-RequestId", v);
    }
    response
}

fn error(err: &ApiError, content_type: &str) -> Response<Full<Bytes>> {
    let mut response = response(err.kind.status(), content_type, err.body().to_string());
    response.headers_mut().insert(
        "x-amzn-ErrorType",
        HeaderValue::from_static(err.kind.as_str()),
    );
    response
}

async fn body(req: Request<Incoming>) -> Result<Bytes, ApiError> {
    match Limited::new(req.into_body(), MAX_BODY_BYTES)
        .collect()
        .await
    {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(ApiError::new(
                ErrorKind::RequestEntityTooLarge,
                format!(
                    "the request body is over {MAX_BODY_BYTES} bytes; definitions are at most 1 MB and inputs 256 KiB"
                ),
            ))
        }
        Err(e) => Err(ApiError::validation(format!(
            "cannot read the request body: {e}"
        ))),
    }
}

/// Runs blocking work (the store, the engine, the functions) off the async workers.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(ApiError::new(
            ErrorKind::InternalFailure,
            format!("the request's worker failed: {e}"),
        ))
    })
}

async fn route(req: Request<Incoming>, runner: Arc<Runner>) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let target = req
        .headers()
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match (req.method(), target) {
        (&Method::POST, Some(target)) => step_functions(req, runner, &target).await,
        (&Method::POST, None) if path.starts_with(LAMBDA_PREFIX) => {
            lambda_invoke(req, runner, &path).await
        }
        (&Method::GET, None) => web(&path, req.uri().query().unwrap_or_default(), runner).await,
        _ => error(
            &ApiError::new(
                ErrorKind::UnknownOperationException,
                format!(
                    "`{} {path}` is not served: send Step Functions calls as `POST /` with `X-Amz-Target: {}<Operation>`, Lambda calls to `POST {LAMBDA_PREFIX}NAME/invocations`",
                    req.method(),
                    api::TARGET_PREFIX
                ),
            ),
            AMZ_JSON,
        ),
    }
}

async fn step_functions(
    req: Request<Incoming>,
    runner: Arc<Runner>,
    target: &str,
) -> Response<Full<Bytes>> {
    let Some(operation) = target.strip_prefix(api::TARGET_PREFIX).map(str::to_owned) else {
        return error(
            &ApiError::new(
                ErrorKind::UnknownOperationException,
                format!(
                    "`X-Amz-Target: {target}` is not a Step Functions operation; it starts with `{}`",
                    api::TARGET_PREFIX
                ),
            ),
            AMZ_JSON,
        );
    };
    let bytes = match body(req).await {
        Ok(b) => b,
        Err(e) => return error(&e, AMZ_JSON),
    };
    let answer = blocking(move || api::dispatch(&runner, &operation, &bytes)).await;
    match answer {
        Ok(value) => response(200, AMZ_JSON, value.to_string()),
        Err(e) => error(&e, AMZ_JSON),
    }
}

async fn lambda_invoke(
    req: Request<Incoming>,
    runner: Arc<Runner>,
    path: &str,
) -> Response<Full<Bytes>> {
    let rest = &path[LAMBDA_PREFIX.len()..];
    let Some(segment) = rest.strip_suffix("/invocations") else {
        return error(
            &ApiError::new(
                ErrorKind::UnknownOperationException,
                format!(
                    "`POST {path}` is not served; this server serves Lambda's Invoke (`POST {LAMBDA_PREFIX}NAME/invocations`) only"
                ),
            ),
            "application/json",
        );
    };
    let name = lambda::function_name(segment);
    let kind = match lambda::InvocationType::parse(
        req.headers()
            .get("x-amz-invocation-type")
            .and_then(|v| v.to_str().ok()),
    ) {
        Ok(k) => k,
        Err(e) => return error(&e, "application/json"),
    };
    let bytes = match body(req).await {
        Ok(b) => b,
        Err(e) => return error(&e, "application/json"),
    };
    let functions = runner.functions.clone();
    let answer = blocking(move || lambda::invoke(&functions, &name, kind, &bytes)).await;
    match answer {
        Ok(answer) => {
            let mut r = response(answer.status, "application/json", answer.body);
            r.headers_mut().insert(
                "X-Amz-Executed-Version",
                HeaderValue::from_static("$LATEST"),
            );
            if let Some(kind) = answer.function_error {
                r.headers_mut()
                    .insert("X-Amz-Function-Error", HeaderValue::from_static(kind));
            }
            r
        }
        Err(e) => {
            let mut r = error(&e, "application/json");
            let mut body = e.body();
            body["Type"] = Value::from("User");
            *r.body_mut() = Full::new(Bytes::from(body.to_string()));
            r
        }
    }
}

async fn web(path: &str, query: &str, runner: Arc<Runner>) -> Response<Full<Bytes>> {
    let (path, query) = (path.to_owned(), query.to_owned());
    let page = blocking(move || page::render(&runner, &path, &query)).await;
    match page {
        Ok(page::Page::Html(html)) => response(200, "text/html; charset=utf-8", html),
        Ok(page::Page::Json(value)) => response(200, "application/json", value.to_string()),
        Ok(page::Page::NotFound(text)) => response(404, "text/plain; charset=utf-8", text),
        Err(e) => error(&e, "application/json"),
    }
}
