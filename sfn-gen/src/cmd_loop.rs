//! `sfn-gen loop`: P1, the client loop. Drives the agent Lambda step by step from here,
//! runs each requested tool call on its Lambda with the generated machine's Retry/Catch
//! policy, and prints what happens as it happens ([`agent_host::driver`]). The transcript
//! pointer is the only state passed back and forth, as in the state machine.
//!
//! Where the functions run: AWS (the default: region and credentials from the
//! environment; `--function agent=ARN --function TOOL=ARN` names them), any Lambda Invoke
//! endpoint (`--endpoint`, e.g. `sfn-gen serve`), or this workspace's binaries as local
//! processes (`--workspace-lambdas`). With `--format json` stdout holds exactly one
//! object: `status`, `answer`, `error`, `cause`, `turns`, `executions`, `transcript`; the
//! exit code is 0 whenever the run ran, whatever its status, and 2 when it could not.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use agent_host::{Driver, Event, EventSink, Invoke, LambdaApi, LocalProcesses, MachinePolicy};
use anyhow::Context;
use serde_json::json;

use crate::local_lambdas::{self, LocalFunctions};

/// Arguments of `sfn-gen loop`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The start input: JSON text, or `@FILE` (as the state machine takes it).
    #[arg(long)]
    pub input: String,
    /// The generated state machine whose Retry lists, timeouts and limits the loop follows.
    #[arg(long, default_value = "statemachines/agent.asl.json")]
    pub machine: PathBuf,
    /// A Lambda Invoke API endpoint (e.g. `sfn-gen serve`'s `http://127.0.0.1:8083`).
    #[arg(long, conflicts_with = "workspace_lambdas")]
    pub endpoint: Option<String>,
    /// Run this workspace's agent and tool binaries as local processes (target/debug).
    #[arg(long)]
    pub workspace_lambdas: bool,
    /// With --workspace-lambdas: take the binaries from target/release.
    #[arg(long, requires = "workspace_lambdas")]
    pub release: bool,
    /// With --workspace-lambdas: serve the tool crates in this folder (one `<crate>/tool.json`
    /// each, as `sfn-gen generate --tools` reads them) instead of `tool-lambdas/`.
    #[arg(long, value_name = "DIR", requires = "workspace_lambdas")]
    pub tools: Option<PathBuf>,
    /// Which function serves the agent or a tool: `--function agent=NAME|ARN`,
    /// `--function calculator=NAME|ARN` (default: `agent-lambda`, and each tool's name).
    #[arg(long = "function", value_name = "TOOL=FUNCTION")]
    pub functions: Vec<String>,
    /// With --workspace-lambdas: the offload folder the functions share (default:
    /// `target/sfn-gen-loop/offload`).
    #[arg(long, requires = "workspace_lambdas")]
    pub offload_dir: Option<PathBuf>,
    /// With --workspace-lambdas: environment for the functions (`--env NAME=VALUE`).
    #[arg(
        long = "env",
        value_name = "NAME=VALUE",
        requires = "workspace_lambdas"
    )]
    pub env: Vec<String>,
    /// The run's (first execution's) name; default: a random one.
    #[arg(long)]
    pub name: Option<String>,
    /// `text` (events as they happen, then a summary) or `json` (one object on stdout).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let input = crate::cmd_run::json_arg("--input", &args.input)?;
    let policy = MachinePolicy::load(&args.machine)?;
    let functions = agent_host::parse_functions(&args.functions).map_err(anyhow::Error::msg)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let invoker: Arc<dyn Invoke> = if args.workspace_lambdas {
        Arc::new(local_processes(&args)?)
    } else {
        Arc::new(runtime.block_on(LambdaApi::from_env(args.endpoint.as_deref())))
    };
    let driver = Driver::new(invoker, policy, functions);
    let events: EventSink = if args.format == "text" {
        Arc::new(|event: &Event| {
            let _ = writeln!(std::io::stderr(), "{}", describe(event));
        })
    } else {
        agent_host::events::ignore()
    };
    let outcome = runtime.block_on(driver.run(input, args.name.clone(), events));
    // The local processes' runtime must not be dropped inside the async runtime.
    drop(driver);
    let report = json!({
        "status": outcome.status,
        "answer": outcome.answer,
        "error": outcome.error,
        "cause": outcome.cause,
        "turns": outcome.turns,
        "executions": outcome.executions,
        "transcript": outcome.transcript(),
    });
    if args.format == "json" {
        println!("{report}");
    } else {
        println!(
            "{}: {}",
            serde_json::to_value(outcome.status)?
                .as_str()
                .unwrap_or_default(),
            match (&outcome.answer, &outcome.error) {
                (Some(answer), _) => answer.to_string(),
                (None, Some(error)) =>
                    format!("{error}: {}", outcome.cause.clone().unwrap_or_default()),
                _ => String::new(),
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The workspace's binaries, sharing one offload folder and the committed tool set.
fn local_processes(args: &Args) -> anyhow::Result<LocalProcesses> {
    let cwd = std::env::current_dir()?;
    let root = local_lambdas::find_workspace(&cwd).context(
        "--workspace-lambdas: no Cargo workspace above the current folder; use --endpoint URL",
    )?;
    let offload = args
        .offload_dir
        .clone()
        .unwrap_or_else(|| root.join("target/sfn-gen-loop/offload"));
    std::fs::create_dir_all(&offload)
        .with_context(|| format!("cannot create the offload folder `{}`", offload.display()))?;
    let mut env = BTreeMap::new();
    env.insert("OFFLOAD_DIR".to_owned(), offload.display().to_string());
    let tools = std::path::absolute(args.machine.with_file_name("tools.json"))?;
    if tools.is_file() {
        env.insert("AGENT_TOOLS_FILE".to_owned(), tools.display().to_string());
    }
    for flag in &args.env {
        let (k, v) = flag
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .with_context(|| format!("`--env {flag}` is not NAME=VALUE"))?;
        env.insert(k.to_owned(), v.to_owned());
    }
    let specs = LocalFunctions {
        workspace: Some(root),
        release: args.release,
        tools_dir: args.tools.clone(),
        env,
        ..LocalFunctions::default()
    }
    .specs()?;
    let lambdas = lambda_local::LocalLambdas::start(specs)
        .map_err(|e| anyhow::anyhow!("{e}").context("cannot serve the Lambda functions locally"))?;
    Ok(LocalProcesses::new(lambdas))
}

/// One line per event, for people.
fn describe(event: &Event) -> String {
    match event {
        Event::StepStarted { execution, turn } => {
            format!("step      turn {} ({execution})", turn + 1)
        }
        Event::Decision { route, calls, .. } => {
            let names: Vec<String> = calls
                .iter()
                .map(|c| format!("{}:{}", c.call_id, c.tool))
                .collect();
            format!("decision  {route} {}", names.join(" "))
        }
        Event::CallStarted { call } => format!("call      {} {}", call.call_id, call.tool),
        Event::CallRetrying {
            call,
            error,
            wait_ms,
        } => {
            format!(
                "retry     {} {} after {error}, waiting {wait_ms} ms",
                call.call_id, call.tool
            )
        }
        Event::CallFinished {
            call,
            attempts,
            error,
        } => match error {
            None => format!(
                "result    {} {} ({attempts} attempt(s))",
                call.call_id, call.tool
            ),
            Some(e) => format!(
                "failed    {} {}: {e} ({attempts} attempt(s))",
                call.call_id, call.tool
            ),
        },
        Event::HandedOff { from, to } => format!("handoff   {from} -> {to}"),
        Event::Answer { answer, turns } => format!("answer    after {turns} turn(s): {answer}"),
        Event::Failed {
            error,
            cause,
            turns,
        } => {
            format!("failed    after {turns} turn(s): {error}: {cause}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_line_names_the_call_and_its_error() {
        let line = describe(&Event::CallFinished {
            call: agent_host::events::CallRef {
                call_id: "s1".into(),
                tool: "calculator".into(),
            },
            attempts: 3,
            error: Some("ToolError.Retryable".into()),
        });
        assert_eq!(
            line,
            "failed    s1 calculator: ToolError.Retryable (3 attempt(s))"
        );
    }
}
