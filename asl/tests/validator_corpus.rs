//! Runs the static validator over the AWS-recorded corpus: every definition AWS rejected
//! (`invalid/`) must get at least one diagnostic, and every definition AWS accepted and ran
//! (`cases/`) must get none. Cases listed in `validator-known-failures.txt` are expected to
//! fail (and the test fails when a listed case starts passing, so the list stays current).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use asl::validate::{ValidateOptions, validate_definition_with, validate_text_with};
use serde_json::Value;

#[path = "support/corpus.rs"]
mod corpus;
use corpus::{corpus_dir, corpus_present, json_files, machine_type};

fn case_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// `name -> reason` from the checked-in list (blank lines and `#` comments skipped).
fn known_failures() -> BTreeMap<String, String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/validator-known-failures.txt");
    let Ok(text) = fs::read_to_string(&path) else {
        return BTreeMap::new();
    };
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(char::is_whitespace) {
            Some((name, reason)) => (name.to_owned(), reason.trim().to_owned()),
            None => (l.to_owned(), String::new()),
        })
        .collect()
}

#[test]
fn validator_matches_aws_on_recorded_corpus() {
    let dir = corpus_dir();
    if !corpus_present(&dir, "validator corpus") {
        return;
    }
    let known = known_failures();
    let mut failing: BTreeSet<String> = BTreeSet::new();
    let mut report: Vec<String> = Vec::new();

    // Definitions AWS rejected.
    let invalid = json_files(&dir.join("invalid"));
    let mut rejected = 0;
    let mut validate_api_total = 0;
    let mut validate_api_rejected = 0;
    let mut by_rule: BTreeMap<&'static str, usize> = BTreeMap::new();
    for path in &invalid {
        let name = case_name(path);
        let case: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        let options = ValidateOptions {
            machine_type: machine_type(&case),
        };
        let diags = if case["definition_is_json"].as_bool() == Some(false) {
            validate_text_with(case["definition"].as_str().unwrap_or_default(), &options)
        } else {
            validate_definition_with(&case["definition"], &options)
        };
        let json_def = case["definition_is_json"].as_bool() != Some(false);
        if json_def {
            validate_api_total += 1;
        }
        if diags.is_empty() {
            failing.insert(name.clone());
            report.push(format!(
                "NOT REJECTED {name}: AWS said {:?}",
                case["expected_error_contains"].as_str().unwrap_or("")
            ));
        } else {
            rejected += 1;
            if json_def {
                validate_api_rejected += 1;
            }
            for rule in diags
                .iter()
                .map(|d| d.rule.as_str())
                .collect::<BTreeSet<_>>()
            {
                *by_rule.entry(rule).or_default() += 1;
            }
        }
    }

    // Definitions AWS accepted and ran.
    let cases = json_files(&dir.join("cases"));
    let mut falsely = 0;
    let mut false_by_rule: BTreeMap<&'static str, usize> = BTreeMap::new();
    for path in &cases {
        let name = case_name(path);
        let case: Value = serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap();
        let diags = validate_definition_with(&case["definition"], &ValidateOptions::default());
        if !diags.is_empty() {
            falsely += 1;
            failing.insert(name.clone());
            for d in &diags {
                *false_by_rule.entry(d.rule.as_str()).or_default() += 1;
                report.push(format!("FALSELY REJECTED {name}: {d}"));
            }
        }
    }

    assert!(
        !invalid.is_empty() && !cases.is_empty(),
        "the corpus at {} has no invalid/ or no cases/ definitions: the test checked nothing",
        dir.display()
    );
    println!("validator on the AWS-recorded corpus ({})", dir.display());
    println!(
        "  rejected:          {rejected}/{} AWS-rejected definitions",
        invalid.len()
    );
    println!(
        "  falsely rejected:  {falsely}/{} AWS-accepted definitions",
        cases.len()
    );
    println!("  rejections by rule (cases with at least one diagnostic of the rule):");
    for (rule, n) in &by_rule {
        println!("    {rule:40} {n}");
    }
    if !false_by_rule.is_empty() {
        println!("  false rejections by rule:");
        for (rule, n) in &false_by_rule {
            println!("    {rule:40} {n}");
        }
    }
    println!(
        "  comparison (JSON definitions from CreateStateMachine/ValidateStateMachineDefinition):"
    );
    println!(
        "    {:38} {:>10} {:>18}",
        "validator", "caught", "falsely rejected"
    );
    println!(
        "    {:38} {:>10} {:>18}",
        "asl (this crate)",
        format!("{validate_api_rejected}/{validate_api_total}"),
        format!("{falsely}/{}", cases.len())
    );
    println!(
        "    {:38} {:>10} {:>18}",
        "asl-validator 4.0.0", "9/107", "14/994"
    );
    println!(
        "    {:38} {:>10} {:>18}",
        "amazon-states-language-service 1.16.1", "10/107", "2/994"
    );
    for line in &report {
        println!("  {line}");
    }

    let unexpected: Vec<&String> = failing.iter().filter(|n| !known.contains_key(*n)).collect();
    let fixed: Vec<&String> = known.keys().filter(|n| !failing.contains(*n)).collect();
    assert!(
        unexpected.is_empty(),
        "cases failing that are not in tests/validator-known-failures.txt: {unexpected:?}"
    );
    assert!(
        fixed.is_empty(),
        "cases listed in tests/validator-known-failures.txt now pass; remove them from the list: \
         {fixed:?}"
    );
}
