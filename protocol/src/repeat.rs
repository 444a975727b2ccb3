//! Whether a tool may run twice, and so which of its failures its Task retries.
//!
//! A retry after a failure that came *after* the tool ran runs it a second time. That is
//! harmless for a tool that only reads (`readOnlyHint`) or whose repeat has no further effect
//! (`idempotentHint`), and wrong for one that sends an e-mail or moves money. MCP's default
//! for a tool without annotations is the unsafe one (MCP specification, "Tools",
//! `ToolAnnotations`: `readOnlyHint` defaults to false, `destructiveHint` to true,
//! `idempotentHint` to false), so a tool is repeatable only when it says so.
//!
//! - **Repeatable**: its Task retries AWS's transient Lambda errors, the manifest's own
//!   retryable errors (`ToolError.Retryable` and `ToolError.Timeout` unless it lists others)
//!   and `ToolError.Unavailable`; a repeated identical call is answered from the execution's
//!   cache.
//! - **Runs once**: its Task retries only failures that prove the call did not run:
//!   Lambda's throttling of the Invoke request ([`LAMBDA_NOT_INVOKED_ERRORS`]) and
//!   `ToolError.Unavailable` (connection refused, throttled before the call); never a
//!   timeout, and no cache. Errors of the manifest's list that can follow a call that ran
//!   are left out, and named, so `sfn-gen generate` can say so.
//!
//! `x-sfn.repeatable` overrides the annotations either way.

use crate::errors::{ErrorName, LAMBDA_NOT_INVOKED_ERRORS, LAMBDA_TRANSIENT_ERRORS};
use crate::manifest::ToolManifest;

/// Why a tool may, or may not, run twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatSafety {
    /// `x-sfn.repeatable` says so.
    Declared(bool),
    /// `readOnlyHint: true`.
    ReadOnly,
    /// `idempotentHint: true`.
    Idempotent,
    /// Neither hint is true: MCP's default, a tool that may have side effects.
    MayHaveEffects,
}

impl RepeatSafety {
    /// Whether a call may run twice.
    pub fn repeatable(self) -> bool {
        match self {
            Self::Declared(repeatable) => repeatable,
            Self::ReadOnly | Self::Idempotent => true,
            Self::MayHaveEffects => false,
        }
    }

    /// Where the decision comes from, for a summary line.
    pub fn reason(self) -> &'static str {
        match self {
            Self::Declared(_) => "x-sfn.repeatable",
            Self::ReadOnly => "readOnlyHint",
            Self::Idempotent => "idempotentHint",
            Self::MayHaveEffects => "neither readOnlyHint nor idempotentHint is true",
        }
    }
}

/// The errors a tool's Task retries, in two groups with their own back-off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetriedErrors {
    /// Lambda service errors (retried with the generator's fixed back-off).
    pub service: Vec<String>,
    /// The tool's own errors (retried with the manifest's back-off); empty when the
    /// manifest sets `maxAttempts: 0`.
    pub own: Vec<String>,
    /// Errors of the manifest's list left out because they can follow a call that ran.
    pub dropped: Vec<String>,
}

/// Errors that can be raised after the tool ran (a deadline, a broken connection, any
/// failure): a tool that runs once is not retried on them.
fn may_follow_a_run(error: &str) -> bool {
    matches!(
        error,
        "ToolError.Retryable"
            | "ToolError.Timeout"
            | "States.ALL"
            | "States.Timeout"
            | "States.TaskFailed"
            | "Sandbox.Timedout"
    ) || (LAMBDA_TRANSIENT_ERRORS.contains(&error) && !LAMBDA_NOT_INVOKED_ERRORS.contains(&error))
}

impl ToolManifest {
    /// Whether the tool may run twice, and why.
    pub fn repeat_safety(&self) -> RepeatSafety {
        if let Some(declared) = self.x_sfn.repeatable {
            RepeatSafety::Declared(declared)
        } else if self.annotations.read_only_hint == Some(true) {
            RepeatSafety::ReadOnly
        } else if self.annotations.idempotent_hint == Some(true) {
            RepeatSafety::Idempotent
        } else {
            RepeatSafety::MayHaveEffects
        }
    }

    /// Whether a call may run twice (retried on any transient failure, cached).
    pub fn repeatable(&self) -> bool {
        self.repeat_safety().repeatable()
    }

