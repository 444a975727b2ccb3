//! `sfn-gen`: generate the agent state machine from tool schemas, validate any ASL, run it
//! locally, draw it, price it, scaffold tools and round-trip console edits.
//!
//! Each subcommand lives in its own module with its clap `Args` and a `run` function.
// `loop` holds the agent host's run future, whose layout is computed more than 128 queries
// deep (the agent Lambda and `agent-host` raise it for the same reason).
#![recursion_limit = "256"]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod cmd_cost;
mod cmd_generate;
mod cmd_graph;
mod cmd_import_mcp;
mod cmd_loop;
mod cmd_mcp;
mod cmd_new_tool;
mod cmd_pull;
mod cmd_run;
mod cmd_serve;
mod cmd_tools;
mod cmd_validate;
mod cost;
mod generate;
mod import_mcp;
mod local_lambdas;
mod machine_graph;
mod manifest_check;
mod report;

/// Generate, validate and run AWS Step Functions state machines for AI agents.
#[derive(Debug, Parser)]
#[command(name = "sfn-gen", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run a state machine locally, as AWS Step Functions would.
    Run(Box<cmd_run::Args>),
    /// Validate ASL documents statically.
    Validate(cmd_validate::Args),
    /// Generate the agent state machine from the tools' manifests.
    Generate(cmd_generate::Args),
    /// State transitions and dollars per 1,000 runs for a call profile.
    Cost(cmd_cost::Args),
    /// Draw a state machine as Mermaid or Graphviz DOT.
    Graph(cmd_graph::Args),
    /// Scaffold a new tool Lambda crate under tool-lambdas/.
    NewTool(cmd_new_tool::Args),
    /// List the tool crates (every tool-lambdas/*/tool.json), for scripts.
    Tools(cmd_tools::Args),
    /// Import an MCP server's tools as manifests routed to the mcp-proxy runtime.
    ImportMcp(cmd_import_mcp::Args),
    /// Write the deployed definition back into statemachines/ (ARNs become placeholders).
    Pull(cmd_pull::Args),
    /// Show drift between statemachines/ and the deployed state machine.
    Diff(cmd_pull::Args),
    /// Serve the Step Functions and Lambda APIs locally, for any AWS client.
    Serve(Box<cmd_serve::Args>),
    /// P1, the client loop: drive the agent Lambda step by step from here, each tool call
    /// on its Lambda with the machine's Retry/Catch.
    Loop(Box<cmd_loop::Args>),
    /// Serve every tool and the agent to MCP clients (HTTP at /mcp, or stdio).
    Mcp(Box<cmd_mcp::Args>),
    /// List the `${...}` placeholders of a definition (the CDK app must fill each).
    Placeholders {
        /// The ASL document.
        definition: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => cmd_run::run(*args),
        Command::Loop(args) => cmd_loop::run(*args),
        Command::Validate(args) => cmd_validate::run(args),
        Command::Generate(args) => cmd_generate::run(args),
        Command::Cost(args) => cmd_cost::run(args),
        Command::Graph(args) => cmd_graph::run(args),
        Command::NewTool(args) => cmd_new_tool::run(args),
        Command::Tools(args) => cmd_tools::run(args),
        Command::ImportMcp(args) => cmd_import_mcp::run(args),
        Command::Pull(args) => cmd_pull::run_pull(args),
        Command::Diff(args) => cmd_pull::run_diff(args),
        Command::Serve(args) => cmd_serve::run(*args),
        Command::Mcp(args) => cmd_mcp::run(*args),
        Command::Placeholders { definition } => list_placeholders(&definition),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Refuses a definition the validator rejects, listing every problem.
pub(crate) fn check_definition(
    path: &std::path::Path,
    definition: &serde_json::Value,
) -> anyhow::Result<()> {
    let diagnostics = asl::validate::validate_definition(definition);
    if diagnostics.is_empty() {
        return Ok(());
    }
    let mut message = format!(
        "`{}` is not a valid state machine ({} problem(s); `sfn-gen validate {}` lists them too):",
        path.display(),
        diagnostics.len(),
        path.display()
    );
    for d in &diagnostics {
        message.push_str(&format!("\n  {d}"));
    }
    anyhow::bail!(message)
}

fn list_placeholders(path: &std::path::Path) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let definition: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not valid JSON", path.display()))?;
    for name in cmd_run::placeholders(&definition) {
        println!("{name}");
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap checks a command's definition only when it parses it, and only in debug
    /// builds: this checks every subcommand at once (a duplicate group id in `serve` once
    /// made it panic on start).
    #[test]
    fn every_subcommand_is_a_valid_clap_definition() {
        super::Cli::command().debug_assert();
    }
}
