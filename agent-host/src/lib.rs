//! The agent loop outside Step Functions (ARCHITECTURE.md, "Where the loop lives").
//!
//! The agent step is a library function; this crate hosts it. Stages, each testable alone:
//! [`policy`] (what the generated machine says about the agent, each tool and the loop),
//! [`retry`] (a Task's `Retry` list applied as Step Functions applies it), [`transport`]
//! (one Invoke: the Lambda Invoke API, or local processes), [`driver`] (the machine's loop,
//! state for state, with [`events`] for live display) and [`service`] (P4: the loop as a
//! long-running HTTP service). `sfn-gen loop` (P1) is the driver on the command line.
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
