//! The proxy's configuration, read once per cold start from its environment.
//!
//! | variable | meaning |
//! | --- | --- |
//! | `MCP_PROXY_MANIFEST` | path of the imported tool's `tool.json` (as `sfn-gen run --workspace-lambdas` sets it) |
//! | `MCP_PROXY_MANIFEST_JSON` | the manifest itself, inline (for a deployed function) |
//! | `MCP_PROXY_MANIFEST_DIR` | a tools folder: the manifest is `<dir>/<AWS_LAMBDA_FUNCTION_NAME>/tool.json` (one setting for many functions) |
//! | `MCP_SERVER_URL` | overrides the Streamable HTTP URL of the manifest (per deployment) |
//! | `MCP_HEADER_<NAME>` | the value of each header the manifest names (credentials live here, never in the manifest) |
//! | `MCP_HEADERS_SECRET` | a Secrets Manager secret (name or ARN) whose `SecretString` is a JSON object of header name → value; read once per cold start for the headers no `MCP_HEADER_<NAME>` sets (see [`crate::secret`]) |
//! | `MCP_PROXY_TIMEOUT_MS` | the per-call deadline; by default the tool's `timeoutSeconds` less half a second |

use std::path::Path;
use std::time::Duration;

use protocol::ToolManifest;
use protocol::mcp::{MCP_PROXY_RUNTIME, McpBinding, McpTransport, header_env_var};

/// Path of the imported tool's manifest.
pub const ENV_MANIFEST: &str = "MCP_PROXY_MANIFEST";
/// The manifest, inline.
pub const ENV_MANIFEST_JSON: &str = "MCP_PROXY_MANIFEST_JSON";
/// A tools folder; the manifest is the one named after the function.
pub const ENV_MANIFEST_DIR: &str = "MCP_PROXY_MANIFEST_DIR";
/// Overrides the server URL.
pub const ENV_SERVER_URL: &str = "MCP_SERVER_URL";
/// Overrides the per-call deadline, in milliseconds.
pub const ENV_TIMEOUT_MS: &str = "MCP_PROXY_TIMEOUT_MS";
/// A Secrets Manager secret holding header values.
pub const ENV_HEADERS_SECRET: &str = "MCP_HEADERS_SECRET";

/// Why the proxy cannot start; each says which variable to fix.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Neither manifest variable is set.
    #[error(
        "the proxy has no tool: set `{ENV_MANIFEST}` to an imported `tool.json` (written by \
         `sfn-gen import-mcp`), `{ENV_MANIFEST_JSON}` to its contents, or `{ENV_MANIFEST_DIR}` \
         to the folder holding `<function name>/tool.json`"
    )]
    NoManifest,
    /// The manifest file cannot be read.
    #[error("cannot read `{path}` (from `{ENV_MANIFEST}`)")]
    Read {
        /// The path.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The manifest is not a manifest.
    #[error("`{origin}` is not a tool manifest at `{pointer}`: {message}")]
    Parse {
        /// The file or variable.
        origin: String,
        /// Where serde stopped.
        pointer: String,
        /// What it refused.
        message: String,
    },
    /// The manifest was not imported from an MCP server.
    #[error(
        "`{origin}` has no `x-sfn.mcp` block naming runtime `{MCP_PROXY_RUNTIME}`; only tools \
         written by `sfn-gen import-mcp` run on this binary"
    )]
    NotImported {
        /// The file or variable.
        origin: String,
    },
    /// A header the manifest names has no value in the environment.
    #[error(
        "the manifest sends header `{header}` but `{var}` is not set; set it to the header's \
         value, or set `{ENV_HEADERS_SECRET}` to a Secrets Manager secret holding it (a \
         credential belongs in the environment or a secret, never in the manifest)"
    )]
    MissingHeader {
        /// The header.
        header: String,
        /// The variable that should hold its value.
        var: String,
    },
    /// A number variable is not a number.
    #[error("`{ENV_TIMEOUT_MS}` must be a positive number of milliseconds, got `{0}`")]
    BadTimeout(String),
    /// The headers' secret cannot be read or does not hold the headers.
    #[error("the secret `{arn}` (from `{ENV_HEADERS_SECRET}`): {message}")]
    Secret {
        /// The secret's ARN or name.
        arn: String,
        /// What went wrong, and how to fix it.
        message: String,
    },
}

/// Headers whose values are read from a Secrets Manager secret at cold start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderSecret {
    /// The secret's name or ARN, from `MCP_HEADERS_SECRET`.
    pub arn: String,
    /// The headers it must hold.
    pub headers: Vec<String>,
}

/// Everything the proxy needs to serve its one tool.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The imported tool's manifest.
    pub manifest: ToolManifest,
    /// Its `x-sfn.mcp` block, with `MCP_SERVER_URL` applied.
    pub binding: McpBinding,
    /// Headers with their values from the environment (and, once [`crate::secret::resolve`]
    /// ran, from the secret).
    pub headers: Vec<(String, String)>,
    /// Headers still to be read from the secret.
    pub secret: Option<HeaderSecret>,
    /// Deadline of one call (connecting included).
    pub timeout: Duration,
}

