//! The agent state machine, generated from the tools' manifests.
//!
//! The loop (ARCHITECTURE.md, "One execution, step by step"; the routing contract is in
//! `protocol::agent`) is drawn in [`layout`]. A turn with one call costs 3 state
//! transitions (Agent, Route, the tool's Task); a turn with N parallel calls costs 3 + 2N
//! (Agent, Route, the Map, and per call its Choice and Task). The public agent samples
//! spend 6 per call.
//!
//! Stages: [`generate`] checks the manifests, [`layout`] describes the states once and a
//! [`dialect`] (JSONPath or JSONata) writes them as an `asl::model::Machine`, [`emit`]
//! serializes it in the committed key order; [`merge`] then keeps the user's console edits.
//!
//! | module | what |
//! | --- | --- |
//! | `config` | [`GeneratorConfig`] (`sfn-gen.json`) |
//! | `retry` | the Retry lists: tool (from the manifest), agent, continue-as-new |
//! | [`layout`] | the states and transitions; [`Layout`] (full or compact) |
//! | [`dialect`] | the query-language-neutral values and the two dialects |
//! | [`emit`] | the committed key order |
//! | [`merge`] | [`merge_with_existing`], [`merge::is_generated`] |
//!
//! Every generated state carries a `Comment` starting with [`GENERATED_MARK`]; states
//! without it are the user's (added in Workflow Studio, say) and `generate` keeps them.

mod config;
pub mod dialect;
pub mod emit;
pub mod layout;
pub mod merge;
pub mod retry;

use anyhow::{Context, bail};
use protocol::manifest::ToolManifest;
use serde_json::Value;

pub use asl::QueryLanguage;
pub use config::GeneratorConfig;
pub use layout::{COMPACT_ABOVE_BYTES, Layout};
pub use merge::merge_with_existing;

/// Marks a state as written by the generator (the start of its `Comment`).
pub const GENERATED_MARK: &str = "sfn-gen:";

/// The placeholder of the agent function's ARN.
pub const AGENT_PLACEHOLDER: &str = "AgentFunctionArn";

/// The prefix of a tool function's placeholder (`ToolFunctionArn_<tool>`).
pub const TOOL_PLACEHOLDER_PREFIX: &str = "ToolFunctionArn_";

/// The placeholder of a tool function's ARN.
pub fn tool_placeholder(tool: &str) -> String {
    format!("{TOOL_PLACEHOLDER_PREFIX}{tool}")
}

/// A generated state's `Comment`: [`GENERATED_MARK`] and what the state is for.
pub fn mark(what: &str) -> String {
    format!("{GENERATED_MARK} {what}")
}

/// What the generator emits for one tool set.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The layout chosen.
    pub layout: Layout,
    /// The state machine (its states in a stable order).
    pub definition: Value,
    /// The manifests, sorted by name (`statemachines/tools.json`).
    pub tools: Vec<ToolManifest>,
}

