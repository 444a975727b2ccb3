//! The monthly cost of each place the agent loop can live, for one [`Workload`], from the
//! [`Prices`] table. With `R` requests a month, `S = turns + 1` agent steps and
//! `N = turns x calls` tool calls per request:
//!
//! - Lambda (every pattern's tools, and the agent step where it is a Lambda): invocations x
//!   the request price, plus GB-seconds (`ms / 1000 x MB / 1024` per invocation, ms rounded
//!   up to Lambda's 1 ms step) at the architecture's tiered GB-second price.
//! - **P1 client loop**: the agent Lambda `R x S` times, the tool Lambdas `R x N` times. The
//!   client's own compute is not priced (it is the caller's chat backend or laptop).
//! - **P3 Standard**: P1's Lambdas plus `R x transitions_per_run` state transitions.
//! - **P3 Express**: P1's Lambdas plus `R` executions and `R x billed_seconds x billed_GB`
//!   GB-seconds at the tiered GB-hour price; the run's wall time is rounded up to 100 ms and
//!   its memory to 64 MB chunks. Not available when a run outlasts Express's 5 minutes.
//! - **P4 hybrid**: the agent step runs in always-on Fargate tasks (sized as
//!   [`Workload::tasks_needed`] says, each `vcpu x vCPU-hour + GB x GB-hour` for the month's
//!   730 hours); the tools stay on Lambda (`R x N` invocations).
//! - **P2 Temporal**: Temporal Cloud Actions (`1 + S + N` per request: the workflow start,
//!   one Activity per agent step, one per tool call; retries, heartbeats, timers and signals
//!   add more and are not counted) at the plan's tiered price beyond its included Actions,
//!   plus the plan's fee (the greater of its base and its share of the usage), plus a worker
//!   on Fargate sized as P4 (it runs the agent step in process), plus the tool Lambdas.

use super::prices::{Prices, tiered_cost};
use super::transitions::transitions_per_run;
use super::workload::{TemporalPlanName, Workload};

/// A place the agent loop lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Pattern {
    /// P1: the client drives the agent Lambda step by step.
    ClientLoop,
    /// P3: the generated state machine, Standard workflow.
    StepFunctionsStandard,
    /// P3: the generated state machine, Express workflow.
    StepFunctionsExpress,
    /// P4: a long-running container runs the loop, tools on Lambda.
    Hybrid,
    /// P2: a Temporal workflow, tools as Activities on Lambda.
    Temporal,
}

impl Pattern {
    /// Every pattern, in the order the table prints them.
    pub const ALL: [Pattern; 5] = [
        Pattern::ClientLoop,
        Pattern::StepFunctionsStandard,
        Pattern::StepFunctionsExpress,
        Pattern::Hybrid,
        Pattern::Temporal,
    ];

    /// The stable id scripts read in `--format json`.
    pub fn id(self) -> &'static str {
        match self {
            Pattern::ClientLoop => "p1-client-loop",
            Pattern::StepFunctionsStandard => "p3-standard",
            Pattern::StepFunctionsExpress => "p3-express",
            Pattern::Hybrid => "p4-hybrid",
            Pattern::Temporal => "p2-temporal",
        }
    }

    /// The name people read.
    pub fn label(self) -> &'static str {
        match self {
            Pattern::ClientLoop => "P1 client loop",
            Pattern::StepFunctionsStandard => "P3 Step Functions Standard",
            Pattern::StepFunctionsExpress => "P3 Step Functions Express",
            Pattern::Hybrid => "P4 hybrid (Fargate + tool Lambdas)",
            Pattern::Temporal => "P2 Temporal Cloud (+ Fargate worker)",
        }
    }

    /// Whether the pattern persists the run between steps (P2, P3), as the design's
    /// "durable orchestrator" band means.
    pub fn is_durable_orchestrator(self) -> bool {
        matches!(
            self,
            Pattern::StepFunctionsStandard | Pattern::StepFunctionsExpress | Pattern::Temporal
        )
    }
}

