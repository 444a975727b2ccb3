//! The two hostile queries the cost and size bounds exist for, for measuring peak memory and
//! time (`/usr/bin/time -v cargo run --release -p json-query --example hostile -- deep`).
//!
//! - `deep`: `$..*..*..*..*` over a 241-byte document nested 120 deep;
//! - `selectors`: `$['a','a',...]` (10,000 selectors) over a 100 KB string at `a`, with
//!   `limit` 10000.

use std::time::Instant;

use serde_json::Value;

fn main() {
    let case = std::env::args().nth(1).unwrap_or_else(|| "deep".to_owned());
    let (query, document, limit) = match case.as_str() {
        "deep" => {
            let text = format!("{}0{}", "[".repeat(120), "]".repeat(120));
            assert_eq!(text.len(), 241);
            let doc: Value = serde_json::from_str(&text).unwrap();
            ("$..*..*..*..*".to_owned(), doc, None)
        }
        "selectors" => {
            let doc = serde_json::json!({"a": "x".repeat(100_000)});
            let query = format!("$[{}]", vec!["'a'"; 10_000].join(","));
            (query, doc, Some(10_000))
        }
        other => panic!("unknown case `{other}`: use `deep` or `selectors`"),
    };
    let start = Instant::now();
    let result = json_query::query(&query, &document, limit);
    let elapsed = start.elapsed();
    match result {
        Ok(out) => {
            let size = serde_json::to_vec(&out).map(|v| v.len()).unwrap_or(0);
            println!(
                "{case}: ok in {elapsed:?}: count {}, {} matches, {size} bytes serialized",
                out.count,
                out.matches.len()
            );
        }
        Err(e) => println!("{case}: error in {elapsed:?}: {e}"),
    }
}
