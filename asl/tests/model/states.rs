//! Hand-written definitions, one or more per state type, checking the typed fields
//! against what the ASL spec says they mean (defaults included), and that each
//! round-trips.

use asl::model::{
    ChoiceRule, Comparison, Condition, Dynamic, Expr, JitterStrategy, JsonataExpr, NullablePath,
    Operand, Operator, QueryLanguage, RetryPolicy, StateKind, StateType, Test, Transition,
    states::{ProcessorMode, Wait},
};
use asl::validate::validate_definition;
use serde_json::{Value, json};

use super::{assert_round_trip, state};

/// A machine whose only interesting state is `A` (`End` or a `Done` Succeed follows).
fn one(state: Value) -> Value {
    json!({"StartAt": "A", "States": {"A": state, "Done": {"Type": "Succeed"}}})
}

/// Asserts the validator accepts `definition`, so the case is one the model must take.
fn valid(definition: Value) -> Value {
    let diags = validate_definition(&definition);
    assert!(diags.is_empty(), "not a valid definition: {diags:?}");
    definition
}

#[test]
fn retrier_defaults_follow_the_spec() {
    let d = valid(one(json!({
        "Type": "Task",
        "Resource": "arn:aws:lambda:us-east-1:111111111111:function:f",
        "Retry": [
            {"ErrorEquals": ["States.Timeout"]},
            {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 3, "MaxAttempts": 0,
             "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"}
        ],
        "Next": "Done"
    })));
    let m = assert_round_trip(&d);
    let a = state(&m, "A");
    // ASL spec, "Retrying after error": IntervalSeconds 1, MaxAttempts 3, BackoffRate 2.0;
    // the developer guide: JitterStrategy NONE, no MaxDelaySeconds.
    assert_eq!(
        a.retry()[0].policy(),
        RetryPolicy {
            interval_seconds: 1,
            max_attempts: 3,
            backoff_rate: 2.0,
            max_delay_seconds: None,
            jitter: JitterStrategy::None,
        }
    );
    assert_eq!(a.retry()[0].interval_seconds, None, "absent stays absent");
    assert_eq!(
        a.retry()[1].policy(),
        RetryPolicy {
            interval_seconds: 3,
            max_attempts: 0,
            backoff_rate: 1.5,
            max_delay_seconds: Some(10),
            jitter: JitterStrategy::Full,
        }
    );
    assert_eq!(a.transition(), Some(&Transition::Next("Done".into())));
}

