//! Parallel: runs every branch on the same input at once; the output is the array of the
//! branches' outputs, in branch order (ASL spec, "Parallel State").

use serde::ser::SerializeMap;

use crate::model::error::ModelError;
use crate::model::machine::{GraphKind, StateGraph};
use crate::model::query_language::QueryLanguage;
use crate::model::read::{Fields, array, child};
use crate::model::state::entry;
use crate::model::template::Template;

/// A Parallel state's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Parallel {
    /// The branches, each a state graph of its own.
    pub branches: Vec<StateGraph>,
    /// The template of the branches' input (JSONPath).
    pub parameters: Option<Template>,
    /// The branches' input (JSONata).
    pub arguments: Option<Template>,
    /// Reshapes the array of outputs before `ResultPath` (JSONPath).
    pub result_selector: Option<Template>,
}

impl Parallel {
    pub(crate) fn read(f: &mut Fields<'_>, ql: QueryLanguage) -> Result<Self, ModelError> {
        let pointer = f.at("Branches");
        let list = f.require("Branches", "add the branches, each with StartAt and States")?;
        let branches = array(list, &pointer, "an array of branches")?
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let bp = child(&pointer, &i.to_string());
                let mut bf = Fields::new(b, &bp, "a branch object with StartAt and States")?;
                let graph = StateGraph::read_from(&mut bf, ql)?;
                bf.finish(|| GraphKind::Branch.describe().to_owned())?;
                Ok(graph)
            })
            .collect::<Result<_, ModelError>>()?;
        Ok(match ql {
            QueryLanguage::JsonPath => Parallel {
                branches,
                parameters: f.template("Parameters"),
                arguments: None,
                result_selector: f.template("ResultSelector"),
            },
            QueryLanguage::Jsonata => Parallel {
                branches,
                parameters: None,
                arguments: f.template("Arguments"),
                result_selector: None,
            },
        })
    }

    pub(crate) fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("Branches", &self.branches)?;
        entry(m, "Parameters", &self.parameters)?;
        entry(m, "Arguments", &self.arguments)?;
        entry(m, "ResultSelector", &self.result_selector)
    }
}
