//! `sfn-gen cost --compare`: the JSON object's shape, one figure worked by hand from
//! `sfn-gen/src/cost/prices.json`, the crossover, and errors that name the flag to fix.

use serde_json::Value;

use crate::support::sfn_gen;

/// The workload, spelt out so the test does not lean on the defaults: 5 single-call turns,
/// 100,000 requests a month, agent 2 s at 512 MB, tools 0.3 s at 256 MB, arm64.
const WORKLOAD: [&str; 18] = [
    "--turns",
    "5",
    "--calls",
    "1",
    "--requests-per-month",
    "100000",
    "--agent-ms",
    "2000",
    "--agent-memory-mb",
    "512",
    "--tool-ms",
    "300",
    "--tool-memory-mb",
    "256",
    "--architecture",
    "arm64",
    "--task-vcpu",
    "0.25",
];

#[test]
fn compare_prints_one_object_with_every_pattern_and_the_crossover() {
    let mut args = vec!["cost", "--compare", "--format", "json"];
    args.extend(WORKLOAD);
    let out = sfn_gen(&args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(report["workload"]["tool_calls_per_request"], 5);
    let patterns = report["patterns"].as_array().expect("patterns is an array");
    let ids: Vec<&str> = patterns
        .iter()
        .map(|p| p["pattern"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        [
            "p1-client-loop",
            "p3-standard",
            "p3-express",
            "p4-hybrid",
            "p2-temporal"
        ]
    );
    for pattern in patterns {
        assert!(pattern["monthly_usd"].is_f64(), "{pattern}");
        assert!(pattern["per_request_usd"].is_f64(), "{pattern}");
        assert!(pattern["parts"].is_object(), "{pattern}");
    }
    // P3 Standard, by hand: 18 transitions x 100,000 x $0.000025 = $45; agent Lambda
    // 600,000 x $0.0000002 + 600,000 GB-s x $0.0000133334 = $8.12004; tools 500,000 x
    // $0.0000002 + 37,500 GB-s x $0.0000133334 = $0.6000025: $53.7200425 a month.
    let standard = &patterns[1];
    assert_eq!(
        standard["parts"]["state_transitions"].as_f64().unwrap(),
        45.0
    );
    let monthly = standard["monthly_usd"].as_f64().unwrap();
    assert!((monthly - 53.720_042_5).abs() < 1e-6, "{monthly}");
    // One agent step ($0.0000135334) x 6 per request passes one task's $7.20875 a month at
    // 5.33 steps: the hybrid is the cheapest from 5 calls per request (5 turns, 6 steps).
    let crossovers = report["crossovers"].as_array().unwrap();
    assert_eq!(crossovers.len(), 1, "{crossovers:?}");
    assert_eq!(crossovers[0]["calls_per_request"], 5);
    assert_eq!(crossovers[0]["from"], "p1-client-loop");
    assert_eq!(crossovers[0]["to"], "p4-hybrid");
    assert_eq!(report["cheapest"], "p4-hybrid");
    let notes = report["notes"].as_array().unwrap();
    assert!(notes.iter().all(Value::is_string));
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().unwrap().contains("Self-hosted Temporal")),
        "{notes:?}"
    );
}

#[test]
fn compare_refuses_bad_figures_and_compare_only_flags_alone() {
    let out = sfn_gen(&["cost", "--compare", "--agent-memory-mb", "64"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("`--agent-memory-mb 64`"), "{stderr}");
    // A workload flag without --compare is a usage error, not silently ignored.
    let out = sfn_gen(&["cost", "--agent-ms", "100"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--compare"), "{stderr}");
}
