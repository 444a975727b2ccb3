//! Times the engine on the conformance corpus: every case runs once, in process, with its
//! mocks; prints `{"cases", "passed", "seconds", "transitions"}` as JSON. A case "passes"
//! here when the status matches (the full comparison is the conformance test's job).
//!
//! `cargo run --release -p asl-engine --example corpus_bench [CORPUS_DIR]`

use std::sync::Arc;
use std::time::Instant;

use asl_engine::mocks::MockInvoker;
use asl_engine::{RunOptions, run};
use serde_json::Value;

fn main() {
    let dir = std::env::args().nth(1).unwrap_or_else(|| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/conformance/localstack-aws-recorded/cases"
        )
        .to_owned()
    });
    let mut cases: Vec<Value> = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus at {dir}: {e}"))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("readable case");
        cases.push(serde_json::from_str(&text).expect("JSON case"));
    }
    let started = Instant::now();
    let (mut passed, mut transitions) = (0usize, 0u64);
    for case in &cases {
        let mut options = RunOptions::default();
        if let Some(mocks) = case.get("mocks") {
            let invoker = MockInvoker::from_json(mocks).expect("valid mocks");
            if let Some(envelope) = invoker.envelope() {
                options.lambda_invoke_envelope = envelope.clone();
            }
            options.invoker = Arc::new(invoker);
        }
        let outcome = run(&case["definition"], case["input"].clone(), &options);
        transitions += outcome.transitions;
        if case["expected"]["status"].as_str() == Some(outcome.status.as_str()) {
            passed += 1;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "{}",
        serde_json::json!({"cases": cases.len(), "passed": passed, "seconds": seconds, "transitions": transitions})
    );
}
