//! The price table: `prices.json` (every price `sfn-gen cost` uses, each with its pricing
//! page, region and the day it was read) decoded into types, and the tiered-price rule.
//!
//! A tiered price charges each slice of the month's quantity at its tier's rate: with tiers
//! `[(up_to a, p1), (up_to b, p2), (no limit, p3)]` a quantity `q` costs
//! `min(q, a) p1 + min(max(q - a, 0), b - a) p2 + max(q - b, 0) p3`.

use std::sync::OnceLock;

use anyhow::Context;
use serde::Deserialize;

/// The table, compiled in (edit `prices.json` to change a price; the tests read it too).
const PRICES_JSON: &str = include_str!("prices.json");

/// The CPU architecture Lambda functions and Fargate tasks run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Architecture {
    /// Graviton (Arm): cheaper per GB-second and per vCPU-hour.
    Arm64,
    /// Intel or AMD.
    #[value(name = "x86_64")]
    X86_64,
}

impl Architecture {
    /// The name AWS and the price table use.
    pub fn name(self) -> &'static str {
        match self {
            Architecture::Arm64 => "arm64",
            Architecture::X86_64 => "x86_64",
        }
    }
}

/// A price per architecture.
#[derive(Debug, Clone, Deserialize)]
pub struct PerArchitecture<T> {
    /// Arm (Graviton).
    pub arm64: T,
    /// x86.
    pub x86_64: T,
}

impl<T> PerArchitecture<T> {
    /// The price for `architecture`.
    pub fn get(&self, architecture: Architecture) -> &T {
        match architecture {
            Architecture::Arm64 => &self.arm64,
            Architecture::X86_64 => &self.x86_64,
        }
    }
}

/// One slice of a tiered price: `usd` per unit up to `up_to` units a month (cumulative;
/// `None` for the last, unlimited tier).
#[derive(Debug, Clone, Deserialize)]
pub struct Tier {
    /// The cumulative monthly quantity where this tier ends.
    pub up_to: Option<f64>,
    /// Dollars per unit within the tier.
    pub usd: f64,
}

/// The cost of `quantity` units in a month under `tiers` (see the module docs).
pub fn tiered_cost(tiers: &[Tier], quantity: f64) -> f64 {
    let mut cost = 0.0;
    let mut start = 0.0;
    for tier in tiers {
        let end = tier.up_to.unwrap_or(f64::INFINITY);
        if quantity > start {
            cost += (quantity.min(end) - start) * tier.usd;
        }
        start = end;
    }
    cost
}

/// Where a section's prices come from.
#[derive(Debug, Clone, Deserialize)]
pub struct Provenance {
    /// The vendor's pricing page.
    pub source: String,
    /// Whether the figures were read on that page (see `verified_means` in the table).
    pub verified: bool,
}

/// AWS Lambda on demand.
#[derive(Debug, Clone, Deserialize)]
pub struct Lambda {
    /// Where the prices were read, and whether on the vendor's own page.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Dollars per invocation.
    pub request_usd: f64,
    /// Duration is billed in steps of this many milliseconds.
    pub duration_rounding_ms: u64,
    /// Dollars per GB-second, tiered by the month's GB-seconds of one architecture.
    pub gb_second_usd: PerArchitecture<Vec<Tier>>,
}

/// AWS Step Functions.
#[derive(Debug, Clone, Deserialize)]
pub struct StepFunctions {
    /// Where the prices were read, and whether on the vendor's own page.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Standard workflows: dollars per state transition.
    pub standard_transition_usd: f64,
    /// Express workflows: dollars per execution.
    pub express_request_usd: f64,
    /// Express workflows: dollars per GB-hour, tiered by the month's GB-hours.
    pub express_gb_hour_usd: Vec<Tier>,
    /// Express duration is rounded up to a multiple of this.
    pub express_duration_rounding_ms: u64,
    /// Express memory is billed in chunks of this many MB (one chunk at least).
    pub express_memory_step_mb: u64,
    /// An Express execution cannot run longer than this.
    pub express_max_duration_seconds: f64,
}

