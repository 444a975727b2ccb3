//! Compile once, run many times (STYLE 16a): the typed model of a definition
//! ([`asl::model::Machine`]) becomes a [`Program`], each state holding its compiled paths,
//! intrinsic calls, Choice rules, JSONata expressions and templates directly, and its
//! transitions as indexes. Running a program parses nothing and reads no definition JSON.
//!
//! The shapes mirror the model: a [`Graph`] per state machine (the top level, a Parallel
//! branch, a Map processor), a [`StateProgram`] per state with the [`Dataflow`] of its
//! query language, and a [`Body`] per state type.

use std::collections::HashMap;

use serde_json::Value;

use super::choice::Rule;
use super::dataflow::{
    Dataflow, Dyn, JsonataCall, JsonataTemplate, PathExpr, Payload, PayloadTemplate,
};
use super::retry::Retrier;
use asl::model::{
    self, Condition, Machine, ModelError, QueryLanguage, State, StateGraph, StateKind, StateType,
    Test, Transition,
};

/// A compiled definition.
#[derive(Debug)]
pub struct Program {
    /// The top-level states.
    pub root: Graph,
}

impl Program {
    /// Reads `definition` into the model and compiles it.
    pub fn from_definition(definition: &Value) -> Result<Program, ModelError> {
        Machine::from_value(definition).map(|machine| Program::compile(&machine))
    }

    /// Compiles a machine.
    pub fn compile(machine: &Machine) -> Program {
        Program {
            root: Graph::compile(&machine.graph, QueryLanguage::default()),
        }
    }
}

/// The states of one state machine, by index.
#[derive(Debug)]
pub struct Graph {
    /// The index of `StartAt`.
    pub start: usize,
    /// The states, in document order.
    pub states: Vec<StateProgram>,
    names: HashMap<String, usize>,
}

impl Graph {
    fn compile(graph: &StateGraph, enclosing: QueryLanguage) -> Graph {
        let ql = graph.query_language(enclosing);
        let names: HashMap<String, usize> = graph
            .states
            .names()
            .enumerate()
            .map(|(i, name)| (name.to_owned(), i))
            .collect();
        // The model guarantees that every transition names a state of the graph.
        let index = |name: &str| names.get(name).copied().unwrap_or_default();
        let states = graph
            .states
            .iter()
            .map(|(name, state)| StateProgram::compile(name, state, ql, &index))
            .collect();
        Graph {
            start: index(&graph.start_at),
            states,
            names,
        }
    }

    /// The index of the state named `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.get(name).copied()
    }
}

/// One state, compiled.
#[derive(Debug)]
pub struct StateProgram {
    /// Its name.
    pub name: String,
    /// Its type.
    pub state_type: StateType,
    /// Whether it reads the Context Object (`$$`, `$states`): only then is one built.
    pub uses_context: bool,
    /// Input and output processing in its query language.
    pub flow: Dataflow,
    /// `Next` (`None`: the machine ends here, or the type decides).
    pub next: Option<usize>,
    /// `Retry`, defaults applied.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Vec<CatchProgram>,
    /// The type's own fields.
    pub body: Body,
}

impl StateProgram {
    fn compile(
        name: &str,
        state: &State,
        enclosing: QueryLanguage,
        index: &dyn Fn(&str) -> usize,
    ) -> StateProgram {
        let ql = state.query_language(enclosing);
        let common = &state.common;
        let result_selector = match &state.kind {
            StateKind::Task(t) => t.result_selector.as_ref(),
            StateKind::Parallel(p) => p.result_selector.as_ref(),
            StateKind::Map(m) => m.result_selector.as_ref(),
            _ => None,
        };
        // The engine has never run a Succeed state's `Assign`.
        let assign = state.state_type() != StateType::Succeed;
        let text = serde_json::to_string(state).unwrap_or_default();
        StateProgram {
            name: name.to_owned(),
            state_type: state.state_type(),
            uses_context: text.contains("$$") || text.contains("$states"),
            flow: Dataflow::for_state(common, ql, result_selector, assign),
            next: match &common.transition {
                Some(Transition::Next(next)) => Some(index(next)),
                _ => None,
            },
            retry: state.retry().iter().map(Retrier::from_model).collect(),
            catch: state
                .catch()
                .iter()
                .map(|c| CatchProgram {
                    error_equals: c.error_equals.clone(),
                    next: index(&c.next),
                    flow: Dataflow::for_catcher(c, ql),
                })
                .collect(),
            body: Body::compile(state, ql, index),
        }
    }

