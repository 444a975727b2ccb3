//! The agent state machine, generated from the tools' manifests.
//!
//! The loop (ARCHITECTURE.md, "One execution, step by step"; the routing contract is in
//! `protocol::agent`):
//!
//! ```text
//! Agent (Task) ─▶ Route (Choice) ─┬─ call:<tool> ─▶ Tool_<tool> (Task) ─▶ Agent
//!                                 ├─ map ─▶ ParallelCalls (Map: RouteCall ─▶ Call_<tool>) ─▶ Agent
//!                                 ├─ done ─▶ Done (Succeed)
//!                                 ├─ failed ─▶ Failed (Fail, the agent's error and cause)
//!                                 ├─ continue ─▶ ContinueAsNew (StartExecution) ─▶ HandedOff
//!                                 └─ default ─▶ InvalidRoute (Fail)
//! ```
//!
//! A turn with one call costs 3 state transitions (Agent, Route, the tool's Task); a turn
//! with N parallel calls costs 3 + 2N (Agent, Route, the Map, and per call its Choice and
//! Task). The public agent samples spend 6 per call.
//!
//! Every generated state carries a `Comment` starting with [`GENERATED_MARK`]; states
//! without it are the user's (added in Workflow Studio, say) and `generate` keeps them.

use std::collections::BTreeMap;

use anyhow::{Context, bail};
use protocol::errors::{ErrorName, LAMBDA_TRANSIENT_ERRORS};
use protocol::manifest::{JitterStrategy, ToolManifest};
use protocol::route::Route;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

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

pub use asl::{MachineType, QueryLanguage};

/// The project's generator settings (`sfn-gen.json` at the workspace root; every field is
/// optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GeneratorConfig {
    /// The run fails with `Agent.TurnLimit` after this many turns.
    pub max_turns: u32,
    /// Consecutive failures of one tool before `Agent.CircuitOpen`.
    pub failure_threshold: u32,
    /// Turns per execution before a continue-as-new hand-off.
    pub turns_per_execution: u32,
    /// Parallel tool calls at once (the Map's MaxConcurrency; 0 = no limit).
    pub map_concurrency: u32,
    /// Standard or Express.
    #[serde(rename = "type")]
    pub machine_type: MachineType,
    /// `JSONPath` or `JSONata`.
    pub query_language: QueryLanguage,
    /// The agent Task's timeout.
    pub agent_timeout_seconds: u32,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        let limits = protocol::agent::LoopConfig::default();
        Self {
            max_turns: limits.max_turns,
            failure_threshold: limits.failure_threshold,
            turns_per_execution: limits.turns_per_execution,
            map_concurrency: 10,
            machine_type: MachineType::Standard,
            query_language: QueryLanguage::JsonPath,
            agent_timeout_seconds: 120,
        }
    }
}

impl GeneratorConfig {
    /// Checks the settings' ranges.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.max_turns == 0 {
            bail!("maxTurns must be at least 1");
        }
        if self.failure_threshold == 0 {
            bail!("failureThreshold must be at least 1");
        }
        if self.turns_per_execution == 0 {
            bail!("turnsPerExecution must be at least 1");
        }
        // Each single-call turn writes about 13 history events (3 states entered and
        // exited, the two tasks' scheduled/started/succeeded); stay well under 25,000.
        if self.machine_type == MachineType::Standard && self.turns_per_execution > 1_500 {
            bail!(
                "turnsPerExecution {} would pass the 25,000-event history limit of a Standard execution; use at most 1500",
                self.turns_per_execution
            );
        }
        Ok(())
    }
}

/// Past this size the generator switches to the [`Layout::Compact`] layout (headroom under
/// the 1 MB limit is left for states users add in the console).
pub const COMPACT_ABOVE_BYTES: usize = 800_000;

/// How the loop is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One Task per tool for single calls (3 transitions per call) plus the Map for
    /// parallel calls.
    Full,
    /// Every call goes through the Map (5 transitions for a single call, 3 + 2N for N):
    /// chosen automatically when the full layout would pass [`COMPACT_ABOVE_BYTES`]
    /// (about 500 tools).
    Compact,
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

