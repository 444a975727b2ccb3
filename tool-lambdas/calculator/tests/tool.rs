//! The calculator through the tool kit's adapter, and its committed manifest.

use serde_json::json;
use toolkit::{Runner, handle};

fn event(expression: &str) -> serde_json::Value {
    json!({
        "call": {"call_id": "c1", "tool": "calculator", "input": {"expression": expression}},
        "execution": {"id": "arn:aws:states:us-east-1:111111111111:execution:Agent:r1", "name": "r1"},
    })
}

#[tokio::test]
async fn exact_results_and_clear_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let runner = Runner::new(calculator::Calculator, offload::Store::local(dir.path())).unwrap();
    let out = handle(&runner, event("0.1 + 0.2")).await.unwrap();
    assert_eq!(out["output"], json!({"result": "0.3"}));
    let err = handle(&runner, event("4 / (2 - 2)")).await.unwrap_err();
    assert_eq!(err.name, protocol::ErrorName::InvalidInput);
    assert!(
        err.message.contains("division by zero at character 2"),
        "{}",
        err.message
    );
    let err = handle(&runner, event("2 +* 3")).await.unwrap_err();
    assert_eq!(err.name, protocol::ErrorName::InvalidInput);
    assert!(
        err.message.contains("syntax error at character 3"),
        "{}",
        err.message
    );
}

#[test]
fn committed_tool_json_matches_the_binary() {
    toolkit::testing::assert_manifest_matches::<calculator::Calculator>(env!("CARGO_MANIFEST_DIR"));
}
