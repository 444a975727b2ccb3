//! Real Lambda binaries for `sfn-gen run`: the bridge from the engine's
//! [`asl_engine::task::LambdaInvoker`] to [`lambda_local::LocalLambdas`].
//!
//! Functions come from `--lambda NAME=PATH` flags and, with `--workspace-lambdas`, from the
//! workspace itself: the agent (`agent-lambda`) and every tool crate [`protocol::discover`]
//! finds (the function is named after the manifest's `name`, the binary after the crate;
//! a tool imported from an MCP server runs `mcp-proxy` with `MCP_PROXY_MANIFEST` set),
//! taken from `target/debug` (or `--release` builds).
//! Placeholders in the ASL resolve to these names (`${AgentFunctionArn}` to `agent-lambda`,
//! `${ToolFunctionArn_<tool>}` to `<tool>`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use asl_engine::task::{InvokeError, InvokeRequest, LambdaInvoker};
use lambda_local::{FunctionSpec, InvokeFailure, LocalLambdas};
use serde_json::Value;

/// The function name the agent's placeholder resolves to.
pub const AGENT_FUNCTION: &str = "agent-lambda";

/// The Lambda timeout of a function without a manifest (the agent, `--lambda` binaries).
const UNDECLARED_TIMEOUT: Duration = Duration::from_secs(60);

/// Where the binaries and their settings come from.
#[derive(Debug, Clone, Default)]
pub struct LocalFunctions {
    /// Explicit `NAME=PATH` pairs (they win over discovered ones).
    pub explicit: Vec<(String, PathBuf)>,
    /// The workspace root, when `--workspace-lambdas` was given.
    pub workspace: Option<PathBuf>,
    /// The folder of tool crates to serve with the workspace's agent (default: the
    /// workspace's `tool-lambdas/`); binaries come from the workspace's target folder.
    pub tools_dir: Option<PathBuf>,
    /// Use `target/release` instead of `target/debug`.
    pub release: bool,
    /// Extra environment for every function (offload folder, tool list, ...).
    pub env: BTreeMap<String, String>,
}

/// Parses a `NAME=PATH` flag value.
pub fn parse_lambda_flag(flag: &str) -> anyhow::Result<(String, PathBuf)> {
    match flag.split_once('=') {
        Some((name, path)) if !name.is_empty() && !path.is_empty() => {
            Ok((name.to_owned(), PathBuf::from(path)))
        }
        _ => bail!(
            "`--lambda {flag}` is not NAME=PATH; for example `--lambda calculator=target/debug/calculator`"
        ),
    }
}

/// Finds the workspace root: the nearest folder upwards with a `Cargo.toml` that has
/// `[workspace]`.
pub fn find_workspace(start: &Path) -> Option<PathBuf> {
    start.ancestors().find_map(|dir| {
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).ok()?;
        manifest
            .lines()
            .any(|l| l.trim() == "[workspace]")
            .then(|| dir.to_path_buf())
    })
}

impl LocalFunctions {
    /// The functions to serve, by name.
    pub fn specs(&self) -> anyhow::Result<Vec<FunctionSpec>> {
        let mut found: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut imported: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut timeouts: BTreeMap<String, Duration> = BTreeMap::new();
        if let Some(root) = &self.workspace {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| root.join("target"))
                .join(if self.release { "release" } else { "debug" });
            found.insert(AGENT_FUNCTION.to_owned(), target.join(AGENT_FUNCTION));
            let dir = self
                .tools_dir
                .clone()
                .unwrap_or_else(|| protocol::discover::tools_dir(root));
            let tools = protocol::discover::discover_manifests(&dir).with_context(|| {
                format!(
                    "cannot read the tools in `{}` for `--workspace-lambdas`",
                    dir.display()
                )
            })?;
            for (krate, manifest) in tools {
                // The function's own timeout is the manifest's, as the CDK app deploys it.
                timeouts.insert(
                    manifest.name.clone(),
                    Duration::from_secs(manifest.x_sfn.timeout_seconds.into()),
                );
                if manifest.x_sfn.mcp.is_some() {
                    // An imported tool: the shared `mcp-proxy` binary, told its manifest.
                    imported.insert(manifest.name.clone(), krate.manifest.clone());
                }
                let binary = krate.binary_name(&manifest);
                found.insert(manifest.name, target.join(binary));
            }
        }
        for (name, path) in &self.explicit {
            found.insert(name.clone(), path.clone());
        }
        Ok(found
            .into_iter()
            .map(|(name, path)| {
                let mut spec = FunctionSpec::new(name.clone(), path);
                spec.timeout = timeouts.get(&name).copied().unwrap_or(UNDECLARED_TIMEOUT);
                spec.env = self.env.clone();
                if let Some(manifest) = imported.get(&name) {
                    spec.env.insert(
                        "MCP_PROXY_MANIFEST".to_owned(),
                        manifest.display().to_string(),
                    );
                }
                spec
            })
            .collect())
    }

    /// Starts the local Lambda service (processes start on first use).
    pub fn start(&self) -> anyhow::Result<LocalInvoker> {
        let specs = self.specs()?;
        let lambdas = LocalLambdas::start(specs).map_err(|e| {
            anyhow::anyhow!("{e}").context("cannot serve the Lambda functions locally")
        })?;
        Ok(LocalInvoker { lambdas })
    }
}

/// The engine's invoker backed by local processes.
pub struct LocalInvoker {
    lambdas: LocalLambdas,
}

impl LocalInvoker {
    /// Per-function invocation counts and init times.
    pub fn stats(&self) -> Vec<lambda_local::FunctionStats> {
        self.lambdas.stats()
    }

    /// Whether a function of that name is served.
    pub fn serves(&self, name: &str) -> bool {
        self.lambdas.function_names().any(|n| n == name)
    }
}

impl LambdaInvoker for LocalInvoker {
    fn invoke(&self, request: InvokeRequest<'_>) -> Result<Value, InvokeError> {
        self.lambdas
            .invoke(request.function, request.payload, request.timeout)
            .map_err(|failure| match failure {
                InvokeFailure::TaskTimedOut(_) => InvokeError::TimedOut,
                other => {
                    let (error, cause) = other.error_and_cause();
                    InvokeError::Failed { error, cause }
                }
            })
    }
}
