//! Times the engine on the two loops of `bench/engine` (the JSONPath counter loop and the
//! JSONata loop, 2,002 transitions each): each runs in process `N` times (default 200), best of five rounds (wall and CPU time),
//! without and with history kept, and prints its transitions per second as JSON.
//!
//! `cargo run --release -p asl-engine --example loop_bench [N]` (`LOOP_BENCH_DIR` names another
//! folder holding the two loops)

use std::time::Instant;

use asl_engine::{RunOptions, Status, run};
use serde_json::{Value, json};

fn main() {
    let repeats: u32 = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    // `LOOP_BENCH_DIR` lets bench/engine/in_process.sh run this same program, built
    // against the baseline engine, on the current loops.
    let bench = std::env::var("LOOP_BENCH_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../bench/engine").to_owned());
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
            let (mut transitions, mut seconds, mut cpu_seconds) =
                (0u64, f64::INFINITY, f64::INFINITY);
            for _ in 0..5 {
                let (started, cpu_started) = (Instant::now(), thread_cpu_seconds());
                let mut count = 0u64;
                for _ in 0..repeats {
                    count += run(&definition, json!({}), &options).transitions;
                }
                transitions = count;
                seconds = seconds.min(started.elapsed().as_secs_f64());
                cpu_seconds = cpu_seconds.min(thread_cpu_seconds() - cpu_started);
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
                    "cpu_seconds": cpu_seconds,
                    "transitions_per_cpu_second": (transitions as f64 / cpu_seconds).round(),
                })
            );
        }
    }
}

/// The CPU time this thread has run, from Linux's `/proc/thread-self/schedstat` (NaN
/// elsewhere): unlike wall time, it does not count the time other processes held the CPU.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e9)
}