    /// The type of its `...StateEntered` event.
    pub fn entered_event(&self) -> &'static str {
        match self.state_type {
            StateType::Pass => "PassStateEntered",
            StateType::Task => "TaskStateEntered",
            StateType::Choice => "ChoiceStateEntered",
            StateType::Wait => "WaitStateEntered",
            StateType::Succeed => "SucceedStateEntered",
            StateType::Fail => "FailStateEntered",
            StateType::Parallel => "ParallelStateEntered",
            StateType::Map => "MapStateEntered",
        }
    }

    /// The type of its `...StateExited` event (a Fail state records none).
    pub fn exited_event(&self) -> Option<&'static str> {
        Some(match self.state_type {
            StateType::Pass => "PassStateExited",
            StateType::Task => "TaskStateExited",
            StateType::Choice => "ChoiceStateExited",
            StateType::Wait => "WaitStateExited",
            StateType::Succeed => "SucceedStateExited",
            StateType::Fail => return None,
            StateType::Parallel => "ParallelStateExited",
            StateType::Map => "MapStateExited",
        })
    }
}

/// One catcher.
#[derive(Debug)]
pub struct CatchProgram {
    /// The errors it handles.
    pub error_equals: Vec<String>,
    /// Where it goes.
    pub next: usize,
    /// Its `ResultPath` or `Output`, and `Assign`.
    pub flow: Dataflow,
}

/// The fields of each state type.
#[derive(Debug)]
pub enum Body {
    /// Pass.
    Pass(PassResult),
    /// Task.
    Task(Box<TaskProgram>),
    /// Choice.
    Choice(ChoiceProgram),
    /// Wait.
    Wait(WaitProgram),
    /// Succeed.
    Succeed,
    /// Fail: `Error` and `Cause`.
    Fail {
        /// The error name.
        error: Option<Dyn>,
        /// The cause.
        cause: Option<Dyn>,
    },
    /// Parallel.
    Parallel(ParallelProgram),
    /// Map.
    Map(Box<MapProgram>),
}

/// What a Pass state produces.
#[derive(Debug)]
pub enum PassResult {
    /// `Result` (JSONPath).
    Literal(Value),
    /// `Parameters` (JSONPath).
    Parameters(Payload),
    /// The effective input (JSONPath, neither field).
    Effective,
    /// No result: the output is `Output` or the input (JSONata).
    Nothing,
}

/// A Task state's fields.
#[derive(Debug)]
pub struct TaskProgram {
    /// `Resource` without `.waitForTaskToken`.
    pub resource: String,
    /// Whether the Task waits for its token (`.waitForTaskToken`).
    pub callback: bool,
    /// `Parameters` or `Arguments`.
    pub arguments: Option<Payload>,
    /// Which of the two the state's language calls it.
    pub arguments_field: &'static str,
    /// `TimeoutSeconds`.
    pub timeout: Option<Dyn>,
    /// `HeartbeatSeconds`.
    pub heartbeat: Option<Dyn>,
}

/// A Choice state's rules and `Default`.
#[derive(Debug)]
pub struct ChoiceProgram {
    /// The rules, in order.
    pub rules: Vec<RuleProgram>,
    /// `Default`.
    pub default: Option<usize>,
}

/// One Choice rule.
#[derive(Debug)]
pub struct RuleProgram {
    /// Its test.
    pub test: RuleTest,
    /// Where it goes.
    pub next: usize,
    /// Its `Assign` and `Output`, with the state's `OutputPath`.
    pub flow: Dataflow,
}

/// A rule's test.
#[derive(Debug)]
pub enum RuleTest {
    /// JSONPath.
    Rule(Rule),
    /// JSONata `"Condition": true` or `false`.
    Literal(bool),
    /// JSONata `"Condition": "{% ... %}"`.
    Condition(JsonataCall),
}

/// A Wait state's delay.
#[derive(Debug)]
pub enum WaitProgram {
    /// `Seconds` (literal or JSONata).
    Seconds(Dyn),
    /// `Timestamp` (literal or JSONata); `strict`: an unreadable one is an error (JSONata)
    /// rather than no wait (JSONPath).
    Timestamp {
        /// The value.
        value: Dyn,
        /// JSONata's strictness.
        strict: bool,
    },
    /// `SecondsPath`.
    SecondsPath(PathExpr),
    /// `TimestampPath`.
    TimestampPath(PathExpr),
}

