//! `sfn-gen cost`: state transitions per turn and dollars per 1,000 runs for a call
//! profile, for the generated loop (see `generate`'s module docs for the counts).
//!
//! Prices (AWS Step Functions pricing page, us-east-1, 2026): Standard $0.025 per 1,000
//! state transitions; Express $1.00 per million requests plus $0.00001667 per GB-second
//! (billed in 64 MB and 1 ms increments, 64 MB minimum). Lambda's own charges are extra.

use std::process::ExitCode;

use serde_json::json;

/// Standard workflows: dollars per state transition.
pub const STANDARD_PER_TRANSITION: f64 = 0.025 / 1000.0;
/// Express workflows: dollars per request.
pub const EXPRESS_PER_REQUEST: f64 = 1.0 / 1_000_000.0;
/// Express workflows: dollars per GB-second (first tier).
pub const EXPRESS_PER_GB_SECOND: f64 = 0.000_016_67;
/// Transitions per tool call in the public agent samples (aws-samples
/// serverless-genai-examples tool-use-with-stepfunctions, guyernest/step-functions-agent).
pub const SAMPLE_TRANSITIONS_PER_CALL: u64 = 6;

/// Arguments of `sfn-gen cost`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Turns that call tools, per run.
    #[arg(long, default_value_t = 5)]
    pub turns: u64,
    /// Tool calls per turn (more than one run in parallel through the Map).
    #[arg(long, default_value_t = 1)]
    pub calls: u64,
    /// `standard` or `express`.
    #[arg(long, default_value = "standard", value_parser = ["standard", "express"])]
    pub r#type: String,
    /// Express only: average run duration in seconds.
    #[arg(long, default_value_t = 30.0)]
    pub seconds: f64,
    /// Express only: billed memory in MB (64 MB steps, 64 minimum).
    #[arg(long, default_value_t = 64)]
    pub memory_mb: u64,
    /// `text` (lines for people) or `json` (one object with the same figures, for scripts).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

/// Transitions of one turn with `calls` tool calls: Agent, Route and the tool's Task for
/// one call; Agent, Route, the Map and per call its Choice and Task for several.
pub fn transitions_per_turn(calls: u64) -> u64 {
    match calls {
        0 => 3, // the final turn: Agent, Route, Done
        1 => 3,
        n => 3 + 2 * n,
    }
}

/// Transitions of a run: `turns` tool turns and the final answering turn.
pub fn transitions_per_run(turns: u64, calls: u64) -> u64 {
    turns * transitions_per_turn(calls) + transitions_per_turn(0)
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let per_turn = transitions_per_turn(args.calls);
    let per_run = transitions_per_run(args.turns, args.calls);
    let sample_per_run = args.turns * args.calls * SAMPLE_TRANSITIONS_PER_CALL + 3;
    let dollars_per_1000 = if args.r#type == "express" {
        let memory_gb = (args.memory_mb.max(64).div_ceil(64) * 64) as f64 / 1024.0;
        1000.0 * (EXPRESS_PER_REQUEST + memory_gb * args.seconds * EXPRESS_PER_GB_SECOND)
    } else {
        1000.0 * per_run as f64 * STANDARD_PER_TRANSITION
    };
    let sample_dollars = 1000.0 * sample_per_run as f64 * STANDARD_PER_TRANSITION;
    if args.format == "json" {
        println!(
            "{}",
            json!({
                "type": args.r#type,
                "turns": args.turns,
                "callsPerTurn": args.calls,
                "transitionsPerTurn": per_turn,
                "transitionsPerCall": per_turn as f64 / args.calls.max(1) as f64,
                "transitionsPerRun": per_run,
                "dollarsPer1000Runs": dollars_per_1000,
                "publicSamplesTransitionsPerRun": sample_per_run,
                "publicSamplesDollarsPer1000Runs": sample_dollars,
            })
        );
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "profile: {} tool turn(s) x {} call(s), then the answer ({})",
        args.turns, args.calls, args.r#type
    );
    println!(
        "transitions: {per_turn} per tool turn ({:.2} per call), {per_run} per run",
        per_turn as f64 / args.calls.max(1) as f64
    );
    println!("cost: ${dollars_per_1000:.4} per 1,000 runs (Step Functions only; Lambda is extra)");
    if args.r#type == "standard" {
        println!(
            "public agent samples ({SAMPLE_TRANSITIONS_PER_CALL} transitions per call): {sample_per_run} per run, ${sample_dollars:.4} per 1,000 runs ({:.2}x ours)",
            sample_per_run as f64 / per_run as f64
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_issue_bounds() {
        assert!(transitions_per_turn(1) <= 3);
        for n in 2..50 {
            assert!(transitions_per_turn(n) <= 3 + 2 * n);
        }
        // 5 single-call turns + the answer: 18 transitions = $0.45 per 1,000 runs.
        assert_eq!(transitions_per_run(5, 1), 18);
        assert!((1000.0 * 18.0 * STANDARD_PER_TRANSITION - 0.45).abs() < 1e-9);
    }
}
