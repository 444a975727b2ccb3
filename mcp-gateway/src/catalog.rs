//! The tool catalog: every tool the agent machine routes to, read from the same two files
//! the machine is built from and deployed with (`statemachines/tools.json` and
//! `statemachines/agent.asl.json`), so `tools/list` and the machine cannot disagree.
//!
//! From the manifests come the MCP fields (name, title, description, inputSchema,
//! outputSchema, annotations; `x-sfn` stays out of the MCP tool). From the generated
//! definition come each tool's Task `Retry` list and `TimeoutSeconds` (state `Tool_<name>`,
//! or `Call_<name>` inside the parallel Map), so a call through the gateway is retried
//! exactly as the machine retries it.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use asl::model::{Dynamic, Machine, Retrier, State, StateGraph, StateKind};
use protocol::ToolManifest;
use serde_json::{Map, Value, json};

use crate::schema::InputValidator;

/// The reverse-DNS `_meta` key under which a listed tool names the Lambda it runs on.
pub const META_KEY: &str = "dev.sfn-agents/tool";

/// Names the gateway adds for the agent itself; a manifest may not take them.
pub const AGENT_TOOL_NAMES: [&str; 2] = [crate::agent::RUN_AGENT, crate::agent::GET_AGENT_RUN];

/// Why the catalog could not be built.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    /// A file could not be read.
    #[error("cannot read `{path}`")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The tools file is not a JSON array of manifests.
    #[error("`{path}` is not a list of tool manifests at `{pointer}`: {message}")]
    Tools {
        /// The file.
        path: String,
        /// Where in it.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// The definition is not a state machine.
    #[error("`{path}` is not a state machine: {message}")]
    Definition {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A tool has no Task in the definition.
    #[error(
        "tool `{tool}` has no `Tool_{tool}` or `Call_{tool}` state in the definition; regenerate it with `cargo run -p sfn-gen -- generate`"
    )]
    NotRouted {
        /// The tool.
        tool: String,
    },
    /// A manifest takes a name the gateway reserves.
    #[error("tool `{tool}` clashes with the gateway's own tool of that name; rename the tool")]
    Reserved {
        /// The tool.
        tool: String,
    },
    /// An input schema does not compile.
    #[error("tool `{tool}` has an invalid inputSchema: {message}")]
    Schema {
        /// The tool.
        tool: String,
        /// The compiler's message.
        message: String,
    },
}

/// One tool as the gateway serves it.
pub struct CatalogTool {
    /// The manifest, as committed.
    pub manifest: ToolManifest,
    /// The MCP tool definition `tools/list` shows.
    pub listed: rmcp::model::Tool,
    /// The compiled input schema.
    pub validator: InputValidator,
    /// The Task's `Retry` list in the generated machine.
    pub retry: Vec<Retrier>,
    /// The Task's `TimeoutSeconds` (the manifest's when the definition has none).
    pub timeout_seconds: u64,
}

/// Every tool, by name (so the listing order is deterministic).
pub struct Catalog {
    tools: BTreeMap<String, Arc<CatalogTool>>,
}

