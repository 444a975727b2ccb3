//! The tool manifest, `tool-lambdas/<tool>/tool.json`.
//!
//! A manifest is an MCP tool definition (`name`, `title`, `description`, `inputSchema`,
//! `outputSchema`, `annotations`; see the MCP specification, "Tools") plus an `x-sfn` object
//! that tells the generator how to deploy and route the tool. Each tool binary writes its
//! own manifest from its Rust types (`--manifest`); the committed file is checked for drift.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::ErrorName;

/// Longest tool name that both MCP and Bedrock accept.
pub const MAX_TOOL_NAME_LEN: usize = 64;

/// A tool definition: MCP fields plus Step Functions deployment settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ToolManifest {
    /// Unique name, matching `[a-zA-Z0-9_-]{1,64}` (see [`validate_tool_name`]).
    pub name: String,
    /// Human-readable title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// What the tool does, written for the model that decides when to call it.
    pub description: String,
    /// JSON Schema of the input; always an object schema.
    pub input_schema: Value,
    /// JSON Schema of the output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_schema: Option<Value>,
    /// MCP behaviour hints.
    #[serde(default)]
    pub annotations: Annotations,
    /// Deployment and routing settings for Step Functions.
    #[serde(rename = "x-sfn", default)]
    pub x_sfn: SfnConfig,
}

/// MCP tool annotations (hints about behaviour, not guarantees).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Annotations {
    /// Human-readable title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The tool does not modify its environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_hint: Option<bool>,
    /// The tool may perform destructive updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destructive_hint: Option<bool>,
    /// Calling the tool twice with the same input has no additional effect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotent_hint: Option<bool>,
    /// The tool interacts with an open world of external entities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_world_hint: Option<bool>,
}

impl Annotations {
    /// Whether a repeated identical call may be answered from the execution's cache.
    pub fn cacheable(&self) -> bool {
        self.read_only_hint == Some(true) || self.idempotent_hint == Some(true)
    }
}

/// CPU architecture of the Lambda function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    /// Graviton (cheaper per GB-second); the default.
    #[default]
    Arm64,
    /// x86-64.
    X86_64,
}

/// `x-sfn`: how the generator deploys and routes the tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SfnConfig {
    /// Task `TimeoutSeconds` (and the Lambda timeout).
    #[serde(default = "default_timeout_seconds")]
    pub timeout_seconds: u32,
    /// Lambda memory in MB.
    #[serde(default = "default_memory_mb")]
    pub memory_mb: u32,
    /// Lambda architecture.
    #[serde(default)]
    pub architecture: Architecture,
    /// Retry policy for the tool's Task.
    #[serde(default)]
    pub retry: RetryPolicy,
}

fn default_timeout_seconds() -> u32 {
    30
}
fn default_memory_mb() -> u32 {
    256
}

impl Default for SfnConfig {
    fn default() -> Self {
        Self {
            timeout_seconds: default_timeout_seconds(),
            memory_mb: default_memory_mb(),
            architecture: Architecture::default(),
            retry: RetryPolicy::default(),
        }
    }
}

/// ASL `JitterStrategy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JitterStrategy {
    /// Randomise each delay between zero and its computed value.
    #[default]
    Full,
    /// No jitter.
    None,
}

/// Retry policy for the tool's own errors. AWS's transient Lambda errors
/// ([`crate::errors::LAMBDA_TRANSIENT_ERRORS`]) are always retried as well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetryPolicy {
    /// Error names to retry besides the Lambda transient errors.
    #[serde(default = "default_retry_errors")]
    pub errors: Vec<String>,
    /// Seconds before the first retry (ASL `IntervalSeconds`).
    #[serde(default = "default_interval_seconds")]
    pub interval_seconds: u32,
    /// Retries after the first attempt (ASL `MaxAttempts`).
    #[serde(default = "default_max_attempts")]
    pub max_attempts: u32,
    /// Multiplier applied to the delay after each retry (ASL `BackoffRate`).
    #[serde(default = "default_backoff_rate")]
    pub backoff_rate: f64,
    /// Upper bound of any delay (ASL `MaxDelaySeconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_delay_seconds: Option<u32>,
    /// ASL `JitterStrategy`.
    #[serde(default)]
    pub jitter_strategy: JitterStrategy,
}

