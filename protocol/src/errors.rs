//! Stable error names.
//!
//! A tool or agent Lambda that fails reports one of these as its `errorType`; the generated
//! state machine retries or catches on them by name, and ends a run with one of them. They
//! are part of the public contract: never rename one, and never let a Rust type name leak
//! into an `errorType`. Every crate takes a name from [`ErrorName`] (`as_str`), never from a
//! string literal; the table below is the documentation, and a test keeps it, the serde
//! names and [`ErrorName::ALL`] in agreement.

use serde::{Deserialize, Serialize};

/// Every error name the project raises: its Lambdas, its state machine and its local engine.
///
/// | name | raised when | the generated state machine |
/// | --- | --- | --- |
/// | `ToolError.InvalidInput` | the input does not match the tool's `inputSchema`, or is semantically wrong | catches it: the model sees the error and can fix its call |
/// | `ToolError.Retryable` | a transient failure (connection reset, HTTP 429/5xx, throttling) | retries with backoff, then catches |
/// | `ToolError.Unavailable` | the call never reached the tool's backend (connection refused, throttled before the call), so it did not run | retries with backoff for every tool, then catches |
/// | `ToolError.Timeout` | the tool's own deadline passed | retries once (if declared), then catches |
/// | `ToolError.Fatal` | anything else the tool cannot recover from | catches it |
/// | `ToolError.LimitExceeded` | the call would pass a resource bound (nodes visited, result size, memory); the message names the bound | catches it: the model can narrow its call |
/// | `Offload.SizeMismatch` | an offloaded object's size differs from its pointer | catches it |
/// | `Offload.HashMismatch` | an offloaded object's SHA-256 differs from its pointer | catches it |
/// | `Offload.ForeignPointer` | a pointer names an object outside the current execution's prefix | catches it |
/// | `Offload.NotFound` | a pointer names an object that does not exist | catches it |
/// | `Offload.StoreError` | the store failed (I/O, S3 error) | retries, then catches |
/// | `Agent.CircuitOpen` | one tool failed N times in a row | ends the run (Fail) |
/// | `Agent.TurnLimit` | the turn limit was reached | ends the run (Fail) |
/// | `Agent.InvalidCalls` | the model made too many invalid calls in a row | ends the run (Fail) |
/// | `Agent.ReasonerThrottled` | the model provider throttled the request | retries with backoff |
/// | `Agent.ReasonerError` | the model provider failed or answered malformed data | retries, then ends the run |
/// | `Agent.Refused` | the model stopped for a guardrail or content filter | ends the run (Fail) |
/// | `Agent.UnknownTool` | the state machine was asked to route a call to a tool it does not have | fed back to the model |
/// | `Agent.InvalidStart` | the start input has no `goal` (or a malformed plan) | ends the run (Fail) |
/// | `Agent.PlanFailed` | a step of a plan failed after the state machine's retries | ends the run (Fail) |
/// | `Agent.InvalidRoute` | the agent returned a route the machine has no branch for (the machine is older than the tool set: regenerate it) | raised by the machine's own Fail state |
/// | `Local.TransitionLimitExceeded` | the local engine stopped a run at its transition limit (`sfn-gen run --max-transitions`); AWS has no such error | ends the run (status `ABORTED`) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ErrorName {
    /// `ToolError.InvalidInput`
    #[serde(rename = "ToolError.InvalidInput")]
    InvalidInput,
    /// `ToolError.Retryable`
    #[serde(rename = "ToolError.Retryable")]
    Retryable,
    /// `ToolError.Unavailable`
    #[serde(rename = "ToolError.Unavailable")]
    Unavailable,
    /// `ToolError.Timeout`
    #[serde(rename = "ToolError.Timeout")]
    Timeout,
    /// `ToolError.Fatal`
    #[serde(rename = "ToolError.Fatal")]
    Fatal,
    /// `ToolError.LimitExceeded`
    #[serde(rename = "ToolError.LimitExceeded")]
    LimitExceeded,
    /// `Offload.SizeMismatch`
    #[serde(rename = "Offload.SizeMismatch")]
    OffloadSizeMismatch,
    /// `Offload.HashMismatch`
    #[serde(rename = "Offload.HashMismatch")]
    OffloadHashMismatch,
    /// `Offload.ForeignPointer`
    #[serde(rename = "Offload.ForeignPointer")]
    OffloadForeignPointer,
    /// `Offload.NotFound`
    #[serde(rename = "Offload.NotFound")]
    OffloadNotFound,
    /// `Offload.StoreError`
    #[serde(rename = "Offload.StoreError")]
    OffloadStoreError,
    /// `Agent.CircuitOpen`
    #[serde(rename = "Agent.CircuitOpen")]
    CircuitOpen,
    /// `Agent.TurnLimit`
    #[serde(rename = "Agent.TurnLimit")]
    TurnLimit,
    /// `Agent.InvalidCalls`
    #[serde(rename = "Agent.InvalidCalls")]
    InvalidCalls,
    /// `Agent.ReasonerThrottled`
    #[serde(rename = "Agent.ReasonerThrottled")]
    ReasonerThrottled,
    /// `Agent.ReasonerError`
    #[serde(rename = "Agent.ReasonerError")]
    ReasonerError,
    /// `Agent.Refused`
    #[serde(rename = "Agent.Refused")]
    Refused,
    /// `Agent.UnknownTool`
    #[serde(rename = "Agent.UnknownTool")]
    UnknownTool,
    /// `Agent.InvalidStart`
    #[serde(rename = "Agent.InvalidStart")]
    InvalidStart,
    /// `Agent.PlanFailed`
    #[serde(rename = "Agent.PlanFailed")]
    PlanFailed,
    /// `Agent.InvalidRoute`
    #[serde(rename = "Agent.InvalidRoute")]
    InvalidRoute,
    /// `Local.TransitionLimitExceeded`
    #[serde(rename = "Local.TransitionLimitExceeded")]
    TransitionLimitExceeded,
}

