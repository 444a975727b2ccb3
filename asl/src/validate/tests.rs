//! Unit tests of the validator rules.

use serde_json::{Value, json};

use super::*;

fn rules(def: &Value) -> Vec<(&'static str, String)> {
    validate_definition(def)
        .into_iter()
        .map(|d| (d.rule.as_str(), d.pointer))
        .collect()
}

/// Asserts exactly one diagnostic with `rule` at `pointer` and returns its message.
fn only(def: &Value, rule: &str, pointer: &str) -> String {
    let diags = validate_definition(def);
    assert_eq!(diags.len(), 1, "expected one diagnostic, got {diags:#?}");
    assert_eq!(diags[0].rule, rule, "{diags:#?}");
    assert_eq!(diags[0].pointer, pointer, "{diags:#?}");
    diags[0].message.clone()
}

fn pass_machine(state: Value) -> Value {
    json!({"StartAt": "S", "States": {"S": state}})
}

#[test]
fn valid_jsonpath_machine_has_no_diagnostics() {
    let def = json!({
        "Comment": "ok",
        "StartAt": "Start",
        "TimeoutSeconds": 60,
        "States": {
            "Start": {"Type": "Pass", "Parameters": {"a.$": "$.x", "b.$": "States.Format('{}', $.y)", "c": 1}, "ResultPath": "$.r", "Next": "Choose"},
            "Choose": {"Type": "Choice", "Choices": [
                {"Variable": "$.r.c", "NumericEquals": 1, "Next": "Wait"},
                {"And": [{"Variable": "$.a", "IsPresent": true}, {"Not": {"Variable": "$.a", "StringEqualsPath": "$.b"}}], "Next": "Map"}
            ], "Default": "Fail"},
            "Wait": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "Next": "Task"},
            "Task": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 10, "HeartbeatSeconds": 5,
                     "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "MaxAttempts": 0}, {"ErrorEquals": ["States.ALL"], "BackoffRate": 1.5, "JitterStrategy": "FULL"}],
                     "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Fail"}],
                     "Assign": {"count": 1, "name.$": "$.name"}, "End": true},
            "Map": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Inner", "States": {"Inner": {"Type": "Succeed"}}}, "Label": "my-label_1", "Next": "Par"},
            "Par": {"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "End": true}}}], "End": true},
            "Fail": {"Type": "Fail", "Error": "E", "CausePath": "$.cause"}
        }
    });
    assert_eq!(validate_definition(&def), vec![]);
}

#[test]
fn valid_jsonata_machine_has_no_diagnostics() {
    let def = json!({
        "QueryLanguage": "JSONata",
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": {"Payload": "{% $states.input %}"}, "Output": "{% $states.result.Payload %}", "Assign": {"x": "{% 1 %}"}, "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Condition": "{% $x = 1 %}", "Next": "W"}], "Default": "W"},
            "W": {"Type": "Wait", "Seconds": "{% 1 %}", "Next": "M"},
            "M": {"Type": "Map", "Items": "{% [1, 2] %}", "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}, "End": true}
        }
    });
    assert_eq!(validate_definition(&def), vec![]);
}

#[test]
fn missing_top_level_fields() {
    let msg = only(&json!({}), "missing-required-field", "");
    assert!(msg.contains("[States, StartAt]"), "{msg}");
    assert!(msg.contains("Add `StartAt`"), "{msg}");
    let msg = only(
        &json!({"States": {"A": {"Type": "Succeed"}}}),
        "missing-required-field",
        "",
    );
    assert!(msg.contains("[StartAt]"), "{msg}");
}

#[test]
fn not_an_object_and_bad_text() {
    assert_eq!(
        rules(&json!([1])),
        vec![("definition-not-object", String::new())]
    );
    let d = validate_text(" ");
    assert_eq!(d[0].rule, "invalid-json");
    let d = validate_text("not a definition");
    assert_eq!(d[0].rule, "invalid-json");
    let big = format!(
        "{{\"Comment\": \"{}\", \"StartAt\": \"A\", \"States\": {{\"A\": {{\"Type\": \"Succeed\"}}}}}}",
        "x".repeat(MAX_DEFINITION_BYTES)
    );
    let d = validate_text(&big);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].rule, "definition-too-large");
    assert!(validate_text(r#"{"StartAt":"A","States":{"A":{"Type":"Succeed"}}}"#).is_empty());
}

#[test]
fn top_level_fields() {
    let def = json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}, "Foo": 1, "TimeoutSeconds": 0, "QueryLanguage": "jsonata"});
    let r = rules(&def);
    assert!(r.contains(&("unknown-field", "/Foo".into())), "{r:?}");
    assert!(
        r.contains(&("invalid-seconds", "/TimeoutSeconds".into())),
        "{r:?}"
    );
    assert!(
        r.contains(&("invalid-query-language", "/QueryLanguage".into())),
        "{r:?}"
    );
}

