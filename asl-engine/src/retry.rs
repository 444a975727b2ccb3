//! Retry and Catch: which retrier or catcher handles an error, and how long to back off.
//!
//! From the ASL specification ("Errors") and the Step Functions developer guide ("Handling
//! errors"): `States.ALL` matches every error name except `States.Runtime` and
//! `States.DataLimitExceeded`, which are terminal; `States.TaskFailed` matches every error
//! except `States.Timeout`; `States.Runtime` is never retried or caught.

use serde_json::Value;

/// Whether `error` may be retried or caught at all.
pub fn is_terminal(error: &str) -> bool {
    error == "States.Runtime"
}

/// Whether an `ErrorEquals` list matches `error`.
pub fn error_matches(error_equals: Option<&Value>, error: &str) -> bool {
    if is_terminal(error) {
        return false;
    }
    let Some(names) = error_equals.and_then(Value::as_array) else {
        return false;
    };
    names
        .iter()
        .filter_map(Value::as_str)
        .any(|name| match name {
            "States.ALL" => error != "States.DataLimitExceeded",
            "States.TaskFailed" => error != "States.Timeout" && error != "States.DataLimitExceeded",
            other => other == error,
        })
}

/// A retrier's parameters with the specification's defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Retrier {
    /// `IntervalSeconds` (default 1).
    pub interval_seconds: f64,
    /// `MaxAttempts` (default 3).
    pub max_attempts: u64,
    /// `BackoffRate` (default 2.0).
    pub backoff_rate: f64,
    /// `MaxDelaySeconds` (no cap by default).
    pub max_delay_seconds: Option<f64>,
    /// `JitterStrategy` is `FULL`.
    pub full_jitter: bool,
}

impl Retrier {
    /// Reads a retrier object.
    pub fn from_json(retrier: &Value) -> Self {
        Self {
            interval_seconds: retrier
                .get("IntervalSeconds")
                .and_then(Value::as_f64)
                .unwrap_or(1.0),
            max_attempts: retrier
                .get("MaxAttempts")
                .and_then(Value::as_u64)
                .unwrap_or(3),
            backoff_rate: retrier
                .get("BackoffRate")
                .and_then(Value::as_f64)
                .unwrap_or(2.0),
            max_delay_seconds: retrier.get("MaxDelaySeconds").and_then(Value::as_f64),
            full_jitter: retrier.get("JitterStrategy").and_then(Value::as_str) == Some("FULL"),
        }
    }

    /// The wait before retry number `attempt` (0 for the first retry), before jitter:
    /// `IntervalSeconds × BackoffRate^attempt`, capped at `MaxDelaySeconds`.
    pub fn delay_seconds(&self, attempt: u64) -> f64 {
        let exponent = i32::try_from(attempt).unwrap_or(i32::MAX);
        let delay = self.interval_seconds * self.backoff_rate.powi(exponent);
        match self.max_delay_seconds {
            Some(cap) => delay.min(cap),
            None => delay,
        }
    }

    /// The wait with jitter applied (`FULL`: uniformly random between 0 and the delay).
    pub fn jittered_delay_seconds(&self, attempt: u64) -> f64 {
        let delay = self.delay_seconds(attempt);
        if self.full_jitter {
            rand::random::<f64>() * delay
        } else {
            delay
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn wildcards_follow_the_spec() {
        let all = json!(["States.ALL"]);
        assert!(error_matches(Some(&all), "Lambda.Unknown"));
        assert!(error_matches(Some(&all), "States.Timeout"));
        assert!(!error_matches(Some(&all), "States.Runtime"));
        assert!(!error_matches(Some(&all), "States.DataLimitExceeded"));
        let task_failed = json!(["States.TaskFailed"]);
        assert!(error_matches(Some(&task_failed), "ToolError.Fatal"));
        assert!(!error_matches(Some(&task_failed), "States.Timeout"));
        assert!(!error_matches(
            Some(&json!(["States.Runtime"])),
            "States.Runtime"
        ));
    }

    #[test]
    fn backoff_is_exponential_and_capped() {
        // Developer guide example: IntervalSeconds 3, BackoffRate 2, MaxDelaySeconds 10
        // waits 3, 6, 10 (capped), 10.
        let retrier = Retrier::from_json(&json!({
            "ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "BackoffRate": 2,
            "MaxDelaySeconds": 10, "MaxAttempts": 4
        }));
        let waits: Vec<f64> = (0..4).map(|n| retrier.delay_seconds(n)).collect();
        assert_eq!(waits, vec![3.0, 6.0, 10.0, 10.0]);
        let defaults = Retrier::from_json(&json!({"ErrorEquals": ["States.ALL"]}));
        assert_eq!(defaults.max_attempts, 3);
        assert_eq!(defaults.delay_seconds(2), 4.0);
    }
}
