//! The agent step Lambda: one step of the agent loop.

fn main() {}
