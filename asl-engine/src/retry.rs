//! Retry and Catch: which retrier or catcher handles an error, and how long to back off.
//!
//! From the ASL specification ("Errors") and the Step Functions developer guide ("Handling
//! errors"): `States.ALL` matches every error name except `States.Runtime` and
//! `States.DataLimitExceeded`, which are terminal; `States.TaskFailed` matches every error
//! except `States.Timeout`; `States.Runtime` is never retried or caught.

use asl::model::{self, JitterStrategy};

pub use asl::model::error_matches;

/// Whether `error` may be retried or caught at all.
pub fn is_terminal(error: &str) -> bool {
    error == model::STATES_RUNTIME
}

/// A retrier's parameters with the specification's defaults, and the errors it handles.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrier {
    /// `ErrorEquals`.
    pub error_equals: Vec<String>,
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
    /// The model's retrier, defaults applied.
    pub fn from_model(retrier: &model::Retrier) -> Self {
        let policy = retrier.policy();
        Self {
            error_equals: retrier.error_equals.clone(),
            interval_seconds: policy.interval_seconds as f64,
            max_attempts: policy.max_attempts,
            backoff_rate: policy.backoff_rate,
            max_delay_seconds: policy.max_delay_seconds.map(|s| s as f64),
            full_jitter: policy.jitter == JitterStrategy::Full,
        }
    }

    /// Whether this retrier handles `error`.
    pub fn matches(&self, error: &str) -> bool {
        error_matches(&self.error_equals, error)
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
    use serde_json::{Value, json};

    use super::*;

    fn retrier(value: Value) -> Retrier {
        let definition = json!({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
            "Retry": [value], "End": true
        }}});
        let machine = model::Machine::from_value(&definition).unwrap();
        Retrier::from_model(&machine.state("T").unwrap().retry()[0])
    }

    #[test]
    fn wildcards_follow_the_spec() {
        let all = ["States.ALL".to_owned()];
        assert!(error_matches(&all, "Lambda.Unknown"));
        assert!(error_matches(&all, "States.Timeout"));
        assert!(!error_matches(&all, "States.Runtime"));
        assert!(!error_matches(&all, "States.DataLimitExceeded"));
        let task_failed = ["States.TaskFailed".to_owned()];
        assert!(error_matches(&task_failed, "ToolError.Fatal"));
        assert!(!error_matches(&task_failed, "States.Timeout"));
        assert!(!error_matches(
            &["States.Runtime".to_owned()],
            "States.Runtime"
        ));
    }

    #[test]
    fn backoff_is_exponential_and_capped() {
        // Developer guide example: IntervalSeconds 3, BackoffRate 2, MaxDelaySeconds 10
        // waits 3, 6, 10 (capped), 10.
        let capped = retrier(json!({
            "ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "BackoffRate": 2,
            "MaxDelaySeconds": 10, "MaxAttempts": 4
        }));
        let waits: Vec<f64> = (0..4).map(|n| capped.delay_seconds(n)).collect();
        assert_eq!(waits, vec![3.0, 6.0, 10.0, 10.0]);
        let defaults = retrier(json!({"ErrorEquals": ["States.ALL"]}));
        assert_eq!(defaults.max_attempts, 3);
        assert_eq!(defaults.delay_seconds(2), 4.0);
    }
}
