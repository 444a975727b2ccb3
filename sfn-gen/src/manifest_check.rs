//! Loading the tools' manifests (`<tools>/*/tool.json`) and refusing any that would
//! produce a state machine, a Lambda function or an agent that AWS or the agent refuses.
//!
//! [`load`] reads one file and returns every problem found in it, each with the JSON
//! pointer of the offending value: the file is not a readable file, is not a manifest
//! (serde's error, at its path), breaks a rule of [`ToolManifest::check`] (ASL ranges,
//! Lambda limits, the description cap), or has an `inputSchema`/`outputSchema` that does
//! not compile as JSON Schema. Schemas are compiled exactly as the agent compiles them at
//! start-up (`jsonschema::validator_for`: draft from `$schema`, 2020-12 by default; see
//! `agent-lambda/src/tools.rs`), so a schema that would make every run fail at init is
//! refused here instead. [`read_tools_dir`] loads every tool of a folder and reports the
//! problems of all of them at once.

use std::fmt;
use std::path::{Path, PathBuf};

use protocol::manifest::{Problem, ToolManifest};
use serde_json::Value;

/// A problem in one manifest file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProblem {
    /// The `tool.json`.
    pub file: PathBuf,
    /// Where in it, and what to do.
    pub problem: Problem,
}

/// `file: /pointer: message`, or `file: message` for the whole file.
impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.file.display(), self.problem)
    }
}

/// Escapes one JSON pointer token (RFC 6901: `~` as `~0`, `/` as `~1`).
fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The JSON pointer of a serde path (`x-sfn.retry.errors[0]` → `/x-sfn/retry/errors/0`).
fn pointer_of(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(format!("/{index}")),
            Segment::Map { key } => Some(format!("/{}", escape(key))),
            Segment::Enum { variant } => Some(format!("/{}", escape(variant))),
            Segment::Unknown => None,
        })
        .collect()
}

/// Compiles `schema` as the agent does; a problem under `at` when it does not compile.
fn check_schema(schema: &Value, at: &str) -> Option<Problem> {
    let err = jsonschema::validator_for(schema).err()?;
    Some(Problem::new(
        format!("{at}{}", err.instance_path()),
        format!(
            "is not a valid JSON Schema: {err}; the agent compiles every tool's schemas when \
             it starts (draft from `$schema`, 2020-12 by default), so every run would fail \
             until it is fixed"
        ),
    ))
}

/// Reads and checks one `tool.json`: the manifest, or every problem found in it.
pub fn load(path: &Path) -> Result<ToolManifest, Vec<Problem>> {
    // A tool's folder is named after its crate (`tool-lambdas/<crate>/tool.json`).
    let krate = path
        .parent()
        .and_then(Path::file_name)
        .map_or_else(|| "<tool crate>".into(), |n| n.to_string_lossy());
    let regenerate = format!(
        "fix it, or regenerate the file with `cargo run -p {krate} -- --manifest > {}`",
        path.display()
    );
    if path.is_dir() {
        return Err(vec![Problem::new(
            "",
            format!(
                "is a directory, not a file; a tool's manifest must be a JSON file: remove the \
                 directory and write the manifest with `cargo run -p {krate} -- --manifest > {}`",
                path.display()
            ),
        )]);
    }
    let text = std::fs::read_to_string(path).map_err(|e| {
        vec![Problem::new(
            "",
            format!("cannot read it ({e}); it must be a readable UTF-8 JSON file"),
        )]
    })?;
    let mut deserializer = serde_json::Deserializer::from_str(&text);
    let manifest: ToolManifest =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| {
            vec![Problem::new(
                pointer_of(e.path()),
                format!("{}; {regenerate}", e.inner()),
            )]
        })?;
    deserializer.end().map_err(|e| {
        vec![Problem::new(
            "",
            format!("{e}: a manifest is one JSON object; {regenerate}"),
        )]
    })?;
    let mut problems = manifest.check();
    problems.extend(check_schema(&manifest.input_schema, "/inputSchema"));
    if let Some(schema) = &manifest.output_schema {
        problems.extend(check_schema(schema, "/outputSchema"));
    }
    if problems.is_empty() {
        Ok(manifest)
    } else {
        Err(problems)
    }
}

/// Loads every tool [`protocol::discover`] finds in `dir`, sorted by folder name. Fails
/// with the problems of every refused manifest.
pub fn read_tools_dir(dir: &Path) -> anyhow::Result<Result<Vec<ToolManifest>, Vec<FileProblem>>> {
    let mut manifests = Vec::new();
    let mut problems = Vec::new();
    for path in protocol::discover(dir)?
        .into_iter()
        .map(|tool| tool.manifest)
    {
        match load(&path) {
            Ok(manifest) => manifests.push(manifest),
            Err(found) => problems.extend(found.into_iter().map(|problem| FileProblem {
                file: path.clone(),
                problem,
            })),
        }
    }
    Ok(if problems.is_empty() {
        Ok(manifests)
    } else {
        Err(problems)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_json(dir: &Path, text: &str) -> Result<ToolManifest, Vec<Problem>> {
        let path = dir.join("tool.json");
        std::fs::write(&path, text).unwrap();
        load(&path)
    }

    fn pointers(result: Result<ToolManifest, Vec<Problem>>) -> Vec<String> {
        result.unwrap_err().into_iter().map(|p| p.pointer).collect()
    }

    #[test]
    fn serde_paths_become_json_pointers() {
        let dir = tempfile::tempdir().unwrap();
        let base = r#""name":"t","description":"d","inputSchema":{"type":"object"}"#;
        assert_eq!(
            pointers(load_json(
                dir.path(),
                &format!(r#"{{{base},"x-sfn":{{"retry":{{"errors":["a",7]}}}}}}"#)
            )),
            ["/x-sfn/retry/errors/1"]
        );
        assert_eq!(
            pointers(load_json(
                dir.path(),
                &format!(r#"{{{base},"x-sfn":{{"retry":{{"jitterStrategy":"SOME"}}}}}}"#)
            )),
            ["/x-sfn/retry/jitterStrategy"]
        );
        assert_eq!(escape("a/b~c"), "a~1b~0c");
    }

    #[test]
    fn trailing_text_after_the_manifest_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let err = load_json(
            dir.path(),
            r#"{"name":"t","description":"d","inputSchema":{"type":"object"}} {}"#,
        )
        .unwrap_err();
        assert!(err[0].message.contains("trailing characters"), "{err:?}");
    }
}
