//! `sfn-gen run`: execute an ASL document locally, as AWS Step Functions would.
//!
//! Lambda tasks are served by canned answers (`--mocks`, the conformance corpus's format)
//! and by real binaries behind the embedded Lambda Runtime API (`--lambda NAME=PATH`, or
//! `--workspace-lambdas` for the agent and every tool of this workspace). `${...}`
//! placeholders resolve to those functions by name (`${AgentFunctionArn}` to the agent,
//! `${ToolFunctionArn_<tool>}` to the tool) or to `--sub NAME=VALUE`.
//!
//! With `--format json` stdout holds exactly one JSON object; the exit code is 0 whenever
//! the execution ran, whatever its status, and 2 when it could not run. `--report FILE.html`
//! also writes one self-contained page of the run ([`crate::report`]).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use asl_engine::mocks::MockInvoker;
use asl_engine::task::{InvokeError, InvokeRequest, LambdaInvoker};
use asl_engine::{Clock, Event, ExecutionIdentity, Outcome, RunOptions, Status, run as run_engine};
use lambda_local::FunctionStats;
use serde::Serialize;
use serde_json::{Value, json};

use crate::local_lambdas::{self, AGENT_FUNCTION, LocalFunctions, LocalInvoker};

/// Arguments of `sfn-gen run`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ASL document (JSON).
    pub definition: PathBuf,
    /// The execution input: JSON text, or `@FILE`.
    #[arg(long, default_value = "{}")]
    pub input: String,
    /// Canned answers (JSON or `@FILE`): `{"lambda": {"fn": {"return": X} |
    /// {"echo": true} | {"raise": {"error": E, "cause": C}} | {"sequence": [...]}}}`, and
    /// `"tasks": {"arn:aws:states:::dynamodb:putItem": ...}` for other integrations.
    #[arg(long)]
    pub mocks: Option<String>,
    /// Execution identity (JSON or `@FILE`): `state_machine_name`, `execution_name`,
    /// `execution_arn`, `role_arn`, ... as in the conformance corpus's `context`.
    #[arg(long)]
    pub context: Option<String>,
    /// `text` (a live trace and a summary) or `json` (one JSON object on stdout).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Print the history events (AWS's GetExecutionHistory shape) as JSON.
    #[arg(long)]
    pub history: bool,
    /// Serve a Lambda binary under a name: `--lambda calculator=target/debug/calculator`.
    #[arg(long = "lambda", value_name = "NAME=PATH")]
    pub lambdas: Vec<String>,
    /// Serve this workspace's agent and tool binaries (from target/debug, or
    /// target/release with --release).
    #[arg(long)]
    pub workspace_lambdas: bool,
    /// Use release builds for --workspace-lambdas.
    #[arg(long)]
    pub release: bool,
    /// With --workspace-lambdas: serve the tool crates in this folder (one `<crate>/tool.json`
    /// each, as `sfn-gen generate --tools` reads them) instead of `tool-lambdas/`.
    #[arg(long, value_name = "DIR", requires = "workspace_lambdas")]
    pub tools: Option<PathBuf>,
    /// Substitute a `${NAME}` placeholder: `--sub Bucket=my-bucket`.
    #[arg(long = "sub", value_name = "NAME=VALUE")]
    pub substitutions: Vec<String>,
    /// Environment for the served functions: `--env OFFLOAD_THRESHOLD_BYTES=1024`.
    #[arg(long = "env", value_name = "NAME=VALUE")]
    pub env: Vec<String>,
    /// The offload store folder the functions share (default: `target/sfn-gen-run/offload`
    /// in the workspace, or a temporary folder).
    #[arg(long)]
    pub offload_dir: Option<PathBuf>,
    /// Stop the run after this many state transitions (runaway loops).
    #[arg(long, default_value_t = 100_000)]
    pub max_transitions: u64,
    /// Let Wait states and retry back-off take real time (default: a virtual clock).
    #[arg(long)]
    pub real_time: bool,
    /// Run Map iterations and Parallel branches one at a time.
    #[arg(long)]
    pub sequential: bool,
    /// Follow at most this many executions started by continue-as-new.
    #[arg(long, default_value_t = 100)]
    pub max_executions: usize,
    /// Write one self-contained HTML page of the run: the state machine with the path each
    /// execution took (retries and catches marked) and every history event with its inputs
    /// and outputs (offloaded values linked to the local store's files, or their S3 bucket
    /// and key). Opens offline in any browser.
    #[arg(long, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
}