/// What one pattern costs a month.
#[derive(Debug, Clone, PartialEq)]
pub struct PatternCost {
    /// The pattern.
    pub pattern: Pattern,
    /// Dollars a month, the sum of `parts`.
    pub monthly_usd: f64,
    /// Dollars a month per cost item, largest meaning "dominates".
    pub parts: Vec<(&'static str, f64)>,
    /// Counts behind the parts (transitions per request, tasks, Actions per request, ...).
    pub quantities: Vec<(&'static str, f64)>,
    /// Why the pattern cannot run this workload, if it cannot.
    pub unavailable: Option<String>,
}

impl PatternCost {
    fn new(
        pattern: Pattern,
        parts: Vec<(&'static str, f64)>,
        quantities: Vec<(&'static str, f64)>,
    ) -> PatternCost {
        PatternCost {
            pattern,
            monthly_usd: parts.iter().map(|(_, usd)| usd).sum(),
            parts,
            quantities,
            unavailable: None,
        }
    }

    /// The part with the largest share.
    pub fn dominant_part(&self) -> &'static str {
        self.parts
            .iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map_or("nothing", |(name, _)| name)
    }
}

/// A month of Lambda use: invocations and GB-seconds of functions on one architecture.
#[derive(Debug, Clone, Copy, Default)]
struct LambdaUse {
    invocations: f64,
    gb_seconds: f64,
}

impl LambdaUse {
    fn of(prices: &Prices, invocations: f64, ms: u64, memory_mb: u64) -> LambdaUse {
        let step = prices.lambda.duration_rounding_ms.max(1);
        let billed_ms = ms.div_ceil(step) * step;
        LambdaUse {
            invocations,
            gb_seconds: invocations * billed_ms as f64 / 1000.0 * memory_mb as f64 / 1024.0,
        }
    }
}

/// The dollars of several functions' month, split per function: tiers apply to the
/// architecture's total GB-seconds, so each function pays the average tiered rate.
fn lambda_parts(prices: &Prices, workload: &Workload, uses: &[LambdaUse]) -> Vec<f64> {
    let total_gb_seconds: f64 = uses.iter().map(|u| u.gb_seconds).sum();
    let tiers = prices.lambda.gb_second_usd.get(workload.architecture);
    let duration_usd = tiered_cost(tiers, total_gb_seconds);
    uses.iter()
        .map(|u| {
            let share = if total_gb_seconds > 0.0 {
                u.gb_seconds / total_gb_seconds
            } else {
                0.0
            };
            u.invocations * prices.lambda.request_usd + duration_usd * share
        })
        .collect()
}

fn agent_lambda(prices: &Prices, w: &Workload) -> LambdaUse {
    let steps = w.requests_per_month * w.agent_steps() as f64;
    LambdaUse::of(prices, steps, w.agent_ms, w.agent_memory_mb)
}

fn tool_lambdas(prices: &Prices, w: &Workload) -> LambdaUse {
    let calls = w.requests_per_month * w.tool_calls() as f64;
    LambdaUse::of(prices, calls, w.tool_ms, w.tool_memory_mb)
}

/// Agent and tool Lambdas, as P1 and P3 run them.
fn all_lambdas(prices: &Prices, w: &Workload) -> [(&'static str, f64); 2] {
    let parts = lambda_parts(
        prices,
        w,
        &[agent_lambda(prices, w), tool_lambdas(prices, w)],
    );
    [("agent_lambda", parts[0]), ("tool_lambdas", parts[1])]
}

/// The tool Lambdas alone, as P4 and P2 run them.
fn tool_lambdas_only(prices: &Prices, w: &Workload) -> (&'static str, f64) {
    (
        "tool_lambdas",
        lambda_parts(prices, w, &[tool_lambdas(prices, w)])[0],
    )
}

/// Always-on Fargate tasks for the load: (tasks, dollars a month).
fn fargate(prices: &Prices, w: &Workload) -> (u64, f64) {
    let f = &prices.fargate;
    let tasks = w.tasks_needed(f.hours_per_month);
    let per_task_hour = w.tasks.vcpu * f.vcpu_hour_usd.get(w.architecture)
        + w.tasks.memory_gb * f.gb_hour_usd.get(w.architecture);
    (tasks, tasks as f64 * f.hours_per_month * per_task_hour)
}

/// P1: the client loop.
pub fn client_loop(prices: &Prices, w: &Workload) -> PatternCost {
    PatternCost::new(Pattern::ClientLoop, all_lambdas(prices, w).to_vec(), vec![])
}

/// P3 on a Standard workflow.
pub fn step_functions_standard(prices: &Prices, w: &Workload) -> PatternCost {
    let per_request = transitions_per_run(w.turns, w.calls_per_turn) as f64;
    let transitions_usd =
        w.requests_per_month * per_request * prices.step_functions.standard_transition_usd;
    let mut parts = vec![("state_transitions", transitions_usd)];
    parts.extend(all_lambdas(prices, w));
    PatternCost::new(
        Pattern::StepFunctionsStandard,
        parts,
        vec![("transitions_per_request", per_request)],
    )
}

/// The billed seconds and GB of one Express execution.
pub fn express_billed(prices: &Prices, run_seconds: f64, memory_mb: u64) -> (f64, f64) {
    let sf = &prices.step_functions;
    // Whole milliseconds first (the tolerance keeps 13.3 s from becoming 13,300.000001 ms).
    let ms = (run_seconds * 1000.0 - 1e-6).ceil().max(0.0) as u64;
    let step = sf.express_duration_rounding_ms.max(1);
    let seconds = (ms.div_ceil(step) * step) as f64 / 1000.0;
    let chunk = sf.express_memory_step_mb;
    let gb = (memory_mb.max(chunk).div_ceil(chunk) * chunk) as f64 / 1024.0;
    (seconds, gb)
}

/// The Step Functions dollars of `runs` Express executions of `run_seconds` each.
pub fn express_usd(prices: &Prices, runs: f64, run_seconds: f64, memory_mb: u64) -> (f64, f64) {
    let sf = &prices.step_functions;
    let (seconds, gb) = express_billed(prices, run_seconds, memory_mb);
    let gb_hours = runs * seconds * gb / 3600.0;
    (
        runs * sf.express_request_usd,
        tiered_cost(&sf.express_gb_hour_usd, gb_hours),
    )
}

/// P3 on an Express workflow.
pub fn step_functions_express(prices: &Prices, w: &Workload) -> PatternCost {
    let run_seconds = w.run_seconds();
    let (requests_usd, duration_usd) = express_usd(
        prices,
        w.requests_per_month,
        run_seconds,
        w.express_memory_mb,
    );
    let (billed_seconds, billed_gb) = express_billed(prices, run_seconds, w.express_memory_mb);
    let mut parts = vec![
        ("express_requests", requests_usd),
        ("express_duration", duration_usd),
    ];
    parts.extend(all_lambdas(prices, w));
    let mut cost = PatternCost::new(
        Pattern::StepFunctionsExpress,
        parts,
        vec![
            ("billed_seconds_per_request", billed_seconds),
            ("billed_gb", billed_gb),
        ],
    );
    let limit = prices.step_functions.express_max_duration_seconds;
    if run_seconds > limit {
        cost.unavailable = Some(format!(
            "a run takes {run_seconds:.1} s; Express executions stop at {limit:.0} s"
        ));
    }
    cost
}

/// P4: the hybrid host.
pub fn hybrid(prices: &Prices, w: &Workload) -> PatternCost {
    let (tasks, fargate_usd) = fargate(prices, w);
    PatternCost::new(
        Pattern::Hybrid,
        vec![("fargate_tasks", fargate_usd), tool_lambdas_only(prices, w)],
        vec![("tasks", tasks as f64)],
    )
}

/// Temporal Cloud Actions of one request (see the module docs).
pub fn temporal_actions_per_request(w: &Workload) -> u64 {
    1 + w.agent_steps() + w.tool_calls()
}

/// P2: Temporal Cloud, the worker on Fargate.
pub fn temporal(prices: &Prices, w: &Workload) -> PatternCost {
    let plans = &prices.temporal_cloud.plans;
    let plan = match w.temporal_plan {
        TemporalPlanName::Developer => &plans.developer,
        TemporalPlanName::Business => &plans.business,
    };
    let per_request = temporal_actions_per_request(w) as f64;
    let actions = w.requests_per_month * per_request;
    let billed_actions = (actions - plan.included_actions).max(0.0);
    let actions_usd = tiered_cost(&plan.action_usd, billed_actions);
    let plan_usd = plan.base_usd.max(plan.support_share_of_usage * actions_usd);
    let (tasks, fargate_usd) = fargate(prices, w);
    PatternCost::new(
        Pattern::Temporal,
        vec![
            ("temporal_actions", actions_usd),
            ("temporal_plan", plan_usd),
            ("fargate_worker", fargate_usd),
            tool_lambdas_only(prices, w),
        ],
        vec![
            ("actions_per_request", per_request),
            ("worker_tasks", tasks as f64),
        ],
    )
}

/// Every pattern's cost, in [`Pattern::ALL`] order.
pub fn price_all(prices: &Prices, w: &Workload) -> Vec<PatternCost> {
    Pattern::ALL
        .iter()
        .map(|pattern| match pattern {
            Pattern::ClientLoop => client_loop(prices, w),
            Pattern::StepFunctionsStandard => step_functions_standard(prices, w),
            Pattern::StepFunctionsExpress => step_functions_express(prices, w),
            Pattern::Hybrid => hybrid(prices, w),
            Pattern::Temporal => temporal(prices, w),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    //! Expected figures are worked by hand from `prices.json` (arm64: $0.0000133334 per
    //! GB-s, $0.20 per 1M requests; Standard $0.025 per 1,000 transitions; Express $1 per
    //! 1M and $0.06 per GB-hour; Fargate arm64 $0.03238 per vCPU-hour, $0.00356 per GB-hour,
    //! 730 hours; Temporal Developer $50 per 1M Actions + 10%) for the `chat()` workload:
    //! 5 single-call turns, 100,000 requests, agent 2 s at 512 MB, tools 0.3 s at 256 MB.
    //!
    //! Agent Lambda: 600,000 steps x 2 s x 0.5 GB = 600,000 GB-s; tools: 500,000 calls x
    //! 0.3 s x 0.25 GB = 37,500 GB-s.
    use super::*;
    use crate::cost::workload::tests::chat;

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-6,
            "{actual} != {expected} (by hand)"
        );
    }

    fn part(cost: &PatternCost, name: &str) -> f64 {
        cost.parts.iter().find(|(n, _)| *n == name).unwrap().1
    }

    #[test]
    fn p1_pays_lambda_requests_and_gb_seconds() {
        let cost = client_loop(Prices::builtin().unwrap(), &chat());
        // Agent: 600,000 x $0.0000002 + 600,000 x $0.0000133334 = 0.12 + 8.00004 = 8.12004.
        close(part(&cost, "agent_lambda"), 8.12004);
        // Tools: 500,000 x $0.0000002 + 37,500 x $0.0000133334 = 0.1 + 0.5000025.
        close(part(&cost, "tool_lambdas"), 0.6000025);
        close(cost.monthly_usd, 8.7200425);
        assert_eq!(cost.dominant_part(), "agent_lambda");
    }

    #[test]
    fn p3_standard_adds_the_transitions() {
        let cost = step_functions_standard(Prices::builtin().unwrap(), &chat());
        // 18 transitions x 100,000 x $0.000025 = $45, plus P1's $8.7200425.
        close(part(&cost, "state_transitions"), 45.0);
        close(cost.monthly_usd, 53.7200425);
        assert_eq!(cost.dominant_part(), "state_transitions");
    }

    #[test]
    fn p3_express_bills_rounded_duration_and_memory_chunks() {
        let prices = Prices::builtin().unwrap();
        let cost = step_functions_express(prices, &chat());
        // 100,000 x $1 / 1M = $0.10; 13.5 s x 64 MB (0.0625 GB) x 100,000 = 84,375 GB-s
        // = 23.4375 GB-hours x $0.06 = $1.40625; plus P1's $8.7200425.
        close(part(&cost, "express_requests"), 0.1);
        close(part(&cost, "express_duration"), 1.40625);
        close(cost.monthly_usd, 10.2262925);
        assert_eq!(cost.unavailable, None);
        // 13.41 s bills as 13.5 s; 65 MB bills as two 64 MB chunks (0.125 GB).
        assert_eq!(express_billed(prices, 13.41, 65), (13.5, 0.125));
        // 13.3 s stays 13.3 s (no float drift into the next 100 ms).
        assert_eq!(express_billed(prices, 13.3, 64), (13.3, 0.0625));
        // 301 s is past Express's 5 minutes.
        let long = Workload {
            run_seconds: Some(301.0),
            ..chat()
        };
        assert!(step_functions_express(prices, &long).unavailable.is_some());
    }

    #[test]
    fn express_tiers_apply_to_the_month_of_gb_hours() {
        // 1,000,000 runs of 90 s at 64 MB: 1e6 x 90 x 0.0625 / 3600 = 1,562.5 GB-hours:
        // 1,000 x $0.06 + 562.5 x $0.03 = 60 + 16.875 = $76.875.
        let (_, duration) = express_usd(Prices::builtin().unwrap(), 1e6, 90.0, 64);
        close(duration, 76.875);
    }

    #[test]
    fn p4_pays_one_small_task_and_the_tool_lambdas() {
        let cost = hybrid(Prices::builtin().unwrap(), &chat());
        // 1 task x 730 h x (0.25 x 0.03238 + 0.5 x 0.00356) = 730 x 0.009875 = $7.20875.
        close(part(&cost, "fargate_tasks"), 7.20875);
        close(part(&cost, "tool_lambdas"), 0.6000025);
        close(cost.monthly_usd, 7.8087525);
        assert_eq!(cost.quantities, vec![("tasks", 1.0)]);
    }

    #[test]
    fn p2_counts_a_start_and_an_activity_per_step_and_call() {
        let prices = Prices::builtin().unwrap();
        let cost = temporal(prices, &chat());
        // 1 start + 6 agent steps + 5 tool calls = 12 Actions; x 100,000 = 1.2M x $50/M = $60;
        // Developer plan: 10% = $6; worker $7.20875; tools $0.6000025.
        close(part(&cost, "temporal_actions"), 60.0);
        close(part(&cost, "temporal_plan"), 6.0);
        close(cost.monthly_usd, 73.8087525);
        // Business: 1.2M Actions are within the 2.5M included: $0 usage, the $500 minimum.
        let business = Workload {
            temporal_plan: TemporalPlanName::Business,
            ..chat()
        };
        let cost = temporal(prices, &business);
        close(part(&cost, "temporal_actions"), 0.0);
        close(part(&cost, "temporal_plan"), 500.0);
    }

    #[test]
    fn x86_costs_more_per_gb_second_and_vcpu_hour() {
        let prices = Prices::builtin().unwrap();
        let x86 = Workload {
            architecture: crate::cost::prices::Architecture::X86_64,
            ..chat()
        };
        // Agent: 600,000 x $0.0000002 + 600,000 GB-s x $0.0000166667 = 0.12 + 10.00002.
        close(part(&client_loop(prices, &x86), "agent_lambda"), 10.12002);
        // 730 h x (0.25 x 0.04048 + 0.5 x 0.004445) = 730 x 0.0123425 = $9.010025.
        close(part(&hybrid(prices, &x86), "fargate_tasks"), 9.010025);
    }
}
