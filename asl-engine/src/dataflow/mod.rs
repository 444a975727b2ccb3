//! Input and output processing, one [`Dataflow`] per state (and per catcher and Choice
//! rule) in its query language: the stages every state shares, so that a state's code
//! reads the same in JSONPath and JSONata.
//!
//! | stage | JSONPath ([`jsonpath`]) | JSONata ([`jsonata`]) |
//! | --- | --- | --- |
//! | [`Dataflow::effective`] | `InputPath` | the input |
//! | [`Payload::evaluate`] | `Parameters`, `ItemSelector` | `Arguments`, `ItemSelector` |
//! | [`Dataflow::finish`] | `ResultSelector`, `Assign`, `ResultPath`, `OutputPath` | `Assign`, `Output` |
//! | [`Dyn::evaluate`] | a literal or its `...Path` | a literal or `{% ... %}` |
//!
//! Everything is compiled from the typed model before the execution starts; errors come
//! back as [`DataError`], and the interpreter adds AWS's "An error occurred while executing
//! the state ..." prefix.

pub mod jsonata;
pub mod jsonpath;

use std::cell::Cell;

use serde::Serialize;
use serde_json::{Map, Value};

use asl::intrinsics::ValueError;
use asl::jsonpath::Scope;
use asl::model::{Catcher, Common, Dynamic, QueryLanguage, Template};
pub use jsonata::{JsonataCall, JsonataTemplate, jsonata_expression};
pub use jsonpath::{NullablePathExpr, PathExpr, PayloadTemplate, ValueExpr};

/// A data-flow error: the error name and the cause after AWS's state prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataError {
    /// `States.Runtime`, `States.QueryEvaluationError`, `States.IntrinsicFailure`, ...
    pub error: String,
    /// The cause without the state prefix.
    pub detail: String,
    /// Whether the interpreter should add AWS's state prefix to the cause.
    pub prefixed: bool,
}

impl DataError {
    /// A `States.Runtime` error.
    pub fn runtime(detail: impl Into<String>) -> Self {
        Self {
            error: "States.Runtime".into(),
            detail: detail.into(),
            prefixed: true,
        }
    }

    /// A `States.QueryEvaluationError`.
    pub fn query(detail: impl Into<String>) -> Self {
        Self {
            error: "States.QueryEvaluationError".into(),
            detail: detail.into(),
            prefixed: true,
        }
    }
}

/// Compact JSON text, as AWS quotes values in causes.
pub fn compact(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

thread_local! {
    static PARSES: Cell<u64> = const { Cell::new(0) };
}

/// Counts one parse of a path, intrinsic call or JSONata expression on this thread.
fn count_parse() {
    PARSES.with(|p| p.set(p.get() + 1));
}

/// How many paths, intrinsic calls and JSONata expressions this thread has parsed: the
/// interpreter compares it before and after running, to prove that running parses nothing.
pub fn parses() -> u64 {
    PARSES.with(Cell::get)
}

/// What a state's data flow is evaluated with besides its input.
pub struct Io<'a> {
    /// The state's name (for error texts).
    pub state: &'a str,
    /// The Context Object (`$$`, `$states.context`), `null` when the state reads none.
    pub context: &'a Value,
    /// One variable (JSONPath `$name`).
    pub lookup: &'a (dyn Fn(&str) -> Option<Value> + Sync),
    /// Every variable in scope (JSONata bindings).
    pub variables: &'a (dyn Fn() -> Map<String, Value> + Sync),
}

impl Io<'_> {
    /// The JSONPath scope.
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            context: self.context,
            variables: self.lookup,
        }
    }

    /// The JSONata bindings: the variables and `$states` (`input`, `context`, and `extra`,
    /// e.g. `result` or `errorOutput`).
    pub fn bindings(&self, input: &Value, extra: Option<(&str, &Value)>) -> Map<String, Value> {
        let mut bindings = (self.variables)();
        let mut states = Map::new();
        states.insert("input".into(), input.clone());
        states.insert("context".into(), self.context.clone());
        if let Some((key, value)) = extra {
            states.insert(key.to_owned(), value.clone());
        }
        bindings.insert("states".into(), Value::Object(states));
        bindings
    }
}

