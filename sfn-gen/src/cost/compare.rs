//! The comparison `sfn-gen cost --compare` prints: every pattern's cost for the workload,
//! the cheapest, a sweep of tool calls per request (1 to `max_calls`, calls per turn and
//! every other figure fixed, turns = calls / calls per turn, wall time derived per point)
//! with the call counts where the cheapest pattern changes, and the design's rule of thumb
//! checked against the sweep, band by band:
//!
//! | calls per request | the rule says | it holds where the cheapest is |
//! | --- | --- | --- |
//! | under 10 | the client loop | P1 |
//! | 10 to 100 | a durable orchestrator or the hybrid | P2, P3 or P4 |
//! | over 100 | the hybrid | P4 |

use super::patterns::{Pattern, PatternCost, price_all};
use super::prices::Prices;
use super::workload::Workload;

/// The cheapest pattern at one point of the sweep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    /// Tool calls per request.
    pub calls: u64,
    /// The cheapest available pattern there.
    pub cheapest: Pattern,
}

/// Where the cheapest pattern changes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Crossover {
    /// The first call count (per request) at which `to` is the cheapest.
    pub calls_per_request: u64,
    /// The cheapest pattern below it.
    pub from: Pattern,
    /// The cheapest pattern from it on.
    pub to: Pattern,
}

/// One band of the rule of thumb, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleCheck {
    /// The band, e.g. "10-100".
    pub band: String,
    /// What the rule recommends there.
    pub rule: &'static str,
    /// The cheapest pattern over runs of call counts in the band: (pattern, first, last).
    pub cheapest: Vec<(Pattern, u64, u64)>,
    /// `holds`, `holds partly`, `does not hold` or `not swept`.
    pub verdict: &'static str,
}

/// Everything the command prints.
#[derive(Debug, Clone)]
pub struct Comparison {
    /// The workload priced.
    pub workload: Workload,
    /// Each pattern's cost, in [`Pattern::ALL`] order.
    pub patterns: Vec<PatternCost>,
    /// The cheapest available pattern.
    pub cheapest: Option<Pattern>,
    /// The largest call count the sweep reached.
    pub max_calls: u64,
    /// The sweep, one point per call count swept.
    pub sweep: Vec<SweepPoint>,
    /// Where the cheapest pattern changes along the sweep.
    pub crossovers: Vec<Crossover>,
    /// The rule of thumb, band by band.
    pub rule_of_thumb: Vec<RuleCheck>,
    /// What the figures assume and leave out.
    pub notes: Vec<String>,
}

/// The cheapest pattern that can run the workload (ties go to the first in table order).
pub fn cheapest(costs: &[PatternCost]) -> Option<Pattern> {
    costs
        .iter()
        .filter(|c| c.unavailable.is_none())
        .min_by(|a, b| a.monthly_usd.total_cmp(&b.monthly_usd))
        .map(|c| c.pattern)
}

/// The cheapest pattern for each call count from `calls_per_turn` to `max_calls` in steps
/// of `calls_per_turn` (turns 1, 2, ...), the rest of `workload` fixed.
pub fn sweep(prices: &Prices, workload: &Workload, max_calls: u64) -> Vec<SweepPoint> {
    let per_turn = workload.calls_per_turn.max(1);
    (1..=max_calls / per_turn)
        .filter_map(|turns| {
            let point = workload.with_turns(turns);
            cheapest(&price_all(prices, &point)).map(|cheapest| SweepPoint {
                calls: point.tool_calls(),
                cheapest,
            })
        })
        .collect()
}

/// The points where the cheapest pattern changes.
pub fn crossovers(sweep: &[SweepPoint]) -> Vec<Crossover> {
    sweep
        .windows(2)
        .filter(|pair| pair[0].cheapest != pair[1].cheapest)
        .map(|pair| Crossover {
            calls_per_request: pair[1].calls,
            from: pair[0].cheapest,
            to: pair[1].cheapest,
        })
        .collect()
}

/// Runs of the same cheapest pattern among `points`: (pattern, first calls, last calls).
fn runs(points: &[&SweepPoint]) -> Vec<(Pattern, u64, u64)> {
    let mut runs: Vec<(Pattern, u64, u64)> = Vec::new();
    for point in points {
        match runs.last_mut() {
            Some((pattern, _, last)) if *pattern == point.cheapest => *last = point.calls,
            _ => runs.push((point.cheapest, point.calls, point.calls)),
        }
    }
    runs
}

