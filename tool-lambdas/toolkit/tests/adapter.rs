//! The adapter end to end on a small test tool: validation before the call, error names,
//! offloaded outputs and inputs, and the manifest contract.

use lambda_runtime::Diagnostic;
use protocol::{ErrorName, ExecutionRef, OffloadPointer};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use toolkit::{Runner, Tool, ToolContext, ToolError, handle};

/// Input of the test tool.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Input {
    /// How many items to produce.
    count: u32,
    /// A document to measure (inline or offloaded).
    #[serde(default)]
    doc: Option<Value>,
    /// Fail with this error name instead.
    #[serde(default)]
    fail: Option<String>,
}

/// Output of the test tool.
#[derive(Serialize, JsonSchema)]
struct Output {
    /// The items.
    items: Vec<String>,
    /// Serialized length of `doc`.
    doc_len: usize,
}

struct Repeat;

impl Tool for Repeat {
    type Input = Input;
    type Output = Output;
    const NAME: &'static str = "repeat";
    const DESCRIPTION: &'static str = "Repeats a word.";

    async fn call(&self, input: Input, _ctx: &ToolContext) -> Result<Output, ToolError> {
        if let Some(name) = input.fail {
            return Err(ToolError::new(
                ErrorName::from_wire(&name).unwrap(),
                "asked to fail",
            ));
        }
        Ok(Output {
            items: (0..input.count).map(|i| format!("item-{i:06}")).collect(),
            doc_len: input.doc.map(|d| d.to_string().len()).unwrap_or(0),
        })
    }
}

fn exec(name: &str) -> ExecutionRef {
    ExecutionRef {
        id: format!("arn:aws:states:us-east-1:111111111111:execution:Agent:{name}"),
        name: name.into(),
    }
}

fn event(input: Value) -> Value {
    json!({
        "call": {"call_id": "c1", "tool": "repeat", "input": input},
        "execution": exec("run-1"),
    })
}

fn runner(dir: &std::path::Path) -> Runner<Repeat> {
    Runner::new(Repeat, offload::Store::local(dir)).unwrap()
}

#[tokio::test]
async fn a_valid_call_returns_a_tool_result() {
    let dir = tempfile::tempdir().unwrap();
    let out = handle(&runner(dir.path()), event(json!({"count": 2})))
        .await
        .unwrap();
    assert_eq!(
        out,
        json!({"call_id": "c1", "tool": "repeat", "output": {"items": ["item-000000", "item-000001"], "doc_len": 0}})
    );
}

#[tokio::test]
async fn wrong_types_missing_and_unknown_fields_are_invalid_input_with_their_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let r = runner(dir.path());
    let err = handle(&r, event(json!({"count": "two"})))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::InvalidInput);
    assert!(err.message.contains("`/count`"), "{}", err.message);

    let err = handle(&r, event(json!({}))).await.unwrap_err();
    assert_eq!(err.name, ErrorName::InvalidInput);
    assert!(
        err.message.contains("\"count\" is a required property"),
        "{}",
        err.message
    );

    let err = handle(&r, event(json!({"count": 1, "colour": "red"})))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::InvalidInput);
    assert!(err.message.contains("colour"), "{}", err.message);

    // All problems at once.
    let err = handle(&r, event(json!({"count": -1, "extra": 1})))
        .await
        .unwrap_err();
    assert!(
        err.message.contains("`/count`") && err.message.contains("extra"),
        "{}",
        err.message
    );
}

#[tokio::test]
async fn a_malformed_event_or_another_tools_call_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let r = runner(dir.path());
    let err = handle(&r, json!({"call": {"tool": "repeat"}}))
        .await
        .unwrap_err();
    assert_eq!(err.name, ErrorName::InvalidInput);
    assert!(err.message.contains("call"), "{}", err.message);
    let mut e = event(json!({"count": 1}));
    e["call"]["tool"] = json!("other");
    let err = handle(&r, e).await.unwrap_err();
    assert!(err.message.contains("`other`"), "{}", err.message);
}

#[tokio::test]
async fn tool_errors_keep_their_stable_names_as_error_type() {
    let dir = tempfile::tempdir().unwrap();
    let err = handle(
        &runner(dir.path()),
        event(json!({"count": 1, "fail": "ToolError.Retryable"})),
    )
    .await
    .unwrap_err();
    let diagnostic = Diagnostic::from(err);
    assert_eq!(diagnostic.error_type, "ToolError.Retryable");
    assert_eq!(diagnostic.error_message, "asked to fail");
}

#[tokio::test]
async fn a_large_output_is_offloaded_and_an_offloaded_input_is_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let r = runner(dir.path());
    let out = handle(&r, event(json!({"count": 5000}))).await.unwrap();
    let pointer = OffloadPointer::from_value(&out["output"]).expect("offloaded");
    assert!(pointer.size > 32 * 1024);
    let store = offload::Store::local(dir.path()).for_execution(&exec("run-1"));
    let back = store.get_json(&pointer).await.unwrap();
    assert_eq!(back["items"].as_array().unwrap().len(), 5000);

    // That pointer, passed back as an input field, is resolved before validation.
    let out = handle(&r, event(json!({"count": 0, "doc": pointer.to_value()})))
        .await
        .unwrap();
    assert_eq!(out["output"]["doc_len"], json!(back.to_string().len()));

    // From another execution, the same pointer is refused.
    let mut foreign = event(json!({"count": 0, "doc": pointer.to_value()}));
    foreign["execution"] = serde_json::to_value(exec("run-2")).unwrap();
    let err = handle(&r, foreign).await.unwrap_err();
    assert_eq!(
        err.name,
        ErrorName::OffloadForeignPointer,
        "{}",
        err.message
    );
}

#[test]
fn the_manifest_follows_the_contract() {
    toolkit::testing::assert_manifest_follows_the_contract::<Repeat>();
    let m = toolkit::manifest::<Repeat>();
    assert_eq!(m.name, "repeat");
    assert_eq!(m.input_schema["required"], json!(["count"]));
    assert!(m.input_schema.get("$schema").is_none());
}