/// What a state produced for [`Dataflow::finish`].
pub enum Produced {
    /// Nothing (Choice, Wait, Succeed, a JSONata Pass): the output comes from the input.
    Nothing,
    /// A result (Task, Map, Parallel, a JSONPath Pass): `$states.result` in JSONata.
    Result(Value),
    /// A caught error's output (a catcher): `$states.errorOutput` in JSONata.
    ErrorOutput(Value),
}

/// A state's output and the variables it assigns (committed by the caller once the state
/// succeeded).
pub struct Finished {
    /// The state's output.
    pub output: Value,
    /// The variables `Assign` sets.
    pub assign: Option<Map<String, Value>>,
}

/// The data flow of a state, a catcher or a Choice rule, in its query language.
#[derive(Debug, Clone)]
pub enum Dataflow {
    /// JSONPath's fields (boxed, as both are large).
    JsonPath(Box<PathFlow>),
    /// JSONata's fields.
    Jsonata(Box<JsonataFlow>),
}

/// JSONPath: `InputPath`, `ResultSelector`, `ResultPath`, `OutputPath`, `Assign`.
#[derive(Debug, Clone, Default)]
pub struct PathFlow {
    input_path: Option<NullablePathExpr>,
    result_selector: Option<PayloadTemplate>,
    result_path: Option<NullablePathExpr>,
    output_path: Option<NullablePathExpr>,
    assign: Option<PayloadTemplate>,
}

/// JSONata: `Output`, `Assign`.
#[derive(Debug, Clone, Default)]
pub struct JsonataFlow {
    output: Option<JsonataTemplate>,
    assign: Option<JsonataTemplate>,
}

impl Dataflow {
    /// A state's data flow; `assign` is false for the states whose `Assign` the engine does
    /// not run (Succeed).
    pub fn for_state(
        common: &Common,
        ql: QueryLanguage,
        result_selector: Option<&Template>,
        assign: bool,
    ) -> Self {
        let assign = if assign { common.assign.as_ref() } else { None };
        match ql {
            QueryLanguage::JsonPath => Dataflow::JsonPath(Box::new(PathFlow {
                input_path: common.input_path.as_ref().map(NullablePathExpr::compile),
                result_selector: result_selector.map(|t| PayloadTemplate::compile(t.value())),
                result_path: common.result_path.as_ref().map(NullablePathExpr::compile),
                output_path: common.output_path.as_ref().map(NullablePathExpr::compile),
                assign: assign.map(|t| PayloadTemplate::compile(t.value())),
            })),
            QueryLanguage::Jsonata => Dataflow::Jsonata(Box::new(JsonataFlow {
                output: common
                    .output
                    .as_ref()
                    .map(|t| JsonataTemplate::compile(t.value(), "Output")),
                assign: assign.map(|t| JsonataTemplate::compile(t.value(), "Assign")),
            })),
        }
    }

    /// A catcher's data flow: its `ResultPath` (JSONPath) or `Output` (JSONata), and its
    /// `Assign`.
    pub fn for_catcher(catcher: &Catcher, ql: QueryLanguage) -> Self {
        let common = Common {
            result_path: catcher.result_path.clone(),
            output: catcher.output.clone(),
            assign: catcher.assign.clone(),
            ..Common::default()
        };
        Dataflow::for_state(&common, ql, None, true)
    }

    /// A Choice rule's data flow: its own `Assign` and `Output`, with the state's
    /// `OutputPath` (JSONPath).
    pub fn for_rule(
        state: &Common,
        assign: Option<&Template>,
        output: Option<&Template>,
        ql: QueryLanguage,
    ) -> Self {
        let common = Common {
            output_path: state.output_path.clone(),
            output: output.cloned(),
            assign: assign.cloned(),
            ..Common::default()
        };
        Dataflow::for_state(&common, ql, None, true)
    }

