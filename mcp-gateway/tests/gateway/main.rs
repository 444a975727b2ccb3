//! The gateway end to end: real MCP clients (rmcp's, the official Python SDK's, the MCP
//! Inspector CLI) against the gateway on loopback, in front of `sfn-gen serve`'s server
//! with the workspace's real agent and tool binaries.

mod catalog;
mod guard;
mod inspector;
mod python;
mod support;
mod tasks;
