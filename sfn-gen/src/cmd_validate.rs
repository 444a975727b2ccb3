//! `sfn-gen validate` (not built yet).

use std::process::ExitCode;

/// Arguments of `sfn-gen validate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`sfn-gen validate` is not implemented yet")
}