    /// The effective input: `InputPath` applied (JSONPath); `None` when it is the input
    /// itself (no `InputPath`, `$`, JSONata), which saves a copy.
    pub fn effective(&self, io: &Io<'_>, input: &Value) -> Result<Option<Value>, DataError> {
        match self {
            Dataflow::JsonPath(flow) => match &flow.input_path {
                None => Ok(None),
                Some(NullablePathExpr::Null) => Ok(Some(Value::Object(Map::new()))),
                Some(NullablePathExpr::Path(path)) if path.text == "$" => Ok(None),
                Some(NullablePathExpr::Path(path)) => {
                    path.select_or_invalid(input, &io.scope()).map(Some)
                }
            },
            Dataflow::Jsonata(_) => Ok(None),
        }
    }

    /// The output and the assignments, from the state's `input`, its `effective` input (as
    /// [`Dataflow::effective`] gave it) and what it `produced`.
    pub fn finish(
        &self,
        io: &Io<'_>,
        input: Value,
        effective: Option<Value>,
        produced: Produced,
    ) -> Result<Finished, DataError> {
        self.finish_with(io, input, effective, produced, None)
    }

    /// [`Dataflow::finish`], reusing JSONata `bindings` already built for this input (a
    /// Choice state's conditions) when nothing was produced.
    pub fn finish_with(
        &self,
        io: &Io<'_>,
        input: Value,
        effective: Option<Value>,
        produced: Produced,
        bindings: Option<Map<String, Value>>,
    ) -> Result<Finished, DataError> {
        match self {
            Dataflow::JsonPath(flow) => {
                let scope = io.scope();
                // The input is kept only where `ResultPath` puts a result into it.
                let (value, input) = match produced {
                    Produced::Nothing => (effective.unwrap_or(input), None),
                    Produced::Result(result) => match &flow.result_selector {
                        Some(selector) => (selector.evaluate(&result, &scope)?, Some(input)),
                        None => (result, Some(input)),
                    },
                    Produced::ErrorOutput(error) => (error, Some(input)),
                };
                let assign = match &flow.assign {
                    None => None,
                    Some(template) => match template.evaluate(&value, &scope)? {
                        Value::Object(values) => Some(values),
                        other => {
                            return Err(DataError::runtime(format!(
                                "the field 'Assign' of state '{}' must be an object, found {}",
                                io.state,
                                compact(&other)
                            )));
                        }
                    },
                };
                let combined = match input {
                    Some(input) => {
                        jsonpath::apply_result_path(flow.result_path.as_ref(), input, value)?
                    }
                    None => value,
                };
                let output = jsonpath::apply_path(flow.output_path.as_ref(), combined, &scope)?;
                Ok(Finished { output, assign })
            }
            Dataflow::Jsonata(flow) => {
                let (extra, default) = match produced {
                    Produced::Nothing => (None, None),
                    Produced::Result(result) => (Some("result"), Some(result)),
                    Produced::ErrorOutput(error) => (Some("errorOutput"), Some(error)),
                };
                let bindings = match (bindings, extra) {
                    (Some(bindings), None) => bindings,
                    _ => io.bindings(&input, extra.zip(default.as_ref())),
                };
                let assign = match &flow.assign {
                    None => None,
                    Some(template) => match template.evaluate(&input, &bindings)? {
                        Value::Object(values) => Some(values),
                        other => {
                            return Err(DataError::query(format!(
                                "The field 'Assign' must evaluate to an object, found {}",
                                compact(&other)
                            )));
                        }
                    },
                };
                let output = match &flow.output {
                    Some(template) => template.evaluate(&input, &bindings)?,
                    None => default.unwrap_or(input),
                };
                Ok(Finished { output, assign })
            }
        }
    }
}

