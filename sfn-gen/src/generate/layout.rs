//! The loop's states and their transitions, in neither query language: [`machine`]
//! describes each state to a [`Dialect`], which writes its fields.
//!
//! ```text
//! Agent (Task) ─▶ Route (Choice) ─┬─ call:<tool> ─▶ Tool_<tool> (Task) ─▶ Agent
//!                                 ├─ map ─▶ ParallelCalls (Map: RouteCall ─▶ Call_<tool>) ─▶ Agent
//!                                 ├─ done ─▶ Done (Succeed)
//!                                 ├─ failed ─▶ Failed (Fail, the agent's error and cause)
//!                                 ├─ continue ─▶ ContinueAsNew (StartExecution) ─▶ HandedOff
//!                                 └─ default ─▶ InvalidRoute (Fail)
//! ```

use asl::model::{Common, Machine, State, StateGraph, StateKind, States, Transition};
use protocol::errors::ErrorName;
use protocol::manifest::ToolManifest;
use protocol::route::Route;
use serde_json::Value;

use super::config::GeneratorConfig;
use super::dialect::{Cond, Dialect, Fields, MapSpec, Output, TaskSpec, Val};
use super::retry::{agent_retry, continue_retry, tool_retry};
use super::{AGENT_PLACEHOLDER, GENERATED_MARK, mark, tool_placeholder};

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

const LAMBDA_INVOKE: &str = "arn:aws:states:::lambda:invoke";
const START_EXECUTION: &str = "arn:aws:states:::states:startExecution";

/// The state each route that names no tool leads to.
fn fixed_route_target(route: &Route) -> &'static str {
    match route {
        Route::Map => "ParallelCalls",
        Route::Done => "Done",
        Route::Failed => "Failed",
        Route::Continue => "ContinueAsNew",
        Route::Call(_) => unreachable!("Route::FIXED names no tool"),
    }
}

/// A `${name}` definition substitution (filled in by the CDK app or `sfn-gen run`).
fn substitution(name: &str) -> Val {
    Val::text(format!("${{{name}}}"))
}

/// The execution's identity, always from the Context Object (never from model output).
fn execution() -> Val {
    Val::Object(vec![
        ("id", Val::Context("Execution.Id")),
        ("name", Val::Context("Execution.Name")),
    ])
}

fn succeed(what: &str) -> State {
    State {
        common: Common {
            comment: Some(mark(what)),
            ..Common::default()
        },
        kind: StateKind::Succeed,
    }
}

fn next(state: &str) -> Transition {
    Transition::Next(state.to_owned())
}

/// The agent step.
fn agent(dialect: &dyn Dialect, config: &GeneratorConfig) -> State {
    let loop_config = serde_json::to_value(config.loop_config()).unwrap_or(Value::Null);
    dialect.task(TaskSpec {
        comment: mark("one agent step: the reasoner decides the next tool calls or the answer"),
        resource: LAMBDA_INVOKE,
        arguments: vec![
            ("FunctionName", substitution(AGENT_PLACEHOLDER)),
            (
                "Payload",
                Val::Object(vec![
                    ("state", Val::Input("")),
                    ("execution", execution()),
                    ("config", Val::Literal(loop_config)),
                ]),
            ),
        ],
        output: Output::ResultField("Payload"),
        timeout_seconds: Some(config.agent_timeout_seconds.into()),
        retry: agent_retry(),
        catch: None,
        transition: next("Route"),
    })
}

/// The Choice on the agent's `route`.
fn route(dialect: &dyn Dialect, tools: &[ToolManifest], layout: Layout) -> State {
    let mut rules: Vec<(Cond, String)> = match layout {
        // Compact layout: single calls also go through the Map (5 transitions, not 3).
        Layout::Compact => {
            let kind = Route::CALL_PREFIX.trim_end_matches(':');
            vec![(Cond::HasKind("route", kind), "ParallelCalls".to_owned())]
        }
        Layout::Full => tools
            .iter()
            .map(|t| {
                let route = Route::call(&t.name).to_string();
                (Cond::Equals("route", route), format!("Tool_{}", t.name))
            })
            .collect(),
    };
    for route in Route::FIXED {
        let target = fixed_route_target(&route).to_owned();
        rules.push((Cond::Equals("route", route.to_string()), target));
    }
    dialect.choice(mark("routes on the agent's `route`"), rules, "InvalidRoute")
}

/// A single call's Task: the result joins the input under `tool`, a failure under
/// `failure`, and the agent sees both.
fn tool_task(dialect: &dyn Dialect, tool: &ToolManifest) -> State {
    dialect.task(TaskSpec {
        comment: mark(&format!("tool `{}` (from its tool.json)", tool.name)),
        resource: LAMBDA_INVOKE,
        arguments: vec![
            ("FunctionName", substitution(&tool_placeholder(&tool.name))),
            (
                "Payload",
                Val::Object(vec![
                    ("call", Val::Input("calls[0]")),
                    ("execution", execution()),
                ]),
            ),
        ],
        output: Output::MergeResult(
            "tool",
            vec![("results", Val::Array(vec![Val::Result("Payload")]))],
        ),
        timeout_seconds: Some(tool.x_sfn.timeout_seconds.into()),
        retry: tool_retry(tool),
        catch: Some(dialect.merge_errors("failure", "Agent")),
        transition: next("Agent"),
    })
}

/// An error observation for the agent: the call it answers, an error name and a cause.
fn observation(error: Val, cause: Val) -> Fields {
    vec![
        ("call_id", Val::Input("call.call_id")),
        ("tool", Val::Input("call.tool")),
        ("error", error),
        ("cause", cause),
    ]
}

