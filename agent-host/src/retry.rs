//! A Task's `Retry` list applied outside the engine, as Step Functions applies it: the
//! first retrier whose `ErrorEquals` matches the error handles it (`States.ALL`,
//! `States.TaskFailed` and the terminal `States.Runtime` as `asl` defines them); each
//! retrier counts its own attempts; the wait before retry `n` of a retrier is
//! `IntervalSeconds × BackoffRate^n`, capped at `MaxDelaySeconds`, uniformly jittered
//! between 0 and that under `JitterStrategy: FULL`. When no retrier handles an error, or
//! the handling one is spent, the error is final (the machine's Catch would take it).

use std::future::Future;
use std::time::Duration;

use asl::model::{JitterStrategy, Retrier};

/// A failed attempt: the error name Retry and Catch see, and its cause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskError {
    /// The error name (`ToolError.Retryable`, `Lambda.ServiceException`, `States.Timeout`).
    pub error: String,
    /// The cause (for a function error, the error document as JSON text).
    pub cause: String,
}

/// The wait before the `retry`-th retry (0-based) of `retrier`, before jitter.
pub fn delay(retrier: &Retrier, retry: u64) -> Duration {
    let policy = retrier.policy();
    let exponent = i32::try_from(retry).unwrap_or(i32::MAX);
    let mut seconds = policy.interval_seconds as f64 * policy.backoff_rate.powi(exponent);
    if let Some(cap) = policy.max_delay_seconds {
        seconds = seconds.min(cap as f64);
    }
    // `BackoffRate^n` overflows to infinity long before `MaxAttempts` allows; a year is
    // past every cap Step Functions accepts.
    Duration::from_secs_f64(seconds.clamp(0.0, 31_622_400.0))
}

fn jittered(retrier: &Retrier, retry: u64) -> Duration {
    let full = delay(retrier, retry);
    match retrier.policy().jitter {
        JitterStrategy::Full => full.mul_f64(rand::random::<f64>()),
        JitterStrategy::None => full,
    }
}

/// The outcome of a retried Task and how many attempts it took.
#[derive(Debug)]
pub struct Retried<T> {
    /// The last attempt's result.
    pub result: Result<T, TaskError>,
    /// Attempts made, the first included.
    pub attempts: u64,
}

/// Runs `attempt` until it succeeds, or fails with an error no unspent retrier handles.
pub async fn with_retry<T, F, Fut>(retriers: &[Retrier], attempt: F) -> Retried<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, TaskError>>,
{
    with_retry_observed(retriers, attempt, |_, _| {}).await
}

/// [`with_retry`], telling `retrying` of each failed attempt that will be retried and the
/// wait before the next one.
pub async fn with_retry_observed<T, F, Fut>(
    retriers: &[Retrier],
    mut attempt: F,
    mut retrying: impl FnMut(&TaskError, Duration),
) -> Retried<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, TaskError>>,
{
    let mut used = vec![0u64; retriers.len()];
    let mut attempts = 0;
    loop {
        attempts += 1;
        let error = match attempt().await {
            Ok(value) => {
                return Retried {
                    result: Ok(value),
                    attempts,
                };
            }
            Err(error) => error,
        };
        let handler = retriers.iter().position(|r| r.matches(&error.error));
        let Some(index) = handler else {
            return Retried {
                result: Err(error),
                attempts,
            };
        };
        let retrier = &retriers[index];
        if used[index] >= retrier.policy().max_attempts {
            return Retried {
                result: Err(error),
                attempts,
            };
        }
        let wait = jittered(retrier, used[index]);
        used[index] += 1;
        retrying(&error, wait);
        tracing::debug!(error = %error.error, wait_ms = wait.as_millis() as u64, "retrying");
        tokio::time::sleep(wait).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use serde_json::json;

    use super::*;

    /// The retriers of a Task written in ASL (read through `asl`, as the catalog does).
    fn retriers(retry: serde_json::Value) -> Vec<Retrier> {
        let definition = json!({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
            "Retry": retry, "End": true
        }}});
        let machine = asl::model::Machine::from_value(&definition).unwrap();
        machine.state("T").unwrap().retry().to_vec()
    }

    fn failing(
        name: &'static str,
        calls: &AtomicU64,
    ) -> impl Future<Output = Result<(), TaskError>> {
        calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Err(TaskError {
            error: name.to_owned(),
            cause: "c".to_owned(),
        }))
    }

    #[test]
    fn delays_grow_by_the_backoff_rate_up_to_the_cap() {
        let r = retriers(
            json!([{"ErrorEquals": ["E"], "IntervalSeconds": 2, "BackoffRate": 3.0, "MaxDelaySeconds": 10}]),
        );
        let seconds: Vec<u64> = (0..4).map(|n| delay(&r[0], n).as_secs()).collect();
        assert_eq!(seconds, [2, 6, 10, 10]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_matching_error_is_retried_max_attempts_times_then_is_final() {
        let r = retriers(json!([{"ErrorEquals": ["ToolError.Retryable"], "MaxAttempts": 2}]));
        let calls = AtomicU64::new(0);
        let out = with_retry(&r, || failing("ToolError.Retryable", &calls)).await;
        assert_eq!(out.attempts, 3);
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        assert_eq!(out.result.unwrap_err().error, "ToolError.Retryable");
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_no_retrier_names_is_not_retried() {
        let r = retriers(json!([{"ErrorEquals": ["ToolError.Retryable"]}]));
        let calls = AtomicU64::new(0);
        let out = with_retry(&r, || failing("ToolError.InvalidInput", &calls)).await;
        assert_eq!(out.attempts, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_matching_retrier_counts_and_states_all_catches_the_rest() {
        // `MaxAttempts: 0` on the first retrier: it matches, is spent at once, and the
        // error is final (Step Functions does not fall through to the next retrier).
        let r = retriers(json!([
            {"ErrorEquals": ["Boom"], "MaxAttempts": 0},
            {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}
        ]));
        let calls = AtomicU64::new(0);
        let out = with_retry(&r, || failing("Boom", &calls)).await;
        assert_eq!(out.attempts, 1);
        let calls = AtomicU64::new(0);
        let out = with_retry(&r, || failing("Other", &calls)).await;
        assert_eq!(out.attempts, 6);
    }

    #[tokio::test(start_paused = true)]
    async fn success_after_a_retry_returns_the_value() {
        let r = retriers(json!([{"ErrorEquals": ["States.ALL"], "MaxAttempts": 3}]));
        let calls = AtomicU64::new(0);
        let out = with_retry(&r, || {
            let n = calls.fetch_add(1, Ordering::SeqCst);
            std::future::ready(if n == 0 {
                Err(TaskError {
                    error: "Lambda.ServiceException".into(),
                    cause: String::new(),
                })
            } else {
                Ok(n)
            })
        })
        .await;
        assert_eq!(out.result.unwrap(), 1);
        assert_eq!(out.attempts, 2);
    }
}
