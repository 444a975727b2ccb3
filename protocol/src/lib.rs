//! The contract every part of the agent speaks.
//!
//! The agent Lambda, the tool Lambdas, the generator (`sfn-gen`) and the local engine
//! exchange only the types defined here, serialized as JSON. Each type derives
//! [`schemars::JsonSchema`], and [`schemas::all`] publishes those schemas (committed under
//! `protocol/schemas/`) so that tools written in other languages can join.
//!
//! | module | what it defines |
//! | --- | --- |
//! | [`manifest`] | the tool manifest (`tool.json`): an MCP tool definition plus `x-sfn` |
//! | [`mcp`] | `x-sfn.mcp`: the MCP server an imported tool is proxied to |
//! | [`call`] | a tool call, the payload a tool Lambda receives, and its result |
//! | [`agent`] | the agent step's input and output (the state the loop carries) |
//! | [`errors`] | the stable error names (`errorType`) shared by tools and generator |
//! | [`route`] | the routes the agent returns and the generated Choice reads |
//! | [`discover`](mod@discover) | finding the tool crates (`tool-lambdas/*/tool.json`) |
//! | [`pointer`](mod@pointer) | the offload pointer (claim check) for data kept out of the state |

pub mod agent;
pub mod call;
pub mod discover;
pub mod errors;
pub mod manifest;
pub mod mcp;
pub mod pointer;
pub mod repeat;
pub mod route;
pub mod schemas;

pub use agent::{
    AgentStatus, AgentStepInput, AgentStepOutput, CaughtError, ContinueInput, LoopConfig,
    LoopState, ToolOutcome, ToolResults,
};
pub use call::{ExecutionRef, ToolCall, ToolInvocation, ToolResult};
pub use discover::{ToolCrate, discover};
pub use errors::ErrorName;
pub use manifest::{Annotations, JitterStrategy, RetryPolicy, SfnConfig, ToolManifest};
pub use pointer::OffloadPointer;
pub use route::Route;