/// `Parameters`/`Arguments`, `ItemSelector`, a batch's `BatchInput`: a template in the
/// state's query language.
#[derive(Debug, Clone)]
pub enum Payload {
    /// `.$` keys, evaluated against the effective input.
    JsonPath(PayloadTemplate),
    /// `{% ... %}` strings, evaluated with the state's bindings.
    Jsonata(JsonataTemplate),
}

impl Payload {
    /// Compiles `template`, written in `field`.
    pub fn compile(template: &Template, ql: QueryLanguage, field: &str) -> Self {
        match ql {
            QueryLanguage::JsonPath => {
                Payload::JsonPath(PayloadTemplate::compile(template.value()))
            }
            QueryLanguage::Jsonata => {
                Payload::Jsonata(JsonataTemplate::compile(template.value(), field))
            }
        }
    }

    /// Evaluates the template: against `effective` (JSONPath) or with `input` as
    /// `$states.input` (JSONata).
    pub fn evaluate(
        &self,
        io: &Io<'_>,
        input: &Value,
        effective: &Value,
    ) -> Result<Value, DataError> {
        match self {
            Payload::JsonPath(template) => template.evaluate(effective, &io.scope()),
            Payload::Jsonata(template) => template.evaluate(input, &io.bindings(input, None)),
        }
    }
}

/// A field given directly, by a path (JSONPath `...Path`) or by a JSONata expression
/// (`TimeoutSeconds`, `Seconds`, `MaxConcurrency`, Fail's `Error`, ...).
#[derive(Debug, Clone)]
pub enum Dyn {
    /// The value as written.
    Literal(Value),
    /// A path (or, for `ErrorPath`/`CausePath`, an intrinsic call).
    Path(ValueExpr),
    /// An expression.
    Jsonata(JsonataCall),
}

/// Why a [`Dyn`] has no value: its path failed (each field words that differently), or
/// its expression did.
pub enum DynError {
    /// The path or intrinsic call failed.
    Path(ValueError),
    /// The expression failed (the error is AWS's already).
    Data(DataError),
}

impl Dyn {
    /// Compiles the model's field `field`; `intrinsics` lets its path form call an
    /// intrinsic function (`ErrorPath`, `CausePath`).
    pub fn compile<T: Serialize>(dynamic: &Dynamic<T>, field: &str, intrinsics: bool) -> Self {
        match dynamic {
            Dynamic::Literal(value) => {
                Dyn::Literal(serde_json::to_value(value).unwrap_or(Value::Null))
            }
            Dynamic::Path(text) if intrinsics => Dyn::Path(ValueExpr::compile(text)),
            Dynamic::Path(text) => Dyn::Path(ValueExpr::Path(PathExpr::compile(text))),
            Dynamic::Jsonata(expression) => {
                Dyn::Jsonata(JsonataCall::compile(expression.expression(), field))
            }
        }
    }

    /// The value, reading paths from `input`.
    pub fn evaluate(&self, io: &Io<'_>, input: &Value) -> Result<Value, DynError> {
        match self {
            Dyn::Literal(value) => Ok(value.clone()),
            Dyn::Path(path) => path.evaluate(input, &io.scope()).map_err(DynError::Path),
            Dyn::Jsonata(call) => call
                .evaluate_defined(input, &io.bindings(input, None))
                .map_err(DynError::Data),
        }
    }

