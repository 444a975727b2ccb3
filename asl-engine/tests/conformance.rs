//! Conformance: every execution recorded against AWS in
//! `../shared/conformance/localstack-aws-recorded/cases` runs through the engine and is
//! compared with what AWS returned (rules in that folder's README: numbers by value,
//! wildcard tokens, `cause_is_json`). Pass rates are printed by feature.
//!
//! `tests/conformance-known-failures.txt` lists the cases we do not pass yet, each with its
//! reason. The list is enforced both ways: an unlisted failure fails the test, and so does a
//! listed case that now passes (remove it), so the list only shrinks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;

use asl_engine::mocks::MockInvoker;
use asl_engine::{ExecutionIdentity, RunOptions, run};
use serde_json::Value;

#[path = "../../asl/tests/support/corpus.rs"]
mod corpus;
use corpus::{corpus_dir, corpus_present, json_files};

fn known_failures() -> BTreeMap<String, String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/conformance-known-failures.txt"),
    )
    .unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((name, reason)) => (name.to_owned(), reason.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

/// The identity the corpus recorded under (README: "Normalizations").
fn identity_for(case: &Value) -> ExecutionIdentity {
    let mut identity = ExecutionIdentity::named("ArnPart_0idx", "ExecArnPart_0idx");
    identity.account_id = "111111111111".into();
    identity.state_machine_arn =
        "arn:aws:states:us-east-1:111111111111:stateMachine:ArnPart_0idx".into();
    identity.execution_arn =
        "arn:aws:states:us-east-1:111111111111:execution:ArnPart_0idx:ExecArnPart_0idx".into();
    identity.role_arn = "snf_role_arn".into();
    if let Some(context) = case.get("context") {
        let start_time = identity.start_time.clone();
        if let Ok(mut given) = serde_json::from_value::<ExecutionIdentity>(context.clone()) {
            given.start_time = start_time;
            // How the execution was started is not in `context`; the test module says it.
            given.synchronous = case["notes"]
                .as_str()
                .is_some_and(|n| n.contains("StartSyncExecution"));
            identity = given;
        }
    }
    identity
}

/// Whether `actual` matches `expected`, where whole values equal to a wildcard token match
/// anything and tokens inside strings match any substring.
fn matches(expected: &Value, actual: &Value, wildcards: &[String]) -> bool {
    match (expected, actual) {
        (Value::String(e), _) if wildcards.iter().any(|w| w == e) => true,
        (Value::String(e), Value::String(a)) => string_matches(e, a, wildcards),
        (Value::Number(e), Value::Number(a)) => match (e.as_f64(), a.as_f64()) {
            (Some(x), Some(y)) => x == y || e.to_string() == a.to_string(),
            _ => e.to_string() == a.to_string(),
        },
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(x, y)| matches(x, y, wildcards))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|av| matches(v, av, wildcards)))
        }
        _ => expected == actual,
    }
}

fn string_matches(expected: &str, actual: &str, wildcards: &[String]) -> bool {
    if expected == actual {
        return true;
    }
    let present: Vec<&String> = wildcards
        .iter()
        .filter(|w| expected.contains(w.as_str()))
        .collect();
    if present.is_empty() {
        return false;
    }
    let mut pattern = regex::escape(expected);
    for token in present {
        pattern = pattern.replace(&regex::escape(token), "(?s:.*)");
    }
    regex::Regex::new(&format!("^(?s:{pattern})$")).is_ok_and(|re| re.is_match(actual))
}

fn optional_text_matches(
    expected: &Value,
    actual: Option<&str>,
    wildcards: &[String],
    as_json: bool,
) -> bool {
    match (expected, actual) {
        (Value::Null, None) => true,
        (Value::Null, Some(_)) | (_, None) => false,
        (Value::String(e), Some(a)) if as_json => {
            match (
                serde_json::from_str::<Value>(e),
                serde_json::from_str::<Value>(a),
            ) {
                (Ok(ev), Ok(av)) => matches(&ev, &av, wildcards),
                _ => string_matches(e, a, wildcards),
            }
        }
        (Value::String(e), Some(a)) => string_matches(e, a, wildcards),
        _ => false,
    }
}

