//! `mcp-proxy`: one tool Lambda binary that serves any tool imported from an MCP server.
//!
//! `sfn-gen import-mcp NAME ...` writes one manifest per server tool, each with an
//! `x-sfn.mcp` block ([`protocol::mcp::McpBinding`]) naming the server, its transport and
//! the tool's name there. Every imported tool is its own Lambda function, all running this
//! binary; the function's environment says which manifest it serves ([`config`]).
//!
//! Per invocation ([`handle`]): the input is validated against the server's **original**
//! input schema (the manifest's `inputSchema` is the one normalized for Bedrock), then
//! `tools/call` goes to the server over the connection kept by the warm process
//! ([`connection`]: a stdio child spawned once, or a Streamable HTTP session), and the
//! result is mapped ([`outcome`]): `isError` → `ToolError.Fatal` (caught: the model sees
//! it), transport failures, HTTP 429 and 5xx → `ToolError.Retryable`, a deadline →
//! `ToolError.Timeout`; text and `structuredContent` are the output; images, audio and
//! embedded resources are offloaded, and so is any output over the offload threshold.
//!
//! On AWS, Streamable HTTP servers are the default: a stdio server needs its program
//! inside the function's package (a Lambda layer or a container image carrying, say,
//! Python and the server), and is then spawned once per execution environment.

pub mod config;
pub mod connection;
pub mod handler;
pub mod outcome;
pub mod secret;

pub use config::ProxyConfig;
pub use handler::{Proxy, handle};
