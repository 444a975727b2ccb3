//! End-to-end tests of the `sfn-gen` binary, one module per area (one test binary, so the
//! workspace links it once).

mod cli;
mod cost_compare;
mod faults;
mod generated_loop;
mod hosts;
mod manifests;
mod real_lambdas;
mod report;
mod scale;
mod support;
