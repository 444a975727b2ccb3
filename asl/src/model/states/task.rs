//! Task: runs the work a `Resource` names (an optimized integration such as
//! `arn:aws:states:::lambda:invoke`, an AWS SDK integration, a Lambda function or an
//! activity), with a timeout and a heartbeat.
//!
//! From the ASL spec ("Task State"): `TimeoutSeconds` and `HeartbeatSeconds` are positive
//! integers, the heartbeat smaller than the timeout; in JSONPath the `...Path` forms read
//! them from the input instead. The spec gives `TimeoutSeconds` a default of 60, which is
//! not what AWS applies, so the model keeps an absent timeout absent and leaves the
//! default to the engine.

use serde::ser::SerializeMap;

use crate::model::dynamic::Dynamic;
use crate::model::error::ModelError;
use crate::model::query_language::QueryLanguage;
use crate::model::read::Fields;
use crate::model::state::entry;
use crate::model::template::Template;

/// A Task state's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// The ARN of the work (may hold `${...}` substitution placeholders).
    pub resource: String,
    /// The template of the task's input (JSONPath).
    pub parameters: Option<Template>,
    /// The task's input (JSONata).
    pub arguments: Option<Template>,
    /// Reshapes the result before `ResultPath` (JSONPath).
    pub result_selector: Option<Template>,
    /// The longest the task may run, in seconds.
    pub timeout_seconds: Option<Dynamic<u64>>,
    /// The longest between two heartbeats, in seconds.
    pub heartbeat_seconds: Option<Dynamic<u64>>,
    /// The IAM role to assume (`RoleArn`, a template).
    pub credentials: Option<Template>,
}

impl Task {
    pub(crate) fn read(f: &mut Fields<'_>, ql: QueryLanguage) -> Result<Self, ModelError> {
        let resource = f.required_string(
            "Resource",
            "name the work, e.g. \"arn:aws:states:::lambda:invoke\"",
        )?;
        let (parameters, arguments, result_selector) = match ql {
            QueryLanguage::JsonPath => {
                (f.template("Parameters"), None, f.template("ResultSelector"))
            }
            QueryLanguage::Jsonata => (None, f.template("Arguments"), None),
        };
        let seconds = |v: &serde_json::Value| v.as_u64();
        Ok(Task {
            resource,
            parameters,
            arguments,
            result_selector,
            timeout_seconds: f.dynamic(
                "TimeoutSeconds",
                "TimeoutSecondsPath",
                ql,
                "a positive integer",
                seconds,
            )?,
            heartbeat_seconds: f.dynamic(
                "HeartbeatSeconds",
                "HeartbeatSecondsPath",
                ql,
                "a positive integer",
                seconds,
            )?,
            credentials: f.object_template("Credentials")?,
        })
    }

    pub(crate) fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("Resource", &self.resource)?;
        entry(m, "Parameters", &self.parameters)?;
        entry(m, "Arguments", &self.arguments)?;
        entry(m, "ResultSelector", &self.result_selector)?;
        if let Some(t) = &self.timeout_seconds {
            t.write(m, "TimeoutSeconds", "TimeoutSecondsPath")?;
        }
        if let Some(h) = &self.heartbeat_seconds {
            h.write(m, "HeartbeatSeconds", "HeartbeatSecondsPath")?;
        }
        entry(m, "Credentials", &self.credentials)
    }
}