#[test]
fn unknown_targets_and_unreachable_states() {
    let def = json!({"StartAt": "A", "States": {
        "A": {"Type": "Pass", "Next": "Nope"},
        "B": {"Type": "Succeed"}
    }});
    let r = rules(&def);
    assert!(
        r.contains(&("unknown-next-state", "/States/A/Next".into())),
        "{r:?}"
    );
    assert!(
        r.contains(&("unreachable-state", "/States/B".into())),
        "{r:?}"
    );
    let msg = only(
        &json!({"StartAt": "X", "States": {"A": {"Type": "Succeed"}}}),
        "unknown-start-state",
        "/StartAt",
    );
    assert!(msg.contains("'A'"), "{msg}");
}

#[test]
fn next_end_and_terminal() {
    only(
        &pass_machine(json!({"Type": "Pass", "Next": "S", "End": true})),
        "next-and-end",
        "/States/S",
    );
    let r = rules(&pass_machine(json!({"Type": "Pass"})));
    assert!(
        r.contains(&("missing-next-or-end", "/States/S".into())),
        "{r:?}"
    );
    assert!(
        r.contains(&("no-terminal-state", "/States".into())),
        "{r:?}"
    );
    let msg = only(
        &json!({"StartAt": "A", "States": {"A": {"Type": "Succeed", "End": true}}}),
        "unknown-field",
        "/States/A/End",
    );
    assert!(msg.contains("remove it"), "{msg}");
}

#[test]
fn state_names() {
    let long = "n".repeat(81);
    let def = json!({"StartAt": long.clone(), "States": {long.clone(): {"Type": "Succeed"}}});
    only(&def, "state-name-too-long", &format!("/States/{long}"));
    let ok = "n".repeat(80);
    assert!(
        validate_definition(&json!({"StartAt": ok.clone(), "States": {ok: {"Type": "Succeed"}}}))
            .is_empty()
    );
    // Pointers escape '/' and '~'.
    let def = json!({"StartAt": "a/b~", "States": {"a/b~": {"Type": "Pass"}}});
    assert!(rules(&def).contains(&("missing-next-or-end", "/States/a~1b~0".into())));
}

#[test]
fn duplicate_names_across_nested_machines() {
    let def = json!({"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}}
    ]}}});
    only(
        &def,
        "duplicate-state-name",
        "/States/P/Branches/0/States/P",
    );
}

#[test]
fn fields_per_query_language() {
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "InputPath": "$.a", "Parameters": {}, "ResultPath": "$.x", "End": true}}});
    let diags = validate_definition(&def);
    assert_eq!(diags.len(), 3, "{diags:#?}");
    assert!(
        diags
            .iter()
            .all(|d| d.rule == "field-not-allowed-in-query-language")
    );
    assert!(diags[0].message.contains("Output"), "{}", diags[0].message);
    let msg = only(
        &pass_machine(json!({"Type": "Pass", "Output": {}, "End": true})),
        "field-not-allowed-in-query-language",
        "/States/S/Output",
    );
    assert!(msg.contains("QueryLanguage"), "{msg}");
    // A state can opt into JSONata, but not back into JSONPath.
    assert!(
        validate_definition(&pass_machine(
            json!({"Type": "Pass", "QueryLanguage": "JSONata", "Output": "{% 1 %}", "End": true})
        ))
        .is_empty()
    );
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": true}}});
    only(&def, "query-language-downgrade", "/States/S/QueryLanguage");
}

#[test]
fn unknown_fields_and_types() {
    let msg = only(
        &pass_machine(json!({"Type": "Pass", "Reslt": 1, "End": true})),
        "unknown-field",
        "/States/S/Reslt",
    );
    assert!(msg.contains("Allowed fields"), "{msg}");
    only(
        &pass_machine(json!({"Type": "pass"})),
        "unknown-state-type",
        "/States/S/Type",
    );
    only(
        &pass_machine(json!({"Type": "Pass", "Retry": [], "End": true})),
        "retry-catch-not-allowed",
        "/States/S/Retry",
    );
}

