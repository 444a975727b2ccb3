//! `sfn-gen generate`: write `statemachines/agent.asl.json` and `statemachines/tools.json`
//! from the tools' manifests, or with `--check` verify that the committed files are fresh.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use protocol::manifest::ToolManifest;
use serde_json::Value;

use crate::generate::{self, GeneratorConfig, QueryLanguage, to_pretty};
use crate::local_lambdas::find_workspace;
use crate::manifest_check;

/// Arguments of `sfn-gen generate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder holding one sub-folder per tool with its `tool.json` (default: the
    /// workspace's `tool-lambdas/`).
    #[arg(long)]
    pub tools: Option<PathBuf>,
    /// Generator settings (default: `sfn-gen.json` at the workspace root, when present).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Where to write the state machine (default: `statemachines/agent.asl.json`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Override the query language: `jsonpath` or `jsonata`.
    #[arg(long, value_parser = ["jsonpath", "jsonata", "JSONPath", "JSONata"])]
    pub query_language: Option<String>,
    /// Write nothing; exit 1 with a diff when the committed files are stale.
    #[arg(long)]
    pub check: bool,
}

/// Reads every `<dir>/*/tool.json`, sorted by folder name, refusing (with every problem
/// of every file, each with its JSON pointer) any manifest [`manifest_check::load`]
/// refuses, so that nothing is generated from it.
pub fn read_manifests(dir: &Path) -> anyhow::Result<Vec<ToolManifest>> {
    match manifest_check::read_tools_dir(dir)? {
        Ok(manifests) => Ok(manifests),
        Err(problems) => {
            let mut message = format!(
                "{} problem(s) in the tools' manifests; nothing was generated:",
                problems.len()
            );
            for problem in &problems {
                message.push_str(&format!("\n  {problem}"));
            }
            bail!(message)
        }
    }
}

/// Reads the generator settings.
pub fn read_config(path: &Path) -> anyhow::Result<GeneratorConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
        anyhow::anyhow!(
            "`{}` at /{}: {} (fields: maxTurns, failureThreshold, turnsPerExecution, mapConcurrency, type, queryLanguage, agentTimeoutSeconds, agentMemoryMb, agentArchitecture)",
            path.display(),
            e.path().to_string().replace('.', "/"),
            e.inner()
        )
    })
}

/// Where things are, resolved from the flags and the workspace.
pub struct Paths {
    /// The tools folder.
    pub tools: PathBuf,
    /// The settings file, when there is one.
    pub config: Option<PathBuf>,
    /// The state machine file.
    pub out: PathBuf,
    /// `tools.json` beside it.
    pub tools_out: PathBuf,
}

fn resolve(args: &Args) -> anyhow::Result<Paths> {
    let cwd = std::env::current_dir()?;
    let root = find_workspace(&cwd).unwrap_or(cwd);
    let tools = args
        .tools
        .clone()
        .unwrap_or_else(|| protocol::discover::tools_dir(&root));
    let config = match &args.config {
        Some(path) => Some(path.clone()),
        None => Some(root.join("sfn-gen.json")).filter(|p| p.is_file()),
    };
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| root.join("statemachines/agent.asl.json"));
    let tools_out = out.with_file_name("tools.json");
    Ok(Paths {
        tools,
        config,
        out,
        tools_out,
    })
}

/// What `generate` would write.
pub struct Rendered {
    /// (path, contents) of each file.
    pub files: Vec<(PathBuf, String)>,
    /// Notes about the user's states that were kept.
    pub notes: Vec<String>,
    /// The definition's size in bytes (compact JSON, as AWS measures it).
    pub size: usize,
    /// One line per tool: what its Task retries and why (see [`protocol::repeat`]).
    pub policies: Vec<String>,
}

/// The files `generate` would write, plus notes about kept states.
pub fn render(args: &Args) -> anyhow::Result<Rendered> {
    let paths = resolve(args)?;
    let mut config = match &paths.config {
        Some(path) => read_config(path)?,
        None => GeneratorConfig::default(),
    };
    if let Some(language) = &args.query_language {
        config.query_language = if language.eq_ignore_ascii_case("jsonata") {
            QueryLanguage::Jsonata
        } else {
            QueryLanguage::JsonPath
        };
    }
    let manifests = read_manifests(&paths.tools)?;
    if manifests.is_empty() {
        bail!(
            "no tools found: `{}` has no */tool.json; scaffold one with `sfn-gen new-tool NAME` or pass --tools DIR",
            paths.tools.display()
        );
    }
    let generated = generate::generate(&manifests, &config)?;
    let policies = manifests
        .iter()
        .map(generate::retry::tool_policy_summary)
        .collect();
    let existing: Option<Value> = std::fs::read_to_string(&paths.out)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let (definition, notes) =
        generate::merge_with_existing(&generated.definition, existing.as_ref());
    let tools_json = serde_json::to_value(&generated.tools)?;
    let mut notes = notes;
    if generated.layout == generate::Layout::Compact {
        notes.push(format!(
            "{} tools: the compact layout was chosen (single calls go through the Map: 5 transitions instead of 3) to stay under the 1 MB definition limit",
            generated.tools.len()
        ));
    }
    // The merged output (generated states plus the console edits kept) must pass the same
    // validator `sfn-gen validate` runs, for the configured machine type, before anything
    // is written.
    let options = asl::validate::ValidateOptions {
        machine_type: config.machine_type,
    };
    let problems = asl::validate::validate_definition_with(&definition, &options);
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|d| format!("  {d}")).collect();
        bail!(
            "the merged definition for `{}` does not validate as a {:?} machine, so nothing was written:\n{}\nfix the kept console edits in that file (or remove them to regenerate the states)",
            paths.out.display(),
            config.machine_type,
            list.join("\n")
        );
    }
    let definition_text = to_pretty(&definition);
    let size = serde_json::to_string(&definition)?.len();
    Ok(Rendered {
        files: vec![
            (paths.out, definition_text),
            (paths.tools_out, to_pretty(&tools_json)),
        ],
        notes,
        size,
        policies,
    })
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let Rendered {
        files,
        notes,
        size,
        policies,
    } = render(&args)?;
    for note in &notes {
        eprintln!("note: {note}");
    }
    if args.check {
        let mut stale = false;
        for (path, contents) in &files {
            let committed = std::fs::read_to_string(path).unwrap_or_default();
            if &committed != contents {
                stale = true;
                eprintln!("{} is stale:", path.display());
                let diff = similar::TextDiff::from_lines(&committed, contents);
                eprint!(
                    "{}",
                    diff.unified_diff()
                        .context_radius(3)
                        .header("committed", "generated")
                );
            }
        }
        if stale {
            eprintln!("fix: run `cargo run -p sfn-gen -- generate` and commit the result");
            return Ok(ExitCode::from(1));
        }
        eprintln!("up to date ({size} bytes of ASL, limit 1,048,576)");
        return Ok(ExitCode::SUCCESS);
    }
    for (path, contents) in &files {
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create `{}`", parent.display()))?;
        }
        std::fs::write(path, contents)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        eprintln!("wrote {}", path.display());
    }
    for policy in &policies {
        eprintln!("retry policy: {policy}");
    }
    eprintln!(
        "definition size: {size} bytes ({:.1}% of AWS's 1 MB limit)",
        100.0 * size as f64 / asl::MAX_DEFINITION_BYTES as f64
    );
    Ok(ExitCode::SUCCESS)
}
