//! The cost model behind `sfn-gen cost`: what a run of the agent loop costs on AWS (and
//! Temporal Cloud) in each place the loop can live, from one price table.
//!
//! - [`prices`]: `prices.json` (every price, its page, region and date) and tiered pricing.
//! - [`transitions`]: Step Functions state transitions of the generated loop.
//! - [`workload`]: the workload and the container sizing rule.
//! - [`patterns`]: each pattern's monthly cost, with the formulas.
//! - [`compare`]: the comparison, the sweep, the crossovers and the rule-of-thumb check.
//! - [`notes`]: what the comparison assumes, leaves out and concludes.
//! - [`render`]: the text table and the JSON object.

pub mod compare;
pub mod notes;
pub mod patterns;
pub mod prices;
pub mod render;
pub mod transitions;
pub mod workload;
