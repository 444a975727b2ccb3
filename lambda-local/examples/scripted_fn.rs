//! A Lambda function for tests, built on the real `lambda_runtime`: it does what its event
//! says (`{"echo": x}`, `{"fail": "Name"}`, `{"crash": true}`, `{"sleep_ms": n}`), and
//! answers `{"pid": ...}` so tests can tell warm instances from cold ones.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use serde_json::{Value, json};

async fn handler(event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    let payload = event.payload;
    if let Some(ms) = payload.get("sleep_ms").and_then(Value::as_u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    if let Some(name) = payload.get("fail").and_then(Value::as_str) {
        return Err(Diagnostic {
            error_type: name.to_owned(),
            error_message: format!("asked to fail with {name}"),
        });
    }
    if payload.get("crash").is_some() {
        std::process::exit(3);
    }
    Ok(json!({
        "echo": payload.get("echo").cloned().unwrap_or(Value::Null),
        "pid": std::process::id(),
        "request_id": event.context.request_id,
    }))
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::run(service_fn(handler)).await
}