impl ErrorName {
    /// Every name, in documentation order.
    pub const ALL: [ErrorName; 22] = [
        Self::InvalidInput,
        Self::Retryable,
        Self::Unavailable,
        Self::Timeout,
        Self::Fatal,
        Self::LimitExceeded,
        Self::OffloadSizeMismatch,
        Self::OffloadHashMismatch,
        Self::OffloadForeignPointer,
        Self::OffloadNotFound,
        Self::OffloadStoreError,
        Self::CircuitOpen,
        Self::TurnLimit,
        Self::InvalidCalls,
        Self::ReasonerThrottled,
        Self::ReasonerError,
        Self::Refused,
        Self::UnknownTool,
        Self::InvalidStart,
        Self::PlanFailed,
        Self::InvalidRoute,
        Self::TransitionLimitExceeded,
    ];

    /// The wire name, as it appears in `errorType` and in ASL `ErrorEquals`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "ToolError.InvalidInput",
            Self::Retryable => "ToolError.Retryable",
            Self::Unavailable => "ToolError.Unavailable",
            Self::Timeout => "ToolError.Timeout",
            Self::Fatal => "ToolError.Fatal",
            Self::LimitExceeded => "ToolError.LimitExceeded",
            Self::OffloadSizeMismatch => "Offload.SizeMismatch",
            Self::OffloadHashMismatch => "Offload.HashMismatch",
            Self::OffloadForeignPointer => "Offload.ForeignPointer",
            Self::OffloadNotFound => "Offload.NotFound",
            Self::OffloadStoreError => "Offload.StoreError",
            Self::CircuitOpen => "Agent.CircuitOpen",
            Self::TurnLimit => "Agent.TurnLimit",
            Self::InvalidCalls => "Agent.InvalidCalls",
            Self::ReasonerThrottled => "Agent.ReasonerThrottled",
            Self::ReasonerError => "Agent.ReasonerError",
            Self::Refused => "Agent.Refused",
            Self::UnknownTool => "Agent.UnknownTool",
            Self::InvalidStart => "Agent.InvalidStart",
            Self::PlanFailed => "Agent.PlanFailed",
            Self::InvalidRoute => "Agent.InvalidRoute",
            Self::TransitionLimitExceeded => "Local.TransitionLimitExceeded",
        }
    }

    /// Parses a wire name; `None` for a name this project does not define.
    pub fn from_wire(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|n| n.as_str() == name)
    }
}

impl std::fmt::Display for ErrorName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// AWS's transient Lambda service errors, which every tool Task retries
/// (Step Functions developer guide, "Handling errors in Step Functions workflows":
/// best practice is to retry these for every Lambda task).
pub const LAMBDA_TRANSIENT_ERRORS: [&str; 5] = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
];

/// The Lambda errors that prove the function was not invoked, so even a tool that must not
/// run twice may be retried on them: the Invoke API throttled the request
/// (`TooManyRequestsException`, Lambda API reference, "Invoke": "The request throughput
/// limit was exceeded"), before any code ran. The other transient errors
/// ([`LAMBDA_TRANSIENT_ERRORS`]) can come after the function ran.
pub const LAMBDA_NOT_INVOKED_ERRORS: [&str; 1] = ["Lambda.TooManyRequestsException"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip_through_serde_and_as_str() {
        for name in ErrorName::ALL {
            let json = serde_json::to_value(name).unwrap();
            assert_eq!(json, serde_json::Value::String(name.as_str().to_owned()));
            assert_eq!(ErrorName::from_wire(name.as_str()), Some(name));
        }
        assert_eq!(ErrorName::from_wire("InvalidInput"), None);
    }

    /// The backticked first cell of every row of the table in `ErrorName`'s doc comment.
    fn documented_names(source: &str) -> Vec<&str> {
        source
            .lines()
            .filter_map(|line| line.trim().strip_prefix("/// | `"))
            .filter_map(|row| row.split_once('`').map(|(name, _)| name))
            .collect()
    }

    /// Every `#[serde(rename = "...")]` of the enum.
    fn serde_names(source: &str) -> Vec<&str> {
        source
            .lines()
            .filter_map(|line| line.trim().strip_prefix("#[serde(rename = \""))
            .filter_map(|rest| rest.split_once('"').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn the_doc_table_the_serde_names_and_all_list_the_same_names_in_order() {
        let source = include_str!("errors.rs");
        let all: Vec<&str> = ErrorName::ALL.iter().map(|n| n.as_str()).collect();
        assert_eq!(
            documented_names(source),
            all,
            "the doc table and ErrorName::ALL differ"
        );
        assert_eq!(
            serde_names(source),
            all,
            "the serde names and ErrorName::ALL differ"
        );
        let unique: std::collections::BTreeSet<&str> = all.iter().copied().collect();
        assert_eq!(unique.len(), all.len(), "a name is listed twice");
    }

    #[test]
    fn every_name_has_a_documented_prefix() {
        // ARCHITECTURE.md, "Error names": tools raise ToolError.*, the offload store
        // Offload.*, the agent and its machine Agent.*, the local engine Local.*.
        for name in ErrorName::ALL {
            let (prefix, rest) = name.as_str().split_once('.').unwrap();
            assert!(
                ["ToolError", "Offload", "Agent", "Local"].contains(&prefix),
                "{name}"
            );
            assert!(
                rest.chars().next().is_some_and(|c| c.is_ascii_uppercase()),
                "{name}"
            );
        }
    }
}
