//! The resource bounds: hostile queries fail with `ToolError.LimitExceeded` naming the
//! bound, quickly and without building their result; ordinary ones are untouched.

use std::time::{Duration, Instant};

use json_query::limits::{Limits, MAX_NODES_SELECTED, MAX_RESULT_BYTES};
use json_query::{query, query_within};
use protocol::ErrorName;
use serde_json::{Value, json};

/// `[[[...[0]...]]]`: 120 nested arrays around a 0, 241 bytes.
fn nested_120() -> Value {
    let text = format!("{}0{}", "[".repeat(120), "]".repeat(120));
    assert_eq!(text.len(), 241);
    serde_json::from_str(&text).unwrap()
}

#[test]
fn query_cost_is_bounded_for_nested_descendants() {
    let doc = nested_120();
    // Each `..*` from a node at depth d selects the 120 - d nodes below it, so k of them
    // select C(120, k) nodes: 120, 7,140, 280,840, then 8,214,570 (over 1,000,000).
    let three = query("$..*..*..*", &doc, Some(1)).unwrap();
    assert_eq!(three.count, 280_840);
    assert!(three.truncated);

    let started = Instant::now();
    let err = query("$..*..*..*..*", &doc, None).unwrap_err();
    assert_eq!(err.name, ErrorName::LimitExceeded, "{}", err.message);
    assert!(
        err.message.contains("MAX_NODES_SELECTED")
            && err.message.contains(&MAX_NODES_SELECTED.to_string()),
        "{}",
        err.message
    );
    assert!(err.message.contains("narrow it"), "{}", err.message);
    assert!(started.elapsed() < Duration::from_secs(5));

    // The same blow-up inside a filter is charged too: from the child at depth 1, four
    // `..*` select C(119, 4) = 7,940,751 nodes.
    let err = query("$[?count(@..*..*..*..*) > 0]", &doc, None).unwrap_err();
    assert_eq!(err.name, ErrorName::LimitExceeded, "{}", err.message);
}

#[test]
fn result_size_is_bounded_for_repeated_selectors() {
    let doc = json!({"a": "x".repeat(100_000)});
    let hostile = format!("$[{}]", vec!["'a'"; 10_000].join(","));
    let started = Instant::now();
    let err = query(&hostile, &doc, Some(10_000)).unwrap_err();
    assert_eq!(err.name, ErrorName::LimitExceeded, "{}", err.message);
    // One match is about 100,030 bytes (the string, its quotes, `$['a']`, the framing), so
    // the 84th passes 8 MiB = 8,388,608 bytes.
    assert!(
        err.message.contains("MAX_RESULT_BYTES")
            && err.message.contains(&MAX_RESULT_BYTES.to_string())
            && err.message.contains("by match 84 of 10000"),
        "{}",
        err.message
    );
    assert!(started.elapsed() < Duration::from_secs(5));

    // Fewer matches fit: 50 of them are about 5 MB.
    let out = query(&hostile, &doc, Some(50)).unwrap();
    assert_eq!(
        (out.matches.len(), out.count, out.truncated),
        (50, 10_000, true)
    );
    assert_eq!(out.matches[49].path, "$['a']");
}

#[test]
fn visits_are_bounded() {
    let doc = json!({"rows": (0..1000).map(|i| json!({"id": i})).collect::<Vec<_>>()});
    let small = Limits {
        nodes_visited: 1_000,
        ..Limits::default()
    };
    // `$..id` walks 2,001 nodes.
    let err = query_within("$..id", &doc, None, small).unwrap_err();
    assert_eq!(err.name, ErrorName::LimitExceeded);
    assert!(err.message.contains("MAX_NODES_VISITED"), "{}", err.message);
    assert!(query_within("$.rows[0].id", &doc, None, small).is_ok());
    // The defaults leave a full scan alone.
    assert_eq!(query("$..id", &doc, Some(1)).unwrap().count, 1000);
}

#[test]
fn evaluation_time_is_bounded() {
    let doc = json!((0..5000).collect::<Vec<_>>());
    let instant = Limits {
        evaluation_time: Duration::ZERO,
        ..Limits::default()
    };
    let err = query_within("$[?@ > 10]", &doc, None, instant).unwrap_err();
    assert_eq!(err.name, ErrorName::LimitExceeded);
    assert!(
        err.message.contains("MAX_EVALUATION_TIME"),
        "{}",
        err.message
    );
}

#[test]
fn deeply_nested_queries_are_refused_before_parsing() {
    // serde_json_path's parser recurses per parenthesis: 100,000 of them overflow the stack.
    for depth in [65, 100_000] {
        let q = format!("$[?{}@{}]", "(".repeat(depth), ")".repeat(depth));
        let err = query(&q, &json!([1]), None).unwrap_err();
        assert_eq!(err.name, ErrorName::LimitExceeded, "{depth}");
        assert!(err.message.contains("MAX_QUERY_NESTING"), "{}", err.message);
    }
    let q = format!("$[?{}@{}]", "(".repeat(60), ")".repeat(60));
    assert_eq!(query(&q, &json!([1]), None).unwrap().count, 1);
}
