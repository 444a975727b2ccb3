//! `sfn-gen run` (not built yet).

use std::process::ExitCode;

/// Arguments of `sfn-gen run`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the subcommand.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`sfn-gen run` is not implemented yet")
}
