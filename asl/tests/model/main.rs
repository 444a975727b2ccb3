//! Tests of `asl::model`: every definition of the AWS-recorded corpus that the validator
//! accepts converts and round-trips (`corpus`), the typed fields of each state type match
//! the spec (`states`), and malformed documents are refused with the right JSON pointer
//! (`errors`).

mod corpus;
mod errors;
mod states;
#[path = "../support/corpus.rs"]
mod support;

use asl::model::{Machine, State};
use serde_json::Value;

/// Reads `definition`, panicking with the model's error.
fn machine(definition: &Value) -> Machine {
    Machine::from_value(definition).unwrap_or_else(|e| panic!("{e}"))
}

/// The top-level state `name` of a one-off definition.
fn state<'a>(m: &'a Machine, name: &str) -> &'a State {
    m.state(name).unwrap_or_else(|| panic!("no state {name}"))
}

/// Asserts that `definition` converts and serializes back to itself.
fn assert_round_trip(definition: &Value) -> Machine {
    let m = machine(definition);
    let back = serde_json::to_value(&m).unwrap();
    assert_eq!(&back, definition, "the model did not round-trip");
    assert_eq!(
        corpus::states_orders(&back),
        corpus::states_orders(definition),
        "the order of States changed"
    );
    m
}
