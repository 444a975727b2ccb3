//! The gateway Lambda: the MCP endpoint behind a Function URL (payload format 2.0).
//!
//! Configuration (environment): `MCP_GATEWAY_STATE_MACHINE_ARN` (the agent machine),
//! `MCP_GATEWAY_TASK_KEY` (base64, at least 32 bytes; the same on every instance) or
//! `MCP_GATEWAY_TASK_KEY_SECRET` (a Secrets Manager secret holding it, as CDK deploys it),
//! `MCP_GATEWAY_TOOL_FUNCTIONS` (JSON object: tool name to function ARN),
//! `MCP_GATEWAY_TOOLS_FILE` and `MCP_GATEWAY_DEFINITION_FILE` (default `tools.json` and
//! `agent.asl.json` beside the binary), `MCP_GATEWAY_SYNC_WAIT_SECONDS` (default 25),
//! `MCP_GATEWAY_ALLOWED_HOSTS` / `MCP_GATEWAY_ALLOWED_ORIGINS` (comma-separated; no
//! hosts listed accepts any `Host`, as IAM or JWT auth guards the URL).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use mcp_gateway::http::{Guard, mcp_service};
use mcp_gateway::invoke::FunctionNames;
use mcp_gateway::{Catalog, Gateway, GatewayConfig};

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn list(name: &str) -> Vec<String> {
    env(name)
        .map(|v| v.split(',').map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    lambda_http::tracing::init_default_subscriber();
    let root = env("LAMBDA_TASK_ROOT")
        .map(PathBuf::from)
        .unwrap_or_default();
    let tools =
        env("MCP_GATEWAY_TOOLS_FILE").map_or_else(|| root.join("tools.json"), PathBuf::from);
    let definition = env("MCP_GATEWAY_DEFINITION_FILE")
        .map_or_else(|| root.join("agent.asl.json"), PathBuf::from);
    let catalog = Catalog::load(&tools, &definition)?;
    let state_machine_arn = env("MCP_GATEWAY_STATE_MACHINE_ARN")
        .context("set MCP_GATEWAY_STATE_MACHINE_ARN to the agent state machine's ARN")?;
    let task_key = mcp_gateway::task_key_source::task_key(env).await?;
    let functions = FunctionNames {
        by_tool: match env("MCP_GATEWAY_TOOL_FUNCTIONS") {
            Some(json) => serde_json::from_str(&json).context(
                "MCP_GATEWAY_TOOL_FUNCTIONS must be a JSON object of tool name to function ARN",
            )?,
            None => Default::default(),
        },
    };
    let sync_wait = match env("MCP_GATEWAY_SYNC_WAIT_SECONDS") {
        Some(s) => Duration::from_secs(
            s.parse()
                .context("MCP_GATEWAY_SYNC_WAIT_SECONDS must be whole seconds")?,
        ),
        None => mcp_gateway::server::DEFAULT_SYNC_WAIT,
    };
    let (lambda, sfn) = mcp_gateway::clients::from_env().await;
    let gateway = Gateway::new(GatewayConfig {
        catalog,
        functions,
        state_machine_arn,
        task_key,
        sync_wait,
        lambda,
        sfn,
    });
    let guard = Guard {
        allowed_hosts: list("MCP_GATEWAY_ALLOWED_HOSTS"),
        allowed_origins: list("MCP_GATEWAY_ALLOWED_ORIGINS"),
    };
    let service = mcp_service(gateway, &guard);
    lambda_http::run(lambda_http::service_fn(move |request| {
        let service = service.clone();
        async move { mcp_gateway::lambda::handle(&service, request).await }
    }))
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))
}
