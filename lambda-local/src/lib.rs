//! Runs Lambda binaries as local processes behind an embedded Lambda Runtime API.
//!
//! The processes talk the same HTTP protocol they talk in AWS
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>): they poll
//! `GET /2018-06-01/runtime/invocation/next`, then post to `.../{id}/response` or
//! `.../{id}/error`, so a `lambda_runtime` binary runs unchanged. Like Lambda, an instance
//! handles one invocation at a time and stays warm between invocations; when every warm
//! instance is busy a new one starts (up to [`FunctionSpec::max_concurrency`]), which is how
//! Map iterations run in parallel. Each cold start's init time (process start to its first
//! poll of `/next`) is recorded.
//!
//! ```no_run
//! # fn main() -> Result<(), lambda_local::LocalError> {
//! use lambda_local::{FunctionSpec, LocalLambdas};
//! let lambdas = LocalLambdas::start(vec![FunctionSpec::new("calculator", "target/debug/calculator")])?;
//! let out = lambdas.invoke("calculator", &serde_json::json!({"expression": "1+1"}), None);
//! # Ok(()) }
//! ```

mod pool;
mod server;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub use pool::LocalLambdas;

/// How to start one function.
#[derive(Debug, Clone)]
pub struct FunctionSpec {
    /// The function's name (what a Task's ARN or placeholder resolves to).
    pub name: String,
    /// The executable (a `bootstrap` or any binary built on `lambda_runtime`).
    pub command: PathBuf,
    /// Arguments for the executable.
    pub args: Vec<String>,
    /// Extra environment variables (on top of the Lambda ones this crate sets).
    pub env: BTreeMap<String, String>,
    /// The function's own timeout (Lambda's `Timeout`); the default is Lambda's, 3 s.
    pub timeout: Duration,
    /// Memory in MB, reported to the function as `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`.
    pub memory_mb: u32,
    /// Most instances running at once (Lambda's per-function concurrency).
    pub max_concurrency: usize,
}

impl FunctionSpec {
    /// A function with Lambda's defaults (3 s timeout, 128 MB, concurrency 10).
    pub fn new(name: impl Into<String>, command: impl Into<PathBuf>) -> Self {
        Self {
            name: name.into(),
            command: command.into(),
            args: Vec::new(),
            env: BTreeMap::new(),
            timeout: Duration::from_secs(3),
            memory_mb: 128,
            max_concurrency: 10,
        }
    }
}

/// Lambda's `errorType` for an invocation that ran past the function's timeout.
pub const SANDBOX_TIMEDOUT: &str = "Sandbox.Timedout";

/// Lambda's `errorType` for a runtime process that exited during an invocation.
pub const RUNTIME_EXIT_ERROR: &str = "Runtime.ExitError";

/// Why an invocation produced no result, in the terms Step Functions reports.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeFailure {
    /// The function reported an error through `/error`: `error` is its `errorType`
    /// (`Lambda.Unknown` when it gave none), `cause` the error document it posted.
    #[error("function error `{error}`: {cause}")]
    Function {
        /// Error name.
        error: String,
        /// Cause text.
        cause: String,
    },
    /// The process exited or crashed during the invocation. Lambda answers with the error
    /// document `{"errorType": "Runtime.ExitError", "errorMessage": "RequestId: … Error:
    /// Runtime exited with error: exit status N"}`, which Step Functions reports under its
    /// `errorType`, `Runtime.ExitError`; `cause` is that document.
    #[error("the function's process ended during the invocation: {cause}")]
    Crashed {
        /// The error document.
        cause: String,
    },
    /// The function's own timeout passed (Lambda: `Sandbox.Timedout`).
    #[error("the function timed out after {0:?}")]
    TimedOut(Duration),
    /// The caller's limit (a Task's `TimeoutSeconds`) passed first: Step Functions raises
    /// `States.Timeout`.
    #[error("the task timed out after {0:?}")]
    TaskTimedOut(Duration),
    /// No function of that name was configured.
    #[error("no local function named `{0}`; pass it with `--lambda NAME=PATH`")]
    UnknownFunction(String),
}

impl InvokeFailure {
    /// The error name and cause Step Functions would record for this failure.
    pub fn error_and_cause(&self) -> (String, String) {
        match self {
            Self::Function { error, cause } => (error.clone(), cause.clone()),
            Self::Crashed { cause } => (RUNTIME_EXIT_ERROR.to_owned(), cause.clone()),
            Self::TimedOut(after) => (
                SANDBOX_TIMEDOUT.to_owned(),
                serde_json::json!({
                    "errorType": SANDBOX_TIMEDOUT,
                    "errorMessage": format!("Task timed out after {:.2} seconds", after.as_secs_f64()),
                })
                .to_string(),
            ),
            Self::TaskTimedOut(_) => ("States.Timeout".to_owned(), String::new()),
            Self::UnknownFunction(name) => (
                "Lambda.ResourceNotFoundException".to_owned(),
                format!("Function not found: {name}"),
            ),
        }
    }
}

/// Starting the local Lambda service failed.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    /// The executable does not exist.
    #[error(
        "the executable `{path}` for function `{name}` does not exist; build it first (`cargo build -p {name}`)"
    )]
    MissingExecutable {
        /// Function name.
        name: String,
        /// Path given.
        path: PathBuf,
    },
    /// An I/O error (binding a port, spawning a process).
    #[error("could not start function `{name}`")]
    Io {
        /// Function name.
        name: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

/// What happened to one function during the run.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FunctionStats {
    /// The function's name.
    pub name: String,
    /// Invocations served.
    pub invocations: u64,
    /// Init time of each cold start, in milliseconds (process start to first poll).
    pub init_ms: Vec<f64>,
}
