//! How the engine invokes Lambda functions.
//!
//! The interpreter resolves a Task's function (a Lambda ARN's `:function:<name>` part, the
//! `FunctionName` of `arn:aws:states:::lambda:invoke`, or a `${...}` placeholder) to a name
//! and hands the call to a [`LambdaInvoker`]: canned mocks (the conformance corpus's `mocks`
//! object) or real binaries behind the embedded Lambda Runtime API (`lambda-local` crate).
//!
//! The trait is synchronous: Map and Parallel branches run on their own threads, and an
//! implementation may block until the function answers.

use std::time::Duration;

use serde_json::Value;

/// One invocation.
#[derive(Debug, Clone, Copy)]
pub struct InvokeRequest<'a> {
    /// The function's name.
    pub function: &'a str,
    /// The event.
    pub payload: &'a Value,
    /// The Task's `TimeoutSeconds`, when set: past it the invoker gives up with
    /// [`InvokeError::TimedOut`] and the engine raises `States.Timeout`.
    pub timeout: Option<Duration>,
}

/// Why an invocation produced no result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvokeError {
    /// The function failed. `error` is the error name Step Functions records (the
    /// function's `errorType`: `Runtime.ExitError` for a crash, `Lambda.Unknown` when it
    /// gave none), `cause` the cause text.
    Failed {
        /// Error name.
        error: String,
        /// Cause text.
        cause: String,
    },
    /// The Task's timeout passed.
    TimedOut,
}

/// Something that can run Lambda functions for the engine.
pub trait LambdaInvoker: Send + Sync {
    /// Invokes `request.function` with `request.payload` and returns its result.
    fn invoke(&self, request: InvokeRequest<'_>) -> Result<Value, InvokeError>;

    /// Runs any other Task resource (`arn:aws:states:::dynamodb:putItem`, ...) with its
    /// parameters; `None` when this invoker cannot serve it (the default).
    fn run_resource(
        &self,
        _resource: &str,
        _parameters: &Value,
    ) -> Option<Result<Value, InvokeError>> {
        None
    }
}

/// Serves the task tokens of `.waitForTaskToken` Tasks: the engine makes a token, exposes it
/// as `$$.Task.Token` (`$states.context.Task.Token`), runs the Task's integration with it,
/// then blocks here until someone answers the token (`SendTaskSuccess`, `SendTaskFailure`).
pub trait TaskCallbacks: Send + Sync {
    /// Waits for the answer to `token`: `Ok(output)` on success,
    /// [`InvokeError::Failed`] on failure (`States.HeartbeatTimeout` when no heartbeat came
    /// within `heartbeat`), [`InvokeError::TimedOut`] past `timeout`.
    fn wait(
        &self,
        token: &str,
        heartbeat: Option<Duration>,
        timeout: Option<Duration>,
    ) -> Result<Value, InvokeError>;
}