/// Runs one case; `Err` explains the mismatch.
fn run_case(case: &Value) -> Result<(), String> {
    let mocks = case.get("mocks").cloned().unwrap_or(Value::Null);
    let invoker = if mocks.is_null() {
        MockInvoker::default()
    } else {
        MockInvoker::from_json(&mocks).map_err(|e| e.to_string())?
    };
    let mut options = RunOptions {
        identity: identity_for(case),
        max_transitions: 100_000,
        ..RunOptions::default()
    };
    if let Some(envelope) = invoker.envelope() {
        options.lambda_invoke_envelope = envelope.clone();
    }
    options.invoker = Arc::new(invoker);
    let outcome = run(&case["definition"], case["input"].clone(), &options);
    // Compile once: the run evaluated only what was parsed before it started.
    if outcome.parsed_at_run_time != 0 {
        return Err(format!(
            "{} paths or expressions were parsed while running (the compiled program missed them)",
            outcome.parsed_at_run_time
        ));
    }
    let expected = &case["expected"];
    let wildcards: Vec<String> = case
        .get("wildcards")
        .and_then(Value::as_array)
        .map(|w| {
            w.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let status = outcome.status.as_str();
    let describe = || {
        format!(
            "got status {status}, output {}, error {:?}, cause {:?}; expected {}",
            outcome
                .output
                .as_ref()
                .map(|o| o.to_string())
                .unwrap_or_else(|| "none".into()),
            outcome.error,
            outcome.cause,
            expected
        )
    };
    if expected["status"].as_str() != Some(status) {
        return Err(describe());
    }
    if status == "SUCCEEDED" {
        let actual = outcome.output.clone().unwrap_or(Value::Null);
        if !matches(&expected["output"], &actual, &wildcards) {
            return Err(describe());
        }
    } else {
        let as_json = expected
            .get("cause_is_json")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if !optional_text_matches(
            &expected["error"],
            outcome.error.as_deref(),
            &wildcards,
            false,
        ) || !optional_text_matches(
            &expected["cause"],
            outcome.cause.as_deref(),
            &wildcards,
            as_json,
        ) {
            return Err(describe());
        }
    }
    Ok(())
}

/// Runs a case on its own thread (deep JSONata recursion wants stack; a panic is a failure).
fn run_isolated(case: Value) -> Result<(), String> {
    std::thread::Builder::new()
        .stack_size(64 * 1024 * 1024)
        .spawn(move || run_case(&case))
        .map_err(|e| e.to_string())?
        .join()
        .unwrap_or_else(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default();
            Err(format!("the engine panicked: {message}"))
        })
}

#[test]
fn recorded_aws_executions() {
    let dir = corpus_dir().join("cases");
    if !corpus_present(&dir, "conformance") {
        return;
    }
    let paths = json_files(&dir);
    // An empty or truncated corpus folder must not pass as "every case matched".
    assert!(
        paths.len() >= 994,
        "the conformance corpus at {} holds {} cases; the recorded corpus has 994",
        dir.display(),
        paths.len()
    );
    let known = known_failures();
    let mut by_feature: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures: BTreeMap<String, String> = BTreeMap::new();
    let mut names = BTreeSet::new();
    for path in &paths {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let name = case["name"].as_str().unwrap_or_default().to_owned();
        names.insert(name.clone());
        let features: Vec<String> = case["features"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let result = run_isolated(case);
        for feature in features.iter().chain(std::iter::once(&"ALL".to_owned())) {
            let entry = by_feature.entry(feature.clone()).or_default();
            entry.1 += 1;
            if result.is_ok() {
                entry.0 += 1;
            }
        }
        if let Err(why) = result {
            failures.insert(name, why);
        }
    }
    println!("conformance: pass rate by feature (AWS-recorded executions)");
    for (feature, (passed, total)) in &by_feature {
        println!(
            "  {feature:<28} {passed:>4}/{total:<4} {:>6.1}%",
            100.0 * *passed as f64 / *total as f64
        );
    }
    let total = paths.len();
    println!(
        "conformance: {} of {total} cases pass ({:.1}%)",
        total - failures.len(),
        100.0 * (total - failures.len()) as f64 / total as f64
    );
    let unexpected: Vec<_> = failures
        .iter()
        .filter(|(name, _)| !known.contains_key(*name))
        .collect();
    let fixed: Vec<_> = known
        .keys()
        .filter(|name| !failures.contains_key(*name) && names.contains(*name))
        .collect();
    let stale: Vec<_> = known.keys().filter(|name| !names.contains(*name)).collect();
    for (name, why) in &unexpected {
        println!("UNEXPECTED FAILURE {name}: {why}");
    }
    for name in &fixed {
        println!("NOW PASSES (remove from tests/conformance-known-failures.txt): {name}");
    }
    for name in &stale {
        println!("NOT IN THE CORPUS (remove from tests/conformance-known-failures.txt): {name}");
    }
    assert!(
        unexpected.is_empty() && fixed.is_empty() && stale.is_empty(),
        "{} unexpected failures, {} listed cases now pass, {} listed cases unknown",
        unexpected.len(),
        fixed.len(),
        stale.len()
    );
}

#[test]
fn wildcard_rules_follow_the_corpus_readme() {
    let w = vec!["<uuid:1>".to_owned(), "date".to_owned()];
    assert!(matches(
        &serde_json::json!({"a": "date"}),
        &serde_json::json!({"a": {"x": 1}}),
        &w
    ));
    assert!(matches(
        &serde_json::json!("id <uuid:1> end"),
        &serde_json::json!("id 1234-abcd end"),
        &w
    ));
    assert!(!matches(
        &serde_json::json!("id <uuid:1> end"),
        &serde_json::json!("id 1234-abcd"),
        &w
    ));
    assert!(matches(&serde_json::json!(0.0), &serde_json::json!(0), &w));
    assert!(!matches(&serde_json::json!(1), &serde_json::json!(2), &w));
}
