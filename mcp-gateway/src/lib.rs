//! The MCP gateway: every tool of the agent machine, and the agent itself, to any MCP
//! client, over Streamable HTTP (stateless, JSON responses) or stdio.
//!
//! | module | what it does |
//! | --- | --- |
//! | [`catalog`] | the tools, from `statemachines/tools.json` and the generated ASL (its Retry) |
//! | [`schema`] | arguments checked against `inputSchema`, with the JSON pointer of each bad field |
//! | [`retry`] | a Task's `Retry` list applied as Step Functions applies it (`agent-host`'s, shared with the hosts) |
//! | [`invoke`] | one tool call: its Lambda through the Invoke API, timed out and retried |
//! | [`agent`] | `run_agent` / `get_agent_run` and execution status as MCP task state |
//! | [`task_id`] | task ids: the execution ARN sealed with an HMAC key, bound to the caller |
//! | [`task_key_source`] | the deployed key: from the environment or a Secrets Manager secret |
//! | [`server`] | the rmcp `ServerHandler` (`tools/*`, `tasks/get`, `tasks/cancel`) |
//! | [`http`] | the HTTP front at `/mcp`: Host/Origin checks, local serving |
//! | [`lambda`] | the Lambda side of the front: the caller from AWS auth, buffered answers |
//! | [`clients`] | AWS SDK clients for AWS or a local endpoint (`sfn-gen serve`) |
//!
//! A tool call is retried by the gateway itself with the Task's own `Retry` list, read from
//! the generated definition, rather than by a generated Express machine per tool: one
//! Lambda invoke per attempt instead of an Express execution (cheaper, ~no added latency,
//! no second definition to deploy and drift-check), and the same policy by construction.

pub mod agent;
pub mod catalog;
pub mod clients;
pub mod http;
pub mod invoke;
pub mod lambda;
pub mod schema;
pub mod server;
pub mod task_id;
pub mod task_key_source;

pub use agent_host::retry;
pub use catalog::Catalog;
pub use server::{Caller, Gateway, GatewayConfig};
pub use task_id::TaskKey;
