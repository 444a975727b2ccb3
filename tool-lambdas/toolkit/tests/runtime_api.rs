//! A toolkit tool (the `doc_tool` example) behind lambda-local's embedded Runtime API: the
//! events `lambda_runtime` itself would refuse still come back with a stable `errorType`.

use std::path::PathBuf;
use std::time::Duration;

use lambda_local::{FunctionSpec, InvokeFailure, LocalLambdas};
use serde_json::{Value, json};

/// The example binary cargo builds next to this test's binary (`cargo test -p toolkit`).
fn doc_tool() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(format!("doc_tool{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "build the example first (`cargo test -p toolkit` does): {}",
        path.display()
    );
    path
}

fn lambdas(offload: &std::path::Path) -> LocalLambdas {
    let mut spec = FunctionSpec::new("doc", doc_tool());
    spec.timeout = Duration::from_secs(20);
    spec.env
        .insert("AWS_LAMBDA_LOG_LEVEL".into(), "error".into());
    spec.env
        .insert("OFFLOAD_DIR".into(), offload.display().to_string());
    LocalLambdas::start(vec![spec]).unwrap()
}

/// `{"a": {"a": ... "leaf" ...}}`, `depth` objects deep.
fn nested(depth: usize) -> Value {
    let mut value = json!("leaf");
    for _ in 0..depth {
        value = json!({ "a": value });
    }
    value
}

fn event(doc: Value) -> Value {
    json!({
        "call": {"call_id": "c1", "tool": "doc", "input": {"doc": doc}},
        "execution": {"id": "arn:aws:states:us-east-1:111111111111:execution:Agent:run-1", "name": "run-1"},
    })
}

#[test]
fn a_tool_event_nested_deeper_than_128_levels_is_invalid_input_not_a_rust_type_name() {
    let dir = tempfile::tempdir().unwrap();
    let l = lambdas(dir.path());
    // The event and `call` and `input` objects are 3 levels; 200 more is well past 128.
    let err = l.invoke("doc", &event(nested(200)), None).unwrap_err();
    let InvokeFailure::Function { error, cause } = &err else {
        panic!("expected a function error, got {err:?}");
    };
    assert_eq!(error, "ToolError.InvalidInput", "{cause}");
    let doc: Value = serde_json::from_str(cause).unwrap();
    assert_eq!(doc["errorType"], "ToolError.InvalidInput");
    let message = doc["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("the event nests 128 or more levels"),
        "{message}"
    );
    assert!(!message.contains("lambda_runtime"), "{message}");
    // The same warm instance still serves a normal call.
    let ok = l.invoke("doc", &event(json!({"n": 1})), None).unwrap();
    assert_eq!(ok["output"]["len"], 7);
    assert_eq!(l.stats()[0].init_ms.len(), 1, "one cold start");
}

#[test]
fn an_event_at_the_depth_limit_is_served_and_one_level_more_is_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let l = lambdas(dir.path());
    // serde_json reads at most 127 nested levels; the event, `call` and `input` are 3 of
    // them, so a document of 124 nested objects is the deepest input a tool can take.
    let ok = l.invoke("doc", &event(nested(124)), None).unwrap();
    assert_eq!(
        ok["output"]["len"],
        nested(124).to_string().len(),
        "the tool saw the whole document"
    );
    let err = l.invoke("doc", &event(nested(125)), None).unwrap_err();
    let (error, _) = err.error_and_cause();
    assert_eq!(error, "ToolError.InvalidInput");
}

#[test]
fn a_panicking_tool_is_tool_error_fatal_not_a_rust_type_name() {
    let dir = tempfile::tempdir().unwrap();
    let l = lambdas(dir.path());
    let err = l.invoke("doc", &event(json!("panic")), None).unwrap_err();
    let InvokeFailure::Function { error, cause } = &err else {
        panic!("expected a function error, got {err:?}");
    };
    assert_eq!(error, "ToolError.Fatal", "{cause}");
    assert!(cause.contains("asked to panic"), "{cause}");
}
