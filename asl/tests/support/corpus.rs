//! The AWS-recorded corpus for the corpus-reading tests (conformance, validator, model):
//! where it is, its files, and the rule that a missing corpus fails under
//! `REQUIRE_CONFORMANCE_CORPUS` (which `scripts/test.sh` sets) instead of passing.
#![allow(dead_code)] // each test binary uses the part it needs

use std::path::{Path, PathBuf};

use asl::MachineType;
use serde_json::Value;

/// `../shared/conformance/localstack-aws-recorded`, beside the repository.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/localstack-aws-recorded")
}

/// Whether `dir` (part of the corpus) is there. When it is not, fails if
/// `REQUIRE_CONFORMANCE_CORPUS` is set and otherwise says `test` skipped.
pub fn corpus_present(dir: &Path, test: &str) -> bool {
    if dir.is_dir() {
        return true;
    }
    assert!(
        std::env::var_os("REQUIRE_CONFORMANCE_CORPUS").is_none(),
        "the conformance corpus is missing at {} and REQUIRE_CONFORMANCE_CORPUS is set (scripts/test.sh sets it)",
        dir.display()
    );
    println!(
        "SKIPPED {test}: the conformance corpus is not at {} (it lives beside the repository in ../shared/conformance)",
        dir.display()
    );
    false
}

/// The `.json` files in `dir`, sorted.
pub fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

/// The machine type AWS validated a case against: `state_machine_type`, or
/// `(type EXPRESS)` in the notes of `ValidateStateMachineDefinition` cases.
pub fn machine_type(case: &Value) -> MachineType {
    let express = case["state_machine_type"].as_str() == Some("EXPRESS")
        || case["notes"]
            .as_str()
            .is_some_and(|n| n.contains("(type EXPRESS)"));
    if express {
        MachineType::Express
    } else {
        MachineType::Standard
    }
}
