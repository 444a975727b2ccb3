//! What a host must do the way the generated machine does it, read from that machine
//! (`statemachines/agent.asl.json`), so a host and the state machine cannot disagree:
//!
//! | from the definition | used for |
//! | --- | --- |
//! | state `Agent`: `Retry`, `TimeoutSeconds`, the `config` constants of its payload | the agent step |
//! | `Tool_<tool>` (or `Call_<tool>` in the Map): `Retry`, `TimeoutSeconds` | each tool call |
//! | the Map's `MaxConcurrency` | parallel calls in one turn |
//! | `UnknownTool` (Pass) and `InvalidRoute` (Fail): error and cause | a call or a route no state serves |
//!
//! Every tool Task catches `States.ALL` and feeds the error back; the agent Task catches
//! nothing (its final error ends the run). A host follows the same rule.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use asl::model::{Dynamic, Machine, Retrier, State, StateGraph, StateKind};
use protocol::ErrorName;
use protocol::agent::LoopConfig;
use serde_json::Value;

/// The name of the agent's Task in the generated machine.
pub const AGENT_STATE: &str = "Agent";

/// The definition is not a generated agent machine.
#[derive(Debug, thiserror::Error)]
#[error("`{source_name}` is not a generated agent state machine: {message}")]
pub struct PolicyError {
    /// The file (or "the definition").
    pub source_name: String,
    /// What is missing or wrong.
    pub message: String,
}

/// One Task's Retry list and timeout.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskPolicy {
    /// `Retry`, in order.
    pub retry: Vec<Retrier>,
    /// `TimeoutSeconds` (per attempt).
    pub timeout: Duration,
}

/// The machine's policy for the agent, each tool and the loop.
#[derive(Debug, Clone)]
pub struct MachinePolicy {
    /// The agent Task.
    pub agent: TaskPolicy,
    /// Each tool's Task, by tool name.
    pub tools: BTreeMap<String, TaskPolicy>,
    /// The loop limits the machine passes the agent.
    pub config: LoopConfig,
    /// Calls of one turn run at once.
    pub max_concurrency: usize,
    /// The error observation for a call to a tool no state routes.
    pub unknown_tool: (String, String),
    /// The run's error for a route no state serves.
    pub invalid_route: (String, String),
}

/// A Task without `TimeoutSeconds` (Step Functions' default is 60 s for Activities, none
/// for Lambda; a host needs a bound).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(900);

