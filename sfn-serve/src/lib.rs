//! `sfn-gen serve`: the Step Functions API (AWS JSON 1.0) and the Lambda Invoke API on one
//! loopback port, backed by the local engine (`asl-engine`), so the AWS CLI, boto3 and every
//! AWS SDK run state machines locally with `--endpoint-url`.
//!
//! Modules: [`http`] (the port and its routes), [`api`] (one function per Step Functions
//! operation), [`runner`] (executions on their threads, durable through the engine's
//! `observer`, `checkpoint`, `resume` and `cancel` hooks), [`tokens`] (`.waitForTaskToken`),
//! [`lambda`] (the functions and the Invoke API), [`store`] (SQLite), [`page`] (the web
//! page) and [`cli`] (the command's flags).
//!
//! **Why SQLite, through `rusqlite` with its `bundled` feature**: the store must survive
//! SIGKILL with every committed event, take thousands of small writes a second, and let the
//! page and the API read while executions write. SQLite's WAL mode does all three, and it is
//! the most tested embedded database there is. `rusqlite` is its well-kept Rust binding;
//! `bundled` compiles the SQLite amalgamation into the binary, so the server needs no system
//! `libsqlite3` (nor its headers at build time) and every machine runs the same SQLite
//! version, whatever its distribution ships.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! let config = sfn_serve::Config::new("127.0.0.1:0".parse()?, ".sfn-gen".into());
//! let server = sfn_serve::Server::start(config).await?;
//! println!("Step Functions and Lambda at http://{}", server.addr());
//! # Ok(()) }
//! ```

pub mod api;
pub mod arn;
pub mod cli;
pub mod error;
pub mod http;
pub mod lambda;
pub mod page;
pub mod runner;
pub mod store;
pub mod tokens;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
pub use asl_engine::Clock;
use lambda_local::FunctionSpec;
use serde_json::Value;

/// What to serve and where.
#[derive(Debug, Clone)]
pub struct Config {
    /// The address to listen on (port 0 picks a free one).
    pub addr: SocketAddr,
    /// The folder of the database.
    pub data_dir: PathBuf,
    /// Real Lambda binaries, by name.
    pub functions: Vec<FunctionSpec>,
    /// Canned function answers (the engine's mocks format).
    pub mocks: Option<Value>,
    /// Wall clock (AWS's behaviour, the default) or virtual time for Wait and retries.
    pub clock: Clock,
    /// Resume the executions recorded as running (on by default).
    pub resume: bool,
}

impl Config {
    /// A server at `addr` keeping its state in `data_dir`, with no functions, on the wall
    /// clock.
    pub fn new(addr: SocketAddr, data_dir: PathBuf) -> Self {
        Self {
            addr,
            data_dir,
            functions: Vec::new(),
            mocks: None,
            clock: Clock::Real,
            resume: true,
        }
    }
}

/// A running server.
pub struct Server {
    addr: SocketAddr,
    runner: Arc<runner::Runner>,
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    resumed: usize,
}

impl Server {
    /// Opens the store, resumes the executions it holds as running, and starts serving.
    pub async fn start(config: Config) -> anyhow::Result<Self> {
        let store = Arc::new(store::Store::open(&config.data_dir)?);
        let functions = Arc::new(lambda::Functions::new(
            config.functions.clone(),
            config.mocks.as_ref(),
        )?);
        let runner = runner::Runner::new(store, functions, config.clock);
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on `{}`; pick another port with `--addr 127.0.0.1:PORT`",
                    config.addr
                )
            })?;
        let addr = listener.local_addr()?;
        let resumed = if config.resume {
            let r = runner.clone();
            tokio::task::spawn_blocking(move || r.resume_all())
                .await?
                .map_err(|e| anyhow::anyhow!("cannot resume the running executions: {e}"))?
        } else {
            0
        };
        let (shutdown, watch) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(http::serve(listener, runner.clone(), watch));
        Ok(Self {
            addr,
            runner,
            shutdown,
            task,
            resumed,
        })
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, for `--endpoint-url`.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many executions it resumed at start.
    pub fn resumed(&self) -> usize {
        self.resumed
    }

    /// The executions' runner (for tests and the bench).
    pub fn runner(&self) -> &Arc<runner::Runner> {
        &self.runner
    }

    /// Stops accepting connections. Running executions stay `RUNNING` in the store and
    /// resume at the next start.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}
