//! The transcript: everything that happened in a run, kept in the offload store so the
//! state only carries a pointer.
//!
//! In memory it is the goal, the options and the entries in order, with an index (call ids,
//! results by call, the cache of identical calls, who owns each offloaded result) kept up
//! to date as entries are pushed, so that no phase of a step scans the whole run. In the
//! store it is an append-only chain of segments ([`chain`]): each step writes one segment
//! holding only its new entries.

pub mod chain;

use std::collections::{BTreeMap, HashMap};

use protocol::OffloadPointer;
use protocol::call::{ExecutionRef, ToolCall};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One thing that happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Entry {
    /// The reasoner asked for calls (valid or not); `text` is any accompanying prose.
    Calls {
        /// The turn these calls belong to.
        turn: u32,
        /// The calls, with the ids the agent assigned.
        calls: Vec<ToolCall>,
        /// The model's prose, when it gave some.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// The outcome of a call: an output, or an error observation.
    Result {
        /// The call's id.
        call_id: String,
        /// The tool.
        tool: String,
        /// The output (or its offload pointer) on success.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<Value>,
        /// The error name on failure.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<String>,
        /// The cause on failure.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        cause: Option<String>,
        /// Answered from the cache (an identical earlier call).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        cached: bool,
        /// Where a result too large to show a model whole is stored on its own (an offload
        /// pointer the model can hand to `json-query`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        stored: Option<Value>,
    },
    /// The final answer.
    Answer {
        /// The answer.
        value: Value,
    },
}

/// Lookups kept up to date as entries are pushed (never serialized).
#[derive(Debug, Clone, Default)]
struct Index {
    /// Call id -> (index of its `Calls` entry, position in it).
    calls: HashMap<String, (usize, usize)>,
    /// Call id -> index of its latest `Result` entry.
    results: HashMap<String, usize>,
    /// (tool, canonical input) -> index of the first successful result of such a call.
    successes: HashMap<(String, String), usize>,
    /// Calls made so far.
    call_count: usize,
    /// The index of every `Calls` entry, in order.
    exchanges: Vec<usize>,
    /// The first failed result, if any.
    first_failure: Option<usize>,
    /// Offloaded outputs and stored copies (by URI): the pointer and the execution whose
    /// folder holds it.
    pointers: HashMap<String, (OffloadPointer, ExecutionRef)>,
}

/// The whole conversation of a run (across continue-as-new hand-offs).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Transcript {
    /// The goal.
    pub goal: String,
    /// The start options (reasoner, plan, model, ...).
    pub options: Value,
    /// What happened, in order.
    entries: Vec<Entry>,
    /// The turn at which each execution of the run began (for the hand-off guard).
    pub execution_first_turn: BTreeMap<String, u32>,
    /// Consecutive steps in which every call the reasoner made was invalid.
    pub invalid_streak: u32,
    #[serde(skip)]
    index: Index,
    /// Where the entries stored so far end, once stored.
    #[serde(skip)]
    stored: Option<chain::Stored>,
    /// The execution this step runs in.
    #[serde(skip)]
    writer: Option<ExecutionRef>,
}

impl PartialEq for Transcript {
    /// The content only (not where it is stored).
    fn eq(&self, other: &Self) -> bool {
        self.goal == other.goal
            && self.options == other.options
            && self.entries == other.entries
            && self.execution_first_turn == other.execution_first_turn
            && self.invalid_streak == other.invalid_streak
    }
}

impl Transcript {
    /// A new transcript for `goal`.
    pub fn new(goal: impl Into<String>, options: Value) -> Self {
        Self {
            goal: goal.into(),
            options,
            ..Self::default()
        }
    }

    /// What happened, in order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entries not yet stored (this step's), which a phase may still amend.
    pub fn unstored_mut(&mut self) -> &mut [Entry] {
        let from = self.stored_len();
        &mut self.entries[from..]
    }

    /// How many entries the store already holds.
    pub fn stored_len(&self) -> usize {
        self.stored.as_ref().map_or(0, |s| s.entries)
    }

    /// Appends an entry; offloaded values in a result are recorded as owned by `owner`
    /// (the execution whose folder holds them).
    pub fn push_owned(&mut self, entry: Entry, owner: &ExecutionRef) {
        let at = self.entries.len();
        match &entry {
            Entry::Calls { calls, .. } => {
                for (i, call) in calls.iter().enumerate() {
                    self.index.calls.insert(call.call_id.clone(), (at, i));
                }
                self.index.call_count += calls.len();
                self.index.exchanges.push(at);
            }
            Entry::Result {
                call_id,
                output,
                error,
                stored,
                ..
            } => {
                self.index.results.insert(call_id.clone(), at);
                if error.is_some() {
                    self.index.first_failure.get_or_insert(at);
                } else if output.is_some()
                    && let Some(call) = self.call(call_id)
                {
                    let key = (call.tool.clone(), canonical(&call.input));
                    self.index.successes.entry(key).or_insert(at);
                }
                for value in [output, stored].into_iter().flatten() {
                    if let Some(pointer) = OffloadPointer::from_value(value) {
                        self.index
                            .pointers
                            .entry(pointer.uri.clone())
                            .or_insert((pointer, owner.clone()));
                    }
                }
            }
            Entry::Answer { .. } => {}
        }
        self.entries.push(entry);
    }