/// The rule of thumb's three bands, checked against `sweep` (see the module docs).
pub fn check_rule_of_thumb(sweep: &[SweepPoint], max_calls: u64) -> Vec<RuleCheck> {
    type Fits = fn(Pattern) -> bool;
    let bands: [(u64, u64, &'static str, Fits); 3] = [
        (1, 9, "the client loop (P1)", |p| p == Pattern::ClientLoop),
        (
            10,
            100,
            "a durable orchestrator (P2, P3) or the hybrid (P4)",
            |p| p.is_durable_orchestrator() || p == Pattern::Hybrid,
        ),
        (101, u64::MAX, "the hybrid (P4)", |p| p == Pattern::Hybrid),
    ];
    bands
        .into_iter()
        .map(|(low, high, rule, fits)| {
            let points: Vec<&SweepPoint> = sweep
                .iter()
                .filter(|p| (low..=high).contains(&p.calls))
                .collect();
            let fitting = points.iter().filter(|p| fits(p.cheapest)).count();
            let verdict = match fitting {
                _ if points.is_empty() => "not swept",
                0 => "does not hold",
                n if n == points.len() => "holds",
                _ => "holds partly",
            };
            let band = if high == u64::MAX {
                format!("{low}-{max_calls}")
            } else {
                format!("{low}-{high}")
            };
            RuleCheck {
                band,
                rule,
                cheapest: runs(&points),
                verdict,
            }
        })
        .collect()
}

/// Prices `workload` every way and sweeps it up to `max_calls` tool calls per request.
pub fn compare(prices: &Prices, workload: &Workload, max_calls: u64) -> Comparison {
    let patterns = price_all(prices, workload);
    let sweep = sweep(prices, workload, max_calls);
    let crossovers = crossovers(&sweep);
    let rule_of_thumb = check_rule_of_thumb(&sweep, max_calls);
    let mut comparison = Comparison {
        workload: workload.clone(),
        cheapest: cheapest(&patterns),
        patterns,
        max_calls,
        sweep,
        crossovers,
        rule_of_thumb,
        notes: Vec::new(),
    };
    comparison.notes = super::notes::notes(prices, &comparison);
    comparison
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::workload::tests::chat;

    #[test]
    fn the_hybrid_overtakes_the_client_loop_once_its_task_is_paid_for() {
        // By hand, at 100,000 requests, 1 call per turn (so calls = turns = T): P3 costs P1
        // plus Step Functions, P2 costs P4 plus Temporal, so the cheapest is P1 or P4.
        // P1 - P4 = agent steps x (one step) - tasks x (one task):
        //   one step = $0.0000002 + 2 s x 0.5 GB x $0.0000133334 = $0.0000135334;
        //   100,000 requests x (T + 1) steps x $0.0000135334 = $1.35334 x (T + 1);
        //   one task = 730 h x $0.009875 = $7.20875, and one task suffices while
        //   2 x 100,000 x (2.3 T + 2) s / 2,628,000 s <= 50, i.e. up to T = 284; two beyond.
        // $1.35334 x (T + 1) > $7.20875 from T + 1 = 6 (5.33 needed): P4 from 5 calls on;
        // at T = 285, $1.35334 x 286 = $387 > 2 tasks' $14.42, so P4 stays the cheapest.
        let prices = Prices::builtin().unwrap();
        let points = sweep(prices, &chat(), 1000);
        assert_eq!(points.len(), 1000);
        assert_eq!(
            crossovers(&points),
            vec![Crossover {
                calls_per_request: 5,
                from: Pattern::ClientLoop,
                to: Pattern::Hybrid,
            }]
        );
        let rule = check_rule_of_thumb(&points, 1000);
        // Under 10: P1 at 1-4 only; 10-100: P4 (the rule allows it); over 100: P4.
        assert_eq!(rule[0].verdict, "holds partly");
        assert_eq!(
            rule[0].cheapest,
            vec![(Pattern::ClientLoop, 1, 4), (Pattern::Hybrid, 5, 9)]
        );
        assert_eq!(rule[1].verdict, "holds");
        assert_eq!(rule[2].verdict, "holds");
        assert_eq!(rule[2].band, "101-1000");
    }

    #[test]
    fn parallel_calls_sweep_in_steps_of_a_turn() {
        // 3 calls per turn: points at 3, 6, ..., 999 (333 turns).
        let wide = Workload {
            calls_per_turn: 3,
            ..chat()
        };
        let points = sweep(Prices::builtin().unwrap(), &wide, 1000);
        assert_eq!(points.len(), 333);
        assert_eq!((points[0].calls, points[332].calls), (3, 999));
    }

    #[test]
    fn at_low_volume_the_client_loop_wins_everywhere_and_the_hybrid_band_fails() {
        // 100 requests a month: one step costs 100 x $0.0000135334 = $0.00135334 a turn, so
        // P4's $7.20875 task needs T + 1 > 5,326 turns; the sweep ends at 1,000: P1 throughout.
        let quiet = Workload {
            requests_per_month: 100.0,
            ..chat()
        };
        let points = sweep(Prices::builtin().unwrap(), &quiet, 1000);
        assert!(crossovers(&points).is_empty());
        let rule = check_rule_of_thumb(&points, 1000);
        assert_eq!(rule[0].verdict, "holds");
        assert_eq!(rule[1].verdict, "does not hold");
        assert_eq!(rule[2].verdict, "does not hold");
    }

    #[test]
    fn the_cheapest_skips_a_pattern_that_cannot_run_the_workload() {
        let mut costs = price_all(Prices::builtin().unwrap(), &chat());
        for cost in &mut costs {
            if cost.pattern != Pattern::Temporal {
                cost.unavailable = Some("test".into());
            }
        }
        assert_eq!(cheapest(&costs), Some(Pattern::Temporal));
    }
}