/// A Parallel state's fields.
#[derive(Debug)]
pub struct ParallelProgram {
    /// The branches.
    pub branches: Vec<Graph>,
    /// `Parameters` or `Arguments`.
    pub arguments: Option<Payload>,
}

/// A Map state's fields.
#[derive(Debug)]
pub struct MapProgram {
    /// The processor's states.
    pub processor: Graph,
    /// Where the items come from.
    pub items: Items,
    /// `ItemSelector` (or `Parameters`).
    pub selector: Option<Payload>,
    /// `ItemBatcher`.
    pub batcher: Option<Batcher>,
    /// `MaxConcurrency`.
    pub max_concurrency: Option<Dyn>,
    /// `ToleratedFailureCount`.
    pub tolerated_count: Option<Dyn>,
    /// `ToleratedFailurePercentage`.
    pub tolerated_percentage: Option<Dyn>,
}

/// A Map state's items.
#[derive(Debug)]
pub enum Items {
    /// `ItemsPath` (default `$`).
    JsonPath(Option<PathExpr>),
    /// `Items` (default: the input).
    Jsonata(Option<JsonataTemplate>),
}

/// `ItemBatcher`.
#[derive(Debug)]
pub struct Batcher {
    /// `MaxItemsPerBatch`.
    pub max_items_per_batch: Option<u64>,
    /// `BatchInput`.
    pub batch_input: Option<BatchInput>,
}

/// A batch's `BatchInput`.
#[derive(Debug)]
pub enum BatchInput {
    /// A JSONPath template, evaluated against the effective input.
    Template(PayloadTemplate),
    /// Kept as written (JSONata).
    Constant(Value),
}

