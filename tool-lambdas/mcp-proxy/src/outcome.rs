//! From a `CallToolResult` to what the state machine and the agent see.
//!
//! - `isError: true` → `ToolError.Fatal` carrying the server's text: the generated Catch
//!   turns it into an error observation the model reads (and can adapt to); it is not
//!   retried, because the tool ran and answered.
//! - `text` blocks and `structuredContent` are the result, as the server sent them.
//! - `image`, `audio` and embedded `resource` blocks are offloaded to the store, each
//!   replaced by its pointer (`data`/`text`/`blob` never ride in the state).
//! - `resource_link` blocks are kept (they are links already).
//! - The whole result, when still over the offload threshold, is offloaded too (done by
//!   the handler with `offload_if_large`).

use base64::Engine;
use serde_json::{Map, Value, json};
use toolkit::ToolError;

/// The output of a successful call: `{"content": [...], "structuredContent": ...}` with
/// binary and embedded blocks replaced by offload pointers.
pub async fn map_result(
    result: Value,
    tool: &str,
    store: &offload::ExecutionStore,
) -> Result<Value, ToolError> {
    let Value::Object(mut result) = result else {
        return Err(ToolError::fatal(format!(
            "the MCP server answered `tools/call {tool}` with a non-object result"
        )));
    };
    let content = match result.remove("content") {
        Some(Value::Array(blocks)) => blocks,
        _ => Vec::new(),
    };
    if result.get("isError").and_then(Value::as_bool) == Some(true) {
        return Err(ToolError::fatal(format!(
            "the MCP tool `{tool}` reported an error: {}",
            error_text(&content)
        )));
    }
    let mut blocks = Vec::with_capacity(content.len());
    for block in content {
        blocks.push(map_block(block, tool, store).await?);
    }
    let mut out = Map::new();
    out.insert("content".into(), Value::Array(blocks));
    if let Some(structured) = result.remove("structuredContent") {
        out.insert("structuredContent".into(), structured);
    }
    Ok(Value::Object(out))
}

/// The text an error result carries (its text blocks, joined), for the error message.
fn error_text(content: &[Value]) -> String {
    let texts: Vec<&str> = content
        .iter()
        .filter_map(|b| b.get("text").and_then(Value::as_str))
        .collect();
    if texts.is_empty() {
        "(no text in the result)".to_owned()
    } else {
        texts.join("\n")
    }
}

async fn map_block(
    block: Value,
    tool: &str,
    store: &offload::ExecutionStore,
) -> Result<Value, ToolError> {
    let kind = block.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "image" | "audio" => {
            let mime = block.get("mimeType").and_then(Value::as_str);
            let data = block.get("data").and_then(Value::as_str).unwrap_or("");
            let bytes = decode(data, tool, kind)?;
            let pointer = store.put_bytes(&bytes, mime).await?;
            let mut out = json!({"type": kind, "data": pointer.to_value()});
            if let Some(mime) = mime {
                out["mimeType"] = json!(mime);
            }
            Ok(out)
        }
        "resource" => {
            let resource = block.get("resource").cloned().unwrap_or(Value::Null);
            let mime = resource.get("mimeType").and_then(Value::as_str);
            let bytes = if let Some(text) = resource.get("text").and_then(Value::as_str) {
                text.as_bytes().to_vec()
            } else {
                let blob = resource.get("blob").and_then(Value::as_str).unwrap_or("");
                decode(blob, tool, kind)?
            };
            let pointer = store.put_bytes(&bytes, mime).await?;
            let mut out = json!({"type": "resource", "data": pointer.to_value()});
            if let Some(uri) = resource.get("uri") {
                out["uri"] = uri.clone();
            }
            if let Some(mime) = mime {
                out["mimeType"] = json!(mime);
            }
            Ok(out)
        }
        _ => Ok(block),
    }
}

fn decode(data: &str, tool: &str, kind: &str) -> Result<Vec<u8>, ToolError> {
    base64::engine::general_purpose::STANDARD
        .decode(data)
        .map_err(|e| {
            ToolError::fatal(format!(
                "the MCP tool `{tool}` returned an `{kind}` block whose data is not base64: {e}"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ExecutionRef;

    fn store(dir: &std::path::Path) -> offload::ExecutionStore {
        offload::Store::local(dir).for_execution(&ExecutionRef {
            id: "arn:aws:states:us-east-1:111111111111:execution:Agent:run-1".into(),
            name: "run-1".into(),
        })
    }

    #[tokio::test]
    async fn text_and_structured_content_are_the_result() {
        let dir = tempfile::tempdir().unwrap();
        let out = map_result(
            json!({"content": [{"type": "text", "text": "3"}], "structuredContent": {"sum": 3}}),
            "sum",
            &store(dir.path()),
        )
        .await
        .unwrap();
        assert_eq!(
            out,
            json!({"content": [{"type": "text", "text": "3"}], "structuredContent": {"sum": 3}})
        );
    }

    #[tokio::test]
    async fn is_error_is_a_fatal_error_with_the_servers_text() {
        let dir = tempfile::tempdir().unwrap();
        let err = map_result(
            json!({"content": [{"type": "text", "text": "Invalid timezone: Mars"}], "isError": true}),
            "get_current_time",
            &store(dir.path()),
        )
        .await
        .unwrap_err();
        assert_eq!(err.name, protocol::ErrorName::Fatal);
        assert!(err.message.contains("Invalid timezone: Mars"), "{err}");
    }

    #[tokio::test]
    async fn images_and_embedded_resources_are_offloaded_with_pointers() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(dir.path());
        let out = map_result(
            json!({"content": [
                {"type": "image", "data": "aGVsbG8=", "mimeType": "image/png"},
                {"type": "resource", "resource": {"uri": "file:///a.txt", "text": "hi", "mimeType": "text/plain"}},
                {"type": "resource_link", "uri": "file:///b.txt", "name": "b"}
            ]}),
            "t",
            &s,
        )
        .await
        .unwrap();
        let image = &out["content"][0];
        let pointer = protocol::OffloadPointer::from_value(&image["data"]).expect("a pointer");
        assert_eq!(s.get_bytes(&pointer).await.unwrap(), b"hello");
        assert_eq!(image["mimeType"], "image/png");
        let resource = &out["content"][1];
        assert_eq!(resource["uri"], "file:///a.txt");
        let pointer = protocol::OffloadPointer::from_value(&resource["data"]).unwrap();
        assert_eq!(s.get_bytes(&pointer).await.unwrap(), b"hi");
        assert_eq!(out["content"][2]["type"], "resource_link");
    }
}
