//! Expected values come from AWS-recorded executions
//! (`../shared/conformance/localstack-aws-recorded/cases`, beside the repository;
//! `recorded_cases.json` holds the single-Pass-state cases, `FunctionResult.$` and the
//! recorded `FunctionResult`) or from the AWS documentation.

use serde_json::{Value, json};

use super::*;

fn context_for(input: &Value) -> Value {
    // The values the recorded cases ran with (README of the corpus).
    json!({
        "Execution": {
            "Id": "arn:aws:states:us-east-1:111111111111:execution:ArnPart_0idx:ExecArnPart_0idx",
            "Input": input.clone(),
            "Name": "ExecArnPart_0idx",
            "RoleArn": "snf_role_arn"
        },
        "StateMachine": {
            "Id": "arn:aws:states:us-east-1:111111111111:stateMachine:ArnPart_0idx",
            "Name": "ArnPart_0idx"
        }
    })
}

fn vars(name: &str) -> Option<Value> {
    match name {
        "rawString" => Some(json!("Hello World")),
        "encodedString" => Some(json!("SGVsbG8gV29ybGQ=")),
        "inputString" => Some(json!("Hash this string")),
        "json1" => Some(json!({"a": 1, "b": 2})),
        "json2" => Some(json!({"c": 3, "d": 4})),
        "jsonString" => Some(json!("{\"key\":\"value\"}")),
        "jsonObject" => Some(json!({"test": "object"})),
        "value1" => Some(json!(5)),
        "value2" => Some(json!(3)),
        "csvString" => Some(json!("a,b,c,d,e")),
        "name" => Some(json!("John")),
        "place" => Some(json!("LocalStack")),
        "AnswerTemplate" => Some(json!("It's {}!")),
        _ => None,
    }
}

fn eval(expr: &str, input: &Value) -> Result<Value, IntrinsicError> {
    let context = context_for(input);
    let scope = Scope {
        context: &context,
        variables: &vars,
    };
    evaluate(expr, input, &scope)
}

