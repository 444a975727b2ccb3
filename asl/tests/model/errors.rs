//! Malformed documents: each is refused with a [`ModelError`] whose pointer names the
//! offending value (RFC 6901, so `/` in a state name reads `~1`), never a panic.

use asl::model::{Machine, ModelError};
use serde_json::{Value, json};

/// The error for `definition`.
fn error(definition: Value) -> ModelError {
    match Machine::from_value(&definition) {
        Ok(_) => panic!("accepted: {definition}"),
        Err(e) => e,
    }
}

/// A machine with the single state `A`.
fn with_a(state: Value) -> Value {
    json!({"StartAt": "A", "States": {"A": state}})
}

#[test]
fn the_root_must_be_an_object_with_start_at_and_states() {
    let e = error(json!([1]));
    assert!(matches!(e, ModelError::WrongType { .. }), "{e}");
    assert_eq!(e.pointer(), Some(""));
    assert!(e.to_string().starts_with("/: expected"), "{e}");

    let e = error(json!({"States": {"A": {"Type": "Succeed"}}}));
    assert!(
        matches!(
            e,
            ModelError::MissingField {
                field: "StartAt",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.pointer(), Some(""));

    let e = error(json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "Timeout": 1}));
    assert!(matches!(e, ModelError::UnknownField { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/Timeout"));
}

#[test]
fn text_that_is_not_json_has_no_pointer() {
    let e = "{not json".parse::<Machine>().unwrap_err();
    assert!(matches!(e, ModelError::Json(_)));
    assert_eq!(e.pointer(), None);
}

#[test]
fn unknown_state_type() {
    let e = error(with_a(json!({"Type": "Loop", "End": true})));
    assert!(matches!(e, ModelError::InvalidValue { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/A/Type"));
}

#[test]
fn transitions_must_name_a_state_of_the_same_graph() {
    let e = error(json!({"StartAt": "B", "States": {"A": {"Type": "Succeed"}}}));
    assert!(matches!(e, ModelError::UnknownState { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/StartAt"));

    let e = error(with_a(json!({"Type": "Pass", "Next": "Nowhere"})));
    assert_eq!(e.pointer(), Some("/States/A/Next"));

    let e = error(with_a(json!({
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Gone"}]
    })));
    assert_eq!(e.pointer(), Some("/States/A/Catch/0/Next"));

    // A branch cannot jump to a state of the enclosing machine.
    let e = error(with_a(json!({
        "Type": "Parallel", "End": true,
        "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "A"}}}]
    })));
    assert_eq!(e.pointer(), Some("/States/A/Branches/0/States/B/Next"));
}

#[test]
fn state_names_are_escaped_in_pointers() {
    let e = error(json!({"StartAt": "a/b~c", "States": {"a/b~c": {"Type": "Pass"}}}));
    assert!(
        matches!(e, ModelError::MissingField { field: "Next", .. }),
        "{e}"
    );
    assert_eq!(e.pointer(), Some("/States/a~1b~0c"));
}

#[test]
fn wrong_types_in_retriers() {
    let e = error(with_a(json!({
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
        "Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"], "IntervalSeconds": "1"}]
    })));
    assert!(matches!(e, ModelError::WrongType { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/A/Retry/1/IntervalSeconds"));

    let e = error(with_a(json!({
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
        "Retry": [{"ErrorEquals": ["X", 7]}]
    })));
    assert_eq!(e.pointer(), Some("/States/A/Retry/0/ErrorEquals/1"));

    let e = error(with_a(json!({
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true,
        "Retry": [{"ErrorEquals": ["X"], "JitterStrategy": "HALF"}]
    })));
    assert!(matches!(e, ModelError::InvalidValue { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/A/Retry/0/JitterStrategy"));
}

#[test]
fn fields_of_the_other_query_language_are_refused() {
    let e = error(with_a(json!({
        "Type": "Task", "QueryLanguage": "JSONata", "End": true,
        "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {}
    })));
    assert!(matches!(e, ModelError::UnknownField { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/A/Parameters"));
    assert!(e.to_string().contains("Task state (JSONata)"), "{e}");

    let e = error(with_a(json!({"Type": "Pass", "Output": 1, "End": true})));
    assert_eq!(e.pointer(), Some("/States/A/Output"));

    let e = error(with_a(
        json!({"Type": "Pass", "QueryLanguage": "jsonata", "End": true}),
    ));
    assert!(matches!(e, ModelError::InvalidValue { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/A/QueryLanguage"));
}

#[test]
fn choice_rules_need_exactly_one_test() {
    let choice = |rule: Value| {
        json!({"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [rule]}, "D": {"Type": "Succeed"}
        }})
    };
    let e = error(choice(json!({
        "Variable": "$.a", "StringEquals": "x", "NumericEquals": 1, "Next": "D"
    })));
    assert!(matches!(e, ModelError::Conflict { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/C/Choices/0"));

    let e = error(choice(json!({
        "And": [{"Variable": "$.a", "IsNull": true, "Next": "D"}], "Next": "D"
    })));
    assert!(matches!(e, ModelError::UnknownField { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/C/Choices/0/And/0/Next"));

    let e = error(choice(
        json!({"Variable": "$.a", "NumericEquals": "1", "Next": "D"}),
    ));
    assert!(matches!(e, ModelError::WrongType { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/C/Choices/0/NumericEquals"));

    let e = error(choice(json!({"StringEquals": "x", "Next": "D"})));
    assert!(
        matches!(
            e,
            ModelError::MissingField {
                field: "Variable",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn conflicting_and_malformed_fields() {
    let e = error(with_a(
        json!({"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true}),
    ));
    assert!(matches!(e, ModelError::Conflict { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/A"));

    let e = error(with_a(json!({
        "Type": "Wait", "QueryLanguage": "JSONata", "Seconds": "{% 3", "End": true
    })));
    assert!(matches!(e, ModelError::InvalidValue { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/A/Seconds"));

    let e = error(with_a(json!({"Type": "Pass", "Next": "A", "End": true})));
    assert!(matches!(e, ModelError::Conflict { .. }), "{e}");

    let e = error(with_a(json!({
        "Type": "Map", "End": true,
        "ItemProcessor": {"ProcessorConfig": {"Mode": "FAST"},
                          "StartAt": "I", "States": {"I": {"Type": "Succeed"}}}
    })));
    assert_eq!(
        e.pointer(),
        Some("/States/A/ItemProcessor/ProcessorConfig/Mode")
    );

    let e = error(with_a(json!({"Type": "Pass", "End": true, "InputPath": 3})));
    assert!(matches!(e, ModelError::WrongType { .. }), "{e}");
    assert_eq!(e.pointer(), Some("/States/A/InputPath"));
}
