//! `sfn-gen cost`: state transitions per turn and dollars per 1,000 runs for a call
//! profile, for the generated loop; with `--compare`, the monthly cost of every place the
//! loop can live (P1 client loop, P3 Standard and Express, P4 hybrid, P2 Temporal) for a
//! workload, the crossovers and the rule of thumb checked. The formulas are in the `cost`
//! module's docs; every price is in `cost/prices.json`.
//!
//! Without `--compare`: Standard costs `transitions_per_run x` the transition price;
//! Express costs the request price plus the run's duration (rounded up to 100 ms) x its
//! memory (64 MB chunks) at the GB-hour price. Lambda's own charges are extra.

use std::process::ExitCode;

use serde_json::json;

use crate::cost::compare::compare;
use crate::cost::patterns::express_usd;
use crate::cost::prices::{Architecture, Prices};
use crate::cost::render::{to_json, to_text};
use crate::cost::transitions::{transitions_per_run, transitions_per_turn};
use crate::cost::workload::{TaskSizing, TemporalPlanName, Workload};

/// Transitions per tool call in the public agent samples (aws-samples
/// serverless-genai-examples tool-use-with-stepfunctions, guyernest/step-functions-agent):
/// a count of their states, not a price.
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
    /// `standard` or `express` (without `--compare`).
    #[arg(long, default_value = "standard", value_parser = ["standard", "express"], conflicts_with = "compare")]
    pub r#type: String,
    /// Average run duration in seconds: Express's billed duration (default 30); with
    /// `--compare`, the run's wall time (default: derived from the step and call durations).
    #[arg(long, visible_alias = "run-seconds")]
    pub seconds: Option<f64>,
    /// Express billed memory in MB (64 MB steps, 64 minimum).
    #[arg(long, default_value_t = 64)]
    pub memory_mb: u64,
    /// `text` (lines for people) or `json` (one object with the same figures, for scripts).
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
    /// Compare the monthly cost of every pattern (P1, P3 Standard, P3 Express, P4, P2).
    #[arg(long)]
    pub compare: bool,
    /// With `--compare`: requests (runs) a month.
    #[arg(long, default_value_t = 100_000.0, requires = "compare")]
    pub requests_per_month: f64,
    /// With `--compare`: duration of one agent step (mostly the model's reply), ms.
    #[arg(long, default_value_t = 2000, requires = "compare")]
    pub agent_ms: u64,
    /// With `--compare`: memory of the agent Lambda, MB.
    #[arg(long, default_value_t = 512, requires = "compare")]
    pub agent_memory_mb: u64,
    /// With `--compare`: duration of one tool call, ms.
    #[arg(long, default_value_t = 300, requires = "compare")]
    pub tool_ms: u64,
    /// With `--compare`: memory of a tool Lambda, MB.
    #[arg(long, default_value_t = 256, requires = "compare")]
    pub tool_memory_mb: u64,
    /// With `--compare`: where the Lambdas and Fargate tasks run.
    #[arg(long, value_enum, default_value_t = Architecture::Arm64, requires = "compare")]
    pub architecture: Architecture,
    /// With `--compare`: vCPU of one P4 (or P2 worker) Fargate task.
    #[arg(long, default_value_t = 0.25, requires = "compare")]
    pub task_vcpu: f64,
    /// With `--compare`: memory of one Fargate task, GB.
    #[arg(long, default_value_t = 0.5, requires = "compare")]
    pub task_memory_gb: f64,
    /// With `--compare`: runs one task serves at once (they mostly wait on the model).
    #[arg(long, default_value_t = 50.0, requires = "compare")]
    pub runs_per_task: f64,
    /// With `--compare`: peak concurrency over the average the tasks are sized for.
    #[arg(long, default_value_t = 2.0, requires = "compare")]
    pub peak_factor: f64,
    /// With `--compare`: tasks that always run, whatever the load.
    #[arg(long, default_value_t = 1, requires = "compare")]
    pub min_tasks: u64,
    /// With `--compare`: the Temporal Cloud plan P2 is priced on.
    #[arg(long, value_enum, default_value_t = TemporalPlanName::Developer, requires = "compare")]
    pub temporal_plan: TemporalPlanName,
    /// With `--compare`: the sweep's largest number of tool calls per request.
    #[arg(long, default_value_t = 1000, requires = "compare")]
    pub sweep_max_calls: u64,
}

impl Args {
    fn workload(&self) -> Workload {
        Workload {
            turns: self.turns,
            calls_per_turn: self.calls,
            agent_ms: self.agent_ms,
            agent_memory_mb: self.agent_memory_mb,
            tool_ms: self.tool_ms,
            tool_memory_mb: self.tool_memory_mb,
            requests_per_month: self.requests_per_month,
            run_seconds: self.seconds,
            architecture: self.architecture,
            express_memory_mb: self.memory_mb,
            tasks: TaskSizing {
                vcpu: self.task_vcpu,
                memory_gb: self.task_memory_gb,
                runs_per_task: self.runs_per_task,
                peak_factor: self.peak_factor,
                min_tasks: self.min_tasks,
            },
            temporal_plan: self.temporal_plan,
        }
    }
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let prices = Prices::builtin()?;
    if args.compare {
        let workload = args.workload();
        workload.check()?;
        let comparison = compare(prices, &workload, args.sweep_max_calls);
        if args.format == "json" {
            println!("{}", to_json(&comparison));
        } else {
            print!("{}", to_text(&comparison));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let per_turn = transitions_per_turn(args.calls);
    let per_run = transitions_per_run(args.turns, args.calls);
    let sample_per_run = args.turns * args.calls * SAMPLE_TRANSITIONS_PER_CALL + 3;
    let per_transition = prices.step_functions.standard_transition_usd;
    let dollars_per_1000 = if args.r#type == "express" {
        let (requests, duration) =
            express_usd(prices, 1000.0, args.seconds.unwrap_or(30.0), args.memory_mb);
        requests + duration
    } else {
        1000.0 * per_run as f64 * per_transition
    };
    let sample_dollars = 1000.0 * sample_per_run as f64 * per_transition;
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
    println!("(`sfn-gen cost --compare` prices every pattern, Lambdas included, for a month)");
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_runs_cost_the_transition_price() {
        // 5 single-call turns + the answer: 18 transitions x 1,000 x $0.000025 = $0.45.
        let prices = Prices::builtin().unwrap();
        let per_1000 = 1000.0
            * transitions_per_run(5, 1) as f64
            * prices.step_functions.standard_transition_usd;
        assert!((per_1000 - 0.45).abs() < 1e-9);
        // Express, 1,000 runs of 30 s at 64 MB: $0.001 + 1,000 x 30 x 0.0625 / 3600 GB-hours
        // (0.5208) x $0.06 = $0.001 + $0.03125.
        let (requests, duration) = express_usd(prices, 1000.0, 30.0, 64);
        assert!((requests - 0.001).abs() < 1e-12);
        assert!((duration - 0.03125).abs() < 1e-12);
    }
}
