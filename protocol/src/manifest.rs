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
    #[schemars(length(max = limits::MAX_DESCRIPTION_CHARS))]
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

/// CPU architecture of the Lambda function.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Architecture {
    /// Graviton (cheaper per GB-second); the default.
    #[default]
    Arm64,
    /// Intel or AMD x86-64 (for a tool whose dependencies have no arm64 build).
    X86_64,
}

/// `x-sfn`: how the generator deploys and routes the tool.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SfnConfig {
    /// Task `TimeoutSeconds` (and the Lambda timeout).
    #[serde(default = "default_timeout_seconds")]
    #[schemars(range(min = 1, max = limits::MAX_TIMEOUT_SECONDS))]
    pub timeout_seconds: u32,
    /// Lambda memory in MB.
    #[serde(default = "default_memory_mb")]
    #[schemars(range(min = limits::MIN_MEMORY_MB, max = limits::MAX_MEMORY_MB))]
    pub memory_mb: u32,
    /// The instruction set the function is built for and deployed on (`arm64` unless set).
    #[serde(default)]
    pub architecture: Architecture,
    /// Retry policy for the tool's Task.
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Whether a call may run twice with no harm, overriding the annotations: `true`
    /// retries it after a timeout or an ambiguous failure and answers a repeated identical
    /// call from the execution's cache; `false` retries only failures that prove it did not
    /// run. Unset: `readOnlyHint` or `idempotentHint` decides (see [`crate::repeat`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeatable: Option<bool>,
    /// For a tool imported from an MCP server (`sfn-gen import-mcp`): the server and the
    /// tool's name there; the tool runs on the `mcp-proxy` binary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mcp: Option<crate::mcp::McpBinding>,
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
            repeatable: None,
            mcp: None,
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
    #[schemars(range(min = 1, max = limits::MAX_RETRIER_INTEGER))]
    pub interval_seconds: u32,
    /// Retries after the first attempt (ASL `MaxAttempts`).
    #[serde(default = "default_max_attempts")]
    #[schemars(range(max = limits::MAX_RETRIER_INTEGER))]
    pub max_attempts: u32,
    /// Multiplier applied to the delay after each retry (ASL `BackoffRate`).
    #[serde(default = "default_backoff_rate")]
    #[schemars(range(min = limits::MIN_BACKOFF_RATE))]
    pub backoff_rate: f64,
    /// Upper bound of any delay (ASL `MaxDelaySeconds`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = limits::MAX_DELAY_SECONDS))]
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

/// The limits [`ToolManifest::check`] enforces, each with the rule it mirrors.
pub mod limits {
    /// Longest `description`, in characters. The description of every tool is sent to
    /// the model with every request (via `statemachines/tools.json`, which ships with the
    /// agent Lambda), so it costs tokens on every turn: 10,000 characters is about 2,500
    /// tokens, some 30 times the longest committed description. MCP sets no limit, but a
    /// context window does; a 5 MB description (over a million tokens) fits no model.
    pub const MAX_DESCRIPTION_CHARS: usize = 10_000;
    /// Largest `timeoutSeconds`: it is both the Task's `TimeoutSeconds` (ASL: a positive
    /// integer, at most 99999999) and the Lambda function's timeout, which AWS Lambda caps
    /// at 900 seconds (15 minutes), the tighter of the two.
    pub const MAX_TIMEOUT_SECONDS: u32 = 900;
    /// Smallest `memoryMb` AWS Lambda accepts.
    pub const MIN_MEMORY_MB: u32 = 128;
    /// Largest `memoryMb` AWS Lambda accepts.
    pub const MAX_MEMORY_MB: u32 = 10_240;
    /// Largest retrier `IntervalSeconds` and `MaxAttempts` (the ASL validator's rule,
    /// `asl/src/validate/handlers.rs`).
    pub const MAX_RETRIER_INTEGER: u32 = 99_999_999;
    /// Largest retrier `MaxDelaySeconds`: one year, 31622400 seconds (the ASL validator's
    /// rule, `asl/src/validate/handlers.rs`; AWS: "less than 31622401").
    pub const MAX_DELAY_SECONDS: u32 = 31_622_400;
    /// Smallest retrier `BackoffRate` (ASL: "must be greater than or equal to 1.0").
    pub const MIN_BACKOFF_RATE: f64 = 1.0;
}