/// AWS Fargate (Linux) on demand.
#[derive(Debug, Clone, Deserialize)]
pub struct Fargate {
    /// Where the prices were read, and whether on the vendor's own page.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// Hours in a month, as AWS's pricing examples count them.
    pub hours_per_month: f64,
    /// Dollars per vCPU-hour.
    pub vcpu_hour_usd: PerArchitecture<f64>,
    /// Dollars per GB-hour of task memory.
    pub gb_hour_usd: PerArchitecture<f64>,
}

/// One Temporal Cloud plan.
#[derive(Debug, Clone, Deserialize)]
pub struct TemporalPlan {
    /// The plan's monthly minimum.
    pub base_usd: f64,
    /// The plan's fee is the greater of `base_usd` and this share of the usage spend.
    pub support_share_of_usage: f64,
    /// Actions a month the plan includes.
    pub included_actions: f64,
    /// Dollars per Action beyond the included ones, tiered.
    pub action_usd: Vec<Tier>,
}

/// Temporal Cloud.
#[derive(Debug, Clone, Deserialize)]
pub struct TemporalCloud {
    /// Where the prices were read, and whether on the vendor's own page.
    #[serde(flatten)]
    pub provenance: Provenance,
    /// The plans, by name.
    pub plans: TemporalPlans,
}

/// The Temporal Cloud plans `sfn-gen cost` prices.
#[derive(Debug, Clone, Deserialize)]
pub struct TemporalPlans {
    /// No base fee; pay as you go at one Action price.
    pub developer: TemporalPlan,
    /// A monthly minimum, included Actions and volume tiers.
    pub business: TemporalPlan,
}

/// The whole table.
#[derive(Debug, Clone, Deserialize)]
pub struct Prices {
    /// The AWS region of every AWS price.
    pub region: String,
    /// The day the prices were read.
    pub read_on: String,
    /// Lambda.
    pub lambda: Lambda,
    /// Step Functions.
    pub step_functions: StepFunctions,
    /// Fargate.
    pub fargate: Fargate,
    /// Temporal Cloud.
    pub temporal_cloud: TemporalCloud,
}

impl Prices {
    /// Every section's name and provenance, for the notes.
    pub fn provenances(&self) -> [(&'static str, &Provenance); 4] {
        [
            ("Lambda", &self.lambda.provenance),
            ("Step Functions", &self.step_functions.provenance),
            ("Fargate", &self.fargate.provenance),
            ("Temporal Cloud", &self.temporal_cloud.provenance),
        ]
    }

    /// The compiled-in table, decoded once.
    pub fn builtin() -> anyhow::Result<&'static Prices> {
        static PRICES: OnceLock<Result<Prices, String>> = OnceLock::new();
        PRICES
            .get_or_init(|| {
                let mut decoder = serde_json::Deserializer::from_str(PRICES_JSON);
                serde_path_to_error::deserialize(&mut decoder).map_err(|e| {
                    format!(
                        "at `{}`: {}; fix sfn-gen/src/cost/prices.json and rebuild",
                        e.path(),
                        e.inner()
                    )
                })
            })
            .as_ref()
            .map_err(|e| anyhow::anyhow!("the built-in price table is invalid {e}"))
            .context("cannot price the patterns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_table_decodes_and_names_us_east_1() {
        let prices = Prices::builtin().unwrap();
        assert_eq!(prices.region, "us-east-1");
        assert_eq!(prices.step_functions.standard_transition_usd, 0.000025);
    }

    #[test]
    fn tiered_cost_charges_each_slice_at_its_rate() {
        let tiers = [
            Tier {
                up_to: Some(10.0),
                usd: 2.0,
            },
            Tier {
                up_to: Some(30.0),
                usd: 1.0,
            },
            Tier {
                up_to: None,
                usd: 0.5,
            },
        ];
        assert_eq!(tiered_cost(&tiers, 0.0), 0.0);
        // 4 units, all in the first tier: 4 x 2 = 8.
        assert_eq!(tiered_cost(&tiers, 4.0), 8.0);
        // 25 units: 10 x 2 + 15 x 1 = 35.
        assert_eq!(tiered_cost(&tiers, 25.0), 35.0);
        // 50 units: 10 x 2 + 20 x 1 + 20 x 0.5 = 50.
        assert_eq!(tiered_cost(&tiers, 50.0), 50.0);
    }
}
