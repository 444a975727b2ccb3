//! Fail: ends the execution (or the branch, or the iteration) with an error name and a
//! cause, both optional (ASL spec, "Fail State"; `ErrorPath` and `CausePath` read them
//! from the input in JSONPath and may also call an intrinsic function).

use serde::ser::SerializeMap;

use crate::model::dynamic::Dynamic;
use crate::model::error::ModelError;
use crate::model::query_language::QueryLanguage;
use crate::model::read::Fields;

/// A Fail state's own fields.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Fail {
    /// The error name.
    pub error: Option<Dynamic<String>>,
    /// The cause.
    pub cause: Option<Dynamic<String>>,
}

impl Fail {
    pub(crate) fn read(f: &mut Fields<'_>, ql: QueryLanguage) -> Result<Self, ModelError> {
        let text = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        Ok(Fail {
            error: f.dynamic("Error", "ErrorPath", ql, "a string", text)?,
            cause: f.dynamic("Cause", "CausePath", ql, "a string", text)?,
        })
    }

    pub(crate) fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        if let Some(e) = &self.error {
            e.write(m, "Error", "ErrorPath")?;
        }
        if let Some(c) = &self.cause {
            c.write(m, "Cause", "CausePath")?;
        }
        Ok(())
    }
}
