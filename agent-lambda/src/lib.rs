//! The agent step: one turn of the loop (ARCHITECTURE.md, step 2).
//!
//! Stages, each testable alone: [`transcript`] (the conversation, kept in the offload
//! store as an append-only chain of segments), [`tools`] (the tool set and argument
//! checks), [`view`] (what a model sees of large results), [`context`] (what a model is
//! sent of a long run), [`builtin`] (`transcript_read`, answered by the agent itself),
//! [`reasoner`] (plan, Bedrock Converse, OpenAI-compatible, and which one a run uses), and
//! [`step`] (the whole step, in phases: open, absorb, guards, triage, route). The binary
//! only wires [`step::Agent`] to `lambda_runtime`.

pub mod builtin;
pub mod context;
pub mod reasoner;
pub mod step;
pub mod tools;
pub mod transcript;
pub mod view;

pub use step::{Agent, StepError};