/// One reason a manifest cannot be deployed: where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// JSON pointer into `tool.json`, e.g. `/x-sfn/timeoutSeconds` (`""` = the whole file).
    pub pointer: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Problem {
    /// A problem at `pointer`.
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.pointer, self.message)
        }
    }
}

impl ToolManifest {
    /// Every reason this manifest would produce a state machine AWS refuses, a Lambda
    /// function AWS refuses, or a tool list no model can take (empty when it is fine).
    ///
    /// The `x-sfn` rules mirror the ASL validator (`asl/src/validate`): Task
    /// `TimeoutSeconds` is a positive integer; in a retrier `IntervalSeconds` is an integer
    /// from 1 to 99999999, `MaxAttempts` a non-negative integer up to 99999999,
    /// `BackoffRate` at least 1.0, `MaxDelaySeconds` an integer from 1 to 31622400, and
    /// `States.ALL` must appear alone in `ErrorEquals`. `JitterStrategy` is `FULL` or
    /// `NONE` by its type. See [`limits`] for the Lambda and size limits.
    ///
    /// Whether `inputSchema` and `outputSchema` compile as JSON Schema is not checked
    /// here (this crate has no JSON Schema compiler); loaders compile them with the
    /// `jsonschema` crate, as the agent does (`sfn-gen`'s `manifest_check`).
    pub fn check(&self) -> Vec<Problem> {
        use limits::*;
        let mut problems = Vec::new();
        if let Err(e) = validate_tool_name(&self.name) {
            problems.push(Problem::new("/name", e.to_string()));
        }
        let chars = self.description.chars().count();
        if chars > MAX_DESCRIPTION_CHARS {
            problems.push(Problem::new(
                "/description",
                format!(
                    "is {chars} characters, over the limit of {MAX_DESCRIPTION_CHARS}: the \
                     model reads every tool's description on every turn; shorten it and move \
                     details into the inputSchema's property descriptions or the tool's output"
                ),
            ));
        }
        let schema_type = self.input_schema.get("type");
        if schema_type.and_then(Value::as_str) != Some("object") {
            problems.push(Problem::new(
                "/inputSchema/type",
                format!(
                    "a tool's input schema must be an object schema (`\"type\": \"object\"`), got {}",
                    schema_type.map_or_else(|| "no type".to_owned(), Value::to_string)
                ),
            ));
        }
        let sfn = &self.x_sfn;
        if !(1..=MAX_TIMEOUT_SECONDS).contains(&sfn.timeout_seconds) {
            problems.push(Problem::new(
                "/x-sfn/timeoutSeconds",
                format!(
                    "must be between 1 and {MAX_TIMEOUT_SECONDS}, got {}: it is the Task's \
                     TimeoutSeconds (a positive integer) and the Lambda function's timeout \
                     (at most 900 seconds)",
                    sfn.timeout_seconds
                ),
            ));
        }
        if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&sfn.memory_mb) {
            problems.push(Problem::new(
                "/x-sfn/memoryMb",
                format!(
                    "must be between {MIN_MEMORY_MB} and {MAX_MEMORY_MB} (AWS Lambda's memory \
                     range, in MB), got {}",
                    sfn.memory_mb
                ),
            ));
        }
        problems.extend(sfn.retry.check("/x-sfn/retry"));
        problems
    }
}