fn mark(what: &str) -> Value {
    Value::from(format!("{GENERATED_MARK} {what}"))
}

fn execution_ref_jsonpath() -> Value {
    json!({"id.$": "$$.Execution.Id", "name.$": "$$.Execution.Name"})
}

fn jitter(strategy: JitterStrategy) -> &'static str {
    match strategy {
        JitterStrategy::Full => "FULL",
        JitterStrategy::None => "NONE",
    }
}

/// The Retry list of a tool's Task: AWS's transient Lambda errors, then the tool's own
/// retryable errors, with the manifest's back-off.
pub fn tool_retry(tool: &ToolManifest) -> Value {
    let policy = &tool.x_sfn.retry;
    let mut retriers = vec![json!({
        "ErrorEquals": LAMBDA_TRANSIENT_ERRORS,
        "IntervalSeconds": 1,
        "MaxAttempts": 3,
        "BackoffRate": 2.0,
        "MaxDelaySeconds": 10,
        "JitterStrategy": "FULL"
    })];
    if !policy.errors.is_empty() && policy.max_attempts > 0 {
        let mut retrier = json!({
            "ErrorEquals": policy.errors,
            "IntervalSeconds": policy.interval_seconds.max(1),
            "MaxAttempts": policy.max_attempts,
            "BackoffRate": policy.backoff_rate.max(1.0),
            "JitterStrategy": jitter(policy.jitter_strategy),
        });
        if let Some(max_delay) = policy.max_delay_seconds {
            retrier["MaxDelaySeconds"] = json!(max_delay);
        }
        retriers.push(retrier);
    }
    Value::Array(retriers)
}

