//! Pass: hands its input on, or a fixed `Result` (JSONPath), or its `Output` (JSONata).

use serde::ser::SerializeMap;
use serde_json::Value;

use crate::model::error::ModelError;
use crate::model::query_language::QueryLanguage;
use crate::model::read::Fields;
use crate::model::state::entry;
use crate::model::template::Template;

/// A Pass state's own fields (JSONPath only; a JSONata Pass has just the common ones).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pass {
    /// A literal result that replaces the state's effective input (never evaluated).
    pub result: Option<Value>,
    /// The template of the effective input.
    pub parameters: Option<Template>,
}

impl Pass {
    pub(crate) fn read(f: &mut Fields<'_>, ql: QueryLanguage) -> Result<Self, ModelError> {
        Ok(match ql {
            QueryLanguage::JsonPath => Pass {
                result: f.take("Result").cloned(),
                parameters: f.template("Parameters"),
            },
            QueryLanguage::Jsonata => Pass::default(),
        })
    }

    pub(crate) fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        entry(m, "Parameters", &self.parameters)?;
        entry(m, "Result", &self.result)
    }
}