fn eval_ok(expr: &str) -> Value {
    eval(expr, &json!({})).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

fn eval_err(expr: &str, input: &Value) -> IntrinsicError {
    match eval(expr, input) {
        Ok(v) => panic!("{expr} should fail but gave {v}"),
        Err(e) => e,
    }
}

/// Numbers compare by value (the corpus README: AWS printed `0.0` for `0.0`).
fn same(a: &Value, b: &Value) -> bool {
    crate::jsonpath::values_equal(a, b)
}

#[test]
fn recorded_single_state_cases() {
    let rows: Vec<Value> = serde_json::from_str(include_str!("recorded_cases.json")).unwrap();
    assert!(rows.len() > 100);
    for row in &rows {
        let expr = row["expr"].as_str().unwrap();
        let got = eval(expr, &row["input"])
            .unwrap_or_else(|e| panic!("{}: {expr} failed: {e}", row["case"]));
        assert!(
            same(&got, &row["expected"]),
            "{}: {expr}\n  got      {got}\n  expected {}",
            row["case"],
            row["expected"]
        );
    }
}

#[test]
fn math_add_keeps_integers() {
    // test_math_operations__..._test_math_add__0: -9 + 3 = -6 (an integer).
    let v = eval("States.MathAdd($.a, $.b)", &json!({"a": -9, "b": 3})).unwrap();
    assert!(v.is_i64(), "{v}");
    assert_eq!(v, json!(-6));
    // test_base_scenarios ..._test_map_state_legacy_reentrant: `States.MathAdd($.Iterations, -1)`
    assert_eq!(
        eval("States.MathAdd($.i, -1)", &json!({"i": 1})).unwrap(),
        json!(0)
    );
    assert!(eval("States.MathAdd('1', 2)", &json!({})).is_err());
}

#[test]
fn variables_and_nested_calls() {
    // test_assign_reference_variables__..._BASE_REFERENCE_IN_INTRINSIC_FUNCTION (recorded).
    assert_eq!(
        eval_ok("States.Base64Encode($rawString)"),
        json!("SGVsbG8gV29ybGQ=")
    );
    assert_eq!(
        eval_ok("States.Base64Decode($encodedString)"),
        json!("Hello World")
    );
    assert_eq!(
        eval_ok("States.Hash($inputString, 'SHA-256')"),
        json!("1cac63f39fd68d8c531f27b807610fb3d50f0fc3f186995767fb6316e7200a3e")
    );
    assert_eq!(
        eval_ok("States.JsonMerge($json1, $json2, false)"),
        json!({"a": 1, "b": 2, "c": 3, "d": 4})
    );
    assert_eq!(
        eval_ok("States.StringToJson($jsonString)"),
        json!({"key": "value"})
    );
    assert_eq!(
        eval_ok("States.JsonToString($jsonObject)"),
        json!("{\"test\":\"object\"}")
    );
    assert_eq!(eval_ok("States.MathAdd($value1, $value2)"), json!(8));
    assert_eq!(
        eval_ok("States.StringSplit($csvString, ',')"),
        json!(["a", "b", "c", "d", "e"])
    );
    assert_eq!(
        eval_ok("States.Format('Hello {}, welcome to {}!', $name, $place)"),
        json!("Hello John, welcome to LocalStack!")
    );
    // MAP_STATE_REFERENCE_IN_INTRINSIC_FUNCTION: a template from a variable.
    assert_eq!(
        eval_ok("States.Format($AnswerTemplate, 'Pikachu')"),
        json!("It's Pikachu!")
    );
    // test_json_merge_escaped_argument (recorded): literal `{` need no escape outside Format.
    assert_eq!(
        eval(
            "States.JsonMerge(States.StringToJson('{\"constant_in_literal\": \"false\"}'), $$.Execution.Input.input_field, false)",
            &json!({"input_field": {"constant_input_field": "constant_value"}})
        )
        .unwrap(),
        json!({"constant_input_field": "constant_value", "constant_in_literal": "false"})
    );
    // BASE_ASSIGN_FROM_INTRINSIC_FUNCTION (documented results).
    assert_eq!(
        eval_ok("States.Array('a', 'b', 'c')"),
        json!(["a", "b", "c"])
    );
    assert_eq!(
        eval_ok("States.ArrayRange(1, 10, 2)"),
        json!([1, 3, 5, 7, 9])
    );
    assert_eq!(eval_ok("States.ArrayRange(0, 3, 1)"), json!([0, 1, 2, 3]));
    assert_eq!(
        eval_ok("States.ArrayUnique(States.Array(1, 2, 2, 3, 3, 4))"),
        json!([1, 2, 3, 4])
    );
    let uuid = eval_ok("States.UUID()");
    let uuid = uuid.as_str().unwrap();
    assert_eq!(uuid.len(), 36);
    assert_eq!(uuid.as_bytes()[14], b'4');
    assert!(matches!(
        eval("States.Format('{}', $undefinedVar)", &json!({})),
        Err(IntrinsicError { error, .. }) if error == "States.Runtime"
    ));
}

#[test]
fn aws_documentation_examples() {
    // https://docs.aws.amazon.com/step-functions/latest/dg/intrinsic-functions.html
    assert_eq!(
        eval("States.Array($.Id)", &json!({"Id": 123456})).unwrap(),
        json!([123456])
    );
    assert_eq!(
        eval(
            "States.ArrayPartition($.inputArray,4)",
            &json!({"inputArray": [1,2,3,4,5,6,7,8,9]})
        )
        .unwrap(),
        json!([[1, 2, 3, 4], [5, 6, 7, 8], [9]])
    );
    assert_eq!(
        eval(
            "States.ArrayContains($.inputArray, $.lookingFor)",
            &json!({"inputArray": [1,2,3,4,5,6,7,8,9], "lookingFor": 5})
        )
        .unwrap(),
        json!(true)
    );
    assert_eq!(
        eval_ok("States.ArrayRange(1, 9, 2)"),
        json!([1, 3, 5, 7, 9])
    );
    assert_eq!(
        eval(
            "States.ArrayGetItem($.inputArray, $.index)",
            &json!({"inputArray": [1,2,3,4,5,6,7,8,9], "index": 5})
        )
        .unwrap(),
        json!(6)
    );
    assert_eq!(
        eval(
            "States.ArrayUnique($.inputArray)",
            &json!({"inputArray": [1,2,3,3,3,3,3,3,4]})
        )
        .unwrap(),
        json!([1, 2, 3, 4])
    );
    assert_eq!(
        eval(
            "States.Base64Encode($.input)",
            &json!({"input": "Data to encode"})
        )
        .unwrap(),
        json!("RGF0YSB0byBlbmNvZGU=")
    );
    assert_eq!(
        eval(
            "States.Hash($.Data, $.Algorithm)",
            &json!({"Data": "input data", "Algorithm": "SHA-1"})
        )
        .unwrap(),
        json!("aaff4a450a104cd177d28d18d74485e8cae074b7")
    );
    assert_eq!(
        eval(
            "States.StringSplit($.inputString, $.splitter)",
            &json!({"inputString": "1,2,3,4,5", "splitter": ","})
        )
        .unwrap(),
        json!(["1", "2", "3", "4", "5"])
    );
    assert_eq!(
        eval(
            "States.StringSplit($.inputString, $.splitter)",
            &json!({"inputString": "This.is+a,test=string", "splitter": ".+,="})
        )
        .unwrap(),
        json!(["This", "is", "a", "test", "string"])
    );
    assert_eq!(
        eval(
            "States.Format('Hello, my name is {}.', $.name)",
            &json!({"name": "Arnav"})
        )
        .unwrap(),
        json!("Hello, my name is Arnav.")
    );
    assert_eq!(
        eval(
            "States.JsonToString($.unescapedJson)",
            &json!({"unescapedJson": {"foo": "bar"}})
        )
        .unwrap(),
        json!("{\"foo\":\"bar\"}")
    );
    assert_eq!(
        eval(
            "States.StringToJson($.escapedJsonString)",
            &json!({"escapedJsonString": "{\"foo\": \"bar\"}"})
        )
        .unwrap(),
        json!({"foo": "bar"})
    );
    assert_eq!(eval_ok("States.MathAdd(111, -1)"), json!(110));
}

#[test]
fn string_literal_escapes() {
    // AWS docs: `'`, `{`, `}` and `\` are escaped with a backslash in string literals.
    assert_eq!(
        eval_ok("States.Format('It\\'s \\{literal\\} {} \\\\ done', 'x')"),
        json!("It's {literal} x \\ done")
    );
    assert_eq!(eval_ok("States.Format('\\{\\}')"), json!("{}"));
    // test_generic__..._test_escape_sequence: a real newline as delimiter.
    assert_eq!(
        eval_ok("States.StringSplit('Hello\nWorld', '\n')"),
        json!(["Hello", "World"])
    );
}

#[test]
fn format_renders_like_java() {
    // test_generic__..._test_format_2__7 and test_context_json_path (recorded).
    assert_eq!(
        format_argument(&json!({"Arg1": 1, "Arg2": []})),
        "{Arg1=1, Arg2=[]}"
    );
    assert_eq!(
        format_argument(&json!([1, "a", null, true])),
        "[1, a, null, true]"
    );
    assert_eq!(format_argument(&json!(1.1)), "1.1");
    assert_eq!(format_argument(&json!(1.0)), "1.0");
    assert_eq!(format_argument(&json!(1e20)), "1.0E20");
    assert_eq!(format_argument(&json!(0.0001)), "1.0E-4");
}

#[test]
fn argument_errors_are_intrinsic_failures() {
    let input = json!({"s": "text", "a": [1, 2], "o": {"k": 1}});
    for expr in [
        "States.Format('{} {}', 1)",
        "States.Format('{}', 1, 2)",
        "States.Format($.a)",
        "States.StringToJson('{not json')",
        "States.StringToJson($.a)",
        "States.ArrayPartition($.a, 0)",
        "States.ArrayPartition($.s, 1)",
        "States.ArrayRange(1, 2000, 1)",
        "States.ArrayRange(1, 5, 0)",
        "States.ArrayRange(1.5, 5, 1)",
        "States.ArrayGetItem($.a, 2)",
        "States.ArrayGetItem($.a, -1)",
        "States.ArrayLength($.o)",
        "States.ArrayContains($.o, 1)",
        "States.Base64Decode('not base64!')",
        "States.Hash($.s, 'SHA-3')",
        "States.Hash($.a, 'MD5')",
        "States.JsonMerge($.o, $.o, true)",
        "States.JsonMerge($.o, $.a, false)",
        "States.MathRandom(5, 1)",
        "States.MathAdd($.s, 1)",
        "States.StringSplit($.a, ',')",
    ] {
        let e = eval_err(expr, &input);
        assert_eq!(e.error, INTRINSIC_FAILURE, "{expr}: {e}");
        assert!(!e.cause.is_empty());
    }
    let long = "x".repeat(10_001);
    let e = eval_err("States.Base64Encode($.s)", &json!({"s": long}));
    assert_eq!(e.error, INTRINSIC_FAILURE);
    // A path that matches nothing is a runtime error.
    let e = eval_err("States.ArrayLength($.missing)", &input);
    assert_eq!(e.error, "States.Runtime");
}

#[test]
fn math_random() {
    for _ in 0..50 {
        let v = eval_ok("States.MathRandom(1, 5)").as_i64().unwrap();
        assert!((1..5).contains(&v));
    }
    let a = eval_ok("States.MathRandom(0, 999, 3)");
    let b = eval_ok("States.MathRandom(0, 999, 3)");
    assert_eq!(a, b, "a seed makes the result repeatable");
    let v = eval(
        "States.MathRandom($.a, $.b)",
        &json!({"a": 12.5, "b": 44.51}),
    )
    .unwrap()
    .as_i64()
    .unwrap();
    assert!((12..=45).contains(&v));
}

#[test]
fn parse_checks_syntax_and_arity() {
    for good in [
        "States.UUID()",
        "States.Array()",
        " States.Format( 'a{}b' , $.x ) ",
        "States.MathRandom(1, 2)",
        "States.MathRandom(1, 2, 3)",
        "States.ArrayGetItem(States.StringSplit($$.StateMachine.Name, '-'), 0)",
        "States.Array($.a[0,1], $.b[?(@.c == 'x,y')])",
        "States.Array(true, false, null, -1.5, 2)",
    ] {
        assert!(parse(good).is_ok(), "{good}: {:?}", parse(good));
    }
    for bad in [
        "States.Nope()",
        "States.UUID(1)",
        "States.MathAdd(1)",
        "States.MathAdd(1, 2, 3)",
        "States.ArrayRange(1, 2)",
        "States.Format()",
        "States.Format('x'",
        "States.Format('x) ",
        "States.Format('x') extra",
        "States.Array(bogus)",
        "States.Array($.[)",
        "States.Array(1,)",
    ] {
        let e = parse(bad).unwrap_err();
        assert_eq!(e.error, INTRINSIC_FAILURE, "{bad}");
    }
    let deep = format!("{}1{}", "States.Array(".repeat(11), ")".repeat(11));
    assert!(parse(&deep).is_err());
    let ok = format!("{}1{}", "States.Array(".repeat(10), ")".repeat(10));
    assert!(parse(&ok).is_ok());
}

#[test]
fn evaluate_value_dispatches() {
    let input = json!({"a": [1, 2]});
    let context = context_for(&input);
    let scope = Scope {
        context: &context,
        variables: &vars,
    };
    assert_eq!(
        evaluate_value("$.a", &input, &scope).unwrap(),
        json!([1, 2])
    );
    assert_eq!(
        evaluate_value("States.ArrayLength($.a)", &input, &scope).unwrap(),
        json!(2)
    );
    assert!(matches!(
        evaluate_value("$.b", &input, &scope),
        Err(ValueError::Path(PathError::NoResults { .. }))
    ));
    assert!(is_intrinsic("States.Array()"));
    assert!(!is_intrinsic("$.States"));
}

#[test]
fn path_arguments_may_put_a_dot_before_a_bracket() {
    // Jayway reads `$.[0]` as `$[0]`; the argument scanner keeps the brackets and the
    // commas inside them together.
    let input = json!([{"body": "{\"n\": 1}"}, {"bucket": "b", "key": "k"}]);
    assert_eq!(
        eval("States.StringToJson($.[0].body)", &input).unwrap(),
        json!({"n": 1})
    );
    assert_eq!(
        eval("States.JsonToString($.[1].['bucket', 'key'])", &input).unwrap(),
        json!("{\"bucket\":\"b\",\"key\":\"k\"}")
    );
    assert_eq!(
        eval("States.ArrayLength($.[?(@.bucket == b)])", &input).unwrap(),
        json!(1)
    );
    assert!(parse("States.Format('{}', $.[0].body)").is_ok());
}
