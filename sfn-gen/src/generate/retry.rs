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

/// The Retry list of a tool's Task: the Lambda service errors, then the tool's own
/// retryable errors with the manifest's back-off; which of each depends on whether the tool
/// may run twice ([`protocol::repeat`]).
pub fn tool_retry(tool: &ToolManifest) -> Vec<Retrier> {
    let policy = &tool.x_sfn.retry;
    let retried = tool.retried_errors();
    let mut retriers = vec![Retrier {
        max_delay_seconds: Some(10),
        jitter_strategy: Some(JitterStrategy::Full),
        ..retrier(&retried.service, 1, 3, 2.0)
    }];
    if !retried.own.is_empty() {
        retriers.push(Retrier {
            max_delay_seconds: policy.max_delay_seconds.map(u64::from),
            jitter_strategy: Some(jitter(policy.jitter_strategy)),
            ..retrier(
                &retried.own,
                policy.interval_seconds.max(1).into(),
                policy.max_attempts.into(),
                policy.backoff_rate.max(1.0),
            )
        });
    }
    retriers
}

/// One line saying what a tool's Task retries and why, for `sfn-gen generate` to print.
pub fn tool_policy_summary(tool: &ToolManifest) -> String {
    let policy = &tool.x_sfn.retry;
    let safety = tool.repeat_safety();
    let retried = tool.retried_errors();
    let mut line = format!(
        "{}: {} ({}); retries {}",
        tool.name,
        if safety.repeatable() {
            "may repeat"
        } else {
            "runs once"
        },
        safety.reason(),
        retried.service.join(", ")
    );
    if !retried.own.is_empty() {
        let delay_cap = policy
            .max_delay_seconds
            .map(|s| format!(", at most {s} s"))
            .unwrap_or_default();
        line.push_str(&format!(
            "; {} up to {} times from {} s, x{}{}",
            retried.own.join(", "),
            policy.max_attempts,
            policy.interval_seconds.max(1),
            policy.backoff_rate.max(1.0),
            delay_cap
        ));
    }
    line.push_str(if safety.repeatable() {
        "; repeats answered from the cache"
    } else {
        "; never after a timeout, no cache"
    });
    if !retried.dropped.is_empty() {
        line.push_str(&format!(
            "; not retried: {} (they can follow a call that ran; set x-sfn.repeatable to override)",
            retried.dropped.join(", ")
        ));
    }
    line
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

    fn tool_with(annotations: serde_json::Value, retry: serde_json::Value) -> ToolManifest {
        serde_json::from_value(json!({
            "name": "t",
            "description": "the t tool",
            "inputSchema": {"type": "object", "properties": {}},
            "annotations": annotations,
            "x-sfn": {"timeoutSeconds": 7, "memoryMb": 128, "architecture": "arm64", "retry": retry}
        }))
        .expect("a valid manifest")
    }

    fn tool(retry: serde_json::Value) -> ToolManifest {
        tool_with(json!({"readOnlyHint": true}), retry)
    }

    #[test]
    fn a_tool_without_retryable_errors_retries_transient_lambda_errors_and_unavailable() {
        let retry = tool_retry(&tool(json!({"errors": [], "maxAttempts": 2})));
        assert_eq!(retry.len(), 2);
        assert_eq!(retry[0].error_equals, LAMBDA_TRANSIENT_ERRORS);
        assert_eq!(retry[1].error_equals, ["ToolError.Unavailable"]);
        let retry = tool_retry(&tool(json!({"errors": ["E"], "maxAttempts": 0})));
        assert_eq!(retry.len(), 1);
    }

    #[test]
    fn a_tool_that_may_have_effects_is_never_retried_after_a_timeout() {
        let t = tool_with(json!({"destructiveHint": true}), json!({}));
        let retry = tool_retry(&t);
        assert_eq!(retry[0].error_equals, ["Lambda.TooManyRequestsException"]);
        assert_eq!(retry[1].error_equals, ["ToolError.Unavailable"]);
        let every: Vec<&String> = retry.iter().flat_map(|r| &r.error_equals).collect();
        assert!(
            !every
                .iter()
                .any(|e| e.contains("Timeout") || e.contains("Timedout"))
        );
        assert_eq!(
            tool_policy_summary(&t),
            "t: runs once (neither readOnlyHint nor idempotentHint is true); retries \
             Lambda.TooManyRequestsException; ToolError.Unavailable up to 3 times from 1 s, x2; \
             never after a timeout, no cache; not retried: ToolError.Retryable, \
             ToolError.Timeout (they can follow a call that ran; set x-sfn.repeatable to \
             override)"
        );
    }

    #[test]
    fn the_summary_of_a_repeatable_tool_names_its_back_off_and_the_cache() {
        let t = tool(json!({"maxDelaySeconds": 20}));
        assert_eq!(
            tool_policy_summary(&t),
            "t: may repeat (readOnlyHint); retries Lambda.ServiceException, \
             Lambda.AWSLambdaException, Lambda.SdkClientException, \
             Lambda.TooManyRequestsException, Lambda.ClientExecutionTimeoutException; \
             ToolError.Retryable, ToolError.Timeout, ToolError.Unavailable up to 3 times from \
             1 s, x2, at most 20 s; repeats answered from the cache"
        );
    }

    #[test]
    fn the_manifest_policy_is_clamped_to_what_aws_accepts() {
        let retry = tool_retry(&tool(json!({
            "errors": ["E"], "intervalSeconds": 0, "maxAttempts": 4, "backoffRate": 0.5,
            "jitterStrategy": "NONE"
        })));
        assert_eq!(
            serde_json::to_value(&retry[1]).unwrap(),
            json!({"ErrorEquals": ["E", "ToolError.Unavailable"], "IntervalSeconds": 1, "MaxAttempts": 4,
                   "BackoffRate": 1.0, "JitterStrategy": "NONE"})
        );
    }
}
