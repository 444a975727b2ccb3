//! [`State`]: the fields every state type shares ([`Common`], [`Transition`]) and the
//! type-specific part ([`StateKind`], one struct per type in [`states`](super::states)).
//!
//! Which common fields a type has follows the ASL spec's table "State types and allowed
//! fields" and the developer guide's JSONata pages: `InputPath`/`OutputPath` (JSONPath)
//! and `Output` (JSONata) on every type but Fail, `ResultPath` on Pass, Task, Parallel and
//! Map, `Next`/`End` on all but Choice, Succeed and Fail, `Retry`/`Catch` on Task,
//! Parallel and Map; `Comment`, `QueryLanguage` and `Assign` on all.

use std::fmt;
use std::str::FromStr;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use serde_json::Value;

use super::dynamic::NullablePath;
use super::error::ModelError;
use super::machine::StateGraph;
use super::query_language::{self, QueryLanguage};
use super::read::{Fields, child, wrong_type};
use super::retry::{self, Catcher, Retrier};
use super::states::{Choice, Fail, Map, Parallel, Pass, Task, Wait};
use super::template::Template;

/// One state of a `States` object.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The fields shared by state types.
    pub common: Common,
    /// The type and its own fields.
    pub kind: StateKind,
}

/// Fields shared by several state types; `None` where the type (or the query language)
/// does not have the field or the definition leaves it out.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Common {
    /// A human-readable note.
    pub comment: Option<String>,
    /// The state's own `QueryLanguage` (see [`State::query_language`] for the one in
    /// effect).
    pub query_language: Option<QueryLanguage>,
    /// Selects the state's input (JSONPath).
    pub input_path: Option<NullablePath>,
    /// Where the result goes in the input (JSONPath).
    pub result_path: Option<NullablePath>,
    /// Selects the state's output (JSONPath).
    pub output_path: Option<NullablePath>,
    /// The state's output (JSONata).
    pub output: Option<Template>,
    /// Variables to assign when the state succeeds.
    pub assign: Option<Template>,
    /// Where the state goes next (`None` for Choice, Succeed and Fail).
    pub transition: Option<Transition>,
    /// `"End": false` was written beside `Next`. It means nothing; it is kept so that the
    /// document round-trips.
    pub end_false: bool,
    /// Retriers, in order (Task, Parallel, Map).
    pub retry: Option<Vec<Retrier>>,
    /// Catchers, in order (Task, Parallel, Map).
    pub catch: Option<Vec<Catcher>>,
}

/// `Next` or `"End": true`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Go to the named state of the same `States` object.
    Next(String),
    /// The state machine (branch, iteration) ends with this state's output.
    End,
}

/// A state's type and its type-specific fields.
#[derive(Debug, Clone, PartialEq)]
pub enum StateKind {
    /// Passes its input on, optionally with a fixed `Result`.
    Pass(Pass),
    /// Runs work through a `Resource`.
    Task(Task),
    /// Branches on rules.
    Choice(Choice),
    /// Delays.
    Wait(Wait),
    /// Ends the execution successfully.
    Succeed,
    /// Ends the execution with an error.
    Fail(Fail),
    /// Runs branches at once.
    Parallel(Parallel),
    /// Runs a processor per item (boxed: by far the largest type).
    Map(Box<Map>),
}

/// The value of a state's `Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StateType {
    /// `Pass`.
    Pass,
    /// `Task`.
    Task,
    /// `Choice`.
    Choice,
    /// `Wait`.
    Wait,
    /// `Succeed`.
    Succeed,
    /// `Fail`.
    Fail,
    /// `Parallel`.
    Parallel,
    /// `Map`.
    Map,
}

impl StateType {
    /// Every type.
    pub const ALL: [StateType; 8] = [
        StateType::Pass,
        StateType::Task,
        StateType::Choice,
        StateType::Wait,
        StateType::Succeed,
        StateType::Fail,
        StateType::Parallel,
        StateType::Map,
    ];

    /// The name as written in `Type`.
    pub fn as_str(self) -> &'static str {
        match self {
            StateType::Pass => "Pass",
            StateType::Task => "Task",
            StateType::Choice => "Choice",
            StateType::Wait => "Wait",
            StateType::Succeed => "Succeed",
            StateType::Fail => "Fail",
            StateType::Parallel => "Parallel",
            StateType::Map => "Map",
        }
    }

    /// Whether the type has `InputPath`/`OutputPath` (JSONPath) and `Output` (JSONata).
    fn has_io(self) -> bool {
        self != StateType::Fail
    }

    /// Whether the type has `ResultPath`.
    fn has_result_path(self) -> bool {
        matches!(
            self,
            StateType::Pass | StateType::Task | StateType::Parallel | StateType::Map
        )
    }

    /// Whether the type has `Next`/`End`.
    fn has_transition(self) -> bool {
        !matches!(
            self,
            StateType::Choice | StateType::Succeed | StateType::Fail
        )
    }

    /// Whether the type has `Retry`/`Catch`.
    fn has_handlers(self) -> bool {
        matches!(self, StateType::Task | StateType::Parallel | StateType::Map)
    }
}