impl RetryPolicy {
    /// Every value the ASL validator would refuse in the generated retrier, each at its
    /// pointer under `at` (see [`ToolManifest::check`] for the rules).
    pub fn check(&self, at: &str) -> Vec<Problem> {
        use limits::*;
        let mut problems = Vec::new();
        if self.errors.len() > 1 && self.errors.iter().any(|e| e == "States.ALL") {
            problems.push(Problem::new(
                format!("{at}/errors"),
                format!(
                    "States.ALL must appear alone in the error list (ASL: \"States.ALL must \
                     appear alone\"), got {:?}; use [\"States.ALL\"] or list the names without it",
                    self.errors
                ),
            ));
        }
        if !(1..=MAX_RETRIER_INTEGER).contains(&self.interval_seconds) {
            problems.push(Problem::new(
                format!("{at}/intervalSeconds"),
                format!(
                    "must be between 1 and {MAX_RETRIER_INTEGER} (ASL IntervalSeconds is a \
                     positive integer), got {}",
                    self.interval_seconds
                ),
            ));
        }
        if self.max_attempts > MAX_RETRIER_INTEGER {
            problems.push(Problem::new(
                format!("{at}/maxAttempts"),
                format!(
                    "must be between 0 and {MAX_RETRIER_INTEGER} (ASL MaxAttempts; 0 means \
                     never retry), got {}",
                    self.max_attempts
                ),
            ));
        }
        if !(self.backoff_rate.is_finite() && self.backoff_rate >= MIN_BACKOFF_RATE) {
            problems.push(Problem::new(
                format!("{at}/backoffRate"),
                format!(
                    "must be a number of at least 1.0 (ASL BackoffRate; 1.0 keeps the delay \
                     constant), got {}",
                    self.backoff_rate
                ),
            ));
        }
        if let Some(max_delay) = self.max_delay_seconds
            && !(1..=MAX_DELAY_SECONDS).contains(&max_delay)
        {
            problems.push(Problem::new(
                format!("{at}/maxDelaySeconds"),
                format!(
                    "must be between 1 and {MAX_DELAY_SECONDS} (ASL MaxDelaySeconds, at most \
                     one year), got {max_delay}; remove the field for no cap"
                ),
            ));
        }
        problems
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
        /// The refused tool name.
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

    fn pointers(m: &ToolManifest) -> Vec<String> {
        m.check().into_iter().map(|p| p.pointer).collect()
    }

    fn tool() -> ToolManifest {
        serde_json::from_str(r#"{"name":"t","description":"d","inputSchema":{"type":"object"}}"#)
            .unwrap()
    }

    #[test]
    fn check_accepts_the_defaults_and_every_boundary() {
        let mut m = tool();
        assert_eq!(m.check(), vec![]);
        m.description = "d".repeat(limits::MAX_DESCRIPTION_CHARS);
        m.x_sfn.timeout_seconds = 900;
        m.x_sfn.memory_mb = 10_240;
        m.x_sfn.retry = RetryPolicy {
            errors: vec!["States.ALL".into()],
            interval_seconds: 99_999_999,
            max_attempts: 99_999_999,
            backoff_rate: 1.0,
            max_delay_seconds: Some(31_622_400),
            jitter_strategy: JitterStrategy::None,
        };
        assert_eq!(m.check(), vec![]);
        m.x_sfn.timeout_seconds = 1;
        m.x_sfn.memory_mb = 128;
        m.x_sfn.retry.interval_seconds = 1;
        m.x_sfn.retry.max_attempts = 0;
        m.x_sfn.retry.max_delay_seconds = Some(1);
        assert_eq!(m.check(), vec![]);
    }

    #[test]
    fn check_refuses_zero_and_huge_timeout_seconds() {
        for bad in [0, 901, 4_000_000_000] {
            let mut m = tool();
            m.x_sfn.timeout_seconds = bad;
            let problems = m.check();
            assert_eq!(pointers(&m), ["/x-sfn/timeoutSeconds"], "{bad}");
            assert!(
                problems[0]
                    .message
                    .starts_with(&format!("must be between 1 and 900, got {bad}")),
                "{}",
                problems[0]
            );
        }
    }

    #[test]
    fn check_refuses_zero_max_delay_seconds() {
        let mut m = tool();
        m.x_sfn.retry.max_delay_seconds = Some(0);
        assert_eq!(pointers(&m), ["/x-sfn/retry/maxDelaySeconds"]);
        m.x_sfn.retry.max_delay_seconds = Some(31_622_401);
        assert_eq!(pointers(&m), ["/x-sfn/retry/maxDelaySeconds"]);
        m.x_sfn.retry.max_delay_seconds = None;
        assert_eq!(pointers(&m), Vec::<String>::new());
    }

    #[test]
    fn check_refuses_max_attempts_over_99999999() {
        let mut m = tool();
        m.x_sfn.retry.max_attempts = 4_000_000_000;
        assert_eq!(pointers(&m), ["/x-sfn/retry/maxAttempts"]);
        m.x_sfn.retry.max_attempts = 100_000_000;
        assert_eq!(pointers(&m), ["/x-sfn/retry/maxAttempts"]);
    }

    #[test]
    fn check_refuses_states_all_not_alone() {
        let mut m = tool();
        m.x_sfn.retry.errors = vec![ErrorName::Retryable.as_str().into(), "States.ALL".into()];
        let problems = m.check();
        assert_eq!(pointers(&m), ["/x-sfn/retry/errors"]);
        assert!(problems[0].message.contains("States.ALL must appear alone"));
    }

    #[test]
    fn check_refuses_memory_outside_the_lambda_range() {
        for bad in [0, 127, 10_241] {
            let mut m = tool();
            m.x_sfn.memory_mb = bad;
            assert_eq!(pointers(&m), ["/x-sfn/memoryMb"], "{bad}");
        }
    }

    #[test]
    fn check_refuses_a_description_over_the_cap() {
        let mut m = tool();
        m.description = "d".repeat(5 * 1024 * 1024);
        let problems = m.check();
        assert_eq!(pointers(&m), ["/description"]);
        assert!(problems[0].message.contains("over the limit of 10000"));
        // Characters, not bytes: 10,000 two-byte characters are fine.
        m.description = "é".repeat(limits::MAX_DESCRIPTION_CHARS);
        assert_eq!(m.check(), vec![]);
    }

    #[test]
    fn check_refuses_retry_interval_and_backoff_the_asl_validator_refuses() {
        let mut m = tool();
        m.x_sfn.retry.interval_seconds = 0;
        m.x_sfn.retry.backoff_rate = 0.5;
        assert_eq!(
            pointers(&m),
            ["/x-sfn/retry/intervalSeconds", "/x-sfn/retry/backoffRate"]
        );
        m.x_sfn.retry.interval_seconds = 100_000_000;
        m.x_sfn.retry.backoff_rate = f64::NAN;
        assert_eq!(
            pointers(&m),
            ["/x-sfn/retry/intervalSeconds", "/x-sfn/retry/backoffRate"]
        );
    }

    #[test]
    fn check_reports_every_problem_with_its_pointer() {
        let mut m = tool();
        m.name = "no spaces".into();
        m.input_schema = serde_json::json!({"type": "string"});
        m.x_sfn.timeout_seconds = 0;
        m.x_sfn.memory_mb = 0;
        assert_eq!(
            pointers(&m),
            [
                "/name",
                "/inputSchema/type",
                "/x-sfn/timeoutSeconds",
                "/x-sfn/memoryMb"
            ]
        );
        assert_eq!(
            m.check()[2].to_string(),
            "/x-sfn/timeoutSeconds: must be between 1 and 900, got 0: it is the Task's \
             TimeoutSeconds (a positive integer) and the Lambda function's timeout (at most \
             900 seconds)"
        );
    }
}