/// Reads `JSON` or `@FILE`.
pub fn json_arg(flag: &str, text: &str) -> anyhow::Result<Value> {
    let (source, body) = match text.strip_prefix('@') {
        Some(path) => (
            path.to_owned(),
            std::fs::read_to_string(path)
                .with_context(|| format!("{flag}: cannot read `{path}`"))?,
        ),
        None => ("the command line".to_owned(), text.to_owned()),
    };
    serde_json::from_str(&body).with_context(|| {
        format!("{flag}: {source} is not valid JSON (give JSON text, or @FILE for a file)")
    })
}

fn pair(flag: &str, text: &str) -> anyhow::Result<(String, String)> {
    match text.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_owned(), v.to_owned())),
        _ => bail!("`{flag} {text}` is not NAME=VALUE"),
    }
}

/// Mocks first, then real functions.
struct Invokers {
    mocks: Option<MockInvoker>,
    local: Option<LocalInvoker>,
}

impl LambdaInvoker for Invokers {
    fn run_resource(
        &self,
        resource: &str,
        parameters: &Value,
    ) -> Option<Result<Value, InvokeError>> {
        self.mocks.as_ref()?.run_resource(resource, parameters)
    }

    fn invoke(&self, request: InvokeRequest<'_>) -> Result<Value, InvokeError> {
        if let Some(mocks) = &self.mocks
            && (mocks.has(request.function) || self.local.is_none())
        {
            return mocks.invoke(request);
        }
        match &self.local {
            Some(local) => local.invoke(request),
            None => Err(InvokeError::Failed {
                error: "Lambda.ResourceNotFoundException".into(),
                cause: format!(
                    "Function not found: {} (serve it with --lambda {}=PATH, --workspace-lambdas, or mock it with --mocks)",
                    request.function, request.function
                ),
            }),
        }
    }
}

/// `${...}` placeholders in a definition, in order of first appearance.
pub fn placeholders(definition: &Value) -> Vec<String> {
    let text = definition.to_string();
    let mut found = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !name.is_empty() && !found.iter().any(|f: &String| f == name) {
            found.push(name.to_owned());
        }
        rest = &after[end..];
    }
    found
}

/// Runs the subcommand: load, resolve, execute, report.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let loaded = load(&args)?;
    let prepared = resolve(&args, loaded)?;
    let definition = prepared.definition.clone();
    let offload_dir = prepared.offload_dir.clone();
    let executed = execute(&args, prepared);
    if let Some(path) = &args.report {
        write_report(&args, path, &definition, offload_dir, &executed)?;
    }
    report(&args, &executed)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the `--report` page.
fn write_report(
    args: &Args,
    path: &std::path::Path,
    definition: &Value,
    offload_dir: PathBuf,
    executed: &Executed,
) -> anyhow::Result<()> {
    let machine = asl::model::Machine::from_value(definition)
        .map_err(|e| anyhow::anyhow!("--report: the definition cannot be drawn: {e}"))?;
    crate::report::write(
        path,
        &crate::report::Page {
            definition_path: &args.definition,
            machine: &machine,
            executions: &executed.recorded,
            offload_dir: Some(offload_dir),
        },
    )?;
    if text_mode(args) {
        eprintln!("report: {}", path.display());
    }
    Ok(())
}

/// Stage 1: what the command line names, read and checked.
struct Loaded {
    definition: Value,
    input: Value,
    mocks: Option<MockInvoker>,
    identity: ExecutionIdentity,
}

