//! The transcript: everything that happened in a run, kept in the offload store so the
//! state only carries its pointer.

use std::collections::BTreeMap;

use protocol::call::ToolCall;
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

/// The whole conversation of a run (across continue-as-new hand-offs).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// The goal.
    pub goal: String,
    /// The start options (reasoner, plan, model, ...).
    #[serde(default)]
    pub options: Value,
    /// What happened, in order.
    #[serde(default)]
    pub entries: Vec<Entry>,
    /// The turn at which each execution of the run began (for the hand-off guard).
    #[serde(default)]
    pub execution_first_turn: BTreeMap<String, u32>,
    /// Consecutive steps in which every call the reasoner made was invalid.
    #[serde(default)]
    pub invalid_streak: u32,
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

    /// The result of the call `call_id`, when there is one.
    pub fn result_of(&self, call_id: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .rev()
            .find(|e| matches!(e, Entry::Result { call_id: id, .. } if id == call_id))
    }

    /// A successful earlier output of an identical call (same tool, same canonical input).
    pub fn cached_output(&self, tool: &str, input: &Value) -> Option<Value> {
        let wanted = canonical(input);
        self.entries.iter().find_map(|entry| {
            let Entry::Calls { calls, .. } = entry else {
                return None;
            };
            calls
                .iter()
                .filter(|c| c.tool == tool && canonical(&c.input) == wanted)
                .find_map(|c| match self.result_of(&c.call_id) {
                    Some(Entry::Result {
                        output: Some(output),
                        error: None,
                        ..
                    }) => Some(output.clone()),
                    _ => None,
                })
        })
    }

    /// How many calls were made so far (for fresh call ids).
    pub fn call_count(&self) -> usize {
        self.entries
            .iter()
            .map(|e| match e {
                Entry::Calls { calls, .. } => calls.len(),
                _ => 0,
            })
            .sum()
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
        t.entries.push(Entry::Calls {
            turn: 1,
            calls: vec![ToolCall {
                call_id: "c1".into(),
                tool: "calc".into(),
                input: json!({"a": 1, "b": 2}),
            }],
            text: None,
        });
        t.entries.push(Entry::Result {
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
    }
}