    /// The path's text (empty for the other forms).
    pub fn path_text(&self) -> &str {
        match self {
            Dyn::Path(path) => path.text(),
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use asl::model::{Machine, StateKind};

    /// The data flow of state `S` of a one-state machine.
    fn flow_of(state: Value, ql: QueryLanguage) -> Dataflow {
        let machine = Machine::from_value(&json!({
            "QueryLanguage": ql.as_str(), "StartAt": "S", "States": {"S": state}
        }))
        .unwrap();
        let state = machine.state("S").unwrap();
        let selector = match &state.kind {
            StateKind::Task(task) => task.result_selector.as_ref(),
            _ => None,
        };
        Dataflow::for_state(&state.common, ql, selector, true)
    }

    fn with_io<R>(f: impl FnOnce(&Io<'_>) -> R) -> R {
        let variables = || {
            let mut all = Map::new();
            all.insert("x".into(), json!(10));
            all
        };
        f(&Io {
            state: "S",
            context: &Value::Null,
            lookup: &|name| (name == "x").then(|| json!(10)),
            variables: &variables,
        })
    }

    #[test]
    fn jsonpath_stages_run_in_the_spec_order() {
        let flow = flow_of(
            json!({
                "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                "InputPath": "$.in",
                "ResultSelector": {"r.$": "$.value"},
                "ResultPath": "$.out",
                "OutputPath": "$.out",
                "Assign": {"seen.$": "$.r"},
                "End": true
            }),
            QueryLanguage::JsonPath,
        );
        with_io(|io| {
            let input = json!({"in": {"a": 1}});
            assert_eq!(flow.effective(io, &input).unwrap(), Some(json!({"a": 1})));
            let finished = flow
                .finish(io, input, None, Produced::Result(json!({"value": 7})))
                .unwrap();
            assert_eq!(finished.output, json!({"r": 7}));
            assert_eq!(finished.assign.unwrap()["seen"], json!(7));
        });
    }

    #[test]
    fn without_input_path_the_effective_input_is_the_input_itself() {
        let flow = flow_of(
            json!({"Type": "Pass", "End": true}),
            QueryLanguage::JsonPath,
        );
        with_io(|io| assert_eq!(flow.effective(io, &json!({"a": 1})).unwrap(), None));
    }

    #[test]
    fn jsonata_stages_see_the_result_and_the_variables() {
        let flow = flow_of(
            json!({
                "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                "Assign": {"y": "{% $x + $states.result.value %}"},
                "Output": {"sum": "{% $x + $states.input.n %}"},
                "End": true
            }),
            QueryLanguage::Jsonata,
        );
        with_io(|io| {
            let finished = flow
                .finish(
                    io,
                    json!({"n": 1}),
                    None,
                    Produced::Result(json!({"value": 2})),
                )
                .unwrap();
            assert_eq!(finished.output, json!({"sum": 11}));
            assert_eq!(finished.assign.unwrap()["y"], json!(12));
        });
    }

    #[test]
    fn a_jsonata_state_without_output_hands_on_its_result_or_its_input() {
        let flow = flow_of(json!({"Type": "Pass", "End": true}), QueryLanguage::Jsonata);
        with_io(|io| {
            let kept = flow.finish(io, json!(1), None, Produced::Nothing).unwrap();
            assert_eq!(kept.output, json!(1));
            let caught = flow
                .finish(
                    io,
                    json!(1),
                    None,
                    Produced::ErrorOutput(json!({"Error": "E"})),
                )
                .unwrap();
            assert_eq!(caught.output, json!({"Error": "E"}));
        });
    }

    #[test]
    fn dynamic_fields_read_literals_paths_and_expressions() {
        let path = Dyn::compile(&Dynamic::<u64>::Path("$.t".into()), "TimeoutSeconds", false);
        let literal = Dyn::compile(&Dynamic::Literal(5u64), "TimeoutSeconds", false);
        let expression = Dyn::compile(
            &Dynamic::<u64>::Jsonata(asl::model::JsonataExpr(" $x * 2 ".into())),
            "TimeoutSeconds",
            false,
        );
        with_io(|io| {
            let input = json!({"t": 3});
            assert_eq!(path.evaluate(io, &input).ok(), Some(json!(3)));
            assert_eq!(literal.evaluate(io, &input).ok(), Some(json!(5)));
            assert_eq!(expression.evaluate(io, &input).ok(), Some(json!(20)));
        });
    }
}
