//! `sfn-gen validate FILE...`: static validation of ASL documents (JSONPath and JSONata).
//!
//! Every problem of every file is reported together, each naming the file, a JSON pointer
//! and the rule; exit 0 when all files are valid, 1 when any is not, 2 when a file cannot be
//! read.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use asl::validate::{MachineType, ValidateOptions, validate_text_with};
use serde_json::json;

/// Arguments of `sfn-gen validate`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// ASL documents (JSON).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// `text` or `json` (one JSON object: `valid`, `diagnostics[]` with file, pointer, rule
    /// and message).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Validate as an Express state machine (no `.sync` or `.waitForTaskToken`).
    #[arg(long)]
    pub express: bool,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let options = ValidateOptions {
        machine_type: if args.express {
            MachineType::Express
        } else {
            MachineType::Standard
        },
    };
    let mut all = Vec::new();
    for file in &args.files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read `{}`", file.display()))?;
        for d in validate_text_with(&text, &options) {
            all.push((file.display().to_string(), d));
        }
    }
    if args.format == "json" {
        let diagnostics: Vec<_> = all
            .iter()
            .map(|(file, d)| json!({"file": file, "pointer": d.pointer, "rule": d.rule, "message": d.message}))
            .collect();
        println!(
            "{}",
            json!({"valid": all.is_empty(), "files": args.files.len(), "diagnostics": diagnostics})
        );
    } else {
        for (file, d) in &all {
            let pointer = if d.pointer.is_empty() {
                "/"
            } else {
                &d.pointer
            };
            println!("{file}:{pointer}: {} [{}]", d.message, d.rule);
        }
        if all.is_empty() {
            eprintln!("{} file(s) valid", args.files.len());
        } else {
            eprintln!("{} problem(s) in {} file(s)", all.len(), args.files.len());
        }
    }
    Ok(if all.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