/// Reads the definition (validated as `sfn-gen validate` would), the input, the mocks and
/// the execution identity.
fn load(args: &Args) -> anyhow::Result<Loaded> {
    let text = std::fs::read_to_string(&args.definition)
        .with_context(|| format!("cannot read `{}`", args.definition.display()))?;
    let definition: Value = serde_json::from_str(&text).with_context(|| {
        format!(
            "`{}` is not valid JSON; check it with `sfn-gen validate {}`",
            args.definition.display(),
            args.definition.display()
        )
    })?;
    crate::check_definition(&args.definition, &definition)?;
    let input = json_arg("--input", &args.input)?;
    let mocks = args
        .mocks
        .as_deref()
        .map(|m| json_arg("--mocks", m))
        .transpose()?
        .map(|m| MockInvoker::from_json(&m).map_err(|e| anyhow::anyhow!("--mocks: {e}")))
        .transpose()?;
    let mut identity = ExecutionIdentity::named(
        args.definition
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("local")
            .trim_end_matches(".asl"),
        &format!("run-{}", uuid::Uuid::new_v4()),
    );
    if let Some(context) = &args.context {
        let context = json_arg("--context", context)?;
        let start_time = identity.start_time.clone();
        identity = serde_json::from_value(context)
            .context("--context: expected the corpus's context object (state_machine_name, execution_name, ...)")?;
        if identity.start_time.is_empty() {
            identity.start_time = start_time;
        }
    }
    Ok(Loaded {
        definition,
        input,
        mocks,
        identity,
    })
}

/// Stage 2: a run ready to start, its functions served and its placeholders filled.
struct Prepared {
    definition: Value,
    input: Value,
    options: RunOptions,
    invokers: Arc<Invokers>,
    /// The local offload folder the functions share.
    offload_dir: PathBuf,
    /// Notes each event's thread, for `--report`.
    lanes: Option<crate::report::LaneRecorder>,
}

/// Starts the real functions, fills the placeholders and sets the engine's options.
fn resolve(args: &Args, loaded: Loaded) -> anyhow::Result<Prepared> {
    let Loaded {
        definition,
        input,
        mocks,
        identity,
    } = loaded;
    let offload_dir = offload_dir(args)?;
    let local = serve_functions(args, &offload_dir)?;
    let explicit = args
        .substitutions
        .iter()
        .map(|flag| pair("--sub", flag))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let substitutions = substitutions(&definition, explicit, &identity, |function| {
        local.as_ref().is_some_and(|l| l.serves(function))
            || mocks.as_ref().is_some_and(|m| m.has(function))
    })?;
    let mut options = RunOptions {
        identity,
        clock: if args.real_time {
            Clock::Real
        } else {
            Clock::Virtual
        },
        max_transitions: args.max_transitions,
        substitutions,
        concurrent: !args.sequential && local.is_some(),
        record_history: args.history || args.report.is_some(),
        ..RunOptions::default()
    };
    if let Some(envelope) = mocks.as_ref().and_then(|m| m.envelope()) {
        options.lambda_invoke_envelope = envelope.clone();
    }
    if text_mode(args) {
        options.observer = Some(Arc::new(trace_event));
    }
    let lanes = args.report.as_ref().map(|_| {
        let lanes = crate::report::LaneRecorder::default();
        options.observer = Some(lanes.observer(options.observer.take()));
        lanes
    });
    let invokers = Arc::new(Invokers { mocks, local });
    options.invoker = invokers.clone();
    Ok(Prepared {
        definition,
        input,
        options,
        invokers,
        offload_dir,
        lanes,
    })
}

/// The offload folder the functions share (`--offload-dir`, else `target/sfn-gen-run/offload`
/// in the workspace, else a temporary folder), created.
fn offload_dir(args: &Args) -> anyhow::Result<PathBuf> {
    let workspace = local_lambdas::find_workspace(&std::env::current_dir()?);
    let offload_dir = match (&args.offload_dir, &workspace) {
        (Some(dir), _) => dir.clone(),
        (None, Some(root)) => root.join("target/sfn-gen-run/offload"),
        (None, None) => std::env::temp_dir().join("sfn-gen-run/offload"),
    };
    std::fs::create_dir_all(&offload_dir).with_context(|| {
        format!(
            "cannot create the offload folder `{}`",
            offload_dir.display()
        )
    })?;
    Ok(offload_dir)
}