#[test]
fn choice_rules() {
    let choice = |rules: Value| json!({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": rules, "Default": "D"}, "D": {"Type": "Succeed"}}});
    // No operator.
    only(
        &choice(json!([{"Variable": "$.a", "Next": "D"}])),
        "invalid-choice-rule",
        "/States/C/Choices/0",
    );
    // Two operators.
    let msg = only(
        &choice(json!([{"Variable": "$.a", "StringEquals": "x", "IsPresent": true, "Next": "D"}])),
        "invalid-choice-rule",
        "/States/C/Choices/0",
    );
    assert!(msg.contains("And/Or"), "{msg}");
    // Missing Next at top level; Next in a nested rule.
    only(
        &choice(json!([{"Variable": "$.a", "IsNull": true}])),
        "missing-required-field",
        "/States/C/Choices/0",
    );
    only(
        &choice(json!([{"Not": {"Variable": "$.a", "IsNull": true, "Next": "D"}, "Next": "D"}])),
        "nested-rule-next",
        "/States/C/Choices/0/Not/Next",
    );
    // Operand types and *Path forms.
    only(
        &choice(json!([{"Variable": "$.a", "NumericEquals": "1", "Next": "D"}])),
        "invalid-choice-operand",
        "/States/C/Choices/0/NumericEquals",
    );
    only(
        &choice(json!([{"Variable": "$.a", "NumericEqualsPath": "b", "Next": "D"}])),
        "invalid-path",
        "/States/C/Choices/0/NumericEqualsPath",
    );
    only(
        &choice(json!([{"Variable": "$.a", "IsNullPath": "$.b", "Next": "D"}])),
        "unknown-field",
        "/States/C/Choices/0/IsNullPath",
    );
    assert!(
        validate_definition(&choice(json!([{"Variable": "$.a", "TimestampLessThanPath": "$$.State.EnteredTime", "Next": "D"}]))).is_empty()
    );
    // JSONata rules use Condition.
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": true, "Next": "D"}], "Default": "D"}, "D": {"Type": "Succeed"}}});
    let r = rules(&def);
    assert!(
        r.contains(&("missing-required-field", "/States/C/Choices/0".into())),
        "{r:?}"
    );
    assert!(
        r.contains(&(
            "field-not-allowed-in-query-language",
            "/States/C/Choices/0/Variable".into()
        )),
        "{r:?}"
    );
}

#[test]
fn retry_and_catch() {
    let task = |extra: Value| {
        let mut t =
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true});
        t.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        pass_machine(t)
    };
    only(
        &task(json!({"Retry": [{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}]})),
        "states-all-not-last",
        "/States/S/Retry/0/ErrorEquals",
    );
    only(
        &task(json!({"Retry": [{"ErrorEquals": ["States.ALL", "X"]}]})),
        "states-all-not-alone",
        "/States/S/Retry/0/ErrorEquals",
    );
    let r = rules(&task(
        json!({"Retry": [{"ErrorEquals": ["X"], "MaxAttempts": -1, "BackoffRate": 0.5, "IntervalSeconds": 0, "JitterStrategy": "SOME", "MaxDelaySeconds": 0}]}),
    ));
    assert_eq!(r.len(), 5, "{r:?}");
    assert!(r.iter().all(|(rule, _)| *rule == "invalid-retrier"));
    only(
        &task(json!({"Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Gone"}]})),
        "unknown-next-state",
        "/States/S/Catch/0/Next",
    );
    only(
        &task(json!({"Catch": [{"ErrorEquals": ["States.ALL"]}]})),
        "missing-required-field",
        "/States/S/Catch/0",
    );
}