impl fmt::Display for StateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A `Type` that is not a state type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a state type; use one of {TYPE_LIST} (exact case)")]
pub struct UnknownStateType(pub String);

const TYPE_LIST: &str = "Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map";

impl FromStr for StateType {
    type Err = UnknownStateType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        StateType::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| UnknownStateType(s.to_owned()))
    }
}

impl StateKind {
    /// The state's `Type`.
    pub fn state_type(&self) -> StateType {
        match self {
            StateKind::Pass(_) => StateType::Pass,
            StateKind::Task(_) => StateType::Task,
            StateKind::Choice(_) => StateType::Choice,
            StateKind::Wait(_) => StateType::Wait,
            StateKind::Succeed => StateType::Succeed,
            StateKind::Fail(_) => StateType::Fail,
            StateKind::Parallel(_) => StateType::Parallel,
            StateKind::Map(_) => StateType::Map,
        }
    }
}

impl State {
    /// The state's `Type`.
    pub fn state_type(&self) -> StateType {
        self.kind.state_type()
    }

    /// The fields shared by state types.
    pub fn common(&self) -> &Common {
        &self.common
    }

    /// `Next` or `End` (`None` for Choice, Succeed and Fail).
    pub fn transition(&self) -> Option<&Transition> {
        self.common.transition.as_ref()
    }

    /// The state `Next` names, if any.
    pub fn next(&self) -> Option<&str> {
        match self.transition() {
            Some(Transition::Next(n)) => Some(n),
            _ => None,
        }
    }

    /// Whether the machine can end here (`"End": true`, Succeed, Fail).
    pub fn is_terminal(&self) -> bool {
        matches!(self.transition(), Some(Transition::End))
            || matches!(self.kind, StateKind::Succeed | StateKind::Fail(_))
    }

    /// Retriers, in order (empty when there are none).
    pub fn retry(&self) -> &[Retrier] {
        self.common.retry.as_deref().unwrap_or_default()
    }

    /// Catchers, in order (empty when there are none).
    pub fn catch(&self) -> &[Catcher] {
        self.common.catch.as_deref().unwrap_or_default()
    }

    /// The query language in effect, given the enclosing machine's, branch's or
    /// processor's.
    pub fn query_language(&self, enclosing: QueryLanguage) -> QueryLanguage {
        query_language::resolve(self.common.query_language, enclosing)
    }

    /// Every state this one can go to (Next, Choice rules, Default, catchers), in the
    /// order written, with duplicates.
    pub fn targets(&self) -> Vec<&str> {
        self.targets_at().into_iter().map(|(_, t)| t).collect()
    }

    /// The nested state graphs: a Parallel state's branches, a Map state's processor.
    pub fn graphs(&self) -> Vec<&StateGraph> {
        match &self.kind {
            StateKind::Parallel(p) => p.branches.iter().collect(),
            StateKind::Map(m) => vec![&m.processor.graph],
            _ => Vec::new(),
        }
    }

    /// [`targets`](State::targets), each with its pointer relative to the state.
    pub(crate) fn targets_at(&self) -> Vec<(String, &str)> {
        let mut out = Vec::new();
        if let Some(next) = self.next() {
            out.push(("/Next".to_owned(), next));
        }
        if let StateKind::Choice(c) = &self.kind {
            for (i, rule) in c.choices.iter().enumerate() {
                out.push((format!("/Choices/{i}/Next"), rule.next.as_str()));
            }
            if let Some(d) = &c.default {
                out.push(("/Default".to_owned(), d.as_str()));
            }
        }
        for (i, c) in self.catch().iter().enumerate() {
            out.push((format!("/Catch/{i}/Next"), c.next.as_str()));
        }
        out
    }