#[test]
fn error_names_match_as_the_spec_says() {
    let d = valid(one(json!({
        "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "f", "Payload.$": "$"},
        "Catch": [
            {"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Done"},
            {"ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "Done"}
        ],
        "End": true
    })));
    let m = assert_round_trip(&d);
    let catch = state(&m, "A").catch();
    assert_eq!(
        catch[0].result_path,
        Some(NullablePath::Path("$.error".into()))
    );
    assert_eq!(catch[1].result_path, Some(NullablePath::Null));
    // States.TaskFailed matches any task error but States.Timeout; States.ALL matches
    // that too; nothing catches States.Runtime or (States.ALL) States.DataLimitExceeded.
    assert!(catch[0].matches("Lambda.Unknown"));
    assert!(!catch[0].matches("States.Timeout"));
    assert!(catch[1].matches("States.Timeout"));
    assert!(!catch[1].matches("States.Runtime"));
    assert!(!catch[1].matches("States.DataLimitExceeded"));
    assert_eq!(state(&m, "A").targets(), ["Done", "Done"]);
}

#[test]
fn task_fields_in_both_languages() {
    let d = valid(json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                  "Parameters": {"FunctionName": "f"}, "ResultSelector": {"p.$": "$.Payload"},
                  "TimeoutSecondsPath": "$.timeout", "HeartbeatSeconds": 10,
                  "InputPath": "$.in", "OutputPath": "$.out", "ResultPath": "$.r",
                  "Next": "J"},
            "J": {"Type": "Task", "QueryLanguage": "JSONata",
                  "Resource": "arn:aws:states:::lambda:invoke",
                  "Arguments": {"FunctionName": "f", "Payload": "{% $states.input %}"},
                  "TimeoutSeconds": "{% $states.input.t %}",
                  "Credentials": {"RoleArn": "arn:aws:iam::111111111111:role/r"},
                  "Output": "{% $states.result.Payload %}",
                  "Assign": {"x": 1},
                  "End": true}
        }
    }));
    let m = assert_round_trip(&d);
    let p = state(&m, "P");
    let StateKind::Task(t) = &p.kind else {
        panic!()
    };
    assert_eq!(t.timeout_seconds, Some(Dynamic::Path("$.timeout".into())));
    assert_eq!(t.heartbeat_seconds, Some(Dynamic::Literal(10)));
    assert_eq!(
        t.parameters.as_ref().unwrap().value(),
        &json!({"FunctionName": "f"})
    );
    assert_eq!(p.common.input_path, Some(NullablePath::Path("$.in".into())));
    assert_eq!(
        p.query_language(m.query_language()),
        QueryLanguage::JsonPath
    );

    let j = state(&m, "J");
    let StateKind::Task(t) = &j.kind else {
        panic!()
    };
    assert_eq!(j.query_language(m.query_language()), QueryLanguage::Jsonata);
    assert_eq!(
        t.timeout_seconds,
        Some(Dynamic::Jsonata(JsonataExpr(" $states.input.t ".into())))
    );
    assert!(t.arguments.is_some() && t.parameters.is_none());
    assert!(j.common.output.is_some() && j.common.assign.is_some());
    assert!(j.is_terminal());
}

#[test]
fn pass_result_is_a_literal_and_end_false_survives() {
    let d = valid(one(json!({
        "Type": "Pass", "Result": {"a.$": "$.not-a-path"}, "ResultPath": null,
        "Comment": "c", "Next": "Done", "End": false
    })));
    let m = assert_round_trip(&d);
    let a = state(&m, "A");
    let StateKind::Pass(p) = &a.kind else {
        panic!()
    };
    assert_eq!(p.result, Some(json!({"a.$": "$.not-a-path"})));
    assert_eq!(a.common.result_path, Some(NullablePath::Null));
    assert!(a.common.end_false);
    assert_eq!(a.next(), Some("Done"));
}

#[test]
fn jsonpath_choice_rules() {
    let d = valid(json!({
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [
                {"And": [
                    {"Variable": "$.n", "NumericGreaterThanEqualsPath": "$.min"},
                    {"Not": {"Variable": "$.s", "StringMatches": "log-*", "Comment": "nested"}}
                ], "Next": "Yes", "Assign": {"hit": true}},
                {"Variable": "$.t", "IsPresent": false, "Next": "No"},
                {"Variable": "$.x", "NumericEquals": 2.5, "Next": "No"}
            ], "Default": "No"},
            "Yes": {"Type": "Succeed"},
            "No": {"Type": "Fail", "Error": "E", "CausePath": "$.why"}
        }
    }));
    let m = assert_round_trip(&d);
    let c = state(&m, "C");
    assert_eq!(c.state_type(), StateType::Choice);
    assert!(c.transition().is_none());
    let StateKind::Choice(choice) = &c.kind else {
        panic!()
    };
    let ChoiceRule {
        test: Test::Expr(Expr::And(parts)),
        next,
        ..
    } = &choice.choices[0]
    else {
        panic!("{:?}", choice.choices[0])
    };
    assert_eq!(next, "Yes");
    assert_eq!(
        parts[0].expr,
        Expr::Compare(Comparison {
            variable: "$.n".into(),
            operator: Operator::NumericGreaterThanEquals,
            operand: Operand::Path("$.min".into()),
        })
    );
    let Expr::Not(inner) = &parts[1].expr else {
        panic!()
    };
    assert_eq!(inner.comment.as_deref(), Some("nested"));
    assert!(matches!(
        &choice.choices[1].test,
        Test::Expr(Expr::Compare(Comparison {
            operator: Operator::IsPresent,
            operand: Operand::Boolean(false),
            ..
        }))
    ));
    assert_eq!(choice.default.as_deref(), Some("No"));
    assert_eq!(c.targets(), ["Yes", "No", "No", "No"]);
    // The spec gives StringMatches and the Is* tests no ...Path form.
    assert_eq!(Operator::from_field("StringMatchesPath"), None);
    assert_eq!(Operator::from_field("IsNullPath"), None);
    assert_eq!(
        Operator::from_field("TimestampLessThanPath"),
        Some((Operator::TimestampLessThan, true))
    );

    let fail = state(&m, "No");
    let StateKind::Fail(f) = &fail.kind else {
        panic!()
    };
    assert_eq!(f.error, Some(Dynamic::Literal("E".into())));
    assert_eq!(f.cause, Some(Dynamic::Path("$.why".into())));
}

