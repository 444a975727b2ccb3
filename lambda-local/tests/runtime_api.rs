//! Runs a real `lambda_runtime` binary (the `scripted_fn` example) behind the embedded
//! Runtime API: results, function errors, crashes, timeouts, warm reuse and concurrency.

use std::path::PathBuf;
use std::time::Duration;

use lambda_local::{FunctionSpec, InvokeFailure, LocalLambdas};
use serde_json::{Value, json};

/// The example binary cargo builds next to this test's binary.
fn scripted_fn() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(format!("scripted_fn{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "build the example first: {}",
        path.display()
    );
    path
}

fn lambdas(concurrency: usize, timeout: Duration) -> LocalLambdas {
    let mut spec = FunctionSpec::new("scripted", scripted_fn());
    spec.max_concurrency = concurrency;
    spec.timeout = timeout;
    spec.env
        .insert("AWS_LAMBDA_LOG_LEVEL".into(), "error".into());
    LocalLambdas::start(vec![spec]).unwrap()
}

#[test]
fn result_comes_back_and_the_instance_stays_warm() {
    let l = lambdas(4, Duration::from_secs(5));
    let a = l
        .invoke("scripted", &json!({"echo": {"n": 1}}), None)
        .unwrap();
    let b = l.invoke("scripted", &json!({"echo": [2]}), None).unwrap();
    assert_eq!(a["echo"], json!({"n": 1}));
    assert_eq!(b["echo"], json!([2]));
    assert_eq!(
        a["pid"], b["pid"],
        "second call must reuse the warm process"
    );
    assert_ne!(a["request_id"], b["request_id"]);
    let stats = l.stats();
    assert_eq!(stats[0].invocations, 2);
    assert_eq!(stats[0].init_ms.len(), 1, "one cold start: {stats:?}");
}

#[test]
fn function_error_carries_its_error_type_and_document() {
    let l = lambdas(1, Duration::from_secs(5));
    let err = l
        .invoke("scripted", &json!({"fail": "ToolError.Retryable"}), None)
        .unwrap_err();
    let InvokeFailure::Function { error, cause } = &err else {
        panic!("expected a function error, got {err:?}");
    };
    assert_eq!(error, "ToolError.Retryable");
    let doc: Value = serde_json::from_str(cause).unwrap();
    assert_eq!(doc["errorType"], "ToolError.Retryable");
    assert_eq!(
        doc["errorMessage"],
        "asked to fail with ToolError.Retryable"
    );
    // The instance survives a handled error.
    assert!(l.invoke("scripted", &json!({"echo": 1}), None).is_ok());
}

#[test]
fn crash_is_reported_and_the_next_call_gets_a_fresh_process() {
    let l = lambdas(1, Duration::from_secs(5));
    let first = l.invoke("scripted", &json!({"echo": 0}), None).unwrap();
    let err = l
        .invoke("scripted", &json!({"crash": true}), None)
        .unwrap_err();
    assert!(matches!(err, InvokeFailure::Crashed { .. }), "{err:?}");
    // As Lambda reports a runtime that exited (the example exits with status 3 when asked).
    let (error, cause) = err.error_and_cause();
    assert_eq!(error, "Runtime.ExitError");
    let document: Value = serde_json::from_str(&cause).unwrap();
    assert_eq!(document["errorType"], "Runtime.ExitError");
    let message = document["errorMessage"].as_str().unwrap();
    assert!(
        message.starts_with("RequestId: ")
            && message.ends_with(" Error: Runtime exited with error: exit status 3"),
        "{message}"
    );
    let after = l.invoke("scripted", &json!({"echo": 2}), None).unwrap();
    assert_ne!(first["pid"], after["pid"]);
}

#[test]
fn timeouts_distinguish_the_task_limit_from_the_function_limit() {
    let l = lambdas(2, Duration::from_millis(300));
    let err = l
        .invoke("scripted", &json!({"sleep_ms": 5000}), None)
        .unwrap_err();
    assert_eq!(err, InvokeFailure::TimedOut(Duration::from_millis(300)));
    assert_eq!(err.error_and_cause().0, "Sandbox.Timedout");
    let err = l
        .invoke(
            "scripted",
            &json!({"sleep_ms": 5000}),
            Some(Duration::from_millis(100)),
        )
        .unwrap_err();
    assert_eq!(err, InvokeFailure::TaskTimedOut(Duration::from_millis(100)));
    assert_eq!(err.error_and_cause().0, "States.Timeout");
    assert!(l.invoke("scripted", &json!({"echo": 1}), None).is_ok());
}

#[test]
fn concurrent_invocations_start_more_instances_up_to_the_limit() {
    let l = lambdas(3, Duration::from_secs(10));
    let pids: Vec<Value> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                s.spawn(|| {
                    l.invoke("scripted", &json!({"sleep_ms": 300}), None)
                        .unwrap()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap()["pid"].clone())
            .collect()
    });
    let distinct: std::collections::BTreeSet<String> = pids.iter().map(Value::to_string).collect();
    assert!(distinct.len() > 1 && distinct.len() <= 3, "{distinct:?}");
}

#[test]
fn unknown_function_and_missing_executable_are_clear() {
    let l = lambdas(1, Duration::from_secs(1));
    let err = l.invoke("nope", &json!({}), None).unwrap_err();
    assert!(err.to_string().contains("`nope`"), "{err}");
    let missing = LocalLambdas::start(vec![FunctionSpec::new("x", "/no/such/bootstrap")]);
    let Err(err) = missing else {
        panic!("expected an error")
    };
    assert!(err.to_string().contains("/no/such/bootstrap"), "{err}");
}