    /// The errors the tool's Task retries (see the module documentation).
    pub fn retried_errors(&self) -> RetriedErrors {
        let repeatable = self.repeatable();
        let service: Vec<String> = if repeatable {
            LAMBDA_TRANSIENT_ERRORS
                .iter()
                .map(|e| e.to_string())
                .collect()
        } else {
            LAMBDA_NOT_INVOKED_ERRORS
                .iter()
                .map(|e| e.to_string())
                .collect()
        };
        let mut own = Vec::new();
        let mut dropped = Vec::new();
        if self.x_sfn.retry.max_attempts > 0 {
            for error in &self.x_sfn.retry.errors {
                if !repeatable && may_follow_a_run(error) {
                    dropped.push(error.clone());
                } else if !own.contains(error) && !service.contains(error) {
                    own.push(error.clone());
                }
            }
            let unavailable = ErrorName::Unavailable.as_str().to_owned();
            if !own.contains(&unavailable) {
                own.push(unavailable);
            }
        }
        RetriedErrors {
            service,
            own,
            dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn tool(annotations: serde_json::Value, x_sfn: serde_json::Value) -> ToolManifest {
        serde_json::from_value(json!({
            "name": "t", "description": "the t tool",
            "inputSchema": {"type": "object"},
            "annotations": annotations, "x-sfn": x_sfn
        }))
        .expect("a valid manifest")
    }

    #[test]
    fn a_tool_without_annotations_runs_once_as_mcp_defaults_it_to_destructive() {
        let t = tool(json!({}), json!({}));
        assert_eq!(t.repeat_safety(), RepeatSafety::MayHaveEffects);
        let retried = t.retried_errors();
        assert_eq!(retried.service, ["Lambda.TooManyRequestsException"]);
        assert_eq!(retried.own, ["ToolError.Unavailable"]);
        assert_eq!(
            retried.dropped,
            ["ToolError.Retryable", "ToolError.Timeout"]
        );
    }

    #[test]
    fn read_only_or_idempotent_tools_retry_every_transient_failure() {
        for hints in [
            json!({"readOnlyHint": true}),
            json!({"idempotentHint": true}),
        ] {
            let t = tool(hints, json!({}));
            assert!(t.repeatable());
            let retried = t.retried_errors();
            assert_eq!(retried.service, LAMBDA_TRANSIENT_ERRORS);
            assert_eq!(
                retried.own,
                [
                    "ToolError.Retryable",
                    "ToolError.Timeout",
                    "ToolError.Unavailable"
                ]
            );
            assert!(retried.dropped.is_empty());
        }
        // destructiveHint: false alone does not make a tool repeatable: a second call of a
        // non-destructive tool may still add something (MCP: "additive updates").
        assert!(!tool(json!({"destructiveHint": false}), json!({})).repeatable());
    }

    #[test]
    fn the_manifest_overrides_the_annotations_both_ways() {
        let forced_once = tool(json!({"readOnlyHint": true}), json!({"repeatable": false}));
        assert_eq!(forced_once.repeat_safety(), RepeatSafety::Declared(false));
        assert_eq!(
            forced_once.retried_errors().service,
            ["Lambda.TooManyRequestsException"]
        );
        let forced_repeat = tool(json!({}), json!({"repeatable": true}));
        assert!(forced_repeat.repeatable());
        assert!(forced_repeat.retried_errors().dropped.is_empty());
    }

    #[test]
    fn a_run_once_tool_keeps_its_own_errors_that_prove_nothing_ran() {
        let t = tool(
            json!({}),
            json!({"retry": {"errors": ["Quota.NotReserved", "States.ALL", "Lambda.ServiceException"]}}),
        );
        let retried = t.retried_errors();
        assert_eq!(retried.own, ["Quota.NotReserved", "ToolError.Unavailable"]);
        assert_eq!(retried.dropped, ["States.ALL", "Lambda.ServiceException"]);
    }

    #[test]
    fn max_attempts_zero_retries_no_error_of_the_tool() {
        let t = tool(
            json!({"readOnlyHint": true}),
            json!({"retry": {"maxAttempts": 0}}),
        );
        assert!(t.retried_errors().own.is_empty());
    }
}
