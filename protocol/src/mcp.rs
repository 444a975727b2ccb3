//! `x-sfn.mcp`: the part of an imported tool's manifest that says which MCP server serves
//! it and how `mcp-proxy` reaches it.
//!
//! `sfn-gen import-mcp` writes it; the `mcp-proxy` Lambda reads it (from the manifest named
//! by its configuration) to send `tools/call`. It never holds a secret: a header is named
//! here and its value comes from the proxy's environment ([`header_env_var`]).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The runtime (binary) that serves every imported tool.
pub const MCP_PROXY_RUNTIME: &str = "mcp-proxy";

/// Where an imported tool comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct McpBinding {
    /// The binary serving the tool: always [`MCP_PROXY_RUNTIME`].
    pub runtime: String,
    /// The server's local name (`NAME` of `sfn-gen import-mcp NAME`), the tool name's prefix.
    pub server: String,
    /// How to reach the server.
    pub transport: McpTransport,
    /// The tool's own name on the server (what `tools/call` sends).
    pub tool: String,
    /// The server's original `inputSchema`; arguments are validated against it.
    pub input_schema: Value,
    /// The server's original `outputSchema` (of `structuredContent`), when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
}

/// How `mcp-proxy` reaches an MCP server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum McpTransport {
    /// A stdio server: the proxy spawns `command` once per warm process.
    Stdio {
        /// Program and arguments.
        command: Vec<String>,
    },
    /// A Streamable HTTP server.
    StreamableHttp {
        /// The MCP endpoint (`MCP_SERVER_URL` overrides it per deployment).
        url: String,
        /// Names of headers the proxy sends; each value comes from the environment
        /// variable [`header_env_var`] names, never from the manifest.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        headers: Vec<String>,
    },
}

impl McpTransport {
    /// A one-line description for messages (program or URL).
    pub fn describe(&self) -> String {
        match self {
            Self::Stdio { command } => format!("stdio `{}`", command.join(" ")),
            Self::StreamableHttp { url, .. } => format!("Streamable HTTP `{url}`"),
        }
    }
}

/// The environment variable holding the value of header `name` for `mcp-proxy`:
/// `MCP_HEADER_` plus the name upper-cased with `-` as `_` (`Authorization` →
/// `MCP_HEADER_AUTHORIZATION`, `X-Api-Key` → `MCP_HEADER_X_API_KEY`).
pub fn header_env_var(name: &str) -> String {
    let upper: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("MCP_HEADER_{upper}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_come_from_named_env_vars() {
        assert_eq!(header_env_var("Authorization"), "MCP_HEADER_AUTHORIZATION");
        assert_eq!(header_env_var("X-Api-Key"), "MCP_HEADER_X_API_KEY");
    }

    #[test]
    fn transports_serialize_as_one_keyed_object() {
        let t = McpTransport::Stdio {
            command: vec!["uvx".into(), "mcp-server-time".into()],
        };
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            serde_json::json!({"stdio": {"command": ["uvx", "mcp-server-time"]}})
        );
        let t: McpTransport =
            serde_json::from_str(r#"{"streamableHttp": {"url": "http://127.0.0.1:1/mcp"}}"#)
                .unwrap();
        assert_eq!(t.describe(), "Streamable HTTP `http://127.0.0.1:1/mcp`");
    }
}
