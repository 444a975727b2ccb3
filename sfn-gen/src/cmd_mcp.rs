//! `sfn-gen mcp`: the MCP gateway (`mcp-gateway` crate) locally, so a desktop MCP client
//! can use the tools and the local agent: over HTTP at `http://ADDR/mcp` or over stdio,
//! against a running `sfn-gen serve` (`--endpoint`) or one started in this process with the
//! workspace's binaries (`--workspace-lambdas`). The agent machine `agent` is created (or
//! updated) there from `statemachines/agent.asl.json`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use mcp_gateway::http::Guard;
use mcp_gateway::invoke::FunctionNames;
use mcp_gateway::{Catalog, Gateway, GatewayConfig, TaskKey};

use crate::local_lambdas::{self, LocalFunctions};

/// Serve every tool and the agent to MCP clients, locally.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Speak MCP on stdin/stdout (for clients that start the server themselves).
    #[arg(long, conflicts_with = "addr")]
    stdio: bool,
    /// Serve Streamable HTTP at this loopback address (endpoint `/mcp`).
    #[arg(long)]
    addr: Option<SocketAddr>,
    /// A running `sfn-gen serve` (Step Functions and Lambda APIs), e.g. http://127.0.0.1:8083.
    #[arg(long, conflicts_with = "workspace_lambdas")]
    endpoint: Option<String>,
    /// Start the local Step Functions and Lambda APIs in this process, serving the
    /// workspace's agent and tool binaries (built in target/debug).
    #[arg(long)]
    workspace_lambdas: bool,
    /// With `--workspace-lambdas`: take the binaries from target/release.
    #[arg(long, requires = "workspace_lambdas")]
    release: bool,
    /// With `--workspace-lambdas`: the folder of the local executions' database.
    #[arg(long, default_value = ".sfn-gen")]
    data: PathBuf,
    /// The tools file the gateway lists.
    #[arg(long, default_value = "statemachines/tools.json")]
    tools: PathBuf,
    /// The agent machine's definition (its Retry lists apply to tool calls too).
    #[arg(long, default_value = "statemachines/agent.asl.json")]
    definition: PathBuf,
    /// Seconds `run_agent` waits for the answer for a client without MCP Tasks.
    #[arg(long, default_value_t = 25)]
    sync_wait_seconds: u64,
    /// Base64 key (32+ bytes) sealing task ids; random per process when unset.
    #[arg(long, env = "MCP_GATEWAY_TASK_KEY", hide_env_values = true)]
    task_key: Option<String>,
}

/// The default HTTP address.
const DEFAULT_ADDR: &str = "127.0.0.1:8084";

/// Serves until Ctrl-C (HTTP) or the end of stdin (stdio).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: Args) -> anyhow::Result<()> {
    let catalog = Catalog::load(&args.tools, &args.definition)?;
    let definition = std::fs::read_to_string(&args.definition)
        .with_context(|| format!("cannot read `{}`", args.definition.display()))?;
    let mut local_server = None;
    let endpoint = match (&args.endpoint, args.workspace_lambdas) {
        (Some(endpoint), _) => endpoint.clone(),
        (None, true) => {
            let server = start_local(&args).await?;
            let endpoint = server.endpoint();
            local_server = Some(server);
            endpoint
        }
        (None, false) => anyhow::bail!(
            "say where the agent runs: `--endpoint http://127.0.0.1:8083` (a running `sfn-gen serve`) or `--workspace-lambdas`"
        ),
    };
    let (lambda, sfn) = mcp_gateway::clients::local(&endpoint);
    let state_machine_arn = mcp_gateway::clients::ensure_state_machine(
        &sfn,
        "agent",
        &definition,
        "arn:aws:iam::123456789012:role/agent",
    )
    .await?;
    let task_key = match &args.task_key {
        Some(key) => TaskKey::from_base64(key)
            .map_err(anyhow::Error::msg)
            .context("--task-key")?,
        None => TaskKey::random(),
    };
    let gateway = Gateway::new(GatewayConfig {
        catalog,
        functions: FunctionNames::default(),
        state_machine_arn,
        task_key,
        sync_wait: Duration::from_secs(args.sync_wait_seconds),
        lambda,
        sfn,
    });
    if args.stdio {
        mcp_gateway::http::serve_stdio(gateway).await?;
    } else {
        let addr = args
            .addr
            .unwrap_or_else(|| DEFAULT_ADDR.parse().expect("a valid address"));
        let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| {
            format!("cannot listen on `{addr}`; pick another port with `--addr 127.0.0.1:PORT`")
        })?;
        let bound = listener.local_addr()?;
        eprintln!("sfn-gen mcp: MCP endpoint http://{bound}/mcp (agent on {endpoint})");
        let shutdown = mcp_gateway::http::CancellationToken::new();
        let stop = shutdown.clone();
        tokio::spawn(async move {
            let _ = tokio::signal::ctrl_c().await;
            stop.cancel();
        });
        mcp_gateway::http::serve(listener, gateway, Guard::loopback(bound.port()), shutdown).await;
    }
    if let Some(server) = local_server {
        server.stop().await;
    }
    Ok(())
}

async fn start_local(args: &Args) -> anyhow::Result<sfn_serve::Server> {
    let cwd = std::env::current_dir()?;
    let root = local_lambdas::find_workspace(&cwd).context(
        "--workspace-lambdas: no Cargo workspace above the current folder; use --endpoint",
    )?;
    let offload = args.data.join("offload");
    std::fs::create_dir_all(&offload)
        .with_context(|| format!("cannot create the offload folder `{}`", offload.display()))?;
    let mut env = std::collections::BTreeMap::new();
    env.insert("OFFLOAD_DIR".to_owned(), offload.display().to_string());
    env.insert(
        "AGENT_TOOLS_FILE".to_owned(),
        root.join("statemachines/tools.json").display().to_string(),
    );
    let functions = LocalFunctions {
        workspace: Some(root),
        release: args.release,
        env,
        ..LocalFunctions::default()
    }
    .specs()?;
    let mut config = sfn_serve::Config::new(
        "127.0.0.1:0".parse().expect("a valid address"),
        args.data.clone(),
    );
    config.functions = functions;
    sfn_serve::Server::start(config).await
}
