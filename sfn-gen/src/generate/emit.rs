//! The committed form of a generated [`Machine`]: serialized by the `asl` model, then
//! with each object's keys in the order the committed `statemachines/` files have always
//! had (the model writes a state's fields in its own order, e.g. `TimeoutSeconds` before
//! `OutputPath`, a catcher's `Next` before its `ResultPath`, a retrier's `MaxDelaySeconds`
//! before its `JitterStrategy`), so that regenerating never reorders a committed file.
//! Templates (`Parameters`, `Arguments`, ...) keep the order they were built in.
//!
//! The tables only reproduce history: regenerating `statemachines/` once in the model's
//! order (a reviewed, whitespace-only diff) would let this module shrink to a
//! `serde_json::to_value`.

use asl::model::Machine;
use serde_json::{Map, Value};

/// The machine's fields, in committed order.
const MACHINE_KEYS: &[&str] = &[
    "Comment",
    "QueryLanguage",
    "StartAt",
    "TimeoutSeconds",
    "States",
];

/// A state's fields, in committed order.
const STATE_KEYS: &[&str] = &[
    "Type",
    "Comment",
    "QueryLanguage",
    "Resource",
    "ItemsPath",
    "Items",
    "ItemSelector",
    "MaxConcurrency",
    "ItemProcessor",
    "Parameters",
    "Arguments",
    "ResultSelector",
    "ResultPath",
    "OutputPath",
    "Output",
    "TimeoutSeconds",
    "Error",
    "ErrorPath",
    "Cause",
    "CausePath",
    "Retry",
    "Catch",
    "Choices",
    "Default",
    "Next",
    "End",
];

/// The fields of a retrier after the first of a Retry list (a tool's own, from its
/// manifest's policy), in committed order: its cap has always come last. The first
/// retrier of each list keeps the model's order.
const LATER_RETRIER_KEYS: &[&str] = &[
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "JitterStrategy",
    "MaxDelaySeconds",
];

/// A catcher's fields, in committed order.
const CATCHER_KEYS: &[&str] = &["ErrorEquals", "ResultPath", "Output", "Next"];

/// `machine` as JSON, keys in committed order.
pub fn to_value(machine: &Machine) -> Value {
    let value = serde_json::to_value(machine).unwrap_or(Value::Null);
    let mut top = reorder(value, MACHINE_KEYS);
    if let Some(states) = top.get_mut("States") {
        reorder_states(states);
    }
    top
}

/// Reorders every state of a `States` object, and the states of Map processors in it.
fn reorder_states(states: &mut Value) {
    let Some(states) = states.as_object_mut() else {
        return;
    };
    for state in states.values_mut() {
        let mut ordered = reorder(std::mem::take(state), STATE_KEYS);
        if let Some(Value::Array(catchers)) = ordered.get_mut("Catch") {
            for catcher in catchers {
                *catcher = reorder(std::mem::take(catcher), CATCHER_KEYS);
            }
        }
        if let Some(Value::Array(retriers)) = ordered.get_mut("Retry") {
            for retrier in retriers.iter_mut().skip(1) {
                *retrier = reorder(std::mem::take(retrier), LATER_RETRIER_KEYS);
            }
        }
        if let Some(inner) = ordered.pointer_mut("/ItemProcessor/States") {
            reorder_states(inner);
        }
        *state = ordered;
    }
}

/// `value`'s keys listed in `order` first, in that order, then any others as they were.
fn reorder(value: Value, order: &[&str]) -> Value {
    let Value::Object(mut fields) = value else {
        return value;
    };
    let mut out = Map::new();
    for key in order {
        if let Some((k, v)) = fields.shift_remove_entry(*key) {
            out.insert(k, v);
        }
    }
    out.extend(fields);
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_keys_move_into_committed_order_and_others_keep_theirs() {
        let state =
            json!({"Type": "Task", "Next": "A", "Zeta": 1, "OutputPath": "$.x", "Alpha": 2});
        let keys: Vec<String> = reorder(state, STATE_KEYS)
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        assert_eq!(keys, ["Type", "OutputPath", "Next", "Zeta", "Alpha"]);
    }

    #[test]
    fn a_later_retrier_keeps_its_cap_last_as_committed() {
        let retrier = json!({"ErrorEquals": ["E"], "IntervalSeconds": 1, "MaxAttempts": 3,
                             "BackoffRate": 2.0, "MaxDelaySeconds": 20, "JitterStrategy": "FULL"});
        let mut states = json!({"T": {"Type": "Task", "Retry": [retrier.clone(), retrier]}});
        reorder_states(&mut states);
        let keys = |i: usize| -> Vec<String> {
            states["T"]["Retry"][i]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        assert_eq!(keys(0)[4..], ["MaxDelaySeconds", "JitterStrategy"]);
        assert_eq!(keys(1)[4..], ["JitterStrategy", "MaxDelaySeconds"]);
    }
}
