//! The tool kit: everything a tool Lambda needs besides its own logic.
//!
//! A tool implements [`Tool`] with typed input and output (serde + schemars), and its
//! `main` is one call to [`run`]:
//!
//! ```no_run
//! use schemars::JsonSchema;
//! use serde::{Deserialize, Serialize};
//! use toolkit::{Tool, ToolContext, ToolError};
//!
//! /// Input of the `shout` tool.
//! #[derive(Deserialize, JsonSchema)]
//! #[serde(deny_unknown_fields)]
//! struct Input {
//!     /// The text to shout.
//!     text: String,
//! }
//!
//! /// Output of the `shout` tool.
//! #[derive(Serialize, JsonSchema)]
//! struct Output {
//!     /// The text, upper-cased.
//!     text: String,
//! }
//!
//! struct Shout;
//!
//! impl Tool for Shout {
//!     type Input = Input;
//!     type Output = Output;
//!     const NAME: &'static str = "shout";
//!     const DESCRIPTION: &'static str = "Upper-cases a text.";
//!     async fn call(&self, input: Input, _ctx: &ToolContext) -> Result<Output, ToolError> {
//!         Ok(Output { text: input.text.to_uppercase() })
//!     }
//! }
//!
//! #[tokio::main]
//! async fn main() -> Result<(), lambda_runtime::Error> {
//!     toolkit::run(Shout).await
//! }
//! ```
//!
//! [`run`] prints the tool's `tool.json` and exits when the binary is run with
//! `--manifest`; otherwise it starts `lambda_runtime` with Lambda's log settings
//! (`AWS_LAMBDA_LOG_LEVEL`, `AWS_LAMBDA_LOG_FORMAT`) and, for each
//! [`protocol::ToolInvocation`]: resolves offload pointers in the input (verified against
//! the invocation's execution), validates the input against the tool's schema **before**
//! the tool runs (`ToolError.InvalidInput` naming the JSON pointer of each offending
//! field), runs the tool, offloads a large output, and returns a [`protocol::ToolResult`].
//! Every error leaves with a stable `errorType` from [`protocol::ErrorName`], never a Rust
//! type name: an event `lambda_runtime` cannot parse (nested deeper than
//! [`MAX_EVENT_DEPTH`], or not JSON) is `ToolError.InvalidInput`, and a panic is
//! `ToolError.Fatal`.
//!
//! Tests call [`handle`] directly, without a runtime; [`testing`] checks a committed
//! `tool.json` against the manifest the binary prints.

mod adapter;
mod error;
mod event;
mod manifest;
pub mod testing;
mod validate;

use std::future::Future;

use protocol::ExecutionRef;
use protocol::manifest::{Annotations, SfnConfig};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub use adapter::{Runner, handle, resolve_pointers, run};
pub use error::ToolError;
pub use event::{Event, MAX_EVENT_DEPTH};
pub use manifest::{manifest, manifest_json};
pub use validate::InputValidator;

/// A tool: typed input and output, a name, a description and deployment settings.
pub trait Tool: Send + Sync + 'static {
    /// The arguments (use `#[serde(deny_unknown_fields)]` and doc comments: they become
    /// the schema's `additionalProperties: false` and descriptions).
    type Input: DeserializeOwned + JsonSchema + Send;
    /// The result.
    type Output: Serialize + JsonSchema + Send;
    /// Unique name matching `[a-zA-Z0-9_-]{1,64}`.
    const NAME: &'static str;
    /// What the tool does, written for the model.
    const DESCRIPTION: &'static str;
    /// Human-readable title.
    const TITLE: Option<&'static str> = None;

    /// MCP behaviour hints (read-only, idempotent, ...).
    fn annotations() -> Annotations {
        Annotations::default()
    }

    /// Deployment and retry settings (`x-sfn`).
    fn config() -> SfnConfig {
        SfnConfig::default()
    }

    /// Runs the tool.
    fn call(
        &self,
        input: Self::Input,
        ctx: &ToolContext,
    ) -> impl Future<Output = Result<Self::Output, ToolError>> + Send;
}

/// What a tool may use besides its input.
#[derive(Debug, Clone)]
pub struct ToolContext {
    /// The call's identifier.
    pub call_id: String,
    /// The execution the call belongs to (from the Context Object, not from the model).
    pub execution: ExecutionRef,
    /// The offload store, bound to this execution.
    pub store: offload::ExecutionStore,
}