/// The states of one parallel iteration: route the call by its tool, run it, and turn
/// errors and unknown tools into error observations.
fn call_states(dialect: &dyn Dialect, tools: &[ToolManifest]) -> States {
    let mut states = States::new();
    let mut rules: Vec<(Cond, String)> = tools
        .iter()
        .map(|t| {
            (
                Cond::Equals("call.tool", t.name.clone()),
                format!("Call_{}", t.name),
            )
        })
        .collect();
    if rules.is_empty() {
        rules.push((Cond::Filler("call.tool"), "UnknownTool".to_owned()));
    }
    states.insert(
        "RouteCall".into(),
        dialect.choice(mark("routes one call by its tool"), rules, "UnknownTool"),
    );
    let observer = dialect.observe_errors(observation(
        Val::ErrorOutput("Error"),
        Val::ErrorOutput("Cause"),
    ));
    for tool in tools {
        let call = dialect.task(TaskSpec {
            comment: mark(&format!("tool `{}` in a parallel turn", tool.name)),
            resource: LAMBDA_INVOKE,
            arguments: vec![
                ("FunctionName", substitution(&tool_placeholder(&tool.name))),
                ("Payload", Val::Input("")),
            ],
            output: Output::ResultField("Payload"),
            timeout_seconds: Some(tool.x_sfn.timeout_seconds.into()),
            retry: tool_retry(tool),
            catch: Some(observer.catcher.clone()),
            transition: Transition::End,
        });
        states.insert(format!("Call_{}", tool.name), call);
    }
    states.insert(observer.name.into(), observer.state);
    let unknown = observation(
        Val::text(ErrorName::UnknownTool.as_str()),
        Val::text(
            "No tool of this name exists in this state machine; use one of the tools listed in the tool configuration.",
        ),
    );
    states.insert(
        "UnknownTool".into(),
        dialect.pass(
            mark("a call naming no known tool becomes an error observation"),
            Some(unknown),
            Transition::End,
        ),
    );
    states
}

/// Several calls in one turn: a Map whose iterations route each call the same way.
fn parallel_calls(
    dialect: &dyn Dialect,
    tools: &[ToolManifest],
    config: &GeneratorConfig,
) -> State {
    dialect.map(MapSpec {
        comment: mark("several calls in one turn run in parallel"),
        items: "calls",
        item_selector: vec![
            ("call", Val::Context("Map.Item.Value")),
            ("execution", execution()),
        ],
        max_concurrency: config.map_concurrency.into(),
        processor: StateGraph {
            comment: None,
            query_language: None,
            start_at: "RouteCall".into(),
            states: call_states(dialect, tools),
        },
        output: Output::MergeResult("tool", vec![("results", Val::Result(""))]),
        next: "Agent".into(),
    })
}

/// The continue-as-new hand-off: a fresh execution of this machine, named by the agent.
fn continue_as_new(dialect: &dyn Dialect) -> State {
    dialect.task(TaskSpec {
        comment: mark(
            "continue-as-new: a fresh execution, named by the agent's hand-off record, carries on well before the 25,000-event history limit",
        ),
        resource: START_EXECUTION,
        arguments: vec![
            ("StateMachineArn", Val::Context("StateMachine.Id")),
            ("Name", Val::Input("continue_as")),
            (
                "Input",
                Val::Object(vec![
                    ("handoff", Val::Input("handoff")),
                    ("parent", execution()),
                    (
                        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID",
                        Val::Context("Execution.Id"),
                    ),
                ]),
            ),
        ],
        output: Output::FromResult(vec![("continuedAs", Val::Result("ExecutionArn"))]),
        timeout_seconds: None,
        retry: continue_retry(),
        catch: None,
        transition: next("HandedOff"),
    })
}

/// The agent machine for `tools` (sorted, names checked) in `layout`, written by
/// `dialect`.
pub fn machine(
    tools: &[ToolManifest],
    config: &GeneratorConfig,
    layout: Layout,
    dialect: &dyn Dialect,
) -> Machine {
    let mut states = States::new();
    states.insert("Agent".into(), agent(dialect, config));
    states.insert("Route".into(), route(dialect, tools, layout));
    if layout == Layout::Full {
        for tool in tools {
            states.insert(format!("Tool_{}", tool.name), tool_task(dialect, tool));
        }
    }
    states.insert(
        "ParallelCalls".into(),
        parallel_calls(dialect, tools, config),
    );
    states.insert("Done".into(), succeed("the agent answered"));
    states.insert(
        "Failed".into(),
        dialect.fail(
            mark("a guard tripped (turn limit, circuit breaker, invalid calls) or the reasoner failed"),
            Val::Input("error"),
            Val::Input("cause"),
        ),
    );
    states.insert(
        "InvalidRoute".into(),
        dialect.fail(
            mark("the agent returned a route this machine does not know"),
            Val::text(ErrorName::InvalidRoute.as_str()),
            Val::text(
                "The agent's route matched no state; regenerate the state machine after changing the tool set (sfn-gen generate).",
            ),
        ),
    );
    states.insert("ContinueAsNew".into(), continue_as_new(dialect));
    states.insert(
        "HandedOff".into(),
        succeed("the run goes on in the execution named in `continuedAs`"),
    );
    Machine {
        graph: StateGraph {
            comment: Some(format!(
                "{GENERATED_MARK} agent loop over {} tool(s); generated by `sfn-gen generate`, do not edit generated states by hand (see README)",
                tools.len()
            )),
            query_language: dialect.query_language(),
            start_at: "Agent".into(),
            states,
        },
        version: None,
        timeout_seconds: Some(config.machine_timeout_seconds()),
    }
}
