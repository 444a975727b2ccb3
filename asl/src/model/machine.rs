//! [`Machine`]: a whole definition; [`StateGraph`]: `StartAt` + `States` (+ `Comment`,
//! `QueryLanguage`), shared by the machine, Parallel branches and Map processors;
//! [`States`]: the states in document order.
//!
//! Reading guarantees, for every graph: `StartAt` and every transition (`Next`, `Default`,
//! a Choice rule's or a catcher's `Next`) name a state of the same `States` object, as the
//! ASL spec requires ("Transitions": a state can only transition to a state of its own
//! machine, branch or processor).

use std::collections::HashMap;
use std::str::FromStr;

use serde::de::Error as _;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::ModelError;
use super::query_language::{self, QueryLanguage};
use super::read::{Fields, child, object};
use super::state::{State, entry, join, read_query_language};

/// A state machine definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Machine {
    /// The top-level states.
    pub graph: StateGraph,
    /// The ASL version the definition is written in (`"1.0"`).
    pub version: Option<String>,
    /// The longest an execution may run, in seconds (none by default; AWS's own bounds are
    /// in [`limits`](super::limits)).
    pub timeout_seconds: Option<u64>,
}

/// Where a state graph sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GraphKind {
    Machine,
    Branch,
    Processor,
}

impl GraphKind {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            GraphKind::Machine => {
                "the state machine (allowed: StartAt, States, Comment, \
                                   Version, TimeoutSeconds, QueryLanguage)"
            }
            GraphKind::Branch => {
                "a Parallel branch (allowed: StartAt, States, Comment, \
                                  QueryLanguage)"
            }
            GraphKind::Processor => {
                "a Map processor (allowed: StartAt, States, Comment, \
                                     QueryLanguage, ProcessorConfig)"
            }
        }
    }
}

impl Machine {
    /// Reads a definition. Run [`validate`](crate::validate) first: this checks the
    /// document's shape (see [`ModelError`]), not the validator's rules, and converts
    /// every definition the validator accepts.
    pub fn from_value(definition: &Value) -> Result<Machine, ModelError> {
        let mut f = Fields::new(definition, "", "a JSON object with StartAt and States")?;
        let graph = StateGraph::read_from(&mut f, QueryLanguage::default())?;
        let version = f.string("Version")?;
        let timeout_seconds = f.integer("TimeoutSeconds")?;
        f.finish(|| GraphKind::Machine.describe().to_owned())?;
        Ok(Machine {
            graph,
            version,
            timeout_seconds,
        })
    }

    /// The top-level query language in effect (`JSONPath` unless set).
    pub fn query_language(&self) -> QueryLanguage {
        self.graph.query_language(QueryLanguage::default())
    }

    /// The name of the first state.
    pub fn start_at(&self) -> &str {
        &self.graph.start_at
    }

    /// The top-level state named `name` (states of branches and processors are in their
    /// own graphs, see [`State::graphs`]).
    pub fn state(&self, name: &str) -> Option<&State> {
        self.graph.state(name)
    }

    /// The top-level states.
    pub fn states(&self) -> &States {
        &self.graph.states
    }
}

impl FromStr for Machine {
    type Err = ModelError;

    /// Parses definition text and reads it (see [`Machine::from_value`]).
    fn from_str(text: &str) -> Result<Machine, ModelError> {
        let value: Value = serde_json::from_str(text).map_err(ModelError::Json)?;
        Machine::from_value(&value)
    }
}

impl Serialize for Machine {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        entry(&mut m, "Version", &self.version)?;
        entry(&mut m, "TimeoutSeconds", &self.timeout_seconds)?;
        self.graph.write_fields(&mut m)?;
        m.end()
    }
}

impl<'de> Deserialize<'de> for Machine {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Machine::from_value(&value).map_err(D::Error::custom)
    }
}

/// `StartAt` and `States`: the top-level machine, a Parallel branch or a Map processor.
#[derive(Debug, Clone, PartialEq)]
pub struct StateGraph {
    /// A human-readable note.
    pub comment: Option<String>,
    /// The graph's own `QueryLanguage` (see [`StateGraph::query_language`]).
    pub query_language: Option<QueryLanguage>,
    /// The name of the first state.
    pub start_at: String,
    /// The states, in document order.
    pub states: States,
}

