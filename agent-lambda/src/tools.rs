//! The tool set the agent may call: the manifests, compiled input schemas, and the checks
//! that turn a model's bad call into an error observation instead of a failed Task.

use std::path::Path;

use protocol::ErrorName;
use protocol::manifest::ToolManifest;
use serde_json::Value;

/// The key under which a reasoner passes arguments that were not JSON (the OpenAI wire
/// format carries arguments as a string); [`ToolSet::check`] always refuses such an input.
pub const UNPARSEABLE_ARGUMENTS: &str = "_unparseable_arguments";

/// A tool with its compiled input schema.
pub struct Tool {
    /// The manifest.
    pub manifest: ToolManifest,
    validator: jsonschema::Validator,
}

/// Why a call cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// `Agent.UnknownTool` or `ToolError.InvalidInput`.
    pub error: &'static str,
    /// What is wrong and how to fix it.
    pub cause: String,
}

/// All tools, by name.
#[derive(Default)]
pub struct ToolSet {
    tools: Vec<Tool>,
}

impl std::fmt::Debug for ToolSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl ToolSet {
    /// Builds the set; fails for an invalid schema (a bug in a tool).
    pub fn new(manifests: Vec<ToolManifest>) -> Result<Self, String> {
        let mut tools = Vec::with_capacity(manifests.len());
        for manifest in manifests {
            let validator = jsonschema::validator_for(&manifest.input_schema)
                .map_err(|e| format!("tool `{}`: invalid inputSchema: {e}", manifest.name))?;
            tools.push(Tool {
                manifest,
                validator,
            });
        }
        tools.sort_by(|a, b| a.manifest.name.cmp(&b.manifest.name));
        Ok(Self { tools })
    }

    /// Loads the manifests: `AGENT_TOOLS_FILE` (a JSON array, as `sfn-gen generate` writes
    /// `statemachines/tools.json`), else `tool-lambdas/*/tool.json` above the current folder.
    pub fn from_env() -> Result<Self, String> {
        if let Some(path) = std::env::var_os("AGENT_TOOLS_FILE") {
            return Self::from_file(Path::new(&path));
        }
        let cwd = std::env::current_dir().map_err(|e| e.to_string())?;
        for dir in cwd.ancestors() {
            let file = dir.join("statemachines/tools.json");
            if file.is_file() {
                return Self::from_file(&file);
            }
            let tools = protocol::discover::tools_dir(dir);
            if tools.is_dir() {
                return Self::from_folder(&tools);
            }
        }
        Ok(Self::default())
    }

    /// Reads a JSON array of manifests.
    pub fn from_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the tools file `{}`: {e}", path.display()))?;
        let manifests: Vec<ToolManifest> = serde_json::from_str(&text).map_err(|e| {
            format!(
                "`{}` is not a JSON array of tool manifests: {e}",
                path.display()
            )
        })?;
        Self::new(manifests)
    }

    /// Reads every tool [`protocol::discover`] finds in `dir` (`tool-lambdas/`).
    pub fn from_folder(dir: &Path) -> Result<Self, String> {
        let found = protocol::discover::discover_manifests(dir).map_err(|e| {
            // The error's source (I/O or serde, with line and column) is the useful part.
            match std::error::Error::source(&e) {
                Some(source) => format!("{e}: {source}"),
                None => e.to_string(),
            }
        })?;
        Self::new(found.into_iter().map(|(_, manifest)| manifest).collect())
    }

    /// The tools, sorted by name.
    pub fn iter(&self) -> impl Iterator<Item = &Tool> {
        self.tools.iter()
    }

    /// Tool names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.tools
            .iter()
            .map(|t| t.manifest.name.as_str())
            .collect()
    }

    /// The tool named `name`.
    pub fn get(&self, name: &str) -> Option<&Tool> {
        self.tools.iter().find(|t| t.manifest.name == name)
    }

    /// Checks a proposed call: the tool exists and the input matches its schema (every
    /// violation named by its JSON pointer).
    pub fn check(&self, tool: &str, input: &Value) -> Result<&Tool, Rejection> {
        let Some(found) = self.get(tool) else {
            return Err(Rejection {
                error: ErrorName::UnknownTool.as_str(),
                cause: format!(
                    "There is no tool named `{tool}`. Available tools: {}.",
                    self.names().join(", ")
                ),
            });
        };
        if let Some(raw) = input.get(UNPARSEABLE_ARGUMENTS) {
            // Refused whatever the schema allows: the model's arguments were not JSON.
            return Err(Rejection {
                error: ErrorName::InvalidInput.as_str(),
                cause: format!(
                    "The arguments for `{tool}` are not valid JSON: {}. Send a JSON object that matches the tool's inputSchema.",
                    crate::view::render_result(raw, None, 512)
                ),
            });
        }
        let problems: Vec<String> = found
            .validator
            .iter_errors(input)
            .map(|e| {
                let pointer = e.instance_path().to_string();
                format!(
                    "at `{}`: {e}",
                    if pointer.is_empty() { "/" } else { &pointer }
                )
            })
            .collect();
        if problems.is_empty() {
            Ok(found)
        } else {
            Err(Rejection {
                error: ErrorName::InvalidInput.as_str(),
                cause: format!(
                    "The input does not match the inputSchema of `{tool}`: {}. Fix the arguments and call again.",
                    problems.join("; ")
                ),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arguments_that_were_not_json_are_refused_even_by_a_permissive_schema() {
        let manifest: ToolManifest = serde_json::from_value(
            json!({"name": "anything", "description": "d", "inputSchema": {"type": "object"}}),
        )
        .unwrap();
        let tools = ToolSet::new(vec![manifest]).unwrap();
        assert!(tools.check("anything", &json!({"a": 1})).is_ok());
        let Err(rejection) = tools.check("anything", &json!({ UNPARSEABLE_ARGUMENTS: "{\"a\": " }))
        else {
            panic!("arguments that were not JSON were accepted");
        };
        assert_eq!(rejection.error, "ToolError.InvalidInput");
        assert!(
            rejection.cause.contains("not valid JSON"),
            "{}",
            rejection.cause
        );
    }
}