#[test]
fn jsonata_choice_and_wait() {
    let d = valid(json!({
        "QueryLanguage": "JSONata",
        "StartAt": "C",
        "States": {
            "C": {"Type": "Choice", "Choices": [
                {"Condition": "{% $states.input.n > 1 %}", "Next": "W",
                 "Output": {"n": "{% $states.input.n %}"}},
                {"Condition": true, "Next": "T"}
            ]},
            "W": {"Type": "Wait", "Seconds": "{% $states.input.n %}", "Next": "T"},
            "T": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "End": true}
        }
    }));
    let m = assert_round_trip(&d);
    assert_eq!(m.query_language(), QueryLanguage::Jsonata);
    let StateKind::Choice(c) = &state(&m, "C").kind else {
        panic!()
    };
    assert_eq!(
        c.choices[0].test,
        Test::Condition(Condition::Jsonata(JsonataExpr(
            " $states.input.n > 1 ".into()
        )))
    );
    assert_eq!(c.choices[1].test, Test::Condition(Condition::Literal(true)));
    assert!(c.choices[0].output.is_some());
    let StateKind::Wait(w) = &state(&m, "W").kind else {
        panic!()
    };
    assert!(matches!(w, Wait::Seconds(Dynamic::Jsonata(_))));
    let StateKind::Wait(t) = &state(&m, "T").kind else {
        panic!()
    };
    assert_eq!(
        t,
        &Wait::Timestamp(Dynamic::Literal("2016-03-14T01:59:00Z".into()))
    );
}

#[test]
fn wait_paths() {
    let d = valid(json!({
        "StartAt": "S",
        "States": {
            "S": {"Type": "Wait", "SecondsPath": "$.s", "Next": "T"},
            "T": {"Type": "Wait", "TimestampPath": "$.t", "End": true}
        }
    }));
    let m = assert_round_trip(&d);
    let StateKind::Wait(s) = &state(&m, "S").kind else {
        panic!()
    };
    assert_eq!(s, &Wait::Seconds(Dynamic::Path("$.s".into())));
    let StateKind::Wait(t) = &state(&m, "T").kind else {
        panic!()
    };
    assert_eq!(t, &Wait::Timestamp(Dynamic::Path("$.t".into())));
}

#[test]
fn parallel_branches_resolve_their_query_language() {
    let d = valid(one(json!({
        "Type": "Parallel",
        "Branches": [
            {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "End": true}}},
            {"QueryLanguage": "JSONata", "Comment": "b",
             "StartAt": "B2", "States": {"B2": {"Type": "Pass", "Output": 1, "End": true}}}
        ],
        "ResultSelector": {"all.$": "$"},
        "Retry": [],
        "Next": "Done"
    })));
    let m = assert_round_trip(&d);
    let a = state(&m, "A");
    let StateKind::Parallel(p) = &a.kind else {
        panic!()
    };
    assert_eq!(p.branches.len(), 2);
    let outer = a.query_language(m.query_language());
    assert_eq!(p.branches[0].query_language(outer), QueryLanguage::JsonPath);
    assert_eq!(p.branches[1].query_language(outer), QueryLanguage::Jsonata);
    assert_eq!(p.branches[1].start().unwrap().state_type(), StateType::Pass);
    assert_eq!(a.graphs().len(), 2);
    assert!(a.retry().is_empty() && a.common.retry == Some(Vec::new()));
}