impl ProxyConfig {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the configuration through `env` (tests pass a map).
    pub fn from_lookup(env: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let (origin, text) = if let Some(json) = env(ENV_MANIFEST_JSON) {
            (ENV_MANIFEST_JSON.to_owned(), json)
        } else if let Some(path) = env(ENV_MANIFEST).or_else(|| {
            let dir = env(ENV_MANIFEST_DIR)?;
            let function = env("AWS_LAMBDA_FUNCTION_NAME")?;
            Some(
                Path::new(&dir)
                    .join(function)
                    .join("tool.json")
                    .display()
                    .to_string(),
            )
        }) {
            let text =
                std::fs::read_to_string(Path::new(&path)).map_err(|source| ConfigError::Read {
                    path: path.clone(),
                    source,
                })?;
            (path, text)
        } else {
            return Err(ConfigError::NoManifest);
        };
        let mut de = serde_json::Deserializer::from_str(&text);
        let manifest: ToolManifest =
            serde_path_to_error::deserialize(&mut de).map_err(|e| ConfigError::Parse {
                origin: origin.clone(),
                pointer: e.path().to_string(),
                message: e.inner().to_string(),
            })?;
        Self::from_manifest(manifest, &origin, env)
    }

    /// Builds the configuration from a parsed manifest.
    pub fn from_manifest(
        manifest: ToolManifest,
        origin: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let Some(mut binding) = manifest
            .x_sfn
            .mcp
            .clone()
            .filter(|b| b.runtime == MCP_PROXY_RUNTIME)
        else {
            return Err(ConfigError::NotImported {
                origin: origin.to_owned(),
            });
        };
        let mut headers = Vec::new();
        let secret_arn = env(ENV_HEADERS_SECRET).filter(|arn| !arn.trim().is_empty());
        let mut from_secret = Vec::new();
        if let McpTransport::StreamableHttp {
            url,
            headers: names,
        } = &mut binding.transport
        {
            if let Some(over) = env(ENV_SERVER_URL) {
                *url = over;
            }
            for header in names.iter() {
                let var = header_env_var(header);
                match env(&var) {
                    Some(value) => headers.push((header.clone(), value)),
                    None if secret_arn.is_some() => from_secret.push(header.clone()),
                    None => {
                        return Err(ConfigError::MissingHeader {
                            header: header.clone(),
                            var: var.clone(),
                        });
                    }
                }
            }
        }
        let timeout = match env(ENV_TIMEOUT_MS) {
            Some(ms) => match ms.trim().parse::<u64>() {
                Ok(ms) if ms > 0 => Duration::from_millis(ms),
                _ => return Err(ConfigError::BadTimeout(ms)),
            },
            None => Duration::from_millis(
                (u64::from(manifest.x_sfn.timeout_seconds) * 1000)
                    .saturating_sub(500)
                    .max(500),
            ),
        };
        let secret = match secret_arn {
            Some(arn) if !from_secret.is_empty() => Some(HeaderSecret {
                arn,
                headers: from_secret,
            }),
            _ => None,
        };
        Ok(Self {
            manifest,
            binding,
            headers,
            secret,
            timeout,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn manifest(transport: serde_json::Value) -> String {
        serde_json::json!({
            "name": "srv_echo", "description": "d", "inputSchema": {"type": "object"},
            "x-sfn": {"timeoutSeconds": 10, "mcp": {
                "runtime": "mcp-proxy", "server": "srv", "tool": "echo",
                "inputSchema": {"type": "object"}, "transport": transport}}
        })
        .to_string()
    }

    fn lookup(vars: &[(&str, String)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn url_and_header_values_come_from_the_environment() {
        let m = manifest(
            serde_json::json!({"streamableHttp": {"url": "http://a/mcp", "headers": ["Authorization"]}}),
        );
        let err = ProxyConfig::from_lookup(lookup(&[(ENV_MANIFEST_JSON, m.clone())])).unwrap_err();
        assert!(
            err.to_string()
                .contains("`MCP_HEADER_AUTHORIZATION` is not set"),
            "{err}"
        );
        let c = ProxyConfig::from_lookup(lookup(&[
            (ENV_MANIFEST_JSON, m),
            ("MCP_HEADER_AUTHORIZATION", "Bearer x".into()),
            (ENV_SERVER_URL, "http://b/mcp".into()),
        ]))
        .unwrap();
        assert_eq!(
            c.headers,
            [("Authorization".to_owned(), "Bearer x".to_owned())]
        );
        assert_eq!(
            c.binding.transport,
            McpTransport::StreamableHttp {
                url: "http://b/mcp".into(),
                headers: vec!["Authorization".into()]
            }
        );
        assert_eq!(c.timeout, Duration::from_millis(9500));
    }

    #[test]
    fn a_manifest_that_was_not_imported_is_refused_with_the_fix() {
        let err = ProxyConfig::from_lookup(lookup(&[(
            ENV_MANIFEST_JSON,
            r#"{"name":"t","description":"d","inputSchema":{"type":"object"}}"#.into(),
        )]))
        .unwrap_err();
        assert!(err.to_string().contains("sfn-gen import-mcp"), "{err}");
        let err = ProxyConfig::from_lookup(lookup(&[])).unwrap_err();
        assert!(err.to_string().contains(ENV_MANIFEST), "{err}");
    }
}
