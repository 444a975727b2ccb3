//! The notes under the comparison: where the prices come from and which are unverified,
//! the sizing rule and basis of each pattern, what is not priced, why the P1/P4 crossover
//! sits where it does (P4 wins once the month's agent steps cost more on Lambda than the
//! always-on task: `steps a month > task cost / one step's cost`), and the rule of thumb's
//! verdict band by band.

use super::compare::Comparison;
use super::patterns::{Pattern, temporal_actions_per_request};
use super::prices::{Prices, tiered_cost};

fn usd(value: f64) -> String {
    if value >= 100.0 {
        format!("${value:.0}")
    } else {
        format!("${value:.2}")
    }
}

/// The cost of one agent step on Lambda at the first GB-second tier.
fn one_agent_step_usd(prices: &Prices, c: &Comparison) -> f64 {
    let w = &c.workload;
    let gb_seconds = w.agent_ms as f64 / 1000.0 * w.agent_memory_mb as f64 / 1024.0;
    prices.lambda.request_usd
        + tiered_cost(prices.lambda.gb_second_usd.get(w.architecture), gb_seconds)
}

/// The cost of one always-on task for a month.
fn one_task_usd(prices: &Prices, c: &Comparison) -> f64 {
    let f = &prices.fargate;
    let w = &c.workload;
    f.hours_per_month
        * (w.tasks.vcpu * f.vcpu_hour_usd.get(w.architecture)
            + w.tasks.memory_gb * f.gb_hour_usd.get(w.architecture))
}

/// Every note, in print order.
pub fn notes(prices: &Prices, c: &Comparison) -> Vec<String> {
    let w = &c.workload;
    let mut notes = vec![format!(
        "prices: {}, read {}, from sfn-gen/src/cost/prices.json (each with its pricing page); \
         on demand, free tiers, Savings Plans, Spot and commitments ignored",
        prices.region, prices.read_on
    )];
    let unverified: Vec<String> = prices
        .provenances()
        .iter()
        .filter(|(_, p)| !p.verified)
        .map(|(name, p)| format!("{name} ({})", p.source))
        .collect();
    if !unverified.is_empty() {
        notes.push(format!(
            "not verified on the vendor's own page (its rate table is rendered client-side; \
             the figures agree across the secondary sources the price file lists): {}",
            unverified.join(", ")
        ));
    }
    let tasks = w.tasks_needed(prices.fargate.hours_per_month);
    notes.push(format!(
        "P4 and P2's worker: {tasks} always-on Fargate task(s) of {} vCPU / {} GB ({}), \
         = max({}, ceil(requests x run seconds / {} s a month x peak {} / {} runs per task)); \
         set with --task-vcpu, --task-memory-gb, --min-tasks (2 or more for a service that \
         survives a zone), --peak-factor, --runs-per-task",
        w.tasks.vcpu,
        w.tasks.memory_gb,
        w.architecture.name(),
        w.tasks.min_tasks,
        prices.fargate.hours_per_month * 3600.0,
        w.tasks.peak_factor,
        w.tasks.runs_per_task
    ));
    notes.push(format!(
        "P2 basis: Temporal Cloud, {} plan; {} Actions per request (1 workflow start + 1 Activity \
         per agent step + 1 per tool call; retries, heartbeats, timers and continue-as-new add \
         more). Self-hosted Temporal has no licence fee: its services and database (for \
         example PostgreSQL on RDS) replace the Actions and plan lines; not priced here",
        w.temporal_plan.name(),
        temporal_actions_per_request(w)
    ));
    notes.push(
        "P1 prices the Lambdas only: the client (a chat backend, a laptop) runs the loop on \
         compute it already has, and a client crash loses the run in flight"
            .to_owned(),
    );
    notes.push(
        "P2 and P3 are never the cheapest by construction: P3 is P1's Lambdas plus Step \
         Functions, P2 is P4's tasks and tool Lambdas plus Temporal; they buy durability \
         (a run survives its host), retries and history, not a lower bill"
            .to_owned(),
    );
    for cost in &c.patterns {
        if let Some(reason) = &cost.unavailable {
            notes.push(format!(
                "{} cannot run this workload: {reason}",
                cost.pattern.label()
            ));
        }
    }
    let step = one_agent_step_usd(prices, c);
    let task = one_task_usd(prices, c);
    let break_even_steps = task / step;
    notes.push(format!(
        "P4 against P1: one agent step on Lambda costs ${step:.7}, one always-on task {} a \
         month, so P4 wins once the month's agent steps pass about {:.0} ({:.1} agent steps per \
         request at {:.0} requests a month): the crossover moves with the monthly volume, not with the \
         calls per request alone",
        usd(task),
        break_even_steps,
        break_even_steps / w.requests_per_month,
        w.requests_per_month
    ));
    notes.push(format!(
        "sweep: 1 to {} tool calls per request at {} call(s) per turn, wall time derived per \
         point, every other figure fixed",
        c.max_calls, w.calls_per_turn
    ));
    for check in &c.rule_of_thumb {
        let seen: Vec<String> = check
            .cheapest
            .iter()
            .map(|(pattern, first, last)| {
                let at = if first == last {
                    format!("{first}")
                } else {
                    format!("{first}-{last}")
                };
                format!("{} at {at}", short(*pattern))
            })
            .collect();
        notes.push(format!(
            "rule of thumb, {} calls: {} -> {} (cheapest: {})",
            check.band,
            check.rule,
            check.verdict,
            if seen.is_empty() {
                "-".to_owned()
            } else {
                seen.join(", ")
            }
        ));
    }
    notes.push(
        "not priced: the model's tokens (the same in every pattern), data transfer, logs, the \
         transcript store, API Gateway, and P4's load balancer and NAT"
            .to_owned(),
    );
    notes
}

/// The short name notes use.
pub fn short(pattern: Pattern) -> &'static str {
    match pattern {
        Pattern::ClientLoop => "P1",
        Pattern::StepFunctionsStandard => "P3 Standard",
        Pattern::StepFunctionsExpress => "P3 Express",
        Pattern::Hybrid => "P4",
        Pattern::Temporal => "P2",
    }
}
