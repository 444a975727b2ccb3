//! Hostile expressions end with a JSONata error, never a crash: nesting is bounded at parse
//! time and `$eval` (which Step Functions does not offer) is refused. Each case runs on a
//! thread with a 2 MiB stack, the size of a Lambda's or tokio's worker threads, in whatever
//! profile the tests are built with.

use asl_jsonata::{MAX_NESTING, NESTING_CODE, evaluate, parse};
use serde_json::{Map, Value, json};

/// Runs `f` on a 2 MiB stack; a stack overflow aborts the test process (the failure).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

fn nesting_code(expression: String) -> Option<String> {
    on_small_stack(move || parse(&expression).err().and_then(|e| e.code))
}

#[test]
fn parse_depth_is_bounded_for_nested_parentheses() {
    let deep = format!("{}1{}", "(".repeat(5_000), ")".repeat(5_000));
    assert_eq!(nesting_code(deep).as_deref(), Some(NESTING_CODE));
}

#[test]
fn parse_depth_is_bounded_for_a_long_operator_chain() {
    let chain = vec!["1"; 5_000].join(" + ");
    assert_eq!(nesting_code(chain).as_deref(), Some(NESTING_CODE));
}

#[test]
fn parse_depth_is_bounded_for_many_unary_minuses() {
    let minuses = format!("{}1", "-".repeat(100_000));
    assert_eq!(nesting_code(minuses).as_deref(), Some(NESTING_CODE));
}

#[test]
fn expressions_within_the_bound_parse_and_evaluate_on_a_small_stack() {
    // Just inside the bound, in each shape: the value is checked by hand.
    let parens = format!(
        "{}1{}",
        "(".repeat(MAX_NESTING - 2),
        ")".repeat(MAX_NESTING - 2)
    );
    let chain = vec!["1"; MAX_NESTING - 2].join(" + ");
    let results =
        on_small_stack(move || [parens, chain].map(|e| evaluate(&e, &Value::Null, &Map::new())));
    assert_eq!(results[0], Ok(Some(json!(1))));
    assert_eq!(results[1], Ok(Some(json!(MAX_NESTING - 2))));
}

#[test]
fn eval_is_refused_as_step_functions_does() {
    // The input can carry an expression; `$eval` would parse it without any bound.
    let input = json!({"code": format!("{}1{}", "(".repeat(5_000), ")".repeat(5_000))});
    let err = on_small_stack(move || evaluate("$eval(code)", &input, &Map::new()))
        .expect_err("$eval is not available");
    assert_eq!(err.code.as_deref(), Some("T1006"));
    assert!(err.message.contains("$parse"), "{}", err.message);
}

fn budget_error(expression: &'static str) -> asl_jsonata::JsonataError {
    on_small_stack(move || evaluate(expression, &Value::Null, &Map::new()))
        .expect_err("the budget ends the evaluation")
}

#[test]
fn evaluation_memory_is_bounded_for_a_doubling_string_recursion() {
    // 2^40 bytes if it ran to the end.
    let err = budget_error(
        "( $f := function($s, $n) { $n = 0 ? $s : $f($s & $s, $n - 1) }; $f('x', 40) )",
    );
    assert_eq!(err.code.as_deref(), Some("U1002"), "{err:?}");
}

#[test]
fn evaluation_memory_is_bounded_for_a_huge_pad() {
    let err = budget_error("$pad('', 1e9, 'x')");
    assert_eq!(err.code.as_deref(), Some("U1002"), "{err:?}");
    // A pad within the budget still works.
    let ok = on_small_stack(|| evaluate("$length($pad('', 1000, 'x'))", &Value::Null, &Map::new()));
    assert_eq!(ok, Ok(Some(json!(1000))));
}

#[test]
fn evaluation_steps_are_bounded_for_a_large_loop() {
    // 5,000 x 5,000 = 25 million evaluations of the inner body.
    let err = budget_error(
        "$count($map([1..5000], function($i) { $map([1..5000], function($j) { $j + $i }) }))",
    );
    assert_eq!(err.code.as_deref(), Some("U1002"), "{err:?}");
}

#[test]
fn evaluation_memory_is_bounded_for_a_cheap_expression_that_builds_a_huge_sequence() {
    // A thousand evaluations of `$b` would flatten into a 10^9-element sequence (tens of GB).
    let err = budget_error("( $b := [1..1000000]; $count([1..1000].$b.$) )");
    assert_eq!(err.code.as_deref(), Some("U1002"), "{err:?}");
    // The same shape within the budget still works: 1,000 x 1,000 elements.
    let ok = on_small_stack(|| {
        evaluate(
            "( $b := [1..1000]; $count([1..1000].$b.$) )",
            &Value::Null,
            &Map::new(),
        )
    });
    assert_eq!(ok, Ok(Some(json!(1_000_000))));
}

#[test]
fn a_compiled_expression_runs_many_times_and_on_other_threads() {
    let expression = std::sync::Arc::new(asl_jsonata::Expression::compile("$x * 2").unwrap());
    let mut bindings = Map::new();
    for x in 0..3 {
        bindings.insert("x".into(), json!(x));
        assert_eq!(
            expression.evaluate(&Value::Null, &bindings),
            Ok(Some(json!(x * 2)))
        );
    }
    let shared = expression.clone();
    let on_thread = std::thread::spawn(move || {
        let mut bindings = Map::new();
        bindings.insert("x".into(), json!(21));
        shared.evaluate(&Value::Null, &bindings)
    });
    assert_eq!(on_thread.join().unwrap(), Ok(Some(json!(42))));
}
