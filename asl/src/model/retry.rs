//! `Retry` and `Catch`: [`Retrier`] and [`Catcher`], their defaults, and which error names
//! an `ErrorEquals` list matches.
//!
//! From the ASL spec ("Errors", "Retrying after error", "Fallback states") and the
//! developer guide ("Handling errors in Step Functions workflows"): a retrier's
//! `IntervalSeconds` defaults to 1, `MaxAttempts` to 3 (0 never retries), `BackoffRate` to
//! 2.0 and `JitterStrategy` to `NONE`; `MaxDelaySeconds` has no default (no cap).
//! `States.ALL` matches every error but `States.DataLimitExceeded`, `States.TaskFailed`
//! every error but `States.Timeout` (and `States.DataLimitExceeded`), and
//! `States.Runtime` is never retried or caught.

use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

use super::dynamic::NullablePath;
use super::error::ModelError;
use super::query_language::QueryLanguage;
use super::read::{Fields, array, child, wrong_type};
use super::template::Template;

/// The wildcard that matches any error name (but see [`error_matches`]).
pub const STATES_ALL: &str = "States.ALL";
/// Matches any task failure except a timeout.
pub const STATES_TASK_FAILED: &str = "States.TaskFailed";
/// A Task ran past `TimeoutSeconds` or missed a heartbeat.
pub const STATES_TIMEOUT: &str = "States.Timeout";
/// An input, output or result over [`MAX_PAYLOAD_BYTES`](super::limits::MAX_PAYLOAD_BYTES).
pub const STATES_DATA_LIMIT_EXCEEDED: &str = "States.DataLimitExceeded";
/// A runtime error (an invalid path result, a bad intrinsic argument, ...): terminal.
pub const STATES_RUNTIME: &str = "States.Runtime";

/// The spec's default `IntervalSeconds`.
pub const DEFAULT_INTERVAL_SECONDS: u64 = 1;
/// The spec's default `MaxAttempts`.
pub const DEFAULT_MAX_ATTEMPTS: u64 = 3;
/// The spec's default `BackoffRate`.
pub const DEFAULT_BACKOFF_RATE: f64 = 2.0;

/// Whether an `ErrorEquals` list matches `error`.
pub fn error_matches(error_equals: &[String], error: &str) -> bool {
    if error == STATES_RUNTIME {
        return false;
    }
    error_equals.iter().any(|name| match name.as_str() {
        STATES_ALL => error != STATES_DATA_LIMIT_EXCEEDED,
        STATES_TASK_FAILED => error != STATES_TIMEOUT && error != STATES_DATA_LIMIT_EXCEEDED,
        other => other == error,
    })
}

/// `JitterStrategy`: whether retry delays are randomized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum JitterStrategy {
    /// Wait a random time between 0 and the computed delay.
    Full,
    /// Wait exactly the computed delay (the default).
    #[default]
    None,
}

/// One element of `Retry`, with its fields as written (absent stays absent, so the
/// document round-trips); [`Retrier::policy`] applies the defaults.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Retrier {
    /// Error names this retrier handles.
    pub error_equals: Vec<String>,
    /// Seconds before the first retry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<u64>,
    /// Retries at most (0: never).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    /// The multiplier of the delay after each retry, as written (`2` and `2.0` differ in
    /// JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backoff_rate: Option<Number>,
    /// The cap on the delay, in seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_delay_seconds: Option<u64>,
    /// Whether delays are randomized.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jitter_strategy: Option<JitterStrategy>,
    /// A human-readable note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A retrier's parameters with the spec's defaults applied.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Seconds before the first retry.
    pub interval_seconds: u64,
    /// Retries at most.
    pub max_attempts: u64,
    /// The delay's multiplier per retry.
    pub backoff_rate: f64,
    /// The cap on the delay, if any.
    pub max_delay_seconds: Option<u64>,
    /// Whether delays are randomized.
    pub jitter: JitterStrategy,
}

impl Retrier {
    /// Whether this retrier handles `error`.
    pub fn matches(&self, error: &str) -> bool {
        error_matches(&self.error_equals, error)
    }