#[test]
fn task_fields() {
    let task = |t: Value| pass_machine(t);
    only(
        &task(json!({"Type": "Task", "Resource": 1, "End": true})),
        "invalid-field-type",
        "/States/S/Resource",
    );
    let msg = only(
        &task(json!({"Type": "Task", "Resource": "arn:aws:states:::dynamodb:query", "End": true})),
        "unknown-resource",
        "/States/S/Resource",
    );
    assert!(msg.contains("aws-sdk:dynamodb:query"), "{msg}");
    only(
        &task(
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 5, "HeartbeatSeconds": 5, "End": true}),
        ),
        "heartbeat-not-below-timeout",
        "/States/S/HeartbeatSeconds",
    );
    only(
        &task(
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "TimeoutSeconds": 1.5, "End": true}),
        ),
        "invalid-seconds",
        "/States/S/TimeoutSeconds",
    );
    let msg = only(
        &task(
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Credentials": {}, "End": true}),
        ),
        "missing-required-field",
        "/States/S/Credentials",
    );
    assert!(msg.contains("RoleArn"), "{msg}");
    let wftt = task(
        json!({"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": true}),
    );
    assert!(validate_definition(&wftt).is_empty());
    let express = ValidateOptions {
        machine_type: MachineType::Express,
    };
    let d = validate_definition_with(&wftt, &express);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].rule, "express-unsupported-integration");
    assert!(d[0].message.contains("STANDARD"), "{}", d[0].message);
    assert!(
        validate_definition(&task(json!({"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:listBuckets", "End": true}))).is_empty()
    );
}

