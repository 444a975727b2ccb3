//! The round trip over real definitions: the AWS-recorded conformance corpus (every
//! definition the validator accepts, `cases/` and `invalid/` alike) and the committed
//! agent state machine.

use std::fs;
use std::path::Path;

use asl::model::{Machine, StateKind, Transition};
use asl::validate::{ValidateOptions, validate_definition_with};
use serde_json::Value;

use crate::support::{corpus_dir, corpus_present, json_files, machine_type};

/// The key order of every `States` object in `v`, in document order.
pub(crate) fn states_orders(v: &Value) -> Vec<Vec<String>> {
    fn walk(v: &Value, out: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(m) => {
                for (k, child) in m {
                    if k == "States"
                        && let Value::Object(states) = child
                    {
                        out.push(states.keys().cloned().collect());
                    }
                    walk(child, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(v, &mut out);
    out
}

#[test]
fn every_definition_the_validator_accepts_round_trips() {
    let dir = corpus_dir();
    if !corpus_present(&dir, "model corpus") {
        return;
    }
    let cases = json_files(&dir.join("cases"));
    let invalid = json_files(&dir.join("invalid"));
    // An empty or truncated corpus folder must not pass as "everything round-tripped".
    assert!(
        cases.len() >= 994 && invalid.len() >= 107,
        "the corpus at {} holds {} cases and {} invalid definitions; the recorded corpus has \
         994 and 109",
        dir.display(),
        cases.len(),
        invalid.len()
    );
    let (mut definitions, mut accepted, mut round_tripped) = (0, 0, 0);
    let mut failures = Vec::new();
    for path in cases.iter().chain(&invalid) {
        let case: Value = serde_json::from_str(&fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let definition = &case["definition"];
        if !definition.is_object() {
            continue;
        }
        definitions += 1;
        let options = ValidateOptions {
            machine_type: machine_type(&case),
        };
        if !validate_definition_with(definition, &options).is_empty() {
            continue;
        }
        accepted += 1;
        let name = path.file_stem().unwrap().to_string_lossy();
        let machine = match Machine::from_value(definition) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("NOT CONVERTED {name}: {e}"));
                continue;
            }
        };
        let back = serde_json::to_value(&machine).unwrap();
        if &back != definition {
            failures.push(format!(
                "CHANGED {name}:\n  in:  {definition}\n  out: {back}"
            ));
        } else if states_orders(&back) != states_orders(definition) {
            failures.push(format!("REORDERED {name}"));
        } else {
            round_tripped += 1;
        }
    }
    println!(
        "model on the AWS-recorded corpus: {accepted} of {definitions} JSON definitions pass \
         the validator; {round_tripped} of those convert and round-trip"
    );
    assert!(
        failures.is_empty(),
        "{} accepted definitions did not round-trip:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(round_tripped, accepted);
}

#[test]
fn the_committed_agent_machine_round_trips() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../statemachines/agent.asl.json");
    let definition: Value = serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    let m = super::assert_round_trip(&definition);
    assert_eq!(m.start_at(), "Agent");
    assert_eq!(m.timeout_seconds, Some(86_400));
    let agent = super::state(&m, "Agent");
    let StateKind::Task(task) = &agent.kind else {
        panic!("Agent is a {}", agent.state_type());
    };
    assert_eq!(task.resource, "arn:aws:states:::lambda:invoke");
    // The first retrier as the file writes it.
    let policy = agent.retry()[0].policy();
    assert_eq!(policy.interval_seconds, 2);
    assert_eq!(policy.max_attempts, 6);
    assert_eq!(policy.backoff_rate, 2.0);
    assert_eq!(policy.max_delay_seconds, Some(60));
    assert!(agent.retry()[0].matches("Lambda.TooManyRequestsException"));
    // Every transition names a state of the same graph (the model guarantees it).
    for (_, s) in m.states().iter() {
        if let Some(Transition::Next(n)) = s.transition() {
            assert!(m.state(n).is_some());
        }
    }
}
