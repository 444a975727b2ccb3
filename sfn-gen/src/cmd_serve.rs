//! `sfn-gen serve`: the Step Functions API and the Lambda Invoke API on one loopback port,
//! backed by the local engine and a durable store (the `sfn-serve` crate). This module only
//! adds the workspace's own functions (`--workspace-lambdas`) to that crate's flags.

use std::collections::BTreeMap;
use std::process::ExitCode;

use anyhow::Context;

use crate::local_lambdas::{self, LocalFunctions};

/// Serve Step Functions and Lambda locally, for the AWS CLI, boto3 and every AWS SDK
/// (`--endpoint-url http://127.0.0.1:8083`).
#[derive(Debug, clap::Args)]
// The flattened `sfn_serve::cli::Args` takes the group id `Args`; two of one id make clap
// panic at parse time in debug builds.
#[group(id = "sfn_gen_serve")]
pub struct Args {
    #[command(flatten)]
    serve: sfn_serve::cli::Args,
    /// Serve the workspace's agent and tool functions (built in target/debug).
    #[arg(long)]
    workspace_lambdas: bool,
    /// With `--workspace-lambdas`: take the binaries from target/release.
    #[arg(long, requires = "workspace_lambdas")]
    release: bool,
}

/// Serves until Ctrl-C or SIGTERM.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut extra = Vec::new();
    if args.workspace_lambdas {
        let cwd = std::env::current_dir()?;
        let root = local_lambdas::find_workspace(&cwd).context(
            "--workspace-lambdas: no Cargo workspace above the current folder; use --lambda NAME=PATH",
        )?;
        let offload = args.serve.data.join("offload");
        std::fs::create_dir_all(&offload)
            .with_context(|| format!("cannot create the offload folder `{}`", offload.display()))?;
        let mut env = BTreeMap::new();
        env.insert("OFFLOAD_DIR".to_owned(), offload.display().to_string());
        let tools = root.join("statemachines/tools.json");
        if tools.is_file() {
            env.insert("AGENT_TOOLS_FILE".to_owned(), tools.display().to_string());
        }
        extra = LocalFunctions {
            workspace: Some(root),
            release: args.release,
            env,
            ..LocalFunctions::default()
        }
        .specs()?;
    }
    let config = args.serve.config(extra)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .max_blocking_threads(2048)
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(sfn_serve::cli::serve(config))?;
    Ok(ExitCode::SUCCESS)
}