#[test]
fn map_fields() {
    let d = valid(one(json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemSelector": {"item.$": "$$.Map.Item.Value"},
        "ItemProcessor": {
            "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
            "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}
        },
        "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                       "Parameters": {"Bucket": "b", "Key": "k"}},
        "MaxConcurrencyPath": "$.concurrency",
        "ToleratedFailurePercentage": 5.5,
        "ToleratedFailureCount": 2,
        "Label": "batch",
        "Next": "Done"
    })));
    let m = assert_round_trip(&d);
    let StateKind::Map(map) = &state(&m, "A").kind else {
        panic!()
    };
    assert_eq!(map.items_path.as_deref(), Some("$.items"));
    assert_eq!(map.processor.mode(), ProcessorMode::Distributed);
    assert_eq!(
        map.processor.config.unwrap().execution_type,
        Some(asl::model::MachineType::Express)
    );
    assert!(!map.processor.legacy_iterator);
    assert_eq!(
        map.max_concurrency,
        Some(Dynamic::Path("$.concurrency".into()))
    );
    assert_eq!(
        map.tolerated_failure_percentage,
        Some(Dynamic::Literal(serde_json::Number::from_f64(5.5).unwrap()))
    );
    assert_eq!(map.tolerated_failure_count, Some(Dynamic::Literal(2)));
    assert_eq!(map.label.as_deref(), Some("batch"));
    assert!(map.item_reader.is_some());
    assert!(map.processor.graph.state("I").is_some());
}

#[test]
fn legacy_map_iterator_and_parameters() {
    let d = valid(one(json!({
        "Type": "Map",
        "Parameters": {"i.$": "$$.Map.Item.Index"},
        "Iterator": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
        "MaxConcurrency": 0,
        "Next": "Done"
    })));
    let m = assert_round_trip(&d);
    let StateKind::Map(map) = &state(&m, "A").kind else {
        panic!()
    };
    assert!(map.processor.legacy_iterator);
    // The developer guide: the default Mode is INLINE; MaxConcurrency 0 means no limit.
    assert_eq!(map.processor.mode(), ProcessorMode::Inline);
    assert_eq!(map.max_concurrency, Some(Dynamic::Literal(0)));
    assert!(map.parameters.is_some() && map.item_selector.is_none());
}

#[test]
fn machine_fields_order_and_deserialize() {
    let d = valid(json!({
        "Comment": "top", "Version": "1.0", "TimeoutSeconds": 300,
        "StartAt": "Z",
        "States": {
            "Z": {"Type": "Pass", "Next": "a/b~c"},
            "a/b~c": {"Type": "Pass", "Next": "M"},
            "M": {"Type": "Succeed", "OutputPath": null}
        }
    }));
    let m = assert_round_trip(&d);
    assert_eq!(m.graph.comment.as_deref(), Some("top"));
    assert_eq!(m.version.as_deref(), Some("1.0"));
    assert_eq!(m.timeout_seconds, Some(300));
    assert_eq!(m.states().names().collect::<Vec<_>>(), ["Z", "a/b~c", "M"]);
    assert_eq!(m.graph.start().map(|s| s.next()), Some(Some("a/b~c")));
    assert_eq!(state(&m, "M").common.output_path, Some(NullablePath::Null));
    let via_serde: asl::model::Machine = serde_json::from_value(d.clone()).unwrap();
    assert_eq!(via_serde, m);
    let via_text: asl::model::Machine = d.to_string().parse().unwrap();
    assert_eq!(via_text, m);
}
