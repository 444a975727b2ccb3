//! One layout, two query languages. The layout describes what each state reads and
//! writes in neither language ([`Val`], [`Cond`], [`Output`]); a [`Dialect`] writes that
//! as the fields of an [`asl::model::State`]: [`JsonPath`] as `Parameters`, `ResultSelector`,
//! `ResultPath`, `OutputPath` and `...Path` fields, [`Jsonata`] as `Arguments`, `Output`
//! and `{% ... %}` expressions.

mod jsonata;
mod jsonpath;

use asl::model::states::{Map, Processor, ProcessorConfig, ProcessorMode, Task};
use asl::model::{
    Catcher, Common, Dynamic, QueryLanguage, Retrier, STATES_ALL, State, StateGraph, StateKind,
    Transition,
};
use serde_json::Value;

pub use jsonata::Jsonata;
pub use jsonpath::JsonPath;

/// A value computed when a state runs. Paths are dotted field paths as both languages
/// write them (`call.tool`, `calls[0]`); `""` is the whole value.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    /// A constant.
    Literal(Value),
    /// A field of the state's input.
    Input(&'static str),
    /// A field of the Context Object (`Execution.Id`).
    Context(&'static str),
    /// A field of the Task's or Map's result.
    Result(&'static str),
    /// A field of a caught error's output (`Error`, `Cause`).
    ErrorOutput(&'static str),
    /// An object, its fields in order.
    Object(Fields),
    /// An array (JSONPath computes it with `States.Array`, whose arguments cannot be
    /// objects).
    Array(Vec<Val>),
}

/// The fields of an object value, in order.
pub type Fields = Vec<(&'static str, Val)>;

impl Val {
    /// A constant string.
    pub fn text(s: impl Into<String>) -> Val {
        Val::Literal(Value::String(s.into()))
    }
}

/// A Choice rule's test on a string field of the input.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    /// The field is `value`.
    Equals(&'static str, String),
    /// The field is `<kind>:<anything>` (a route such as `call:<tool>`).
    HasKind(&'static str, &'static str),
    /// A rule that decides nothing: a Choice needs at least one, and this one leads where
    /// the Choice's `Default` does. JSONPath tests that the field is absent, JSONata writes
    /// `false`.
    Filler(&'static str),
}

/// What a Task or Map outputs, built from its result.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A field of the result.
    ResultField(&'static str),
    /// An object built from the result.
    FromResult(Fields),
    /// The state's input, with the field `key` set to an object built from the result.
    MergeResult(&'static str, Fields),
}

/// A Task in neither language.
#[derive(Debug, Clone)]
pub struct TaskSpec {
    /// The `Comment`.
    pub comment: String,
    /// The integration's ARN.
    pub resource: &'static str,
    /// The integration's parameters (`Parameters` or `Arguments`).
    pub arguments: Fields,
    /// What the state outputs.
    pub output: Output,
    /// `TimeoutSeconds`.
    pub timeout_seconds: Option<u64>,
    /// `Retry`.
    pub retry: Vec<Retrier>,
    /// `Catch`.
    pub catch: Option<Catcher>,
    /// `Next` or `End`.
    pub transition: Transition,
}

/// An inline Map in neither language.
#[derive(Debug, Clone)]
pub struct MapSpec {
    /// The `Comment`.
    pub comment: String,
    /// The field of the input holding the items.
    pub items: &'static str,
    /// Each iteration's input.
    pub item_selector: Fields,
    /// `MaxConcurrency` (0: no limit).
    pub max_concurrency: u64,
    /// The states run per item.
    pub processor: StateGraph,
    /// What the state outputs (the result is the array of the iterations' outputs).
    pub output: Output,
    /// `Next`.
    pub next: String,
}

/// What [`Dialect::observe_errors`] builds: a catcher that turns any error into an error
/// observation, and the state it leads to.
pub struct Observer {
    /// The catcher that leads to `state`.
    pub catcher: Catcher,
    /// The name of the state the catcher leads to.
    pub name: &'static str,
    /// That state: it ends the iteration with the observation.
    pub state: State,
}

/// How one query language writes the layout's states.
pub trait Dialect {
    /// The machine's `QueryLanguage` field (`None`: JSONPath, the default).
    fn query_language(&self) -> Option<QueryLanguage>;

    /// A Task state.
    fn task(&self, spec: TaskSpec) -> State;

    /// An inline Map state.
    fn map(&self, spec: MapSpec) -> State;

    /// A Pass state whose output is `value` (`None`: its input).
    fn pass(&self, comment: String, value: Option<Fields>, transition: Transition) -> State;

    /// A Choice state.
    fn choice(&self, comment: String, rules: Vec<(Cond, String)>, default: &str) -> State;

    /// A Fail state; `error` and `cause` are constants or fields of the input.
    fn fail(&self, comment: String, error: Val, cause: Val) -> State;

    /// A catcher of every error that goes to `next` with the error output under the field
    /// `key` of the state's input.
    fn merge_errors(&self, key: &'static str, next: &str) -> Catcher;

    /// A catcher of every error that ends the iteration with `observation` (built from
    /// the input and [`Val::ErrorOutput`]), and the state it leads to.
    fn observe_errors(&self, observation: Fields) -> Observer;
}

/// The dialect of `language`.
pub fn for_language(language: QueryLanguage) -> &'static dyn Dialect {
    match language {
        QueryLanguage::JsonPath => &JsonPath,
        QueryLanguage::Jsonata => &Jsonata,
    }
}

/// The character between a route's kind and its argument (`call:<tool>`).
const KIND_SEPARATOR: char = ':';

/// A Task from `spec`; `fill` writes the fields the dialect decides (input and output).
fn build_task(
    spec: TaskSpec,
    fill: impl FnOnce(&mut Task, &mut Common, &Fields, &Output),
) -> State {
    let mut task = Task {
        resource: spec.resource.to_owned(),
        parameters: None,
        arguments: None,
        result_selector: None,
        timeout_seconds: spec.timeout_seconds.map(Dynamic::Literal),
        heartbeat_seconds: None,
        credentials: None,
    };
    let mut common = Common {
        comment: Some(spec.comment),
        retry: Some(spec.retry),
        catch: spec.catch.map(|c| vec![c]),
        transition: Some(spec.transition),
        ..Common::default()
    };
    fill(&mut task, &mut common, &spec.arguments, &spec.output);
    State {
        common,
        kind: StateKind::Task(task),
    }
}

/// An inline Map from `spec`; `fill` writes the fields the dialect decides (items, each
/// item's input, output).
fn build_map(spec: MapSpec, fill: impl FnOnce(&mut Map, &mut Common, &MapSpec)) -> State {
    let mut map = Map {
        processor: Processor {
            graph: spec.processor.clone(),
            config: Some(ProcessorConfig {
                mode: Some(ProcessorMode::Inline),
                execution_type: None,
            }),
            legacy_iterator: false,
        },
        items_path: None,
        items: None,
        item_selector: None,
        parameters: None,
        result_selector: None,
        item_reader: None,
        item_batcher: None,
        result_writer: None,
        max_concurrency: Some(Dynamic::Literal(spec.max_concurrency)),
        tolerated_failure_percentage: None,
        tolerated_failure_count: None,
        label: None,
    };
    let mut common = Common {
        comment: Some(spec.comment.clone()),
        transition: Some(Transition::Next(spec.next.clone())),
        ..Common::default()
    };
    fill(&mut map, &mut common, &spec);
    State {
        common,
        kind: StateKind::Map(Box::new(map)),
    }
}

/// A state without `Next`, `Retry` or `Catch` (Choice, Fail).
fn terminal(comment: String, kind: StateKind) -> State {
    State {
        common: Common {
            comment: Some(comment),
            ..Common::default()
        },
        kind,
    }
}

/// A catcher of every error.
fn catch_all(next: &str) -> Catcher {
    Catcher {
        error_equals: vec![STATES_ALL.to_owned()],
        next: next.to_owned(),
        result_path: None,
        output: None,
        assign: None,
        comment: None,
    }
}