#[test]
fn wait_state() {
    let wait = |w: Value| pass_machine(w);
    only(
        &wait(json!({"Type": "Wait", "End": true})),
        "wait-duration",
        "/States/S",
    );
    only(
        &wait(json!({"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "End": true})),
        "wait-duration",
        "/States/S",
    );
    for bad in [
        "2016-13-05T21:29:29Z",
        "05-12-2016T21:29:29Z",
        "2016-12-05T25:29:29Z",
        "2016-12-05 21:29:29Z",
        "2016-12-05T21:29:29",
        "2015-02-29T00:00:00Z",
        "{% '2016-03-14T01:59:00Z' %}",
    ] {
        let msg = only(
            &wait(json!({"Type": "Wait", "Timestamp": bad, "End": true})),
            "invalid-timestamp",
            "/States/S/Timestamp",
        );
        assert!(msg.contains("2016-03-14T01:59:00Z"), "{msg}");
    }
    for good in [
        "2016-03-14T01:59:00Z",
        "2016-03-14T01:59:00.123Z",
        "2016-03-14T01:59:00+01:00",
        "2016-02-29T01:59:00-05:30",
    ] {
        assert!(
            validate_definition(&wait(
                json!({"Type": "Wait", "Timestamp": good, "End": true})
            ))
            .is_empty(),
            "{good}"
        );
    }
    only(
        &wait(json!({"Type": "Wait", "SecondsPath": "$.a[*]", "End": true})),
        "invalid-reference-path",
        "/States/S/SecondsPath",
    );
}

#[test]
fn fail_state() {
    only(
        &pass_machine(json!({"Type": "Fail", "Error": "E", "ErrorPath": "$.e"})),
        "mutually-exclusive-fields",
        "/States/S/ErrorPath",
    );
    assert!(
        validate_definition(&pass_machine(
            json!({"Type": "Fail", "CausePath": "States.Format('x {}', $.a)"})
        ))
        .is_empty()
    );
}

#[test]
fn map_state() {
    let map = |extra: Value| {
        let mut m = json!({"Type": "Map", "End": true, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}});
        m.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        pass_machine(m)
    };
    let msg = only(
        &map(json!({"Label": ""})),
        "invalid-map-label",
        "/States/S/Label",
    );
    assert!(msg.contains("cannot be empty"), "{msg}");
    let msg = only(
        &map(json!({"Label": "x".repeat(41)})),
        "invalid-map-label",
        "/States/S/Label",
    );
    assert!(msg.contains("40"), "{msg}");
    for c in [
        " ", "<", "}", "?", "\"", "#", "\\", "`", "$", ",", ":", "/", "\u{1}", "\u{7f}", "\u{85}",
        "\n",
    ] {
        only(
            &map(json!({"Label": format!("a{c}b")})),
            "invalid-map-label",
            "/States/S/Label",
        );
    }
    assert!(validate_definition(&map(json!({"Label": "ok-Label_1.2"}))).is_empty());
    only(
        &map(json!({"MaxConcurrency": -1})),
        "invalid-field-value",
        "/States/S/MaxConcurrency",
    );
    only(
        &map(json!({"ToleratedFailurePercentage": 101})),
        "invalid-field-value",
        "/States/S/ToleratedFailurePercentage",
    );
    only(
        &map(
            json!({"ItemProcessor": {"ProcessorConfig": {"Mode": "FAST"}, "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}}),
        ),
        "invalid-processor-mode",
        "/States/S/ItemProcessor/ProcessorConfig/Mode",
    );
    // Nested machines are checked with nested pointers.
    let r = rules(&map(
        json!({"ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "Next": "Out"}}}}),
    ));
    assert!(
        r.contains(&(
            "unknown-next-state",
            "/States/S/ItemProcessor/States/I/Next".into()
        )),
        "{r:?}"
    );
    assert!(
        r.contains(&("no-terminal-state", "/States/S/ItemProcessor/States".into())),
        "{r:?}"
    );
    let r = rules(&pass_machine(json!({"Type": "Map", "End": true})));
    assert_eq!(r, vec![("missing-required-field", "/States/S".into())]);
}

#[test]
fn parallel_state() {
    only(
        &pass_machine(json!({"Type": "Parallel", "Branches": [], "End": true})),
        "invalid-field-type",
        "/States/S/Branches",
    );
    let r = rules(&pass_machine(
        json!({"Type": "Parallel", "Branches": [{"StartAt": "B", "States": {"B": {"Type": "Pass", "Next": "S"}}}], "End": true}),
    ));
    assert!(
        r.contains(&(
            "unknown-next-state",
            "/States/S/Branches/0/States/B/Next".into()
        )),
        "{r:?}"
    );
}

#[test]
fn paths_and_intrinsics() {
    let pass = |extra: Value| {
        let mut p = json!({"Type": "Pass", "End": true});
        p.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        pass_machine(p)
    };
    only(
        &pass(json!({"InputPath": "a.b"})),
        "invalid-path",
        "/States/S/InputPath",
    );
    only(
        &pass(json!({"ResultPath": "$$.x"})),
        "invalid-reference-path",
        "/States/S/ResultPath",
    );
    assert!(validate_definition(&pass(json!({"ResultPath": null, "OutputPath": null}))).is_empty());
    only(
        &pass(json!({"Parameters": {"a.$": "States.Nope(1)"}})),
        "invalid-intrinsic-function",
        "/States/S/Parameters/a.$",
    );
    only(
        &pass(json!({"Parameters": {"a.$": "States.MathAdd(1)"}})),
        "invalid-intrinsic-function",
        "/States/S/Parameters/a.$",
    );
    only(
        &pass(json!({"Parameters": {"x": [{"a.$": 3}]}})),
        "invalid-field-type",
        "/States/S/Parameters/x/0/a.$",
    );
    only(
        &pass(json!({"InputPath": "States.Array(1)"})),
        "intrinsic-not-allowed",
        "/States/S/InputPath",
    );
    assert!(
        validate_definition(&pass(json!({"Parameters": {"a.$": "$$.Execution.Id", "b.$": "$myVar.x", "c.$": "States.Array($.a, 'x', 1)"}}))).is_empty()
    );
}

#[test]
fn assign_and_jsonata() {
    let msg = only(
        &pass_machine(json!({"Type": "Pass", "Assign": {"bad-name": 1}, "End": true})),
        "invalid-variable-name",
        "/States/S/Assign/bad-name",
    );
    assert!(msg.contains("start with a letter"), "{msg}");
    only(
        &pass_machine(json!({"Type": "Pass", "Assign": {"1x": 1}, "End": true})),
        "invalid-variable-name",
        "/States/S/Assign/1x",
    );
    only(
        &pass_machine(json!({"Type": "Pass", "Assign": [], "End": true})),
        "invalid-field-type",
        "/States/S/Assign",
    );
    let jsonata =
        |s: Value| json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": s}});
    let msg = only(
        &jsonata(json!({"Type": "Pass", "Output": {"a": "{% 1 + 1"}, "End": true})),
        "invalid-jsonata",
        "/States/S/Output/a",
    );
    assert!(msg.contains("%}"), "{msg}");
    only(
        &jsonata(json!({"Type": "Pass", "Output": "{%  %}", "End": true})),
        "invalid-jsonata",
        "/States/S/Output",
    );
    only(
        &jsonata(
            json!({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Arguments": 3, "End": true}),
        ),
        "invalid-field-type",
        "/States/S/Arguments",
    );
    // Literal strings are fine, and `{% %}` means nothing in JSONPath states.
    assert!(
        validate_definition(&jsonata(
            json!({"Type": "Pass", "Output": {"a": "x %}"}, "End": true})
        ))
        .is_empty()
    );
    assert!(
        validate_definition(&pass_machine(
            json!({"Type": "Pass", "Result": "{% 1", "End": true})
        ))
        .is_empty()
    );
}

#[test]
fn jsonata_syntax_errors_when_parser_is_available() {
    if !super::expr::jsonata_parser_ready() {
        return;
    }
    let def = json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": {"Type": "Pass", "Output": "{% $states.input.( %}", "End": true}}});
    only(&def, "invalid-jsonata", "/States/S/Output");
}

#[test]
fn every_message_says_how_to_fix() {
    // A definition with many problems: every diagnostic is reported, each with a fix.
    let def = json!({"StartAt": "A", "Bogus": 1, "States": {
        "A": {"Type": "Pass", "Next": "Z", "End": true},
        "B": {"Type": "Wait", "Timestamp": "yesterday", "End": true},
        "C": {"Type": "Task", "Resource": "lambda", "End": true}
    }});
    let diags = validate_definition(&def);
    assert!(diags.len() >= 6, "{diags:#?}");
    for d in &diags {
        let m = d.message.to_lowercase();
        assert!(
            [
                "use ", "add ", "remove", "keep", "fix", "move", "rename", "shorten", "give",
                "write", "provide", "lower", "combine", "put ", "delete", "check"
            ]
            .iter()
            .any(|w| m.contains(w)),
            "message without a fix: {d}"
        );
    }
}

#[test]
fn a_legacy_iterator_processor_config_is_checked_as_an_item_processor_one() {
    let def = pass_machine(json!({"Type": "Map", "End": true, "Iterator": {
        "ProcessorConfig": 5, "StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}}));
    let msg = only(
        &def,
        "invalid-field-type",
        "/States/S/Iterator/ProcessorConfig",
    );
    assert!(msg.contains("must be an object"), "{msg}");
}

#[test]
fn jayway_paths_in_every_place_paths_appear() {
    // A dot before a bracket (`$.[0]`, `$.a.['b']`, `$.[?(...)]`) is Jayway's `$[0]`, and
    // an unquoted word on the right of a filter comparison is accepted, wherever a path
    // goes: payload templates, intrinsic arguments, InputPath/OutputPath, ItemsPath,
    // Choice Variable, ResultSelector, ResultPath (a reference path: names and indexes).
    let def = json!({
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Pass",
                "InputPath": "$.[?(@.OU > 0)]",
                "Parameters": {
                    "first.$": "$.[0]",
                    "state.$": "$.Snapshots.[0].State",
                    "pairs.$": "$.[*].['bucket', 'key']",
                    "receipt.$": "$.docs[?(@.Name==Receipt)]",
                    "body.$": "States.StringToJson($.[0].body)",
                    "deep.$": "$..[?(@.id =~ /a.*/i && @.tags size 2)]",
                    "slice.$": "$.items[-2:]",
                    "ctx.$": "$$.Execution.Input.[0]"
                },
                "ResultPath": "$.out.[0]",
                "OutputPath": "$.[1:]",
                "Next": "C"
            },
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.flags.[0]", "BooleanEquals": true, "Next": "M"}],
                "Default": "M"
            },
            "M": {
                "Type": "Map",
                "ItemsPath": "$.groups.[0].items",
                "ResultSelector": {"x.$": "$.[0].['x']"},
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                "End": true
            }
        }
    });
    assert_eq!(validate_definition(&def), vec![]);

    let pass =
        |field: &str, path: &str| pass_machine(json!({"Type": "Pass", field: path, "End": true}));
    // ResultPath: only names and single indexes, with or without the dot.
    for ok in ["$.a.[0]", "$.[0].b", "$['a'].[1]"] {
        assert_eq!(validate_definition(&pass("ResultPath", ok)), vec![], "{ok}");
    }
    for bad in [
        "$.a.[*]",
        "$.a.[?(@.b)]",
        "$.a.[0:1]",
        "$.a.['b','c']",
        "$.a.length()",
    ] {
        let msg = only(
            &pass("ResultPath", bad),
            "invalid-reference-path",
            "/States/S/ResultPath",
        );
        assert!(msg.contains("reference path"), "{msg}");
    }
    // What Jayway itself refuses is refused, saying so.
    for (bad, says) in [
        ("$.a[::2]", "ArraySliceOperation"),
        ("$.a[:]", "ArraySliceOperation"),
        ("$.a[?(true)]", "invalid_filters_does_not_compile"),
        ("$.a.nope()", "has length()"),
    ] {
        let msg = only(
            &pass("InputPath", bad),
            "invalid-path",
            "/States/S/InputPath",
        );
        assert!(msg.contains(says) && msg.contains("Jayway"), "{bad}: {msg}");
    }
}