/// The real functions (`--lambda`, `--workspace-lambdas`), started, sharing the offload
/// folder; `None` when the run serves none.
fn serve_functions(
    args: &Args,
    offload_dir: &std::path::Path,
) -> anyhow::Result<Option<LocalInvoker>> {
    let mut functions = LocalFunctions {
        release: args.release,
        tools_dir: args.tools.clone(),
        ..LocalFunctions::default()
    };
    for flag in &args.lambdas {
        functions
            .explicit
            .push(local_lambdas::parse_lambda_flag(flag)?);
    }
    let cwd = std::env::current_dir()?;
    let workspace = local_lambdas::find_workspace(&cwd);
    if args.workspace_lambdas {
        functions.workspace = Some(workspace.clone().context(
            "--workspace-lambdas: no Cargo workspace above the current folder; use --lambda NAME=PATH",
        )?);
    }
    let mut env = BTreeMap::new();
    env.insert("OFFLOAD_DIR".to_owned(), offload_dir.display().to_string());
    // The agent's tool set: the `tools.json` beside the definition (`sfn-gen generate --out`
    // writes it there), else the workspace's.
    let beside = std::path::absolute(args.definition.with_file_name("tools.json"))?;
    let tools = std::iter::once(beside)
        .chain(workspace.iter().map(|r| r.join("statemachines/tools.json")))
        .find(|p| p.is_file());
    if let Some(tools) = tools {
        env.insert("AGENT_TOOLS_FILE".into(), tools.display().to_string());
    }
    for flag in &args.env {
        let (k, v) = pair("--env", flag)?;
        env.insert(k, v);
    }
    functions.env = env;
    if functions.explicit.is_empty() && functions.workspace.is_none() {
        return Ok(None);
    }
    Ok(Some(functions.start()?))
}

