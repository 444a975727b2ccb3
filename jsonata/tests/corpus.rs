//! Checks the JSONata expressions used by the AWS-recorded conformance corpus
//! (`../shared/conformance/localstack-aws-recorded/cases`, beside the repository): every
//! `{% %}` expression must parse, and single-state `Pass` machines whose `Output` is
//! computed by JSONata must produce the recorded output. Skips when the corpus folder is
//! absent, unless `REQUIRE_CONFORMANCE_CORPUS` is set (`scripts/test.sh` sets it).

use std::path::Path;

use serde_json::{Map, Value, json};

fn cases() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/localstack-aws-recorded/cases");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(
            std::env::var_os("REQUIRE_CONFORMANCE_CORPUS").is_none(),
            "the conformance corpus is missing at {} and REQUIRE_CONFORMANCE_CORPUS is set",
            dir.display()
        );
        eprintln!("corpus folder {} absent: skipping", dir.display());
        return Vec::new();
    };
    let mut out = Vec::new();
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().and_then(|x| x.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable case");
        let v: Value = serde_json::from_str(&text).expect("case is JSON");
        out.push((path.file_name().unwrap().to_string_lossy().to_string(), v));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(
        !out.is_empty(),
        "the corpus folder {} holds no case",
        dir.display()
    );
    out
}

fn expression(s: &str) -> Option<&str> {
    s.strip_prefix("{%")?.strip_suffix("%}").map(str::trim)
}

fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            if let Some(e) = expression(s) {
                out.push(e.to_string());
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        Value::Object(o) => o.values().for_each(|x| collect(x, out)),
        _ => {}
    }
}

#[test]
fn every_corpus_expression_parses() {
    let mut count = 0;
    let mut failures = Vec::new();
    let cases = cases();
    for (name, case) in &cases {
        let mut exprs = Vec::new();
        collect(&case["definition"], &mut exprs);
        for e in exprs {
            count += 1;
            if let Err(err) = asl_jsonata::parse(&e) {
                failures.push(format!("{name}: `{e}`: {err:?}"));
            }
        }
    }
    assert!(
        cases.is_empty() || count > 0,
        "the corpus has no JSONata expression: the test checked nothing"
    );
    assert!(
        failures.is_empty(),
        "{} of {count} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Evaluates a JSONata template (strings `{% %}` inside JSON) like a `Pass` state's
/// `Output`.
fn template(v: &Value, input: &Value, bindings: &Map<String, Value>) -> Option<Value> {
    match v {
        Value::String(s) => match expression(s) {
            Some(e) => asl_jsonata::evaluate(e, input, bindings).expect("evaluates"),
            None => Some(v.clone()),
        },
        Value::Array(a) => Some(Value::Array(
            a.iter()
                .map(|x| template(x, input, bindings).unwrap_or(Value::Null))
                .collect(),
        )),
        Value::Object(o) => Some(Value::Object(
            o.iter()
                .filter_map(|(k, x)| template(x, input, bindings).map(|y| (k.clone(), y)))
                .collect(),
        )),
        other => Some(other.clone()),
    }
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn single_pass_state_outputs_match_aws() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let cases = cases();
    for (name, case) in &cases {
        let def = &case["definition"];
        let Some(states) = def["States"].as_object() else {
            continue;
        };
        if states.len() != 1 || case.get("wildcards").is_some() {
            continue;
        }
        let state = states.values().next().unwrap();
        let jsonata = state["QueryLanguage"] == "JSONata" || def["QueryLanguage"] == "JSONata";
        if !jsonata
            || state["Type"] != "Pass"
            || state.get("Assign").is_some()
            || case["expected"]["status"] != "SUCCEEDED"
        {
            continue;
        }
        let Some(output) = state.get("Output") else {
            continue;
        };
        let input = &case["input"];
        let mut bindings = Map::new();
        bindings.insert("states".into(), json!({ "input": input }));
        let got = template(output, input, &bindings);
        checked += 1;
        let expected = &case["expected"]["output"];
        if !got.as_ref().is_some_and(|g| same(g, expected)) {
            failures.push(format!("{name}: got {got:?}, expected {expected}"));
        }
    }
    eprintln!("checked {checked} single-Pass cases");
    assert!(
        cases.is_empty() || checked > 0,
        "no single-Pass JSONata case in the corpus: the test checked nothing"
    );
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
