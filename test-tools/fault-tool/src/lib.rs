//! The `fault-tool` test Lambda: a real tool, built on the tool kit like every other, whose
//! input chooses how it misbehaves, so that end-to-end tests can drive the faults production
//! sees through the real engine, agent and Lambda runtime (nothing about it is special-cased
//! anywhere else). It lives outside `tool-lambdas/`, so it never enters the committed state
//! machine; tests generate a machine for a tool set that includes it.
//!
//! One call does, in this order, what its input asks:
//! 1. `key`: counts this attempt in `$FAULT_TOOL_STATE_DIR/<key>` (one byte appended per
//!    attempt, so parallel instances count correctly); the count is `attempt` in the output;
//! 2. `sleep_ms`: sleeps (past the manifest's 15 s timeout, Lambda ends it: `Sandbox.Timedout`);
//! 3. `exit`: ends its process with that status (Lambda reports `Runtime.ExitError`);
//! 4. `fail`: fails with that error name;
//! 5. `fail_times`: fails with `ToolError.Retryable` while `attempt <= fail_times`;
//! 6. otherwise answers, with `big` bytes of rows when asked (offloaded by the tool kit).

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

use protocol::ErrorName;
use protocol::manifest::{Annotations, SfnConfig};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toolkit::{Tool, ToolContext, ToolError};

/// The folder where attempt counts are kept (set by the test that runs the tool).
pub const STATE_DIR_ENV: &str = "FAULT_TOOL_STATE_DIR";

/// The Lambda timeout in the manifest, in seconds.
pub const TIMEOUT_SECONDS: u32 = 15;

/// Bytes of one row of a `big` result (`{"id":N,"label":"row-NNNNNNNN","pad":"xx…"}` with
/// the pad making up the rest), so a test can compute rows from bytes.
pub const ROW_BYTES: u64 = 100;

/// An error name `fail` may ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum Failure {
    /// `ToolError.Fatal`: not retried, caught and fed back.
    #[serde(rename = "ToolError.Fatal")]
    Fatal,
    /// `ToolError.InvalidInput`: not retried, caught and fed back.
    #[serde(rename = "ToolError.InvalidInput")]
    InvalidInput,
    /// `ToolError.Retryable`: retried per the manifest, then caught.
    #[serde(rename = "ToolError.Retryable")]
    Retryable,
}

impl Failure {
    fn name(self) -> ErrorName {
        match self {
            Self::Fatal => ErrorName::Fatal,
            Self::InvalidInput => ErrorName::InvalidInput,
            Self::Retryable => ErrorName::Retryable,
        }
    }
}

/// Input of `fault-tool`: every field is optional; an empty input just answers.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// Names the attempt counter (letters, digits, `_`, `-`); needs `FAULT_TOOL_STATE_DIR`.
    #[serde(default)]
    pub key: Option<String>,
    /// Milliseconds to sleep before anything else.
    #[serde(default)]
    pub sleep_ms: Option<u64>,
    /// End the process with this exit status instead of answering.
    #[serde(default)]
    pub exit: Option<i32>,
    /// Fail with this error name.
    #[serde(default)]
    pub fail: Option<Failure>,
    /// Fail with `ToolError.Retryable` on the first this-many attempts of `key`.
    #[serde(default)]
    pub fail_times: Option<u32>,
    /// Answer with rows of about this many bytes in all (100 bytes a row).
    #[serde(default)]
    pub big: Option<u64>,
    /// Any value, echoed back (lets a plan chain calls).
    #[serde(default)]
    pub note: Option<serde_json::Value>,
}

/// One row of a `big` result.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Row {
    /// The row's number, from 0.
    pub id: u64,
    /// `row-` and the number in 8 digits.
    pub label: String,
    /// Filler up to [`ROW_BYTES`].
    pub pad: String,
}