impl StateGraph {
    /// The state named `name`.
    pub fn state(&self, name: &str) -> Option<&State> {
        self.states.get(name)
    }

    /// The first state (`None` only for a graph built by hand with a wrong `start_at`).
    pub fn start(&self) -> Option<&State> {
        self.states.get(&self.start_at)
    }

    /// The query language in effect for the graph, given the enclosing one's (the
    /// default for the machine, the Parallel or Map state's for a branch or processor).
    pub fn query_language(&self, enclosing: QueryLanguage) -> QueryLanguage {
        query_language::resolve(self.query_language, enclosing)
    }

    /// Reads `StartAt`, `States`, `Comment` and `QueryLanguage` from `f` (the caller reads
    /// the fields its kind adds and finishes `f`).
    pub(crate) fn read_from(
        f: &mut Fields<'_>,
        enclosing: QueryLanguage,
    ) -> Result<StateGraph, ModelError> {
        let comment = f.string("Comment")?;
        let query_language = read_query_language(f)?;
        let ql = query_language::resolve(query_language, enclosing);
        let start_at = f.required_string("StartAt", "name the first state")?;
        let states_pointer = f.at("States");
        let states_value = f.require("States", "add an object mapping state names to states")?;
        let states = object(states_value, &states_pointer, "an object of states")?
            .iter()
            .map(|(name, s)| {
                Ok((
                    name.clone(),
                    State::read(s, &child(&states_pointer, name), ql)?,
                ))
            })
            .collect::<Result<States, ModelError>>()?;
        if !states.contains(&start_at) {
            return Err(ModelError::UnknownState {
                pointer: f.at("StartAt"),
                name: start_at,
            });
        }
        for (name, state) in states.iter() {
            for (suffix, target) in state.targets_at() {
                if !states.contains(target) {
                    return Err(ModelError::UnknownState {
                        pointer: join(&states_pointer, name, &suffix),
                        name: target.to_owned(),
                    });
                }
            }
        }
        Ok(StateGraph {
            comment,
            query_language,
            start_at,
            states,
        })
    }

    /// Writes the graph's fields into an enclosing object.
    pub(crate) fn write_fields<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        entry(m, "Comment", &self.comment)?;
        entry(m, "QueryLanguage", &self.query_language)?;
        m.serialize_entry("StartAt", &self.start_at)?;
        m.serialize_entry("States", &self.states)
    }
}

impl Serialize for StateGraph {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        self.write_fields(&mut m)?;
        m.end()
    }
}

/// The states of a graph by name, in document order (the order serialization keeps).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct States {
    entries: Vec<(String, State)>,
    index: HashMap<String, usize>,
}

impl States {
    /// No states.
    pub fn new() -> States {
        States::default()
    }

    /// Adds a state at the end, or replaces the state of that name where it stands;
    /// returns the state replaced.
    pub fn insert(&mut self, name: String, state: State) -> Option<State> {
        match self.index.get(&name) {
            Some(&i) => Some(std::mem::replace(&mut self.entries[i].1, state)),
            None => {
                self.index.insert(name.clone(), self.entries.len());
                self.entries.push((name, state));
                None
            }
        }
    }

    /// The state named `name`.
    pub fn get(&self, name: &str) -> Option<&State> {
        self.index.get(name).map(|&i| &self.entries[i].1)
    }

    /// The state named `name`, to change it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut State> {
        self.index.get(name).map(|&i| &mut self.entries[i].1)
    }

    /// Whether a state is named `name`.
    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    /// The states with their names, in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &State)> {
        self.entries.iter().map(|(n, s)| (n.as_str(), s))
    }

    /// The names, in document order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(n, _)| n.as_str())
    }

    /// How many states there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl FromIterator<(String, State)> for States {
    fn from_iter<I: IntoIterator<Item = (String, State)>>(iter: I) -> States {
        let mut states = States::new();
        for (name, state) in iter {
            states.insert(name, state);
        }
        states
    }
}

impl Serialize for States {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.entries.len()))?;
        for (name, state) in &self.entries {
            m.serialize_entry(name, state)?;
        }
        m.end()
    }
}
