//! The agent loop outside Step Functions (ARCHITECTURE.md, "Where the loop lives").
//!
//! The agent step is a library function; this crate hosts it. Stages, each testable alone:
//! [`policy`] (what the generated machine says about the agent, each tool and the loop),
//! [`retry`] (a Task's `Retry` list applied as Step Functions applies it), [`transport`]
//! (one Invoke: the Lambda Invoke API, or local processes), [`driver`] (the machine's loop,
//! state for state, with [`events`] for live display) and [`service`] (P4: the loop as a
//! long-running HTTP service). `sfn-gen loop` (P1) is the driver on the command line.
//!
//! Embedding the loop in a chat backend: build a [`Driver`] over a transport and the
//! generated machine's policy, then run a start input, watching its [`Event`]s (send them
//! to the browser over SSE or a WebSocket, as [`service`] does):
//!
//! ```no_run
//! # #![recursion_limit = "256"]
//! # async fn example() -> anyhow::Result<()> {
//! use std::sync::Arc;
//! use agent_host::{Driver, Event, Functions, LambdaApi, MachinePolicy, RunStatus};
//!
//! let policy = MachinePolicy::load("statemachines/agent.asl.json".as_ref())?;
//! // AWS from the environment; `LambdaApi::local("http://127.0.0.1:8083")` for `sfn-gen serve`.
//! let lambda = Arc::new(LambdaApi::from_env(None).await);
//! let driver = Driver::new(lambda, policy, Functions::default());
//! let events: agent_host::EventSink = Arc::new(|event: &Event| {
//!     println!("{}", serde_json::to_string(event).unwrap());
//! });
//! let input = serde_json::json!({"goal": "What is 2 + 3?"});
//! let outcome = driver.run(input, None, events).await;
//! if outcome.status == RunStatus::Succeeded {
//!     println!("answer: {}", outcome.answer.unwrap());
//! }
//! # Ok(()) }
//! ```
// The run's future holds the agent step's (over the reasoners' SDK clients): its layout
// is computed more than 128 queries deep, as in the agent Lambda.
#![recursion_limit = "256"]

pub mod driver;
pub mod events;
pub mod policy;
pub mod retry;
pub mod service;
pub mod transport;

pub use driver::{AgentStep, Checkpoint, Driver, Functions, RunOutcome, RunStatus};
pub use events::{Event, EventSink};
pub use policy::MachinePolicy;
pub use transport::{Invoke, LambdaApi, LocalProcesses};

/// Parses `TOOL=FUNCTION` pairs (`--function calculator=arn:aws:lambda:...`) into a
/// tool-to-function map; `agent=...` names the agent's function.
pub fn parse_functions(flags: &[String]) -> Result<Functions, String> {
    let mut functions = Functions::default();
    for flag in flags {
        match flag.split_once('=') {
            Some(("agent", function)) if !function.is_empty() => {
                functions.agent = function.to_owned();
            }
            Some((tool, function)) if !tool.is_empty() && !function.is_empty() => {
                functions.tools.insert(tool.to_owned(), function.to_owned());
            }
            _ => {
                return Err(format!(
                    "`--function {flag}` is not TOOL=FUNCTION; for example `--function calculator=arn:aws:lambda:us-east-1:123456789012:function:calculator` (or `agent=...` for the agent)"
                ));
            }
        }
    }
    Ok(functions)
}