impl Catalog {
    /// Reads `tools.json` and the generated definition.
    pub fn load(tools_file: &Path, definition_file: &Path) -> Result<Self, CatalogError> {
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|source| CatalogError::Read {
                path: path.display().to_string(),
                source,
            })
        };
        let tools_text = read(tools_file)?;
        let manifests =
            decode_manifests(&tools_text).map_err(|(pointer, message)| CatalogError::Tools {
                path: tools_file.display().to_string(),
                pointer,
                message,
            })?;
        let definition_text = read(definition_file)?;
        let definition: Value =
            serde_json::from_str(&definition_text).map_err(|e| CatalogError::Definition {
                path: definition_file.display().to_string(),
                message: e.to_string(),
            })?;
        let machine = Machine::from_value(&definition).map_err(|e| CatalogError::Definition {
            path: definition_file.display().to_string(),
            message: e.to_string(),
        })?;
        Self::new(manifests, &machine)
    }

    /// Builds the catalog from manifests and the machine that routes them.
    pub fn new(manifests: Vec<ToolManifest>, machine: &Machine) -> Result<Self, CatalogError> {
        let mut tools = BTreeMap::new();
        for manifest in manifests {
            if AGENT_TOOL_NAMES.contains(&manifest.name.as_str()) {
                return Err(CatalogError::Reserved {
                    tool: manifest.name,
                });
            }
            let task = find_task(&machine.graph, &manifest.name).ok_or_else(|| {
                CatalogError::NotRouted {
                    tool: manifest.name.clone(),
                }
            })?;
            let timeout_seconds = match &task.kind {
                StateKind::Task(t) => match &t.timeout_seconds {
                    Some(Dynamic::Literal(s)) => *s,
                    _ => manifest.x_sfn.timeout_seconds.into(),
                },
                _ => manifest.x_sfn.timeout_seconds.into(),
            };
            let validator = InputValidator::new(&manifest.input_schema).map_err(|message| {
                CatalogError::Schema {
                    tool: manifest.name.clone(),
                    message,
                }
            })?;
            let listed = listed_tool(&manifest).map_err(|message| CatalogError::Schema {
                tool: manifest.name.clone(),
                message,
            })?;
            tools.insert(
                manifest.name.clone(),
                Arc::new(CatalogTool {
                    retry: task.retry().to_vec(),
                    timeout_seconds,
                    validator,
                    listed,
                    manifest,
                }),
            );
        }
        Ok(Self { tools })
    }

    /// The tool named `name`.
    pub fn get(&self, name: &str) -> Option<&Arc<CatalogTool>> {
        self.tools.get(name)
    }

    /// The tools, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = &Arc<CatalogTool>> {
        self.tools.values()
    }
}

/// Decodes the manifests, naming the JSON pointer of the first problem.
fn decode_manifests(text: &str) -> Result<Vec<ToolManifest>, (String, String)> {
    // Decoding in two steps keeps the pointer: first the array, then each element.
    let values: Vec<Value> =
        serde_json::from_str(text).map_err(|e| ("".to_owned(), e.to_string()))?;
    values
        .into_iter()
        .enumerate()
        .map(|(i, v)| serde_json::from_value(v).map_err(|e| (format!("/{i}"), e.to_string())))
        .collect()
}

/// The Task that runs `tool`: `Tool_<tool>` at the top, or `Call_<tool>` in a nested graph.
fn find_task<'a>(graph: &'a StateGraph, tool: &str) -> Option<&'a State> {
    let direct = format!("Tool_{tool}");
    let mapped = format!("Call_{tool}");
    for (name, state) in graph.states.iter() {
        if (name == direct || name == mapped) && matches!(state.kind, StateKind::Task(_)) {
            return Some(state);
        }
    }
    graph
        .states
        .iter()
        .flat_map(|(_, state)| state.graphs())
        .find_map(|inner| find_task(inner, tool))
}

/// The MCP tool for a manifest: its MCP fields, `x-sfn` left out, the Lambda's name under
/// [`META_KEY`].
fn listed_tool(manifest: &ToolManifest) -> Result<rmcp::model::Tool, String> {
    let mut tool = Map::new();
    tool.insert("name".into(), json!(manifest.name));
    if let Some(title) = &manifest.title {
        tool.insert("title".into(), json!(title));
    }
    tool.insert("description".into(), json!(manifest.description));
    tool.insert("inputSchema".into(), manifest.input_schema.clone());
    if let Some(output) = &manifest.output_schema {
        tool.insert("outputSchema".into(), output.clone());
    }
    let annotations = serde_json::to_value(&manifest.annotations).unwrap_or(Value::Null);
    if annotations.as_object().is_some_and(|a| !a.is_empty()) {
        tool.insert("annotations".into(), annotations);
    }
    tool.insert(
        "_meta".into(),
        json!({ META_KEY: {"timeoutSeconds": manifest.x_sfn.timeout_seconds} }),
    );
    serde_json::from_value(Value::Object(tool)).map_err(|e| e.to_string())
}
