//! `agent-host`: P4, the hybrid host. Runs the agent loop in this process (the agent step
//! in process, the transcript in memory while a run runs) and calls each tool's Lambda
//! through the Lambda Invoke API; serves `POST /runs`, `GET /runs/{id}` and
//! `GET /runs/{id}/events` ([`agent_host::service`]).
//!
//! Configured by flags or the environment (a container sets the environment): the agent's
//! own settings are the agent Lambda's (`AGENT_TOOLS_FILE`, `OFFLOAD_BUCKET` or
//! `OFFLOAD_DIR`, the reasoner's variables).
// The run's future holds the agent step's (over the reasoners' SDK clients): its layout
// is computed more than 128 queries deep, as in the agent Lambda.
#![recursion_limit = "256"]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use agent_host::service::Service;
use agent_host::{AgentStep, Driver, LambdaApi, MachinePolicy};
use anyhow::Context;
use clap::Parser;
use hyper_util::rt::TokioIo;

/// The hybrid agent host (P4).
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// Where to listen.
    #[arg(long, env = "AGENT_HOST_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// The generated state machine whose Retry lists, timeouts and limits the host follows.
    #[arg(
        long,
        env = "AGENT_HOST_MACHINE",
        default_value = "statemachines/agent.asl.json"
    )]
    machine: PathBuf,
    /// The Lambda Invoke API's endpoint (default: AWS's for the configured region), e.g.
    /// `sfn-gen serve`'s `http://127.0.0.1:8083`.
    #[arg(long, env = "AGENT_HOST_LAMBDA_ENDPOINT")]
    lambda_endpoint: Option<String>,
    /// Which function serves a tool: `--function calculator=arn:...` (default: the
    /// function named like the tool). Comma-separated in the environment.
    #[arg(
        long = "function",
        value_name = "TOOL=FUNCTION",
        env = "AGENT_HOST_FUNCTIONS",
        value_delimiter = ','
    )]
    functions: Vec<String>,
    /// Keep run records here, and resume unfinished runs at start.
    #[arg(long, env = "AGENT_HOST_DATA")]
    data: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_init();
    let args = Args::parse();
    let policy = MachinePolicy::load(&args.machine)?;
    let functions = agent_host::parse_functions(&args.functions).map_err(anyhow::Error::msg)?;
    let agent = agent_lambda::Agent::from_env()
        .map_err(|e| anyhow::anyhow!("cannot configure the agent from the environment: {e}"))?;
    let invoker = Arc::new(LambdaApi::from_env(args.lambda_endpoint.as_deref()).await);
    let driver = Driver::new(invoker, policy, functions)
        .with_agent(AgentStep::InProcess(Arc::new(agent)))
        .with_machine_name("agent-host");
    let service = Service::new(driver, args.data.clone()).with_context(|| {
        format!(
            "cannot create the data folder `{}`",
            args.data.unwrap_or_default().display()
        )
    })?;
    let resumed = service.resume().context("cannot read the run records")?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .with_context(|| format!("cannot listen on {}", args.addr))?;
    // The URL on stdout, one line (as `sfn-gen serve` prints its endpoint); the rest on stderr.
    println!("http://{}", listener.local_addr()?);
    eprintln!(
        "agent-host: serving runs; {} unfinished run(s) resumed",
        resumed.len()
    );
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let Ok((stream, _)) = accepted else { continue };
        let service = service.clone();
        tokio::spawn(async move {
            let handler = hyper::service::service_fn(move |request| {
                let service = service.clone();
                async move { Ok::<_, Infallible>(service.handle(request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), handler)
                .await;
        });
    }
}

/// Logs at `RUST_LOG`'s level (default: info), with the subscriber the Lambda binaries use,
/// on stderr: stdout's one line is the URL.
fn tracing_init() {
    lambda_runtime::tracing::init_default_subscriber_with_writer(std::io::stderr);
}
