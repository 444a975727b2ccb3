//! Times the engine on the two loops of `bench/engine` (the JSONPath counter loop and the
//! JSONata loop, 2,002 transitions each): each runs in process `N` times (default 200), best of five rounds,
//! without and with history kept, and prints its transitions per second as JSON.
//!
//! `cargo run --release -p asl-engine --example loop_bench [N]`

use std::time::Instant;

use asl_engine::{RunOptions, Status, run};
use serde_json::{Value, json};

fn main() {
    let repeats: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let bench = concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/engine");
    for name in ["counter-loop", "jsonata-loop"] {
        let path = format!("{bench}/{name}.asl.json");
        let text =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
        let definition: Value = serde_json::from_str(&text).expect("JSON definition");
        for history in [false, true] {
            let options = RunOptions {
                record_history: history,
                ..RunOptions::default()
            };
            // One warm-up run, checked.
            let outcome = run(&definition, json!({}), &options);
            assert_eq!(outcome.status, Status::Succeeded, "{name}: {outcome:?}");
            // The best of five rounds: the machine is shared, and the others' load is noise.
            let (mut transitions, mut seconds) = (0u64, f64::INFINITY);
            for _ in 0..5 {
                let started = Instant::now();
                let mut count = 0u64;
                for _ in 0..repeats {
                    count += run(&definition, json!({}), &options).transitions;
                }
                let elapsed = started.elapsed().as_secs_f64();
                if elapsed < seconds {
                    (transitions, seconds) = (count, elapsed);
                }
            }
            println!(
                "{}",
                json!({
                    "loop": name,
                    "history": history,
                    "runs": repeats,
                    "transitions": transitions,
                    "seconds": seconds,
                    "transitions_per_second": (transitions as f64 / seconds).round(),
                })
            );
        }
    }
}
