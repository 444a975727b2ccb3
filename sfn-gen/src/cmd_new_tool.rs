//! `sfn-gen new-tool NAME`: scaffold a tool Lambda crate under `tool-lambdas/NAME` (the
//! first of the four steps: scaffold, implement, regenerate, deploy) and add it to the
//! workspace.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::local_lambdas::find_workspace;

/// Arguments of `sfn-gen new-tool`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The tool's name (`[a-zA-Z0-9_-]{1,64}`; also the crate's folder and binary name).
    pub name: String,
    /// What the tool does, written for the model.
    #[arg(long, default_value = "Describe what this tool does, for the model.")]
    pub description: String,
    /// The workspace root (default: the one above the current folder).
    #[arg(long)]
    pub root: Option<PathBuf>,
}

fn type_name(tool: &str) -> String {
    tool.split(['-', '_'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut chars = p.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The files of a new tool crate, as (relative path, contents).
pub fn scaffold(name: &str, description: &str) -> Vec<(String, String)> {
    let ty = type_name(name);
    let krate = name.replace('-', "_");
    let escaped = description.replace('\\', "\\\\").replace('"', "\\\"");
    vec![
        (
            "Cargo.toml".into(),
            format!(
                r#"[package]
name = "{name}"
description = "Tool Lambda: {escaped}"
version.workspace = true
edition.workspace = true
license.workspace = true
publish.workspace = true

[dependencies]
lambda_runtime.workspace = true
protocol.workspace = true
schemars.workspace = true
serde.workspace = true
serde_json.workspace = true
tokio.workspace = true
toolkit.workspace = true

[dev-dependencies]
offload.workspace = true
tempfile.workspace = true

[lints]
workspace = true
"#
            ),
        ),
        (
            "src/main.rs".into(),
            format!(
                r#"//! The `{name}` tool Lambda: only wiring; the logic is in the library.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {{
    toolkit::run({krate}::{ty}).await
}}
"#
            ),
        ),
        (
            "src/lib.rs".into(),
            format!(
                r#"//! The `{name}` tool: {escaped}

use protocol::manifest::{{Annotations, SfnConfig}};
use schemars::JsonSchema;
use serde::{{Deserialize, Serialize}};
use toolkit::{{Tool, ToolContext, ToolError}};

/// Input of `{name}`. Field docs become the schema's descriptions, which the model reads.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {{
    /// The text to work on.
    pub text: String,
}}

/// Output of `{name}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {{
    /// The result.
    pub result: String,
}}

/// The `{name}` tool.
pub struct {ty};

impl Tool for {ty} {{
    type Input = Input;
    type Output = Output;
    const NAME: &'static str = "{name}";
    const DESCRIPTION: &'static str = "{escaped}";

    fn annotations() -> Annotations {{
        // Read-only or idempotent tools are answered from the agent's cache on repeats.
        Annotations {{
            read_only_hint: Some(true),
            idempotent_hint: Some(true),
            ..Annotations::default()
        }}
    }}

    fn config() -> SfnConfig {{
        // Timeout, memory, architecture and the retry policy the generator writes.
        SfnConfig::default()
    }}

    async fn call(&self, input: Input, _ctx: &ToolContext) -> Result<Output, ToolError> {{
        if input.text.is_empty() {{
            return Err(ToolError::invalid_input("`text` must not be empty"));
        }}
        Ok(Output {{
            result: input.text,
        }})
    }}
}}
"#
            ),
        ),
        (
            "tests/tool.rs".into(),
            format!(
                r#"//! `{name}` through the tool kit's adapter, and its committed manifest.

use serde_json::json;
use toolkit::{{Runner, handle}};

fn event(input: serde_json::Value) -> serde_json::Value {{
    json!({{
        "call": {{"call_id": "c1", "tool": "{name}", "input": input}},
        "execution": {{"id": "arn:aws:states:us-east-1:111111111111:execution:agent:r1", "name": "r1"}},
    }})
}}

#[tokio::test]
async fn answers_and_refuses_bad_input() {{
    let dir = tempfile::tempdir().unwrap();
    let runner = Runner::new({krate}::{ty}, offload::Store::local(dir.path())).unwrap();
    let out = handle(&runner, event(json!({{"text": "hello"}}))).await.unwrap();
    assert_eq!(out["output"], json!({{"result": "hello"}}));
    let err = handle(&runner, event(json!({{"text": 5}}))).await.unwrap_err();
    assert_eq!(err.name, protocol::ErrorName::InvalidInput);
}}

#[test]
fn committed_tool_json_matches_the_binary() {{
    toolkit::testing::assert_manifest_matches::<{krate}::{ty}>(env!("CARGO_MANIFEST_DIR"));
}}
"#
            ),
        ),
    ]
}

