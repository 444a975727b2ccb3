//! A tool call, the payload a tool Lambda receives, and what it returns.
//!
//! The state machine builds a [`ToolInvocation`] from the agent's [`ToolCall`] and the
//! Context Object (`$$.Execution`), never from model output, so a model cannot choose which
//! execution's data a tool may read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One call the agent asked for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    /// Identifier unique within the execution, chosen by the agent (for example `t3-1`).
    pub call_id: String,
    /// The tool's manifest name.
    pub tool: String,
    /// The arguments, to be validated against the tool's `inputSchema`.
    pub input: Value,
}

/// The execution a call belongs to, taken from the Context Object by the state machine.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ExecutionRef {
    /// `$$.Execution.Id`: the execution ARN.
    pub id: String,
    /// `$$.Execution.Name`: the name the execution was started with (the last part of
    /// its ARN).
    pub name: String,
}

impl ExecutionRef {
    /// The store folder of this execution, relative to the store prefix:
    /// `<state machine name>/<execution name>` taken from the ARN
    /// (`arn:aws:states:<region>:<account>:execution:<sm>:<name>`), or
    /// `<sm>/<name>/<id>` for the Express form (`...:express:<sm>:<name>:<id>`), whose
    /// names are not unique. Falls back to `name` when the id is not an execution ARN.
    ///
    /// Standard names can be reused 90 days after an execution closes; the deployed offload
    /// bucket expires objects after 14 days (`cdk/`), so a reused name finds an empty folder.
    ///
    /// Only characters safe in S3 keys and file names survive; others become `_`.
    pub fn store_segment(&self) -> String {
        let parts: Vec<&str> = self.id.split(':').collect();
        let segment = match parts
            .iter()
            .position(|p| *p == "execution" || *p == "express")
        {
            // Standard: `execution:<machine>:<name>`. Express: `express:<machine>:<name>:<id>`;
            // same-named Express executions run concurrently, so the id is part of the folder.
            Some(i) if parts.len() >= i + 3 => parts[i + 1..].join("/"),
            _ => self.name.clone(),
        };
        segment
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/') {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .replace("..", "__")
    }
}

/// The event a tool Lambda receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolInvocation {
    /// The call to perform.
    pub call: ToolCall,
    /// The execution the call belongs to (from the Context Object).
    pub execution: ExecutionRef,
}

/// What a tool Lambda returns on success. Failures are Lambda errors whose `errorType` is
/// one of [`crate::ErrorName`], so that the state machine can Retry and Catch on them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ToolResult {
    /// The call's identifier, echoed.
    pub call_id: String,
    /// The tool's name, echoed.
    pub tool: String,
    /// The output: a value matching the tool's `outputSchema`, or an
    /// [`crate::OffloadPointer`] when its serialized size passed the offload threshold.
    pub output: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_segment_comes_from_the_execution_arn() {
        let standard = ExecutionRef {
            id: "arn:aws:states:us-east-1:111111111111:execution:Agent:run-1".into(),
            name: "run-1".into(),
        };
        assert_eq!(standard.store_segment(), "Agent/run-1");
        let express = ExecutionRef {
            id: "arn:aws:states:us-east-1:111111111111:express:Agent:run-2:abc".into(),
            name: "run-2".into(),
        };
        assert_eq!(express.store_segment(), "Agent/run-2/abc");
        let odd = ExecutionRef {
            id: "not-an-arn".into(),
            name: "../../etc".into(),
        };
        assert_eq!(odd.store_segment(), "__/__/etc");
    }

    #[test]
    fn same_named_express_executions_get_separate_folders() {
        let run = |id: &str| ExecutionRef {
            id: format!("arn:aws:states:us-east-1:111111111111:express:Agent:same:{id}"),
            name: "same".into(),
        };
        let (a, b) = (run("0f1e"), run("9a8b"));
        assert_ne!(a.store_segment(), b.store_segment());
        // Neither folder lies inside the other.
        assert!(!format!("{}/", a.store_segment()).starts_with(&format!("{}/", b.store_segment())));
    }
}
