//! The comparison as people read it (a table, one row per pattern with its monthly dollars,
//! dollars per request and the part that dominates; then the crossovers and the notes) and
//! as scripts read it (`--format json`: one object with `workload`, `patterns`, `cheapest`,
//! `crossovers`, `rule_of_thumb` and `notes`).

use serde_json::{Map, Value, json};

use super::compare::Comparison;
use super::patterns::PatternCost;

fn pairs(items: &[(&'static str, f64)]) -> Value {
    Value::Object(
        items
            .iter()
            .map(|(name, value)| ((*name).to_owned(), json!(value)))
            .collect::<Map<_, _>>(),
    )
}

fn per_request(c: &Comparison, cost: &PatternCost) -> f64 {
    cost.monthly_usd / c.workload.requests_per_month
}

/// The `--format json` object.
pub fn to_json(c: &Comparison) -> Value {
    let w = &c.workload;
    let patterns: Vec<Value> = c
        .patterns
        .iter()
        .map(|cost| {
            json!({
                "pattern": cost.pattern.id(),
                "name": cost.pattern.label(),
                "monthly_usd": cost.monthly_usd,
                "per_request_usd": per_request(c, cost),
                "dominant": cost.dominant_part(),
                "available": cost.unavailable.is_none(),
                "unavailable_reason": cost.unavailable,
                "parts": pairs(&cost.parts),
                "quantities": pairs(&cost.quantities),
            })
        })
        .collect();
    let crossovers: Vec<Value> = c
        .crossovers
        .iter()
        .map(|x| {
            json!({
                "calls_per_request": x.calls_per_request,
                "from": x.from.id(),
                "to": x.to.id(),
            })
        })
        .collect();
    let rule: Vec<Value> = c
        .rule_of_thumb
        .iter()
        .map(|check| {
            json!({
                "band": check.band,
                "rule": check.rule,
                "verdict": check.verdict,
                "cheapest": check.cheapest.iter().map(|(pattern, first, last)| json!({
                    "pattern": pattern.id(),
                    "from_calls": first,
                    "to_calls": last,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "workload": {
            "turns": w.turns,
            "calls_per_turn": w.calls_per_turn,
            "tool_calls_per_request": w.tool_calls(),
            "agent_steps_per_request": w.agent_steps(),
            "agent_ms": w.agent_ms,
            "agent_memory_mb": w.agent_memory_mb,
            "tool_ms": w.tool_ms,
            "tool_memory_mb": w.tool_memory_mb,
            "requests_per_month": w.requests_per_month,
            "run_seconds": w.run_seconds(),
            "run_seconds_derived": w.run_seconds.is_none(),
            "architecture": w.architecture.name(),
            "express_memory_mb": w.express_memory_mb,
            "task_vcpu": w.tasks.vcpu,
            "task_memory_gb": w.tasks.memory_gb,
            "runs_per_task": w.tasks.runs_per_task,
            "peak_factor": w.tasks.peak_factor,
            "min_tasks": w.tasks.min_tasks,
            "temporal_plan": w.temporal_plan.name(),
            "sweep_max_calls": c.max_calls,
        },
        "patterns": patterns,
        "cheapest": c.cheapest.map(|p| p.id()),
        "crossovers": crossovers,
        "rule_of_thumb": rule,
        "notes": c.notes,
    })
}

/// The text report.
pub fn to_text(c: &Comparison) -> String {
    let w = &c.workload;
    let mut out = String::new();
    out.push_str(&format!(
        "workload: {} tool turn(s) x {} call(s) = {} tool calls and {} agent steps per request; \
         {} requests a month; {}\n",
        w.turns,
        w.calls_per_turn,
        w.tool_calls(),
        w.agent_steps(),
        w.requests_per_month,
        w.architecture.name()
    ));
    out.push_str(&format!(
        "  agent step {} ms at {} MB, tool call {} ms at {} MB, run {:.1} s ({})\n\n",
        w.agent_ms,
        w.agent_memory_mb,
        w.tool_ms,
        w.tool_memory_mb,
        w.run_seconds(),
        if w.run_seconds.is_none() {
            "derived"
        } else {
            "given"
        }
    ));
    let name_width = c
        .patterns
        .iter()
        .map(|p| p.pattern.label().len())
        .max()
        .unwrap_or(0);
    out.push_str(&format!(
        "{:<name_width$}  {:>11}  {:>11}  dominated by\n",
        "pattern", "$/month", "$/request"
    ));
    for cost in &c.patterns {
        let dominant = cost.dominant_part();
        let share = cost
            .parts
            .iter()
            .find(|(name, _)| *name == dominant)
            .map_or(0.0, |(_, usd)| {
                usd / cost.monthly_usd.max(f64::MIN_POSITIVE)
            });
        let marker = if Some(cost.pattern) == c.cheapest {
            "  <- cheapest"
        } else {
            ""
        };
        if cost.unavailable.is_some() {
            out.push_str(&format!(
                "{:<name_width$}  {:>11}  {:>11}  (cannot run it: see the notes)\n",
                cost.pattern.label(),
                "n/a",
                "n/a"
            ));
            continue;
        }
        out.push_str(&format!(
            "{:<name_width$}  {:>11.2}  {:>11.7}  {dominant} ({:.0}%){marker}\n",
            cost.pattern.label(),
            cost.monthly_usd,
            per_request(c, cost),
            share * 100.0
        ));
    }
    out.push_str(&format!(
        "\ncrossovers (the cheapest pattern as tool calls per request go from 1 to {}):\n",
        c.max_calls
    ));
    match (c.sweep.first(), c.crossovers.is_empty()) {
        (None, _) => out.push_str("  none swept (more calls per turn than the sweep's maximum)\n"),
        (Some(first), true) => out.push_str(&format!(
            "  none: {} is the cheapest at every point\n",
            first.cheapest.label()
        )),
        (Some(first), false) => {
            out.push_str(&format!(
                "  from {} call(s): {}\n",
                first.calls,
                first.cheapest.label()
            ));
            for x in &c.crossovers {
                out.push_str(&format!(
                    "  from {} calls: {} (was {})\n",
                    x.calls_per_request,
                    x.to.label(),
                    x.from.label()
                ));
            }
        }
    }
    out.push_str("\nnotes:\n");
    for note in &c.notes {
        out.push_str(&format!("  - {note}\n"));
    }
    out
}