fn default_retry_errors() -> Vec<String> {
    vec![
        ErrorName::Retryable.as_str().to_owned(),
        ErrorName::Timeout.as_str().to_owned(),
    ]
}
fn default_interval_seconds() -> u32 {
    1
}
fn default_max_attempts() -> u32 {
    3
}
fn default_backoff_rate() -> f64 {
    2.0
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            errors: default_retry_errors(),
            interval_seconds: default_interval_seconds(),
            max_attempts: default_max_attempts(),
            backoff_rate: default_backoff_rate(),
            max_delay_seconds: Some(20),
            jitter_strategy: JitterStrategy::Full,
        }
    }
}

/// Why a tool name is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ToolNameError {
    /// Empty name.
    #[error("tool name is empty; use 1 to 64 characters from `[a-zA-Z0-9_-]`")]
    Empty,
    /// More than 64 characters.
    #[error("tool name `{0}` is longer than 64 characters; shorten it")]
    TooLong(String),
    /// A character outside `[a-zA-Z0-9_-]`.
    #[error("tool name `{name}` contains `{ch}`; use only letters, digits, `_` and `-`")]
    BadChar {
        /// The name.
        name: String,
        /// The first offending character.
        ch: char,
    },
}

/// Checks a name against `[a-zA-Z0-9_-]{1,64}`, the rule both MCP and Bedrock accept.
pub fn validate_tool_name(name: &str) -> Result<(), ToolNameError> {
    if name.is_empty() {
        return Err(ToolNameError::Empty);
    }
    if name.chars().count() > MAX_TOOL_NAME_LEN {
        return Err(ToolNameError::TooLong(name.to_owned()));
    }
    if let Some(ch) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(ToolNameError::BadChar {
            name: name.to_owned(),
            ch,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_follow_the_mcp_and_bedrock_pattern() {
        assert!(validate_tool_name("http-fetch").is_ok());
        assert!(validate_tool_name("json_query2").is_ok());
        assert!(validate_tool_name(&"a".repeat(64)).is_ok());
        assert_eq!(validate_tool_name(""), Err(ToolNameError::Empty));
        assert!(matches!(
            validate_tool_name(&"a".repeat(65)),
            Err(ToolNameError::TooLong(_))
        ));
        assert!(matches!(
            validate_tool_name("http.fetch"),
            Err(ToolNameError::BadChar { ch: '.', .. })
        ));
        assert!(matches!(
            validate_tool_name("café"),
            Err(ToolNameError::BadChar { ch: 'é', .. })
        ));
    }

    #[test]
    fn manifest_defaults_fill_x_sfn_and_unknown_keys_are_refused() {
        let m: ToolManifest = serde_json::from_str(
            r#"{"name":"t","description":"d","inputSchema":{"type":"object"}}"#,
        )
        .unwrap();
        assert_eq!(m.x_sfn, SfnConfig::default());
        assert_eq!(m.x_sfn.retry.max_attempts, 3);
        let err = serde_json::from_str::<ToolManifest>(
            r#"{"name":"t","description":"d","inputSchema":{},"x-sfn":{"timeout":3}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("unknown field `timeout`"), "{err}");
    }

    #[test]
    fn read_only_or_idempotent_tools_are_cacheable() {
        let mut a = Annotations::default();
        assert!(!a.cacheable());
        a.idempotent_hint = Some(true);
        assert!(a.cacheable());
        a = Annotations {
            read_only_hint: Some(true),
            ..Annotations::default()
        };
        assert!(a.cacheable());
    }
}
