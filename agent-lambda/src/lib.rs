//! The agent step: one turn of the loop (ARCHITECTURE.md, step 2).
//!
//! Stages, each testable alone: [`transcript`] (the conversation, kept in the offload
//! store), [`tools`] (the tool set and argument checks), [`view`] (what a model sees of
//! large results), [`reasoner`] (plan, Bedrock Converse, OpenAI-compatible, and which one a
//! run uses), and [`step`] (the whole step, in phases: open, absorb, guards, triage,
//! route). The binary only wires [`step::Agent`] to `lambda_runtime`.

pub mod reasoner;
pub mod step;
pub mod tools;
pub mod transcript;
pub mod view;

pub use step::{Agent, StepError};
