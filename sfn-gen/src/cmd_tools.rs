//! `sfn-gen tools`: the workspace's tool crates, as [`protocol::discover`] finds them.
//!
//! Scripts read this instead of keeping a list of crates: `scripts/demo.sh` builds
//! `cargo build $(sfn-gen tools | sed 's/^/-p /')`, `scripts/build-lambdas.sh` packages the
//! same set.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::json;

use crate::local_lambdas::find_workspace;

/// Arguments of `sfn-gen tools`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder holding one sub-folder per tool with its `tool.json` (default: the
    /// workspace's `tool-lambdas/`).
    #[arg(long)]
    pub tools: Option<PathBuf>,
    /// `text` (one crate name per line, sorted) or `json` (an array of objects with
    /// `crate`, `name` and `manifest`).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = match args.tools {
        Some(dir) => dir,
        None => {
            let cwd = std::env::current_dir()?;
            protocol::discover::tools_dir(&find_workspace(&cwd).unwrap_or(cwd))
        }
    };
    let tools =
        protocol::discover::discover_manifests(&dir).context("cannot list the tool crates")?;
    if args.format == "json" {
        let listed: Vec<_> = tools
            .iter()
            .map(|(krate, manifest)| {
                json!({
                    "crate": krate.crate_name(),
                    "name": manifest.name,
                    "manifest": krate.manifest.display().to_string(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&listed)?);
    } else {
        for (krate, _) in &tools {
            println!("{}", krate.crate_name());
        }
    }
    Ok(ExitCode::SUCCESS)
}
