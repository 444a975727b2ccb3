//! json-query through the adapter: a 50 MB offloaded document queried by pointer, and the
//! committed manifest.

use serde_json::{Value, json};
use toolkit::{Runner, handle};

fn exec() -> protocol::ExecutionRef {
    protocol::ExecutionRef {
        id: "arn:aws:states:us-east-1:111111111111:execution:Agent:r1".into(),
        name: "r1".into(),
    }
}

#[tokio::test]
async fn a_large_offloaded_document_is_queried_by_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let store = offload::Store::local(dir.path());
    // ~50 MB: 400,000 records.
    let rows: Vec<Value> = (0..400_000)
        .map(|i| json!({"id": i, "sku": format!("SKU-{i:07}"), "note": "n".repeat(90)}))
        .collect();
    let doc = json!({"rows": rows});
    let pointer = store.for_execution(&exec()).put_json(&doc).await.unwrap();
    assert!(pointer.size > 50_000_000, "{}", pointer.size);
    drop(doc);

    let runner = Runner::new(json_query::JsonQuery, store).unwrap();
    let event = json!({
        "call": {"call_id": "q1", "tool": "json-query", "input": {
            "query": "$.rows[?@.id == 123456].sku",
            "document": pointer.to_value(),
        }},
        "execution": exec(),
    });
    let out = handle(&runner, event).await.unwrap();
    assert_eq!(
        out["output"],
        json!({"matches": [{"path": "$['rows'][123456]['sku']", "value": "SKU-0123456"}], "count": 1, "truncated": false})
    );
    assert!(out.to_string().len() < 1024);
}

#[test]
fn committed_tool_json_matches_the_binary() {
    toolkit::testing::assert_manifest_matches::<json_query::JsonQuery>(env!("CARGO_MANIFEST_DIR"));
}