/// Adds `tool-lambdas/NAME` to the root manifest's `members`.
fn add_member(root: &Path, name: &str) -> anyhow::Result<()> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let member = format!("\"tool-lambdas/{name}\"");
    if text.contains(&member) {
        return Ok(());
    }
    let Some(start) = text.find("members = [") else {
        bail!(
            "`{}` has no `members = [` list; add {member} by hand",
            path.display()
        );
    };
    let Some(end) = text[start..].find(']') else {
        bail!("`{}`: unterminated members list", path.display());
    };
    let insert_at = start + end;
    let mut updated = text.clone();
    updated.insert_str(insert_at, &format!("    {member},\n"));
    std::fs::write(&path, updated).with_context(|| format!("cannot write `{}`", path.display()))
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    protocol::manifest::validate_tool_name(&args.name)
        .map_err(|e| anyhow::anyhow!("`{}` cannot be a tool name: {e}", args.name))?;
    let root = match args.root {
        Some(root) => root,
        None => find_workspace(&std::env::current_dir()?)
            .context("no Cargo workspace above the current folder; pass --root")?,
    };
    let dir = protocol::discover::tools_dir(&root).join(&args.name);
    if dir.exists() {
        bail!(
            "`{}` already exists; pick another name or remove it",
            dir.display()
        );
    }
    for (relative, contents) in scaffold(&args.name, &args.description) {
        let path = dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, contents)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
    }
    add_member(&root, &args.name)?;
    eprintln!("created {}", dir.display());
    eprintln!("next:");
    eprintln!(
        "  1. implement Input, Output and call() in tool-lambdas/{}/src/lib.rs",
        args.name
    );
    eprintln!(
        "  2. UPDATE_MANIFESTS=1 cargo test -p {}     # writes its tool.json",
        args.name
    );
    eprintln!("  3. cargo run -p sfn-gen -- generate          # adds it to statemachines/");
    eprintln!("  4. scripts/demo.sh, then deploy with the CDK app (cdk/)");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scaffold_is_written_and_joins_the_workspace() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("Cargo.toml"),
            "[workspace]\nmembers = [\n    \"a\",\n]\n",
        )
        .unwrap();
        let args = Args {
            name: "word-count".into(),
            description: "Counts \"words\".".into(),
            root: Some(dir.path().to_owned()),
        };
        run(args).unwrap();
        let lib =
            std::fs::read_to_string(dir.path().join("tool-lambdas/word-count/src/lib.rs")).unwrap();
        assert!(lib.contains("pub struct WordCount;"));
        assert!(lib.contains("const NAME: &'static str = \"word-count\";"));
        assert!(lib.contains("Counts \\\"words\\\"."));
        let manifest = std::fs::read_to_string(dir.path().join("Cargo.toml")).unwrap();
        assert!(manifest.contains("\"tool-lambdas/word-count\","));
        // A second scaffold of the same name is refused.
        let again = Args {
            name: "word-count".into(),
            description: String::new(),
            root: Some(dir.path().to_owned()),
        };
        assert!(run(again).is_err());
        let bad = Args {
            name: "no spaces".into(),
            description: String::new(),
            root: Some(dir.path().to_owned()),
        };
        assert!(run(bad).is_err());
    }
}