    /// Reads the state at `pointer`; `enclosing` is the query language around it.
    pub(crate) fn read(
        v: &Value,
        pointer: &str,
        enclosing: QueryLanguage,
    ) -> Result<State, ModelError> {
        let mut f = Fields::new(v, pointer, "a state object")?;
        let type_pointer = f.at("Type");
        let ty: StateType = match f.require("Type", "add \"Type\": the state's type")? {
            Value::String(t) => t.parse().map_err(|_| ModelError::InvalidValue {
                pointer: type_pointer,
                value: t.clone(),
                expected: format!("a state type; use one of {TYPE_LIST} (exact case)"),
            })?,
            other => return Err(wrong_type(type_pointer, "a string", other)),
        };
        let query_language = read_query_language(&mut f)?;
        let ql = query_language::resolve(query_language, enclosing);
        let mut common = Common {
            comment: f.string("Comment")?,
            query_language,
            assign: f.object_template("Assign")?,
            ..Common::default()
        };
        match ql {
            QueryLanguage::JsonPath => {
                if ty.has_io() {
                    common.input_path = f.nullable_path("InputPath")?;
                    common.output_path = f.nullable_path("OutputPath")?;
                }
                if ty.has_result_path() {
                    common.result_path = f.nullable_path("ResultPath")?;
                }
            }
            QueryLanguage::Jsonata => {
                if ty.has_io() {
                    common.output = f.template("Output");
                }
            }
        }
        if ty.has_transition() {
            read_transition(&mut f, &mut common)?;
        }
        if ty.has_handlers() {
            common.retry = retry::read_retry(&mut f)?;
            common.catch = retry::read_catch(&mut f, ql)?;
        }
        let kind = match ty {
            StateType::Pass => StateKind::Pass(Pass::read(&mut f, ql)?),
            StateType::Task => StateKind::Task(Task::read(&mut f, ql)?),
            StateType::Choice => StateKind::Choice(Choice::read(&mut f, ql)?),
            StateType::Wait => StateKind::Wait(Wait::read(&mut f, ql)?),
            StateType::Succeed => StateKind::Succeed,
            StateType::Fail => StateKind::Fail(Fail::read(&mut f, ql)?),
            StateType::Parallel => StateKind::Parallel(Parallel::read(&mut f, ql)?),
            StateType::Map => StateKind::Map(Box::new(Map::read(&mut f, ql)?)),
        };
        f.finish(|| format!("a {ty} state ({})", ql.as_str()))?;
        Ok(State { common, kind })
    }
}

/// Reads a `QueryLanguage` field (of a state, a machine, a branch or a processor).
pub(crate) fn read_query_language(f: &mut Fields<'_>) -> Result<Option<QueryLanguage>, ModelError> {
    let pointer = f.at("QueryLanguage");
    match f.take("QueryLanguage") {
        None => Ok(None),
        Some(v) => v
            .as_str()
            .and_then(query_language::parse)
            .map(Some)
            .ok_or_else(|| ModelError::InvalidValue {
                pointer,
                value: v.to_string(),
                expected: "a query language; use \"JSONPath\" or \"JSONata\" (exact case)"
                    .to_owned(),
            }),
    }
}

fn read_transition(f: &mut Fields<'_>, common: &mut Common) -> Result<(), ModelError> {
    let end = f.boolean("End")?;
    let next = f.string("Next")?;
    common.transition = Some(match (next, end) {
        (Some(_), Some(true)) => {
            return Err(ModelError::Conflict {
                pointer: f.pointer().to_owned(),
                message: "a state has `Next` or `\"End\": true`, not both; keep one".to_owned(),
            });
        }
        (Some(next), end) => {
            common.end_false = end == Some(false);
            Transition::Next(next)
        }
        (None, Some(true)) => Transition::End,
        (None, _) => {
            return Err(ModelError::MissingField {
                pointer: f.pointer().to_owned(),
                field: "Next",
                hint: "name the next state, or write \"End\": true",
            });
        }
    });
    Ok(())
}

impl Serialize for State {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = &self.common;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("Type", self.state_type().as_str())?;
        entry(&mut m, "Comment", &c.comment)?;
        entry(&mut m, "QueryLanguage", &c.query_language)?;
        entry(&mut m, "InputPath", &c.input_path)?;
        match &self.kind {
            StateKind::Pass(k) => k.write(&mut m)?,
            StateKind::Task(k) => k.write(&mut m)?,
            StateKind::Choice(k) => k.write(&mut m)?,
            StateKind::Wait(k) => k.write(&mut m)?,
            StateKind::Succeed => {}
            StateKind::Fail(k) => k.write(&mut m)?,
            StateKind::Parallel(k) => k.write(&mut m)?,
            StateKind::Map(k) => k.write(&mut m)?,
        }
        entry(&mut m, "ResultPath", &c.result_path)?;
        entry(&mut m, "OutputPath", &c.output_path)?;
        entry(&mut m, "Output", &c.output)?;
        entry(&mut m, "Assign", &c.assign)?;
        entry(&mut m, "Retry", &c.retry)?;
        entry(&mut m, "Catch", &c.catch)?;
        match &c.transition {
            Some(Transition::Next(n)) => {
                m.serialize_entry("Next", n)?;
                if c.end_false {
                    m.serialize_entry("End", &false)?;
                }
            }
            Some(Transition::End) => m.serialize_entry("End", &true)?,
            None => {}
        }
        m.end()
    }
}

/// Writes `key` when `value` is present.
pub(crate) fn entry<M: SerializeMap, T: Serialize>(
    m: &mut M,
    key: &str,
    value: &Option<T>,
) -> Result<(), M::Error> {
    match value {
        Some(v) => m.serialize_entry(key, v),
        None => Ok(()),
    }
}

/// `parent` + the relative pointer `suffix` (already escaped, e.g. `/Catch/0/Next`).
pub(crate) fn join(parent: &str, name: &str, suffix: &str) -> String {
    let mut p = child(parent, name);
    p.push_str(suffix);
    p
}