/// The value of every `${...}` placeholder in `definition`: `explicit` ones (`--sub`) as
/// given, then the generator's function placeholders (`${AgentFunctionArn}`,
/// `${ToolFunctionArn_<tool>}`) and any function `is_served` knows as that function's ARN,
/// then `${...StateMachineArn}` as this machine's. Any other is an error naming them all.
fn substitutions(
    definition: &Value,
    explicit: Vec<(String, String)>,
    identity: &ExecutionIdentity,
    is_served: impl Fn(&str) -> bool,
) -> anyhow::Result<Vec<(String, String)>> {
    let arn = |name: &str| {
        format!(
            "arn:aws:lambda:{}:{}:function:{name}",
            identity.region, identity.account_id
        )
    };
    let mut substitutions = explicit;
    let mut unresolved = Vec::new();
    for name in placeholders(definition) {
        if substitutions.iter().any(|(k, _)| k == &name) {
            continue;
        }
        let function = if name == crate::generate::AGENT_PLACEHOLDER {
            AGENT_FUNCTION.to_owned()
        } else if let Some(tool) = name.strip_prefix(crate::generate::TOOL_PLACEHOLDER_PREFIX) {
            tool.to_owned()
        } else {
            name.clone()
        };
        // The generator's function placeholders always resolve (a call to a function that
        // is neither served nor mocked fails at that Task with a clear cause).
        if function != name || is_served(&function) {
            substitutions.push((name, arn(&function)));
        } else if name == "StateMachineArn" || name.ends_with("StateMachineArn") {
            substitutions.push((name, identity.state_machine_arn.clone()));
        } else {
            unresolved.push(name);
        }
    }
    if !unresolved.is_empty() {
        bail!(
            "placeholders without a value: {}. Serve the functions (--lambda NAME=PATH or --workspace-lambdas), mock them (--mocks), or set them (--sub NAME=VALUE)",
            unresolved
                .iter()
                .map(|n| format!("${{{n}}}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(substitutions)
}

/// One execution of the run (a continue-as-new hand-off starts another).
#[derive(Debug, Clone, PartialEq, Serialize)]
struct ExecutionSummary {
    name: String,
    status: Status,
    transitions: u64,
    /// History events (a Standard execution may hold 25,000).
    events: u64,
}

/// Stage 3: what the run did.
struct Executed {
    /// The last execution's outcome.
    outcome: Outcome,
    /// Every execution, in the order they ran.
    executions: Vec<ExecutionSummary>,
    /// State transitions of all executions.
    transitions: u64,
    wall_seconds: f64,
    /// The real functions that served at least one invocation.
    functions: Vec<FunctionStats>,
    /// Every execution with its history, for `--report` (empty without it).
    recorded: Vec<crate::report::Recorded>,
}

/// Runs the execution, then each execution it started with a `states:startExecution` of
/// this machine (continue-as-new, as AWS would run it: concurrently but independently, so
/// here when the current one ends), up to `--max-executions`.
fn execute(args: &Args, prepared: Prepared) -> Executed {
    let Prepared {
        definition,
        mut input,
        mut options,
        invokers,
        lanes,
        ..
    } = prepared;
    let queued: Arc<std::sync::Mutex<Vec<(String, Value)>>> = Arc::default();
    let queue = queued.clone();
    let base_identity = options.identity.clone();
    let arn_for = move |name: &str| {
        ExecutionIdentity::named(&base_identity.state_machine_name, name).execution_arn
    };
    let arn_of = arn_for.clone();
    options.start_execution = Some(Arc::new(move |parameters: &Value| {
        let input = match parameters.get("Input") {
            Some(Value::String(text)) => {
                serde_json::from_str(text).unwrap_or(Value::String(text.clone()))
            }
            Some(other) => other.clone(),
            None => json!({}),
        };
        let name = parameters
            .get("Name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("run-{}", uuid::Uuid::new_v4()));
        queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((name.clone(), input));
        Ok(json!({"ExecutionArn": arn_of(&name), "StartDate": asl_engine::context::now_iso()}))
    }));
    let started = std::time::Instant::now();
    let mut executions = Vec::new();
    let mut recorded = Vec::new();
    let mut transitions = 0;
    let outcome = loop {
        let mut outcome = run_engine(&definition, input, &options);
        transitions += outcome.transitions;
        if let Some(lanes) = &lanes {
            let history = if args.history {
                outcome.history.clone()
            } else {
                std::mem::take(&mut outcome.history)
            };
            recorded.push(crate::report::Recorded {
                name: options.identity.execution_name.clone(),
                status: outcome.status,
                error: outcome.error.clone(),
                cause: outcome.cause.clone(),
                transitions: outcome.transitions,
                duration_seconds: outcome.duration_seconds,
                lanes: lanes.take(history.len()),
                history,
            });
        }
        executions.push(ExecutionSummary {
            name: options.identity.execution_name.clone(),
            status: outcome.status,
            transitions: outcome.transitions,
            events: outcome.event_count,
        });
        let next = queued.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match next {
            Some((name, next_input)) if executions.len() < args.max_executions => {
                if text_mode(args) {
                    eprintln!("↪ continued as execution {name}");
                }
                let mut identity =
                    ExecutionIdentity::named(&options.identity.state_machine_name, &name);
                identity.execution_arn = arn_for(&name);
                options.identity = identity;
                input = next_input;
            }
            _ => break outcome,
        }
    };
    let wall_seconds = started.elapsed().as_secs_f64();
    let functions = invokers
        .local
        .as_ref()
        .map(|l| {
            l.stats()
                .into_iter()
                .filter(|s| s.invocations > 0)
                .collect()
        })
        .unwrap_or_default();
    Executed {
        outcome,
        executions,
        transitions,
        wall_seconds,
        functions,
        recorded,
    }
}

/// What `--format json` prints: one object (ARCHITECTURE.md, "Interfaces tests rely on").
/// `functions` appears when real functions served, `executions` when the run continued
/// as new, `history` with `--history`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct RunReport<'a> {
    status: Status,
    output: Option<&'a Value>,
    error: Option<&'a str>,
    cause: Option<&'a str>,
    /// State transitions of all executions.
    transitions: u64,
    /// The last execution's time on its clock.
    duration_seconds: f64,
    wall_seconds: f64,
    /// The last execution's history events.
    events: u64,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    functions: &'a [FunctionStats],
    #[serde(skip_serializing_if = "Option::is_none")]
    executions: Option<&'a [ExecutionSummary]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<&'a [Event]>,
}

impl<'a> RunReport<'a> {
    fn new(executed: &'a Executed, history: bool) -> Self {
        let outcome = &executed.outcome;
        Self {
            status: outcome.status,
            output: outcome.output.as_ref(),
            error: outcome.error.as_deref(),
            cause: outcome.cause.as_deref(),
            transitions: executed.transitions,
            duration_seconds: outcome.duration_seconds,
            wall_seconds: executed.wall_seconds,
            events: outcome.event_count,
            functions: &executed.functions,
            executions: (executed.executions.len() > 1).then_some(&executed.executions[..]),
            history: history.then_some(&outcome.history[..]),
        }
    }
}

/// Stage 4: the run on stdout, as one JSON object or as a summary.
fn report(args: &Args, executed: &Executed) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    if !text_mode(args) {
        let report = RunReport::new(executed, args.history);
        writeln!(stdout, "{}", serde_json::to_string(&report)?)?;
        return Ok(());
    }
    let outcome = &executed.outcome;
    eprintln!();
    writeln!(
        stdout,
        "{} after {} state transitions in {} execution(s) ({:.3} s wall, {:.1} s on the {} clock)",
        outcome.status.as_str(),
        executed.transitions,
        executed.executions.len(),
        executed.wall_seconds,
        outcome.duration_seconds,
        if args.real_time { "real" } else { "virtual" }
    )?;
    if let Some(output) = &outcome.output {
        writeln!(stdout, "output: {}", serde_json::to_string_pretty(output)?)?;
    }
    if outcome.error.is_some() || outcome.cause.is_some() {
        writeln!(
            stdout,
            "error: {}\ncause: {}",
            outcome.error.as_deref().unwrap_or("(none)"),
            outcome.cause.as_deref().unwrap_or("(none)")
        )?;
    }
    for f in &executed.functions {
        writeln!(stdout, "function {}", serde_json::to_string(f)?)?;
    }
    if args.history {
        writeln!(
            stdout,
            "{}",
            serde_json::to_string_pretty(&outcome.history)?
        )?;
    }
    Ok(())
}

fn text_mode(args: &Args) -> bool {
    args.format == "text"
}

/// Trace lines printed in full before the trace turns into a progress display.
const TRACE_LINES_IN_FULL: u64 = 200;

/// The live trace: one line per state entered and per task outcome, on stderr.
fn trace_event(event: &Event) {
    let kind = event.kind.as_str();
    let name = event
        .details
        .values()
        .find_map(|d| d.get("name").and_then(Value::as_str))
        .unwrap_or("");
    let line = if let Some(state_kind) = kind.strip_suffix("StateEntered") {
        Some(format!("→ {name} ({state_kind})"))
    } else if kind.ends_with("Failed") || kind.ends_with("TimedOut") {
        let details = event.details.values().next();
        let error = details
            .and_then(|d| d.get("error"))
            .and_then(Value::as_str)
            .unwrap_or("");
        Some(format!("  ✗ {kind}: {error}"))
    } else if kind == "MapIterationStarted" {
        let index = event
            .details
            .values()
            .next()
            .and_then(|d| d.get("index"))
            .cloned()
            .unwrap_or(Value::Null);
        Some(format!("  ↳ iteration {index}"))
    } else {
        None
    };
    let Some(line) = line else { return };
    // Long runs: the first lines in full, then a progress line every 1,000 events.
    static SHOWN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let shown = SHOWN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if shown < TRACE_LINES_IN_FULL || kind.ends_with("Failed") {
        eprintln!("[{:>8.3}s #{:<5}] {line}", event.elapsed_seconds, event.id);
    } else if shown == TRACE_LINES_IN_FULL {
        eprintln!("… long run: from now on one progress line every 1,000 events");
    } else if event.id.is_multiple_of(1000) {
        eprintln!(
            "[{:>8.3}s #{:<5}] … {line}",
            event.elapsed_seconds, event.id
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_listed_once_in_order() {
        let definition = json!({"a": "${B}", "b": ["${A}", "x ${B} y"], "c": "$.no"});
        assert_eq!(placeholders(&definition), vec!["B", "A"]);
    }

    #[test]
    fn placeholders_resolve_to_given_values_functions_and_this_machine() {
        let definition = json!({"States": [
            "${AgentFunctionArn}", "${ToolFunctionArn_calc}", "${Mocked}",
            "${ChildStateMachineArn}", "${Given}"
        ]});
        let identity = ExecutionIdentity::named("sm", "e");
        let given = vec![("Given".to_owned(), "x".to_owned())];
        let resolved = substitutions(&definition, given, &identity, |f| f == "Mocked").unwrap();
        let function =
            |name: &str| format!("arn:aws:lambda:us-east-1:123456789012:function:{name}");
        assert_eq!(
            resolved,
            [
                ("Given".to_owned(), "x".to_owned()),
                ("AgentFunctionArn".to_owned(), function("agent-lambda")),
                ("ToolFunctionArn_calc".to_owned(), function("calc")),
                ("Mocked".to_owned(), function("Mocked")),
                (
                    "ChildStateMachineArn".to_owned(),
                    "arn:aws:states:us-east-1:123456789012:stateMachine:sm".to_owned()
                ),
            ]
        );
        let err = substitutions(
            &json!(["${A}", "${Mocked}", "${B}"]),
            Vec::new(),
            &identity,
            |_| false,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(
                "placeholders without a value: ${A}, ${Mocked}, ${B}. Serve the functions"
            ),
            "{err}"
        );
    }

    fn executed(executions: usize) -> Executed {
        let outcome = Outcome {
            status: Status::Failed,
            output: None,
            error: Some("Oops".into()),
            cause: Some("on purpose".into()),
            transitions: 1,
            history: Vec::new(),
            event_count: 4,
            duration_seconds: 10.0,
            parsed_at_run_time: 0,
        };
        Executed {
            outcome,
            executions: (0..executions)
                .map(|i| ExecutionSummary {
                    name: format!("e{i}"),
                    status: if i + 1 == executions {
                        Status::Failed
                    } else {
                        Status::Succeeded
                    },
                    transitions: 1,
                    events: 4,
                })
                .collect(),
            transitions: executions as u64,
            wall_seconds: 0.5,
            functions: Vec::new(),
            recorded: Vec::new(),
        }
    }

    #[test]
    fn the_json_report_holds_the_documented_keys_in_order() {
        let one = executed(1);
        assert_eq!(
            serde_json::to_string(&RunReport::new(&one, false)).unwrap(),
            r#"{"status":"FAILED","output":null,"error":"Oops","cause":"on purpose","transitions":1,"durationSeconds":10.0,"wallSeconds":0.5,"events":4}"#
        );
    }

    #[test]
    fn functions_executions_and_history_appear_only_when_there_is_something_to_say() {
        let mut two = executed(2);
        two.outcome.output = Some(json!({"a": 1}));
        two.functions.push(FunctionStats {
            name: "calc".into(),
            invocations: 2,
            init_ms: vec![1.5],
        });
        assert_eq!(
            serde_json::to_string(&RunReport::new(&two, true)).unwrap(),
            concat!(
                r#"{"status":"FAILED","output":{"a":1},"error":"Oops","cause":"on purpose","#,
                r#""transitions":2,"durationSeconds":10.0,"wallSeconds":0.5,"events":4,"#,
                r#""functions":[{"name":"calc","invocations":2,"init_ms":[1.5]}],"#,
                r#""executions":[{"name":"e0","status":"SUCCEEDED","transitions":1,"events":4},"#,
                r#"{"name":"e1","status":"FAILED","transitions":1,"events":4}],"history":[]}"#
            )
        );
    }
}
