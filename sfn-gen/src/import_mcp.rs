//! `sfn-gen import-mcp`'s stages, each testable alone: [`names`] (the server's tool names
//! to ours), [`schema`] (schemas normalized for Bedrock and AgentCore Gateway) and
//! [`manifest`] (one `tool.json` per server tool, routed to `mcp-proxy`).

pub mod manifest;
pub mod names;
pub mod schema;
