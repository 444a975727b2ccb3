//! The generated `Retry` lists, as [`asl::model::Retrier`]s: a tool Task's from its
//! manifest's retry policy ([`tool_retry`]), the agent Task's ([`agent_retry`]) and the
//! continue-as-new hand-off's ([`continue_retry`]).

use asl::model::{JitterStrategy, Retrier};
use protocol::errors::{ErrorName, LAMBDA_TRANSIENT_ERRORS};
use protocol::manifest::{self, ToolManifest};
use serde_json::Number;

/// A retrier with every field but the optional ones set.
fn retrier<S: ToString>(
    errors: impl IntoIterator<Item = S>,
    interval_seconds: u64,
    max_attempts: u64,
    backoff_rate: f64,
) -> Retrier {
    Retrier {
        error_equals: errors.into_iter().map(|e| e.to_string()).collect(),
        interval_seconds: Some(interval_seconds),
        max_attempts: Some(max_attempts),
        // Written as a float (`2.0`), as AWS's console writes it; a finite rate always is.
        backoff_rate: Number::from_f64(backoff_rate),
        max_delay_seconds: None,
        jitter_strategy: None,
        comment: None,
    }
}

fn jitter(strategy: manifest::JitterStrategy) -> JitterStrategy {
    match strategy {
        manifest::JitterStrategy::Full => JitterStrategy::Full,
        manifest::JitterStrategy::None => JitterStrategy::None,
    }
}

/// The Retry list of a tool's Task: AWS's transient Lambda errors, then the tool's own
/// retryable errors, with the manifest's back-off.
pub fn tool_retry(tool: &ToolManifest) -> Vec<Retrier> {
    let policy = &tool.x_sfn.retry;
    let mut retriers = vec![Retrier {
        max_delay_seconds: Some(10),
        jitter_strategy: Some(JitterStrategy::Full),
        ..retrier(LAMBDA_TRANSIENT_ERRORS, 1, 3, 2.0)
    }];
    if !policy.errors.is_empty() && policy.max_attempts > 0 {
        retriers.push(Retrier {
            max_delay_seconds: policy.max_delay_seconds.map(u64::from),
            jitter_strategy: Some(jitter(policy.jitter_strategy)),
            ..retrier(
                &policy.errors,
                policy.interval_seconds.max(1).into(),
                policy.max_attempts.into(),
                policy.backoff_rate.max(1.0),
            )
        });
    }
    retriers
}

/// The agent Task's Retry list: transient Lambda errors and a throttled reasoner at
/// length, a failed reasoner call briefly.
pub fn agent_retry() -> Vec<Retrier> {
    let throttled = LAMBDA_TRANSIENT_ERRORS
        .into_iter()
        .chain([ErrorName::ReasonerThrottled.as_str()]);
    vec![
        Retrier {
            max_delay_seconds: Some(60),
            jitter_strategy: Some(JitterStrategy::Full),
            ..retrier(throttled, 2, 6, 2.0)
        },
        Retrier {
            jitter_strategy: Some(JitterStrategy::Full),
            ..retrier([ErrorName::ReasonerError], 2, 2, 2.0)
        },
    ]
}

/// The continue-as-new Task's Retry list: the Step Functions API's transient errors.
pub fn continue_retry() -> Vec<Retrier> {
    vec![retrier(
        [
            "StepFunctions.SdkClientException",
            "StepFunctions.ThrottlingException",
        ],
        1,
        3,
        2.0,
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(retry: serde_json::Value) -> ToolManifest {
        serde_json::from_value(json!({
            "name": "t",
            "description": "the t tool",
            "inputSchema": {"type": "object", "properties": {}},
            "x-sfn": {"timeoutSeconds": 7, "memoryMb": 128, "architecture": "arm64", "retry": retry}
        }))
        .expect("a valid manifest")
    }

    #[test]
    fn a_tool_without_retryable_errors_retries_only_transient_lambda_errors() {
        let retry = tool_retry(&tool(json!({"errors": [], "maxAttempts": 2})));
        assert_eq!(retry.len(), 1);
        assert_eq!(retry[0].error_equals, LAMBDA_TRANSIENT_ERRORS);
        let retry = tool_retry(&tool(json!({"errors": ["E"], "maxAttempts": 0})));
        assert_eq!(retry.len(), 1);
    }

    #[test]
    fn the_manifest_policy_is_clamped_to_what_aws_accepts() {
        let retry = tool_retry(&tool(json!({
            "errors": ["E"], "intervalSeconds": 0, "maxAttempts": 4, "backoffRate": 0.5,
            "jitterStrategy": "NONE"
        })));
        assert_eq!(
            serde_json::to_value(&retry[1]).unwrap(),
            json!({"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 4,
                   "BackoffRate": 1.0, "JitterStrategy": "NONE"})
        );
    }
}