    /// The retrier's parameters, defaults filled in.
    pub fn policy(&self) -> RetryPolicy {
        RetryPolicy {
            interval_seconds: self.interval_seconds.unwrap_or(DEFAULT_INTERVAL_SECONDS),
            max_attempts: self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS),
            backoff_rate: self
                .backoff_rate
                .as_ref()
                .and_then(Number::as_f64)
                .unwrap_or(DEFAULT_BACKOFF_RATE),
            max_delay_seconds: self.max_delay_seconds,
            jitter: self.jitter_strategy.unwrap_or_default(),
        }
    }

    pub(crate) fn read(v: &Value, pointer: &str) -> Result<Self, ModelError> {
        let mut f = Fields::new(v, pointer, "a retrier object")?;
        let retrier = Retrier {
            error_equals: error_equals(&mut f)?,
            interval_seconds: f.integer("IntervalSeconds")?,
            max_attempts: f.integer("MaxAttempts")?,
            backoff_rate: f.number("BackoffRate")?,
            max_delay_seconds: f.integer("MaxDelaySeconds")?,
            jitter_strategy: match f.take("JitterStrategy") {
                None => None,
                Some(Value::String(s)) if s == "FULL" => Some(JitterStrategy::Full),
                Some(Value::String(s)) if s == "NONE" => Some(JitterStrategy::None),
                Some(other) => {
                    return Err(ModelError::InvalidValue {
                        pointer: f.at("JitterStrategy"),
                        value: other.to_string(),
                        expected: "one of \"FULL\", \"NONE\"".to_owned(),
                    });
                }
            },
            comment: f.string("Comment")?,
        };
        f.finish(|| "a retrier".to_owned())?;
        Ok(retrier)
    }
}

/// One element of `Catch`: the errors it handles, where to go, and what the next state
/// gets (`ResultPath` in JSONPath, `Output` in JSONata; both default to the error output
/// `{"Error": ..., "Cause": ...}` replacing the state's output).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Catcher {
    /// Error names this catcher handles.
    pub error_equals: Vec<String>,
    /// The state to go to.
    pub next: String,
    /// Where the error output goes in the state's input (JSONPath).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result_path: Option<NullablePath>,
    /// The next state's input (JSONata).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<Template>,
    /// Variables to assign when the catcher fires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assign: Option<Template>,
    /// A human-readable note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl Catcher {
    /// Whether this catcher handles `error`.
    pub fn matches(&self, error: &str) -> bool {
        error_matches(&self.error_equals, error)
    }

    pub(crate) fn read(v: &Value, pointer: &str, ql: QueryLanguage) -> Result<Self, ModelError> {
        let mut f = Fields::new(v, pointer, "a catcher object")?;
        let catcher = Catcher {
            error_equals: error_equals(&mut f)?,
            next: f.required_string("Next", "name the state to go to when the error is caught")?,
            result_path: match ql {
                QueryLanguage::JsonPath => f.nullable_path("ResultPath")?,
                QueryLanguage::Jsonata => None,
            },
            output: match ql {
                QueryLanguage::JsonPath => None,
                QueryLanguage::Jsonata => f.template("Output"),
            },
            assign: f.object_template("Assign")?,
            comment: f.string("Comment")?,
        };
        f.finish(|| format!("a catcher ({})", ql.as_str()))?;
        Ok(catcher)
    }
}

fn error_equals(f: &mut Fields<'_>) -> Result<Vec<String>, ModelError> {
    let pointer = f.at("ErrorEquals");
    let list = f.require(
        "ErrorEquals",
        "list the error names to handle, e.g. [\"States.ALL\"]",
    )?;
    array(list, &pointer, "an array of error names")?
        .iter()
        .enumerate()
        .map(|(i, e)| {
            e.as_str()
                .map(str::to_owned)
                .ok_or_else(|| wrong_type(child(&pointer, &i.to_string()), "a string", e))
        })
        .collect()
}

/// Reads `Retry` (if present).
pub(crate) fn read_retry(f: &mut Fields<'_>) -> Result<Option<Vec<Retrier>>, ModelError> {
    let pointer = f.at("Retry");
    let Some(v) = f.take("Retry") else {
        return Ok(None);
    };
    array(v, &pointer, "an array of retriers")?
        .iter()
        .enumerate()
        .map(|(i, r)| Retrier::read(r, &child(&pointer, &i.to_string())))
        .collect::<Result<_, _>>()
        .map(Some)
}

/// Reads `Catch` (if present).
pub(crate) fn read_catch(
    f: &mut Fields<'_>,
    ql: QueryLanguage,
) -> Result<Option<Vec<Catcher>>, ModelError> {
    let pointer = f.at("Catch");
    let Some(v) = f.take("Catch") else {
        return Ok(None);
    };
    array(v, &pointer, "an array of catchers")?
        .iter()
        .enumerate()
        .map(|(i, c)| Catcher::read(c, &child(&pointer, &i.to_string()), ql))
        .collect::<Result<_, _>>()
        .map(Some)
}
