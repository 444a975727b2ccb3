//! The command's flags (`sfn-gen serve` and this crate's `sfn-serve` binary share them) and
//! its run loop.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use lambda_local::FunctionSpec;

use crate::{Clock, Config, Server};

/// Serve the Step Functions API and the Lambda Invoke API on one loopback port.
#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// Address to listen on (`--endpoint-url http://ADDR` for the AWS CLI and SDKs).
    #[arg(long, default_value = "127.0.0.1:8083")]
    pub addr: SocketAddr,
    /// Folder of the database (state machines, executions, histories).
    #[arg(long, default_value = ".sfn-gen")]
    pub data: PathBuf,
    /// A real Lambda binary to serve, as NAME=PATH (repeatable).
    #[arg(long = "lambda", value_name = "NAME=PATH")]
    pub lambdas: Vec<String>,
    /// An environment variable for every served function, as KEY=VALUE (repeatable).
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub env: Vec<String>,
    /// Canned function answers (the engine's mocks format), as JSON or @FILE.
    #[arg(long)]
    pub mocks: Option<String>,
    /// `real`: Wait states and retries sleep (AWS's behaviour); `virtual`: they pass at once
    /// (tests).
    #[arg(long, default_value = "real", value_parser = ["real", "virtual"])]
    pub clock: String,
}

impl Args {
    /// The server's configuration; `extra` functions (e.g. `--workspace-lambdas`) come first,
    /// `--lambda` flags win over them.
    pub fn config(&self, extra: Vec<FunctionSpec>) -> anyhow::Result<Config> {
        let mut config = Config::new(self.addr, self.data.clone());
        config.clock = if self.clock == "virtual" {
            Clock::Virtual
        } else {
            Clock::Real
        };
        let mut functions = extra;
        for flag in &self.lambdas {
            let (name, path) = flag.split_once('=').filter(|(n, p)| !n.is_empty() && !p.is_empty()).with_context(|| {
                format!("`--lambda {flag}` is not NAME=PATH; for example `--lambda calculator=target/debug/calculator`")
            })?;
            functions.retain(|f: &FunctionSpec| f.name != name);
            let mut spec = FunctionSpec::new(name, path);
            spec.timeout = std::time::Duration::from_secs(60);
            functions.push(spec);
        }
        for flag in &self.env {
            let (key, value) = flag.split_once('=').filter(|(k, _)| !k.is_empty()).with_context(|| {
                format!("`--env {flag}` is not KEY=VALUE; for example `--env OFFLOAD_DIR=/tmp/offload`")
            })?;
            for function in &mut functions {
                function.env.insert(key.to_owned(), value.to_owned());
            }
        }
        config.functions = functions;
        if let Some(mocks) = &self.mocks {
            let text = match mocks.strip_prefix('@') {
                Some(path) => std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the mocks file `{path}`"))?,
                None => mocks.clone(),
            };
            config.mocks = Some(serde_json::from_str(&text).with_context(|| {
                "`--mocks` is not JSON; pass `{\"lambda\": {\"NAME\": {\"return\": ...}}}` or @FILE"
            })?);
        }
        Ok(config)
    }
}

/// Serves until Ctrl-C or SIGTERM. Prints the endpoint on stdout (one line), logs on stderr.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let data = config.data_dir.clone();
    let server = Server::start(config).await?;
    eprintln!(
        "sfn-gen serve: Step Functions and Lambda at {} (data in `{}`, {} running execution(s) resumed)",
        server.endpoint(),
        data.display(),
        server.resumed()
    );
    println!("{}", server.endpoint());
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    eprintln!("sfn-gen serve: stopping; running executions resume at the next start");
    server.stop().await;
    Ok(())
}