/// Output of `fault-tool`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The attempt count of `key` (0 without a key).
    pub attempt: u64,
    /// The process that answered.
    pub pid: u32,
    /// When the call began, in milliseconds since the Unix epoch.
    pub started_ms: u64,
    /// When it ended, in milliseconds since the Unix epoch.
    pub ended_ms: u64,
    /// The input's `note`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<serde_json::Value>,
    /// The rows `big` asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<Vec<Row>>,
}

/// The fault tool.
pub struct FaultTool;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// Counts one attempt of `key` and returns the count so far.
fn count_attempt(key: &str) -> Result<u64, ToolError> {
    if key.is_empty()
        || key.len() > 64
        || !key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(ToolError::invalid_input(format!(
            "`key` `{key}` must be 1 to 64 letters, digits, `_` or `-`"
        )));
    }
    let dir = std::env::var_os(STATE_DIR_ENV).ok_or_else(|| {
        ToolError::invalid_input(format!(
            "`key` needs {STATE_DIR_ENV} (a folder for the attempt counts) in the function's environment"
        ))
    })?;
    let path = std::path::Path::new(&dir).join(key);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .map_err(|e| ToolError::fatal(format!("cannot open `{}`: {e}", path.display())))?;
    file.write_all(b".")
        .and_then(|()| file.sync_data())
        .map_err(|e| ToolError::fatal(format!("cannot count in `{}`: {e}", path.display())))?;
    let len = std::fs::metadata(&path)
        .map_err(|e| ToolError::fatal(format!("cannot read `{}`: {e}", path.display())))?
        .len();
    Ok(len)
}

/// Rows making up about `bytes` bytes of JSON.
pub fn rows(bytes: u64) -> Vec<Row> {
    (0..bytes.div_ceil(ROW_BYTES))
        .map(|id| {
            let label = format!("row-{id:08}");
            // `{"id":N,"label":"…","pad":"…"},` is 28 bytes plus the digits, label and pad.
            let fixed = 28 + id.to_string().len() as u64 + label.len() as u64;
            Row {
                id,
                label,
                pad: "x".repeat(ROW_BYTES.saturating_sub(fixed) as usize),
            }
        })
        .collect()
}

impl Tool for FaultTool {
    type Input = Input;
    type Output = Output;
    const NAME: &'static str = "fault-tool";
    const TITLE: Option<&'static str> = Some("Fault tool (tests only)");
    const DESCRIPTION: &'static str = "Test-only tool: fails, sleeps, exits its process or \
        returns a large result, as its input asks. Used by the end-to-end tests; never deployed.";

    fn annotations() -> Annotations {
        Annotations {
            title: Some("Fault tool (tests only)".into()),
            read_only_hint: Some(false),
            destructive_hint: Some(false),
            idempotent_hint: Some(true),
            open_world_hint: Some(false),
        }
    }

    fn config() -> SfnConfig {
        SfnConfig {
            timeout_seconds: TIMEOUT_SECONDS,
            memory_mb: 512,
            ..SfnConfig::default()
        }
    }

    async fn call(&self, input: Input, _ctx: &ToolContext) -> Result<Output, ToolError> {
        let started_ms = now_ms();
        let attempt = match &input.key {
            Some(key) => count_attempt(key)?,
            None if input.fail_times.is_some() => {
                return Err(ToolError::invalid_input(
                    "`fail_times` counts attempts by `key`; give a `key`",
                ));
            }
            None => 0,
        };
        if let Some(ms) = input.sleep_ms {
            tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
        }
        if let Some(status) = input.exit {
            std::process::exit(status);
        }
        if let Some(failure) = input.fail {
            return Err(ToolError::new(
                failure.name(),
                format!("asked to fail with {}", failure.name().as_str()),
            ));
        }
        if let Some(times) = input.fail_times
            && attempt <= u64::from(times)
        {
            return Err(ToolError::retryable(format!(
                "attempt {attempt} of `{}` fails on purpose (the first {times} do)",
                input.key.as_deref().unwrap_or("")
            )));
        }
        Ok(Output {
            attempt,
            pid: std::process::id(),
            started_ms,
            ended_ms: now_ms(),
            note: input.note,
            rows: input.big.map(rows),
        })
    }
}