impl Body {
    fn compile(state: &State, ql: QueryLanguage, index: &dyn Fn(&str) -> usize) -> Body {
        let jsonata = ql == QueryLanguage::Jsonata;
        match &state.kind {
            StateKind::Pass(pass) => Body::Pass(match (&pass.result, &pass.parameters, jsonata) {
                (_, _, true) => PassResult::Nothing,
                (Some(result), _, false) => PassResult::Literal(result.clone()),
                (None, Some(parameters), false) => {
                    PassResult::Parameters(Payload::compile(parameters, ql, "Parameters"))
                }
                (None, None, false) => PassResult::Effective,
            }),
            StateKind::Task(task) => {
                let (resource, callback) = match task.resource.strip_suffix(".waitForTaskToken") {
                    Some(base) => (base.to_owned(), true),
                    None => (task.resource.clone(), false),
                };
                let arguments_field = if jsonata { "Arguments" } else { "Parameters" };
                Body::Task(Box::new(TaskProgram {
                    resource,
                    callback,
                    arguments: task
                        .parameters
                        .as_ref()
                        .or(task.arguments.as_ref())
                        .map(|t| Payload::compile(t, ql, arguments_field)),
                    arguments_field,
                    timeout: task
                        .timeout_seconds
                        .as_ref()
                        .map(|d| Dyn::compile(d, "TimeoutSeconds", false)),
                    heartbeat: task
                        .heartbeat_seconds
                        .as_ref()
                        .map(|d| Dyn::compile(d, "HeartbeatSeconds", false)),
                }))
            }
            StateKind::Choice(choice) => Body::Choice(ChoiceProgram {
                rules: choice
                    .choices
                    .iter()
                    .map(|rule| RuleProgram {
                        test: match &rule.test {
                            Test::Expr(expr) => RuleTest::Rule(Rule::compile(expr)),
                            Test::Condition(Condition::Literal(b)) => RuleTest::Literal(*b),
                            Test::Condition(Condition::Jsonata(e)) => RuleTest::Condition(
                                JsonataCall::compile(e.expression(), "Condition"),
                            ),
                        },
                        next: index(&rule.next),
                        flow: Dataflow::for_rule(
                            &state.common,
                            rule.assign.as_ref(),
                            rule.output.as_ref(),
                            ql,
                        ),
                    })
                    .collect(),
                default: choice.default.as_deref().map(index),
            }),
            StateKind::Wait(wait) => Body::Wait(match wait {
                model::states::Wait::Seconds(model::Dynamic::Path(p)) => {
                    WaitProgram::SecondsPath(PathExpr::compile(p))
                }
                model::states::Wait::Seconds(d) => {
                    WaitProgram::Seconds(Dyn::compile(d, "Seconds", false))
                }
                model::states::Wait::Timestamp(model::Dynamic::Path(p)) => {
                    WaitProgram::TimestampPath(PathExpr::compile(p))
                }
                model::states::Wait::Timestamp(d) => WaitProgram::Timestamp {
                    value: Dyn::compile(d, "Timestamp", false),
                    strict: jsonata,
                },
            }),
            StateKind::Succeed => Body::Succeed,
            StateKind::Fail(fail) => Body::Fail {
                error: fail.error.as_ref().map(|d| Dyn::compile(d, "Error", true)),
                cause: fail.cause.as_ref().map(|d| Dyn::compile(d, "Cause", true)),
            },
            StateKind::Parallel(parallel) => Body::Parallel(ParallelProgram {
                branches: parallel
                    .branches
                    .iter()
                    .map(|branch| Graph::compile(branch, ql))
                    .collect(),
                arguments: parallel
                    .parameters
                    .as_ref()
                    .or(parallel.arguments.as_ref())
                    .map(|t| {
                        Payload::compile(t, ql, if jsonata { "Arguments" } else { "Parameters" })
                    }),
            }),
            StateKind::Map(map) => Body::Map(Box::new(MapProgram {
                processor: Graph::compile(&map.processor.graph, ql),
                items: if jsonata {
                    Items::Jsonata(
                        map.items
                            .as_ref()
                            .map(|t| JsonataTemplate::compile(t.value(), "Items")),
                    )
                } else {
                    Items::JsonPath(map.items_path.as_deref().map(PathExpr::compile))
                },
                selector: map
                    .item_selector
                    .as_ref()
                    .or(map.parameters.as_ref())
                    .map(|t| Payload::compile(t, ql, "ItemSelector")),
                batcher: map.item_batcher.as_ref().map(|t| Batcher {
                    max_items_per_batch: t.value().get("MaxItemsPerBatch").and_then(Value::as_u64),
                    batch_input: t.value().get("BatchInput").map(|input| {
                        if jsonata {
                            BatchInput::Constant(input.clone())
                        } else {
                            BatchInput::Template(PayloadTemplate::compile(input))
                        }
                    }),
                }),
                max_concurrency: map
                    .max_concurrency
                    .as_ref()
                    .map(|d| Dyn::compile(d, "MaxConcurrency", false)),
                tolerated_count: map
                    .tolerated_failure_count
                    .as_ref()
                    .map(|d| Dyn::compile(d, "ToleratedFailureCount", false)),
                tolerated_percentage: map
                    .tolerated_failure_percentage
                    .as_ref()
                    .map(|d| Dyn::compile(d, "ToleratedFailurePercentage", false)),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::dataflow::parses;

    #[test]
    fn states_are_compiled_with_their_transitions_as_indexes() {
        let before = parses();
        let program = Program::from_definition(&json!({
            "StartAt": "A",
            "States": {
                "A": {
                    "Type": "Pass",
                    "InputPath": "$.a",
                    "Parameters": {"x.$": "States.MathAdd($.n, 1)", "y.$": "$$.Execution.Id", "z": "plain"},
                    "Next": "B"
                },
                "B": {"Type": "Succeed"}
            }
        }))
        .unwrap();
        // `$.a`, the intrinsic call, `$$.Execution.Id`.
        assert_eq!(parses() - before, 3);
        let a = &program.root.states[program.root.start];
        assert_eq!(a.name, "A");
        assert_eq!(a.next, program.root.index("B"));
        assert!(a.uses_context);
        assert_eq!(a.entered_event(), "PassStateEntered");
        assert!(!program.root.states[1].uses_context);
    }

    #[test]
    fn a_definition_the_model_refuses_names_the_pointer() {
        let error = Program::from_definition(&json!({
            "StartAt": "A",
            "States": {"A": {"Type": "Pass", "Nxt": "A", "End": true}}
        }))
        .unwrap_err();
        assert!(error.to_string().contains("/States/A/Nxt"), "{error}");
    }
}
