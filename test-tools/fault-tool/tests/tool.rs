//! The fault tool through the tool kit's adapter (attempt counting, named failures, a large
//! result offloaded), and its committed manifest.

use serde_json::{Value, json};
use toolkit::{Runner, handle};

fn event(input: Value) -> Value {
    json!({
        "call": {"call_id": "c1", "tool": "fault-tool", "input": input},
        "execution": {"id": "arn:aws:states:us-east-1:111111111111:execution:Agent:r1", "name": "r1"},
    })
}

#[tokio::test]
async fn failures_are_named_and_bad_counters_are_refused() {
    // Attempt counting itself needs FAULT_TOOL_STATE_DIR in a Lambda's environment; the
    // end-to-end tests (sfn-gen/tests/e2e/faults.rs) drive it through the real runtime.
    let store = tempfile::tempdir().unwrap();
    let runner = Runner::new(fault_tool::FaultTool, offload::Store::local(store.path())).unwrap();
    let err = handle(&runner, event(json!({"fail": "ToolError.Fatal"})))
        .await
        .unwrap_err();
    assert_eq!(err.name, protocol::ErrorName::Fatal);
    assert_eq!(err.message, "asked to fail with ToolError.Fatal");
    let err = handle(&runner, event(json!({"fail_times": 1})))
        .await
        .unwrap_err();
    assert_eq!(err.name, protocol::ErrorName::InvalidInput);
    let err = handle(&runner, event(json!({"key": "../escape"})))
        .await
        .unwrap_err();
    assert_eq!(err.name, protocol::ErrorName::InvalidInput);
    assert!(err.message.contains("`../escape`"), "{}", err.message);
    let out = handle(&runner, event(json!({"note": {"n": 7}})))
        .await
        .unwrap();
    assert_eq!(out["output"]["note"], json!({"n": 7}));
    assert_eq!(out["output"]["attempt"], 0);
}

#[tokio::test]
async fn a_big_result_has_the_size_asked_for_and_is_offloaded() {
    let store = tempfile::tempdir().unwrap();
    let runner = Runner::new(fault_tool::FaultTool, offload::Store::local(store.path())).unwrap();
    let out = handle(&runner, event(json!({"big": 1_000_000})))
        .await
        .unwrap();
    let pointer = &out["output"];
    assert!(pointer["$offload"].is_string(), "{out}");
    let size = pointer["size"].as_u64().unwrap();
    // 10,000 rows of 100 bytes, plus the envelope (attempt, pid, times).
    assert!((1_000_000..1_000_200).contains(&size), "{size}");
}

#[test]
fn rows_are_the_documented_size() {
    let rows = fault_tool::rows(12_345 * fault_tool::ROW_BYTES);
    assert_eq!(rows.len(), 12_345);
    let text = serde_json::to_string(&rows).unwrap();
    // Each row is ROW_BYTES with its separating comma; the array adds `[]` and drops one comma.
    assert_eq!(text.len() as u64, 12_345 * fault_tool::ROW_BYTES + 1);
    assert_eq!(rows[12_344].label, "row-00012344");
}

#[test]
fn committed_tool_json_matches_the_binary() {
    toolkit::testing::assert_manifest_matches::<fault_tool::FaultTool>(env!("CARGO_MANIFEST_DIR"));
}
