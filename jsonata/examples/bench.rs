//! Our side of `bench/jsonata/run.sh`: every case of `bench/jsonata/cases.json` through
//! this crate, timed per evaluation; jsonata-js runs the same file in `bench.mjs`.
//!
//! Each expression is compiled once ([`asl_jsonata::Expression::compile`], timed as
//! `compile_ns`) and the compiled expression evaluated many times (`evaluate_ns`), as
//! jsonata-js's `jsonata(expr)` and `evaluate` are on the other side.
//!
//! Prints one JSON document: `{"engine", "iterations", "cases": [{"class", "expr", "doc",
//! "compile_ns", "evaluate_ns", "outcome"}]}`, where `outcome` is `{"value"}`,
//! `{"undefined": true}` or `{"error"}` (the same shape as `bench.mjs`).
//!
//! `cargo run --release -p asl-jsonata --example bench -- CASES.json [ITERATIONS]`

use std::hint::black_box;
use std::time::Instant;

use serde_json::{Map, Value, json};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .expect("usage: bench CASES.json [ITERATIONS] (the case file is bench/jsonata/cases.json)");
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read `{path}`: {e}"));
    let spec: Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("`{path}` is not JSON: {e}"));
    let iterations = args
        .next()
        .map(|n| {
            n.parse::<u32>()
                .unwrap_or_else(|_| panic!("ITERATIONS `{n}` is not a whole number"))
        })
        .or_else(|| spec["iterations"].as_u64().map(|n| n as u32))
        .expect("no ITERATIONS argument and no `iterations` in the case file");
    let warmup = (iterations / 5).max(1);

    let empty = Map::new();
    let mut out = Vec::new();
    for class in spec["classes"].as_array().expect("`classes` is an array") {
        let class_name = class["name"].as_str().expect("every class has a `name`");
        for case in class["cases"].as_array().expect("every class has `cases`") {
            let expr = case["expr"].as_str().expect("every case has an `expr`");
            let bindings = case["bindings"].as_object().unwrap_or(&empty);
            let compile_ns = time_per_call(iterations, || {
                black_box(asl_jsonata::Expression::compile(black_box(expr))).ok();
            });
            let compiled = asl_jsonata::Expression::compile(expr);
            for doc_name in case["docs"].as_array().expect("every case has `docs`") {
                let doc_name = doc_name.as_str().expect("document names are strings");
                let doc = spec["documents"]
                    .get(doc_name)
                    .unwrap_or_else(|| panic!("case `{expr}` names no document `{doc_name}`"));
                let outcome = match compiled
                    .as_ref()
                    .map_err(Clone::clone)
                    .and_then(|c| c.evaluate(doc, bindings))
                {
                    Ok(Some(value)) => json!({ "value": value }),
                    Ok(None) => json!({ "undefined": true }),
                    Err(e) => {
                        json!({ "error": format!("{} {}", e.code.unwrap_or_default(), e.message) })
                    }
                };
                let evaluate_ns = compiled
                    .as_ref()
                    .ok()
                    .filter(|_| outcome.get("error").is_none())
                    .map(|c| {
                        for _ in 0..warmup {
                            black_box(c.evaluate(doc, bindings)).ok();
                        }
                        time_per_call(iterations, || {
                            black_box(black_box(c).evaluate(doc, bindings)).ok();
                        })
                    });
                out.push(json!({
                    "class": class_name, "expr": expr, "doc": doc_name,
                    "compile_ns": compile_ns, "evaluate_ns": evaluate_ns, "outcome": outcome,
                }));
            }
        }
    }
    let report =
        json!({ "engine": "asl-jsonata (release)", "iterations": iterations, "cases": out });
    println!("{report}");
}

/// Mean wall time of one call of `f`, in nanoseconds, over `n` calls.
fn time_per_call(n: u32, mut f: impl FnMut()) -> f64 {
    let started = Instant::now();
    for _ in 0..n {
        f();
    }
    started.elapsed().as_nanos() as f64 / f64::from(n)
}
