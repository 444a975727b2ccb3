//! One imported tool's manifest: the server's tool definition (as `tools/list` gives it)
//! turned into our `tool.json` shape, routed to the `mcp-proxy` runtime.

use protocol::manifest::limits::MAX_DESCRIPTION_CHARS;
use protocol::mcp::{MCP_PROXY_RUNTIME, McpBinding, McpTransport};
use protocol::{Annotations, SfnConfig, ToolManifest};
use serde_json::Value;

use super::schema::normalize;

/// The manifest of server tool `tool` (a `tools/list` entry) under our name `local`.
pub fn build(server: &str, transport: &McpTransport, tool: &Value, local: &str) -> ToolManifest {
    let server_name = tool["name"].as_str().unwrap_or_default().to_owned();
    let annotations = annotations(tool.get("annotations"));
    let title = tool
        .get("title")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| annotations.title.clone());
    let description = description(tool, &server_name, server, title.as_deref());
    let original = tool
        .get("inputSchema")
        .cloned()
        .unwrap_or_else(|| serde_json::json!({"type": "object"}));
    let output_schema = tool.get("outputSchema").cloned();
    ToolManifest {
        name: local.to_owned(),
        title,
        description,
        input_schema: normalize(&original),
        // Our output is `{"content", "structuredContent"}`; the server's `outputSchema`
        // describes `structuredContent` only, so it is kept in `x-sfn.mcp`.
        output_schema: None,
        annotations,
        x_sfn: SfnConfig {
            mcp: Some(McpBinding {
                runtime: MCP_PROXY_RUNTIME.to_owned(),
                server: server.to_owned(),
                transport: transport.clone(),
                tool: server_name,
                input_schema: original,
                output_schema,
            }),
            ..SfnConfig::default()
        },
    }
}

/// The manifest as `tool.json` text: pretty, with a trailing newline.
pub fn render(manifest: &ToolManifest) -> String {
    serde_json::to_string_pretty(manifest).expect("manifests serialize") + "\n"
}

fn description(tool: &Value, name: &str, server: &str, title: Option<&str>) -> String {
    let text = tool
        .get("description")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(str::to_owned)
        .or_else(|| title.map(str::to_owned))
        .unwrap_or_else(|| format!("The tool `{name}` of the MCP server `{server}`."));
    if text.chars().count() <= MAX_DESCRIPTION_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(MAX_DESCRIPTION_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// MCP's annotations, keeping the hints we know (others are ignored, not refused).
fn annotations(value: Option<&Value>) -> Annotations {
    let get = |k: &str| value.and_then(|v| v.get(k)).and_then(Value::as_bool);
    Annotations {
        title: value
            .and_then(|v| v.get("title"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        read_only_hint: get("readOnlyHint"),
        destructive_hint: get("destructiveHint"),
        idempotent_hint: get("idempotentHint"),
        open_world_hint: get("openWorldHint"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stdio() -> McpTransport {
        McpTransport::Stdio {
            command: vec!["mcp-server-time".into()],
        }
    }

    #[test]
    fn a_server_tool_becomes_a_manifest_routed_to_the_proxy() {
        let tool = json!({
            "name": "get.time", "description": "Now.",
            "inputSchema": {"type": "object", "properties": {"tz": {"type": ["string", "null"], "default": null}}},
            "annotations": {"readOnlyHint": true, "somethingNew": 1}
        });
        let m = build("time", &stdio(), &tool, "time_get_time");
        assert_eq!(m.name, "time_get_time");
        assert_eq!(
            m.input_schema["properties"]["tz"],
            json!({"type": "string"})
        );
        assert_eq!(m.annotations.read_only_hint, Some(true));
        let mcp = m.x_sfn.mcp.as_ref().unwrap();
        assert_eq!(
            (mcp.runtime.as_str(), mcp.tool.as_str()),
            ("mcp-proxy", "get.time")
        );
        assert_eq!(
            mcp.input_schema, tool["inputSchema"],
            "the original is kept"
        );
        assert_eq!(m.check(), vec![]);
        // What we write, we read back the same.
        let back: ToolManifest = serde_json::from_str(&render(&m)).unwrap();
        assert_eq!(back, m);
    }

    #[test]
    fn a_missing_description_falls_back_and_a_long_one_is_cut() {
        let m = build(
            "s",
            &stdio(),
            &json!({"name": "t", "inputSchema": {}}),
            "s_t",
        );
        assert_eq!(m.description, "The tool `t` of the MCP server `s`.");
        let long = "d".repeat(MAX_DESCRIPTION_CHARS + 5);
        let m = build(
            "s",
            &stdio(),
            &json!({"name": "t", "description": long}),
            "s_t",
        );
        assert_eq!(m.description.chars().count(), MAX_DESCRIPTION_CHARS);
        assert_eq!(m.check(), vec![]);
    }
}