impl MachinePolicy {
    /// Reads a generated definition from `path`.
    pub fn load(path: &Path) -> Result<Self, PolicyError> {
        let fail = |message: String| PolicyError {
            source_name: path.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(path).map_err(|e| {
            fail(format!(
                "cannot read it ({e}); generate it with `sfn-gen generate`"
            ))
        })?;
        let definition: Value =
            serde_json::from_str(&text).map_err(|e| fail(format!("not JSON: {e}")))?;
        Self::from_definition(&definition).map_err(|e| fail(e.message))
    }

    /// Reads a generated definition.
    pub fn from_definition(definition: &Value) -> Result<Self, PolicyError> {
        let fail = |message: String| PolicyError {
            source_name: "the definition".to_owned(),
            message,
        };
        let machine = Machine::from_value(definition).map_err(|e| fail(e.to_string()))?;
        let agent_state = machine.state(AGENT_STATE).ok_or_else(|| {
            fail(format!(
                "it has no `{AGENT_STATE}` state; run the agent loop on `sfn-gen generate`'s output"
            ))
        })?;
        let agent = task_policy(agent_state)
            .ok_or_else(|| fail(format!("`{AGENT_STATE}` is not a Task")))?;
        let raw_states = &definition["States"];
        let config = match raw_states[AGENT_STATE]
            .pointer("/Parameters/Payload/config")
        {
            Some(config) => serde_json::from_value(config.clone()).map_err(|e| {
                fail(format!(
                    "`/States/{AGENT_STATE}/Parameters/Payload/config` is not the loop's limits: {e}"
                ))
            })?,
            None => LoopConfig::default(),
        };
        let mut tools = BTreeMap::new();
        let mut max_concurrency = 10;
        let mut unknown_tool = (
            ErrorName::UnknownTool.as_str().to_owned(),
            "No tool of this name exists in this state machine.".to_owned(),
        );
        let mut invalid_route = (
            ErrorName::InvalidRoute.as_str().to_owned(),
            "The agent's route matched no state.".to_owned(),
        );
        visit(&machine.graph, &mut |name, state| {
            let tool = name
                .strip_prefix("Tool_")
                .or_else(|| name.strip_prefix("Call_"));
            match (&state.kind, tool) {
                (StateKind::Task(_), Some(tool)) => {
                    if let Some(policy) = task_policy(state) {
                        tools.entry(tool.to_owned()).or_insert(policy);
                    }
                }
                (StateKind::Map(map), _) => {
                    if let Some(Dynamic::Literal(n)) = map.max_concurrency
                        && n > 0
                    {
                        max_concurrency = n as usize;
                    }
                }
                (StateKind::Pass(pass), _) if name == "UnknownTool" => {
                    if let Some(parameters) = &pass.parameters {
                        let p = parameters.value();
                        if let (Some(e), Some(c)) = (p["error"].as_str(), p["cause"].as_str()) {
                            unknown_tool = (e.to_owned(), c.to_owned());
                        }
                    }
                }
                (StateKind::Fail(f), _) if name == "InvalidRoute" => {
                    if let (Some(Dynamic::Literal(e)), Some(Dynamic::Literal(c))) =
                        (&f.error, &f.cause)
                    {
                        invalid_route = (e.clone(), c.clone());
                    }
                }
                _ => {}
            }
        });
        Ok(Self {
            agent,
            tools,
            config,
            max_concurrency,
            unknown_tool,
            invalid_route,
        })
    }

    /// The policy of `tool`, when the machine routes it.
    pub fn tool(&self, tool: &str) -> Option<&TaskPolicy> {
        self.tools.get(tool)
    }
}

fn task_policy(state: &State) -> Option<TaskPolicy> {
    let StateKind::Task(task) = &state.kind else {
        return None;
    };
    let timeout = match &task.timeout_seconds {
        Some(Dynamic::Literal(seconds)) => Duration::from_secs(*seconds),
        _ => DEFAULT_TIMEOUT,
    };
    Some(TaskPolicy {
        retry: state.retry().to_vec(),
        timeout,
    })
}

/// Every state of `graph` and its nested graphs, outer first.
fn visit(graph: &StateGraph, f: &mut impl FnMut(&str, &State)) {
    for (name, state) in graph.states.iter() {
        f(name, state);
    }
    for (_, state) in graph.states.iter() {
        for inner in state.graphs() {
            visit(inner, f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn committed() -> MachinePolicy {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../statemachines/agent.asl.json");
        MachinePolicy::load(&path).unwrap()
    }

    #[test]
    fn the_committed_machine_gives_every_tool_its_task_policy() {
        let policy = committed();
        let manifests: Vec<protocol::ToolManifest> = serde_json::from_str(
            &std::fs::read_to_string(
                Path::new(env!("CARGO_MANIFEST_DIR")).join("../statemachines/tools.json"),
            )
            .unwrap(),
        )
        .unwrap();
        for manifest in &manifests {
            let tool = policy.tool(&manifest.name).expect("every tool is routed");
            // The generator writes the manifest's Lambda timeout as the Task's.
            assert_eq!(
                tool.timeout,
                Duration::from_secs(manifest.x_sfn.timeout_seconds.into()),
                "{}",
                manifest.name
            );
            assert!(!tool.retry.is_empty(), "{}", manifest.name);
        }
        assert_eq!(policy.tools.len(), manifests.len());
        assert_eq!(policy.config, LoopConfig::default());
        assert_eq!(policy.unknown_tool.0, "Agent.UnknownTool");
        assert_eq!(policy.invalid_route.0, "Agent.InvalidRoute");
        assert!(
            policy
                .agent
                .retry
                .iter()
                .any(|r| r.matches("Agent.ReasonerThrottled"))
        );
    }

    #[test]
    fn a_definition_without_an_agent_is_refused_by_name() {
        let definition =
            serde_json::json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}});
        let error = MachinePolicy::from_definition(&definition).unwrap_err();
        assert!(error.message.contains("no `Agent` state"), "{error}");
    }
}