/// Pretty JSON with a trailing newline: the committed form of generated files.
pub fn to_pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Generates the machine for `tools` (any order) with `config`.
pub fn generate(tools: &[ToolManifest], config: &GeneratorConfig) -> anyhow::Result<Generated> {
    config.check()?;
    let mut tools = tools.to_vec();
    tools.sort_by(|a, b| a.name.cmp(&b.name));
    for pair in tools.windows(2) {
        if pair[0].name == pair[1].name {
            bail!(
                "two tools are named `{}`; tool names must be unique",
                pair[0].name
            );
        }
    }
    for tool in &tools {
        protocol::manifest::validate_tool_name(&tool.name)
            .with_context(|| format!("tool `{}`", tool.name))?;
    }
    let dialect = dialect::for_language(config.query_language);
    let build = |layout| emit::to_value(&layout::machine(&tools, config, layout, dialect));
    let mut layout = Layout::Full;
    let mut definition = build(layout);
    let mut size = serde_json::to_string(&definition)?.len();
    if size > COMPACT_ABOVE_BYTES {
        layout = Layout::Compact;
        definition = build(layout);
        size = serde_json::to_string(&definition)?.len();
    }
    if size > asl::MAX_DEFINITION_BYTES {
        bail!(
            "the generated definition is {size} bytes, over AWS's {}-byte limit; split the tools across agents",
            asl::MAX_DEFINITION_BYTES
        );
    }
    Ok(Generated {
        definition,
        tools,
        layout,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use asl::MachineType;
    use protocol::errors::LAMBDA_TRANSIENT_ERRORS;
    use protocol::route::Route;
    use serde_json::json;

    pub(crate) fn manifest(name: &str) -> ToolManifest {
        serde_json::from_value(json!({
            "name": name,
            "description": format!("the {name} tool"),
            "inputSchema": {"type": "object", "properties": {"x": {"type": "string", "description": "x"}}},
            "annotations": {"readOnlyHint": true},
            "x-sfn": {"timeoutSeconds": 7, "memoryMb": 128, "architecture": "arm64",
                      "retry": {"errors": ["ToolError.Retryable"], "intervalSeconds": 2, "maxAttempts": 4,
                                "backoffRate": 3.0, "maxDelaySeconds": 30, "jitterStrategy": "FULL"}}
        }))
        .expect("a valid manifest")
    }

    #[test]
    fn output_is_deterministic_whatever_the_tool_order() {
        let config = GeneratorConfig::default();
        let a = generate(&[manifest("b"), manifest("a")], &config).unwrap();
        let b = generate(&[manifest("a"), manifest("b")], &config).unwrap();
        assert_eq!(to_pretty(&a.definition), to_pretty(&b.definition));
        let names: Vec<&String> = a.definition["States"].as_object().unwrap().keys().collect();
        assert_eq!(names[..4], ["Agent", "Route", "Tool_a", "Tool_b"]);
    }

    #[test]
    fn a_tool_task_retries_transient_and_declared_errors_and_catches_the_rest() {
        let generated = generate(&[manifest("calc")], &GeneratorConfig::default()).unwrap();
        let task = &generated.definition["States"]["Tool_calc"];
        assert_eq!(task["TimeoutSeconds"], 7);
        assert_eq!(
            task["Retry"][0]["ErrorEquals"],
            json!(LAMBDA_TRANSIENT_ERRORS)
        );
        // The declared error, then `ToolError.Unavailable`, which every tool retries.
        assert_eq!(
            task["Retry"][1]["ErrorEquals"],
            json!(["ToolError.Retryable", "ToolError.Unavailable"])
        );
        assert_eq!(task["Retry"][1]["MaxAttempts"], 4);
        assert_eq!(task["Retry"][1]["BackoffRate"], 3.0);
        assert_eq!(task["Retry"][1]["MaxDelaySeconds"], 30);
        assert_eq!(task["Catch"][0]["ErrorEquals"], json!(["States.ALL"]));
        assert_eq!(task["Catch"][0]["Next"], "Agent");
        assert_eq!(
            task["Parameters"]["FunctionName"],
            "${ToolFunctionArn_calc}"
        );
        // The execution's identity comes from the Context Object, never the model.
        assert_eq!(
            task["Parameters"]["Payload"]["execution"]["id.$"],
            "$$.Execution.Id"
        );
    }

    #[test]
    fn the_route_choice_has_a_branch_for_every_route_the_agent_can_return() {
        let generated =
            generate(&[manifest("b"), manifest("a")], &GeneratorConfig::default()).unwrap();
        let choices = generated.definition["States"]["Route"]["Choices"]
            .as_array()
            .unwrap();
        let routes: Vec<Route> = choices
            .iter()
            .map(|rule| rule["StringEquals"].as_str().unwrap().parse().unwrap())
            .collect();
        // ARCHITECTURE.md, "Routes": one `call:<tool>` per tool, then map, done, failed,
        // continue; anything else falls to InvalidRoute.
        assert_eq!(
            routes,
            [
                Route::call("a"),
                Route::call("b"),
                Route::Map,
                Route::Done,
                Route::Failed,
                Route::Continue
            ]
        );
        assert_eq!(
            generated.definition["States"]["Route"]["Default"],
            "InvalidRoute"
        );
        assert_eq!(
            generated.definition["States"]["InvalidRoute"]["Error"],
            "Agent.InvalidRoute"
        );
    }

    #[test]
    fn duplicate_and_invalid_names_are_refused() {
        let config = GeneratorConfig::default();
        assert!(generate(&[manifest("a"), manifest("a")], &config).is_err());
        assert!(generate(&[manifest("no spaces")], &config).is_err());
    }

    #[test]
    fn user_states_survive_regeneration() {
        let generated = generate(&[manifest("a")], &GeneratorConfig::default()).unwrap();
        let mut existing = generated.definition.clone();
        existing["States"]["Audit"] = json!({"Type": "Pass", "End": true});
        existing["States"]["Done"] = json!({"Type": "Succeed", "Comment": "mine"});
        existing["States"]["Tool_a"]["TimeoutSeconds"] = json!(999);
        let (merged, notes) = merge_with_existing(&generated.definition, Some(&existing));
        assert_eq!(
            merged["States"]["Audit"],
            json!({"Type": "Pass", "End": true})
        );
        assert_eq!(merged["States"]["Done"]["Comment"], "mine");
        // A generated state still carrying the mark is rewritten.
        assert_eq!(merged["States"]["Tool_a"]["TimeoutSeconds"], 7);
        assert_eq!(notes.len(), 2);
    }

    #[test]
    fn both_query_languages_lay_out_the_same_states_and_validate() {
        let tools = [manifest("a"), manifest("b")];
        for language in [QueryLanguage::JsonPath, QueryLanguage::Jsonata] {
            for machine_type in [MachineType::Standard, MachineType::Express] {
                let config = GeneratorConfig {
                    query_language: language,
                    machine_type,
                    ..GeneratorConfig::default()
                };
                let generated = generate(&tools, &config).unwrap();
                let options = asl::validate::ValidateOptions { machine_type };
                let problems =
                    asl::validate::validate_definition_with(&generated.definition, &options);
                assert!(problems.is_empty(), "{language:?}: {problems:?}");
                let machine = asl::model::Machine::from_value(&generated.definition).unwrap();
                assert_eq!(machine.query_language(), language);
                let names: Vec<&str> = machine.states().names().collect();
                assert_eq!(
                    names,
                    [
                        "Agent",
                        "Route",
                        "Tool_a",
                        "Tool_b",
                        "ParallelCalls",
                        "Done",
                        "Failed",
                        "InvalidRoute",
                        "ContinueAsNew",
                        "HandedOff"
                    ]
                );
            }
        }
    }

    #[test]
    fn a_machine_without_tools_still_routes_every_call_to_unknown_tool() {
        for language in [QueryLanguage::JsonPath, QueryLanguage::Jsonata] {
            let config = GeneratorConfig {
                query_language: language,
                ..GeneratorConfig::default()
            };
            // (`sfn-gen generate` refuses an empty tool set; the library still lays it out.)
            let generated = generate(&[], &config).unwrap();
            let route_call = &generated.definition["States"]["ParallelCalls"]["ItemProcessor"]["States"]
                ["RouteCall"];
            assert_eq!(route_call["Choices"][0]["Next"], "UnknownTool");
        }
    }
}
