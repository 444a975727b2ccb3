//! Task tokens: `.waitForTaskToken` Tasks wait here until `SendTaskSuccess`,
//! `SendTaskFailure` or their heartbeat and timeout say otherwise.
//!
//! The engine makes each token and calls [`TaskCallbacks::wait`] on the execution's own
//! [`ExecutionCallbacks`], which registers the token in the shared [`Tokens`] table for
//! the API to answer. Tokens live in memory only: after a restart the Task runs again and
//! makes a new token (at-least-once, as for a Task in flight).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use asl_engine::task::{InvokeError, TaskCallbacks};
use serde_json::Value;

use crate::error::{ApiError, ErrorKind};

/// What a client said about a token.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// `SendTaskSuccess` with this output.
    Success(Value),
    /// `SendTaskFailure`.
    Failure {
        /// Error name.
        error: String,
        /// Cause.
        cause: String,
    },
    /// `SendTaskHeartbeat`.
    Heartbeat,
}

/// How long an answer for a token not (yet) waited on is held: the Task's integration may
/// answer before the engine starts waiting.
const EARLY_ANSWER_GRACE: Duration = Duration::from_secs(2);

/// How often a wait checks whether its execution was stopped.
const CANCEL_POLL: Duration = Duration::from_millis(100);

/// Every token being waited on, by token.
#[derive(Default)]
pub struct Tokens {
    waiting: Mutex<HashMap<String, mpsc::Sender<Answer>>>,
}

impl Tokens {
    /// Delivers `answer` to the Task waiting on `token`.
    pub fn answer(&self, token: &str, answer: Answer) -> Result<(), ApiError> {
        if token.is_empty() || token.len() > 2048 {
            return Err(ApiError::new(
                ErrorKind::InvalidToken,
                "Invalid token: a task token has 1 to 2048 characters; pass the `$$.Task.Token` the Task received",
            ));
        }
        let deadline = Instant::now() + EARLY_ANSWER_GRACE;
        loop {
            let sender = self.lock().get(token).cloned();
            match sender {
                Some(sender) => {
                    return sender.send(answer).map_err(|_| not_waiting(token));
                }
                None if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(10)),
                None => return Err(not_waiting(token)),
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, mpsc::Sender<Answer>>> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// How many tokens are being waited on.
    pub fn waiting(&self) -> usize {
        self.lock().len()
    }
}

fn not_waiting(token: &str) -> ApiError {
    let shown: String = token.chars().take(40).collect();
    ApiError::new(
        ErrorKind::TaskDoesNotExist,
        format!(
            "Task Timed Out or does not exist: no Task waits for token `{shown}...` (its execution ended, it timed out, or the token is not one this server made)"
        ),
    )
}

/// The task-token waits of one execution (stopping the execution ends them).
pub struct ExecutionCallbacks {
    /// The shared table.
    pub tokens: Arc<Tokens>,
    /// The execution's cancel flag.
    pub cancel: Arc<AtomicBool>,
}

impl TaskCallbacks for ExecutionCallbacks {
    fn wait(
        &self,
        token: &str,
        heartbeat: Option<Duration>,
        timeout: Option<Duration>,
    ) -> Result<Value, InvokeError> {
        let (tx, rx) = mpsc::channel();
        self.tokens.lock().insert(token.to_owned(), tx);
        let started = Instant::now();
        let mut last_beat = started;
        let result = loop {
            if self.cancel.load(Ordering::SeqCst) {
                break Err(InvokeError::Failed {
                    error: "States.Aborted".into(),
                    cause: "the execution was stopped while its Task waited for a task token"
                        .into(),
                });
            }
            let now = Instant::now();
            let timeout_left = timeout.map(|t| (started + t).saturating_duration_since(now));
            let beat_left = heartbeat.map(|h| (last_beat + h).saturating_duration_since(now));
            if timeout_left == Some(Duration::ZERO) {
                break Err(InvokeError::TimedOut);
            }
            if beat_left == Some(Duration::ZERO) {
                break Err(InvokeError::Failed {
                    error: "States.HeartbeatTimeout".into(),
                    cause: format!(
                        "no SendTaskHeartbeat within HeartbeatSeconds ({} s)",
                        heartbeat.unwrap_or_default().as_secs()
                    ),
                });
            }
            let slice = [timeout_left, beat_left, Some(CANCEL_POLL)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(CANCEL_POLL);
            match rx.recv_timeout(slice) {
                Ok(Answer::Success(output)) => break Ok(output),
                Ok(Answer::Failure { error, cause }) => {
                    break Err(InvokeError::Failed { error, cause });
                }
                Ok(Answer::Heartbeat) => last_beat = Instant::now(),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => unreachable!("the table holds a sender"),
            }
        };
        self.tokens.lock().remove(token);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn callbacks() -> (Arc<Tokens>, ExecutionCallbacks) {
        let tokens = Arc::new(Tokens::default());
        let callbacks = ExecutionCallbacks {
            tokens: tokens.clone(),
            cancel: Arc::default(),
        };
        (tokens, callbacks)
    }

    #[test]
    fn an_answer_sent_before_the_wait_starts_is_delivered() {
        let (tokens, callbacks) = callbacks();
        let sender =
            std::thread::spawn(move || tokens.answer("t", Answer::Success(Value::from(1))));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(callbacks.wait("t", None, None), Ok(Value::from(1)));
        sender.join().unwrap().unwrap();
    }

    #[test]
    fn heartbeats_keep_a_task_alive_and_their_absence_fails_it() {
        let (tokens, callbacks) = callbacks();
        let beat = Some(Duration::from_millis(150));
        let t = tokens.clone();
        let answering = std::thread::spawn(move || {
            for _ in 0..3 {
                std::thread::sleep(Duration::from_millis(80));
                t.answer("t", Answer::Heartbeat).unwrap();
            }
            t.answer("t", Answer::Success(Value::from("done"))).unwrap();
        });
        assert_eq!(callbacks.wait("t", beat, None), Ok(Value::from("done")));
        answering.join().unwrap();
        match callbacks.wait("u", beat, None) {
            Err(InvokeError::Failed { error, .. }) => assert_eq!(error, "States.HeartbeatTimeout"),
            other => panic!("expected a heartbeat timeout, got {other:?}"),
        }
        assert_eq!(
            callbacks.wait("v", None, Some(Duration::from_millis(50))),
            Err(InvokeError::TimedOut)
        );
        assert_eq!(tokens.waiting(), 0);
    }

    #[test]
    fn an_unknown_token_is_task_does_not_exist() {
        let tokens = Tokens::default();
        let err = tokens.answer("nobody", Answer::Heartbeat).unwrap_err();
        assert_eq!(err.kind, ErrorKind::TaskDoesNotExist);
    }
}
