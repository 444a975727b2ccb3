//! The asl-jsonata side of the differential test (`jsonata/differential/run.sh`): evaluates
//! every case of a cases file and prints one JSON outcome per case, in order:
//! `{"value": ...}`, `{"undefined": true}` or `{"error": "CODE"}`.
//!
//!   cargo run -p asl-jsonata --example differential -- CASES.json
//!   cargo run -p asl-jsonata --example differential -- -e 'EXPR' ['DOC']
//!
//! The cases file is `{"groups": [{"name", "cases": [{"expr", "doc"?, "bindings"?}]}]}`.

use serde_json::{Map, Value, json};

fn outcome(expr: &str, doc: &Value, bindings: &Map<String, Value>) -> Value {
    // Each case runs on its own thread so that a panic is reported as an outcome.
    let (e, d, b) = (expr.to_string(), doc.clone(), bindings.clone());
    let r = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || asl_jsonata::evaluate(&e, &d, &b))
        .expect("thread")
        .join();
    match r {
        Err(_) => json!({"error": "PANIC"}),
        Ok(Ok(None)) => json!({"undefined": true}),
        Ok(Ok(Some(v))) => json!({ "value": v }),
        Ok(Err(e)) => json!({"error": e.code.unwrap_or_default(), "message": e.message}),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("-e") {
        let doc = args
            .get(2)
            .map(|d| serde_json::from_str(d).expect("DOC is JSON"))
            .unwrap_or(Value::Null);
        println!("{}", outcome(&args[1], &doc, &Map::new()));
        return;
    }
    let path = args.first().expect("usage: differential CASES.json");
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("readable")).expect("JSON");
    let mut out = Vec::new();
    for g in spec["groups"].as_array().expect("groups") {
        for c in g["cases"].as_array().expect("cases") {
            let expr = c["expr"].as_str().expect("expr");
            let doc = c.get("doc").cloned().unwrap_or(Value::Null);
            let bindings = c
                .get("bindings")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            out.push(outcome(expr, &doc, &bindings));
        }
    }
    println!("{}", Value::Array(out));
}
