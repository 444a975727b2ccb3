//! Stable error names.
//!
//! A tool Lambda that fails reports one of these as its `errorType`; the generated state
//! machine retries or catches on them by name. They are part of the public contract: never
//! rename one, and never let a Rust type name leak into an `errorType`.

use serde::{Deserialize, Serialize};

/// Every error name the project's Lambdas can raise.
///
/// | name | raised when | the generated state machine |
/// | --- | --- | --- |
/// | `ToolError.InvalidInput` | the input does not match the tool's `inputSchema`, or is semantically wrong | catches it: the model sees the error and can fix its call |
/// | `ToolError.Retryable` | a transient failure (connection reset, HTTP 429/5xx, throttling) | retries with backoff, then catches |
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub enum ErrorName {
    /// `ToolError.InvalidInput`
    #[serde(rename = "ToolError.InvalidInput")]
    InvalidInput,
    /// `ToolError.Retryable`
    #[serde(rename = "ToolError.Retryable")]
    Retryable,
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
}

impl ErrorName {
    /// Every name, in documentation order.
    pub const ALL: [ErrorName; 19] = [
        Self::InvalidInput,
        Self::Retryable,
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
    ];

    /// The wire name, as it appears in `errorType` and in ASL `ErrorEquals`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::InvalidInput => "ToolError.InvalidInput",
            Self::Retryable => "ToolError.Retryable",
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
}
