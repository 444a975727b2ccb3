//! Cold-start benchmark: starts each given binary `--runs` times behind the embedded
//! Runtime API and reports its init time (process start to first poll of
//! `/runtime/invocation/next`) and file size, as a Markdown table on stdout.
//!
//! `cargo run --release -p lambda-local --example init_bench -- [--runs N] NAME=PATH...`
//! The first NAME is the baseline the others are compared with.

use std::time::Duration;

use lambda_local::{FunctionSpec, LocalLambdas};

fn main() {
    let mut runs = 20;
    let mut targets = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--runs" {
            runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N");
        } else if let Some((name, path)) = arg.split_once('=') {
            targets.push((name.to_owned(), path.to_owned()));
        } else {
            eprintln!("usage: init_bench [--runs N] NAME=PATH...");
            std::process::exit(2);
        }
    }
    println!(
        "| binary | size (bytes) | init median (ms) | init min (ms) | init max (ms) | vs baseline (median) |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let mut baseline = None;
    for (name, path) in targets {
        let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let mut samples = Vec::new();
        for _ in 0..runs {
            let mut spec = FunctionSpec::new(name.clone(), &path);
            spec.timeout = Duration::from_secs(10);
            spec.env
                .insert("AWS_LAMBDA_LOG_LEVEL".into(), "error".into());
            let lambdas = LocalLambdas::start(vec![spec]).expect("start");
            // The result does not matter (a tool may refuse the empty event): init is
            // over by the time the event is taken.
            let _ = lambdas.invoke(&name, &serde_json::json!({}), None);
            samples.extend(lambdas.stats()[0].init_ms.first().copied());
        }
        samples.sort_by(f64::total_cmp);
        let median = samples[samples.len() / 2];
        let base = *baseline.get_or_insert(median);
        println!(
            "| {name} | {size} | {median:.2} | {:.2} | {:.2} | {:+.2} ms |",
            samples[0],
            samples[samples.len() - 1],
            median - base
        );
    }
}