    /// Appends an entry of this step (its offloaded values are in the folder of the
    /// execution set with [`Transcript::set_writer`]).
    pub fn push(&mut self, entry: Entry) {
        let writer = self.writer.take();
        let unowned = ExecutionRef {
            id: String::new(),
            name: String::new(),
        };
        self.push_owned(entry, writer.as_ref().unwrap_or(&unowned));
        self.writer = writer;
    }

    /// The execution this step runs in: entries pushed from now on are its own.
    pub fn set_writer(&mut self, execution: &ExecutionRef) {
        self.writer = Some(execution.clone());
    }

    /// The execution this step runs in, once set.
    pub fn writer(&self) -> Option<&ExecutionRef> {
        self.writer.as_ref()
    }

    /// The call with this id, when one was made.
    pub fn call(&self, call_id: &str) -> Option<&ToolCall> {
        let (at, i) = *self.index.calls.get(call_id)?;
        match &self.entries[at] {
            Entry::Calls { calls, .. } => calls.get(i),
            _ => None,
        }
    }

    /// Whether a call with this id was made.
    pub fn has_call(&self, call_id: &str) -> bool {
        self.index.calls.contains_key(call_id)
    }

    /// The result of the call `call_id`, when there is one.
    pub fn result_of(&self, call_id: &str) -> Option<&Entry> {
        self.index.results.get(call_id).map(|at| &self.entries[*at])
    }

    /// The index of the result entry of `call_id`, when there is one.
    pub fn result_index(&self, call_id: &str) -> Option<usize> {
        self.index.results.get(call_id).copied()
    }

    /// The first failed result, if any call failed.
    pub fn first_failure(&self) -> Option<&Entry> {
        self.index.first_failure.map(|at| &self.entries[at])
    }

    /// A successful earlier output of an identical call (same tool, same canonical input).
    pub fn cached_output(&self, tool: &str, input: &Value) -> Option<Value> {
        let at = self
            .index
            .successes
            .get(&(tool.to_owned(), canonical(input)))?;
        match &self.entries[*at] {
            Entry::Result {
                output: Some(output),
                ..
            } => Some(output.clone()),
            _ => None,
        }
    }

    /// The index of every `Calls` entry, in order (an exchange: calls and their results).
    pub fn exchange_starts(&self) -> &[usize] {
        &self.index.exchanges
    }

    /// How many calls were made so far (for fresh call ids).
    pub fn call_count(&self) -> usize {
        self.index.call_count
    }

    /// The offloaded result (output or stored copy) at `uri` and the execution whose folder
    /// holds it, when the transcript knows it.
    pub fn known_pointer(&self, uri: &str) -> Option<&(OffloadPointer, ExecutionRef)> {
        self.index.pointers.get(uri)
    }
}

/// Canonical JSON text: object keys sorted at every level.
pub fn canonical(value: &Value) -> String {
    fn sort(value: &Value) -> Value {
        match value {
            Value::Object(map) => {
                let sorted: BTreeMap<&String, Value> =
                    map.iter().map(|(k, v)| (k, sort(v))).collect();
                Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
            }
            Value::Array(items) => Value::Array(items.iter().map(sort).collect()),
            other => other.clone(),
        }
    }
    sort(value).to_string()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn identical_calls_hit_the_cache_whatever_the_key_order() {
        let mut t = Transcript::new("g", Value::Null);
        t.push(Entry::Calls {
            turn: 1,
            calls: vec![ToolCall {
                call_id: "c1".into(),
                tool: "calc".into(),
                input: json!({"a": 1, "b": 2}),
            }],
            text: None,
        });
        t.push(Entry::Result {
            call_id: "c1".into(),
            tool: "calc".into(),
            output: Some(json!(3)),
            error: None,
            cause: None,
            cached: false,
            stored: None,
        });
        assert_eq!(
            t.cached_output("calc", &json!({"b": 2, "a": 1})),
            Some(json!(3))
        );
        assert_eq!(t.cached_output("calc", &json!({"a": 2})), None);
        assert_eq!(t.cached_output("other", &json!({"a": 1, "b": 2})), None);
        assert_eq!(t.call_count(), 1);
        assert!(t.has_call("c1") && !t.has_call("c2"));
        assert_eq!(t.result_index("c1"), Some(1));
        assert_eq!(t.first_failure(), None);
    }

    #[test]
    fn a_failed_call_is_not_cached_and_is_the_first_failure() {
        let mut t = Transcript::new("g", Value::Null);
        let call = ToolCall {
            call_id: "c1".into(),
            tool: "calc".into(),
            input: json!({"a": 1}),
        };
        t.push(Entry::Calls {
            turn: 1,
            calls: vec![call],
            text: None,
        });
        let failed = Entry::Result {
            call_id: "c1".into(),
            tool: "calc".into(),
            output: None,
            error: Some("ToolError.Fatal".into()),
            cause: None,
            cached: false,
            stored: None,
        };
        t.push(failed.clone());
        assert_eq!(t.cached_output("calc", &json!({"a": 1})), None);
        assert_eq!(t.first_failure(), Some(&failed));
    }
}