fn agent_retry() -> Value {
    let mut errors: Vec<&str> = LAMBDA_TRANSIENT_ERRORS.to_vec();
    errors.push(ErrorName::ReasonerThrottled.as_str());
    json!([
        {
            "ErrorEquals": errors,
            "IntervalSeconds": 2,
            "MaxAttempts": 6,
            "BackoffRate": 2.0,
            "MaxDelaySeconds": 60,
            "JitterStrategy": "FULL"
        },
        {
            "ErrorEquals": [ErrorName::ReasonerError],
            "IntervalSeconds": 2,
            "MaxAttempts": 2,
            "BackoffRate": 2.0,
            "JitterStrategy": "FULL"
        }
    ])
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
    let build = |compact: bool| match config.query_language {
        QueryLanguage::JsonPath => jsonpath_machine(&tools, config, compact),
        QueryLanguage::Jsonata => jsonata_machine(&tools, config, compact),
    };
    let mut definition = build(false);
    let mut size = serde_json::to_string(&definition)?.len();
    let mut layout = Layout::Full;
    if size > COMPACT_ABOVE_BYTES {
        definition = build(true);
        size = serde_json::to_string(&definition)?.len();
        layout = Layout::Compact;
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

fn loop_config(config: &GeneratorConfig) -> Value {
    json!({
        "max_turns": config.max_turns,
        "failure_threshold": config.failure_threshold,
        "turns_per_execution": config.turns_per_execution,
    })
}

fn done_state() -> Value {
    json!({"Type": "Succeed", "Comment": mark("the agent answered")})
}

fn invalid_route_state() -> Value {
    json!({
        "Type": "Fail",
        "Comment": mark("the agent returned a route this machine does not know"),
        "Error": ErrorName::InvalidRoute,
        "Cause": "The agent's route matched no state; regenerate the state machine after changing the tool set (sfn-gen generate)."
    })
}

/// The state each route that names no tool leads to (both query languages).
fn fixed_route_targets() -> [(Route, &'static str); 4] {
    Route::FIXED.map(|route| {
        let next = match route {
            Route::Map => "ParallelCalls",
            Route::Done => "Done",
            Route::Failed => "Failed",
            Route::Continue => "ContinueAsNew",
            Route::Call(_) => unreachable!("Route::FIXED names no tool"),
        };
        (route, next)
    })
}

fn handed_off_state() -> Value {
    json!({"Type": "Succeed", "Comment": mark("the run goes on in the execution named in `continuedAs`")})
}

fn jsonpath_machine(tools: &[ToolManifest], config: &GeneratorConfig, compact: bool) -> Value {
    let mut states = Map::new();
    states.insert(
        "Agent".into(),
        json!({
            "Type": "Task",
            "Comment": mark("one agent step: the reasoner decides the next tool calls or the answer"),
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {
                "FunctionName": format!("${{{AGENT_PLACEHOLDER}}}"),
                "Payload": {
                    "state.$": "$",
                    "execution": execution_ref_jsonpath(),
                    "config": loop_config(config),
                }
            },
            "OutputPath": "$.Payload",
            "TimeoutSeconds": config.agent_timeout_seconds,
            "Retry": agent_retry(),
            "Next": "Route"
        }),
    );
    let mut choices: Vec<Value> = if compact {
        // Compact layout: single calls also go through the Map (5 transitions, not 3).
        vec![json!({
            "Variable": "$.route",
            "StringMatches": format!("{}*", Route::CALL_PREFIX),
            "Next": "ParallelCalls"
        })]
    } else {
        tools
            .iter()
            .map(|t| {
                json!({
                    "Variable": "$.route",
                    "StringEquals": Route::call(&t.name),
                    "Next": format!("Tool_{}", t.name)
                })
            })
            .collect()
    };
    for (route, next) in fixed_route_targets() {
        choices.push(json!({"Variable": "$.route", "StringEquals": route, "Next": next}));
    }
    states.insert(
        "Route".into(),
        json!({
            "Type": "Choice",
            "Comment": mark("routes on the agent's `route`"),
            "Choices": choices,
            "Default": "InvalidRoute"
        }),
    );
    for tool in tools.iter().filter(|_| !compact) {
        states.insert(
            format!("Tool_{}", tool.name),
            json!({
                "Type": "Task",
                "Comment": mark(&format!("tool `{}` (from its tool.json)", tool.name)),
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {
                    "FunctionName": format!("${{{}}}", tool_placeholder(&tool.name)),
                    "Payload": {
                        "call.$": "$.calls[0]",
                        "execution": execution_ref_jsonpath(),
                    }
                },
                "ResultSelector": {"results.$": "States.Array($.Payload)"},
                "ResultPath": "$.tool",
                "TimeoutSeconds": tool.x_sfn.timeout_seconds,
                "Retry": tool_retry(tool),
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "Agent"}],
                "Next": "Agent"
            }),
        );
    }
    // Parallel calls: a Map whose iterations route each call the same way.
    let mut item_states = Map::new();
    let mut item_choices: Vec<Value> = tools
        .iter()
        .map(|t| {
            json!({
                "Variable": "$.call.tool",
                "StringEquals": t.name,
                "Next": format!("Call_{}", t.name)
            })
        })
        .collect();
    if item_choices.is_empty() {
        item_choices
            .push(json!({"Variable": "$.call.tool", "IsPresent": false, "Next": "UnknownTool"}));
    }
    item_states.insert(
        "RouteCall".into(),
        json!({
            "Type": "Choice",
            "Comment": mark("routes one call by its tool"),
            "Choices": item_choices,
            "Default": "UnknownTool"
        }),
    );
    for tool in tools {
        item_states.insert(
            format!("Call_{}", tool.name),
            json!({
                "Type": "Task",
                "Comment": mark(&format!("tool `{}` in a parallel turn", tool.name)),
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {
                    "FunctionName": format!("${{{}}}", tool_placeholder(&tool.name)),
                    "Payload.$": "$"
                },
                "OutputPath": "$.Payload",
                "TimeoutSeconds": tool.x_sfn.timeout_seconds,
                "Retry": tool_retry(tool),
                "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "CallFailed"}],
                "End": true
            }),
        );
    }
    item_states.insert(
        "CallFailed".into(),
        json!({
            "Type": "Pass",
            "Comment": mark("turns a caught error into an error observation"),
            "Parameters": {
                "call_id.$": "$.call.call_id",
                "tool.$": "$.call.tool",
                "error.$": "$.error.Error",
                "cause.$": "$.error.Cause"
            },
            "End": true
        }),
    );
    item_states.insert(
        "UnknownTool".into(),
        json!({
            "Type": "Pass",
            "Comment": mark("a call naming no known tool becomes an error observation"),
            "Parameters": {
                "call_id.$": "$.call.call_id",
                "tool.$": "$.call.tool",
                "error": ErrorName::UnknownTool,
                "cause": "No tool of this name exists in this state machine; use one of the tools listed in the tool configuration."
            },
            "End": true
        }),
    );
    states.insert(
        "ParallelCalls".into(),
        json!({
            "Type": "Map",
            "Comment": mark("several calls in one turn run in parallel"),
            "ItemsPath": "$.calls",
            "ItemSelector": {
                "call.$": "$$.Map.Item.Value",
                "execution": execution_ref_jsonpath(),
            },
            "MaxConcurrency": config.map_concurrency,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "RouteCall",
                "States": item_states
            },
            "ResultSelector": {"results.$": "$"},
            "ResultPath": "$.tool",
            "Next": "Agent"
        }),
    );
    states.insert("Done".into(), done_state());
    states.insert(
        "Failed".into(),
        json!({
            "Type": "Fail",
            "Comment": mark("a guard tripped (turn limit, circuit breaker, invalid calls) or the reasoner failed"),
            "ErrorPath": "$.error",
            "CausePath": "$.cause"
        }),
    );
    states.insert("InvalidRoute".into(), invalid_route_state());
    states.insert(
        "ContinueAsNew".into(),
        json!({
            "Type": "Task",
            "Comment": mark("continue-as-new: a fresh execution, named by the agent's hand-off record, carries on well before the 25,000-event history limit"),
            "Resource": "arn:aws:states:::states:startExecution",
            "Parameters": {
                "StateMachineArn.$": "$$.StateMachine.Id",
                "Name.$": "$.continue_as",
                "Input": {
                    "handoff.$": "$.handoff",
                    "parent": execution_ref_jsonpath(),
                    "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"
                }
            },
            "ResultSelector": {"continuedAs.$": "$.ExecutionArn"},
            "Retry": [{"ErrorEquals": ["StepFunctions.SdkClientException", "StepFunctions.ThrottlingException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}],
            "Next": "HandedOff"
        }),
    );
    states.insert("HandedOff".into(), handed_off_state());
    json!({
        "Comment": format!("{GENERATED_MARK} agent loop over {} tool(s); generated by `sfn-gen generate`, do not edit generated states by hand (see README)", tools.len()),
        "StartAt": "Agent",
        "TimeoutSeconds": match config.machine_type { MachineType::Standard => 86_400, MachineType::Express => 300 },
        "States": states
    })
}

fn jsonata_machine(tools: &[ToolManifest], config: &GeneratorConfig, compact: bool) -> Value {
    let execution = "{'id': $states.context.Execution.Id, 'name': $states.context.Execution.Name}";
    let mut states = Map::new();
    states.insert(
        "Agent".into(),
        json!({
            "Type": "Task",
            "Comment": mark("one agent step: the reasoner decides the next tool calls or the answer"),
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {
                "FunctionName": format!("${{{AGENT_PLACEHOLDER}}}"),
                "Payload": format!(
                    "{{% {{'state': $states.input, 'execution': {execution}, 'config': {}}} %}}",
                    serde_json::to_string(&loop_config(config)).unwrap_or_default()
                )
            },
            "Output": "{% $states.result.Payload %}",
            "TimeoutSeconds": config.agent_timeout_seconds,
            "Retry": agent_retry(),
            "Next": "Route"
        }),
    );
    let mut choices: Vec<Value> = if compact {
        let kind = Route::CALL_PREFIX.trim_end_matches(':');
        vec![json!({
            "Condition": format!("{{% $substringBefore($states.input.route, ':') = '{kind}' %}}"),
            "Next": "ParallelCalls"
        })]
    } else {
        tools
            .iter()
            .map(|t| {
                json!({
                    "Condition": format!("{{% $states.input.route = '{}' %}}", Route::call(&t.name)),
                    "Next": format!("Tool_{}", t.name)
                })
            })
            .collect()
    };
    for (route, next) in fixed_route_targets() {
        choices.push(json!({
            "Condition": format!("{{% $states.input.route = '{route}' %}}"),
            "Next": next
        }));
    }
    states.insert(
        "Route".into(),
        json!({
            "Type": "Choice",
            "Comment": mark("routes on the agent's `route`"),
            "Choices": choices,
            "Default": "InvalidRoute"
        }),
    );
    for tool in tools.iter().filter(|_| !compact) {
        states.insert(
            format!("Tool_{}", tool.name),
            json!({
                "Type": "Task",
                "Comment": mark(&format!("tool `{}` (from its tool.json)", tool.name)),
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {
                    "FunctionName": format!("${{{}}}", tool_placeholder(&tool.name)),
                    "Payload": format!("{{% {{'call': $states.input.calls[0], 'execution': {execution}}} %}}")
                },
                "Output": "{% $merge([$states.input, {'tool': {'results': [$states.result.Payload]}}]) %}",
                "TimeoutSeconds": tool.x_sfn.timeout_seconds,
                "Retry": tool_retry(tool),
                "Catch": [{
                    "ErrorEquals": ["States.ALL"],
                    "Output": "{% $merge([$states.input, {'failure': $states.errorOutput}]) %}",
                    "Next": "Agent"
                }],
                "Next": "Agent"
            }),
        );
    }
    let mut item_states = Map::new();
    let mut item_choices: Vec<Value> = tools
        .iter()
        .map(|t| {
            json!({
                "Condition": format!("{{% $states.input.call.tool = '{}' %}}", t.name),
                "Next": format!("Call_{}", t.name)
            })
        })
        .collect();
    if item_choices.is_empty() {
        item_choices.push(json!({"Condition": "{% false %}", "Next": "UnknownTool"}));
    }
    item_states.insert(
        "RouteCall".into(),
        json!({
            "Type": "Choice",
            "Comment": mark("routes one call by its tool"),
            "Choices": item_choices,
            "Default": "UnknownTool"
        }),
    );
    for tool in tools {
        item_states.insert(
            format!("Call_{}", tool.name),
            json!({
                "Type": "Task",
                "Comment": mark(&format!("tool `{}` in a parallel turn", tool.name)),
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {
                    "FunctionName": format!("${{{}}}", tool_placeholder(&tool.name)),
                    "Payload": "{% $states.input %}"
                },
                "Output": "{% $states.result.Payload %}",
                "TimeoutSeconds": tool.x_sfn.timeout_seconds,
                "Retry": tool_retry(tool),
                "Catch": [{
                    "ErrorEquals": ["States.ALL"],
                    "Output": "{% {'call_id': $states.input.call.call_id, 'tool': $states.input.call.tool, 'error': $states.errorOutput.Error, 'cause': $states.errorOutput.Cause} %}",
                    "Next": "CallDone"
                }],
                "End": true
            }),
        );
    }
    item_states.insert(
        "CallDone".into(),
        json!({"Type": "Pass", "Comment": mark("an error observation for the agent"), "End": true}),
    );
    item_states.insert(
        "UnknownTool".into(),
        json!({
            "Type": "Pass",
            "Comment": mark("a call naming no known tool becomes an error observation"),
            "Output": format!("{{% {{'call_id': $states.input.call.call_id, 'tool': $states.input.call.tool, 'error': '{}', 'cause': 'No tool of this name exists in this state machine; use one of the tools listed in the tool configuration.'}} %}}", ErrorName::UnknownTool),
            "End": true
        }),
    );
    states.insert(
        "ParallelCalls".into(),
        json!({
            "Type": "Map",
            "Comment": mark("several calls in one turn run in parallel"),
            "Items": "{% $states.input.calls %}",
            "ItemSelector": format!("{{% {{'call': $states.context.Map.Item.Value, 'execution': {execution}}} %}}"),
            "MaxConcurrency": config.map_concurrency,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "RouteCall",
                "States": item_states
            },
            "Output": "{% $merge([$states.input, {'tool': {'results': $states.result}}]) %}",
            "Next": "Agent"
        }),
    );
    states.insert("Done".into(), done_state());
    states.insert(
        "Failed".into(),
        json!({
            "Type": "Fail",
            "Comment": mark("a guard tripped (turn limit, circuit breaker, invalid calls) or the reasoner failed"),
            "Error": "{% $states.input.error %}",
            "Cause": "{% $states.input.cause %}"
        }),
    );
    states.insert("InvalidRoute".into(), invalid_route_state());
    states.insert(
        "ContinueAsNew".into(),
        json!({
            "Type": "Task",
            "Comment": mark("continue-as-new: a fresh execution, named by the agent's hand-off record, carries on well before the 25,000-event history limit"),
            "Resource": "arn:aws:states:::states:startExecution",
            "Arguments": {
                "StateMachineArn": "{% $states.context.StateMachine.Id %}",
                "Name": "{% $states.input.continue_as %}",
                "Input": format!("{{% {{'handoff': $states.input.handoff, 'parent': {execution}, 'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID': $states.context.Execution.Id}} %}}")
            },
            "Output": "{% {'continuedAs': $states.result.ExecutionArn} %}",
            "Retry": [{"ErrorEquals": ["StepFunctions.SdkClientException", "StepFunctions.ThrottlingException"], "IntervalSeconds": 1, "MaxAttempts": 3, "BackoffRate": 2.0}],
            "Next": "HandedOff"
        }),
    );
    states.insert("HandedOff".into(), handed_off_state());
    json!({
        "Comment": format!("{GENERATED_MARK} agent loop over {} tool(s); generated by `sfn-gen generate`, do not edit generated states by hand (see README)", tools.len()),
        "QueryLanguage": "JSONata",
        "StartAt": "Agent",
        "TimeoutSeconds": match config.machine_type { MachineType::Standard => 86_400, MachineType::Express => 300 },
        "States": states
    })
}

/// Whether a state was written by the generator.
pub fn is_generated(state: &Value) -> bool {
    state
        .get("Comment")
        .and_then(Value::as_str)
        .is_some_and(|c| c.starts_with(GENERATED_MARK))
}

/// Console round-trip: merges a freshly generated machine into the committed one. States
/// the user added (no [`GENERATED_MARK`]) are kept as they are; a generated state the user
/// took over (its mark removed, same name) is kept too and reported; every other generated
/// state is rewritten. Top-level fields other than `States`/`StartAt`/`Comment` the user
/// set are kept.
pub fn merge_with_existing(generated: &Value, existing: Option<&Value>) -> (Value, Vec<String>) {
    let Some(existing) = existing.and_then(Value::as_object) else {
        return (generated.clone(), Vec::new());
    };
    let mut notes = Vec::new();
    let mut out = generated.as_object().cloned().unwrap_or_default();
    for (key, value) in existing {
        if !matches!(
            key.as_str(),
            "States" | "StartAt" | "Comment" | "QueryLanguage"
        ) && !out.contains_key(key)
        {
            out.insert(key.clone(), value.clone());
        }
    }
    let mut states = out
        .get("States")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let existing_states = existing
        .get("States")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut user_states: BTreeMap<String, Value> = BTreeMap::new();
    for (name, state) in &existing_states {
        if is_generated(state) {
            continue;
        }
        if states.contains_key(name) {
            notes.push(format!(
                "kept your version of `{name}` (its Comment has no `{GENERATED_MARK}` mark); restore the mark to let generate rewrite it"
            ));
        } else {
            notes.push(format!("kept your state `{name}`"));
        }
        user_states.insert(name.clone(), state.clone());
    }
    for (name, state) in user_states {
        states.insert(name, state);
    }
    out.insert("States".into(), Value::Object(states));
    (Value::Object(out), notes)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(
            task["Retry"][1]["ErrorEquals"],
            json!(["ToolError.Retryable"])
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
}
