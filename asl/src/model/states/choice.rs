//! Choice: goes to the `Next` of the first rule of `Choices` that matches, else to
//! `Default`; with no match and no `Default` the execution fails with
//! `States.NoChoiceMatched` (ASL spec, "Choice State"). The rules are in
//! [`choice`](crate::model::choice).

use serde::ser::SerializeMap;

use crate::model::choice::ChoiceRule;
use crate::model::error::ModelError;
use crate::model::query_language::QueryLanguage;
use crate::model::read::{Fields, array, child};
use crate::model::state::entry;

/// A Choice state's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Choice {
    /// The rules, tried in order.
    pub choices: Vec<ChoiceRule>,
    /// The state to go to when no rule matches.
    pub default: Option<String>,
}

impl Choice {
    pub(crate) fn read(f: &mut Fields<'_>, ql: QueryLanguage) -> Result<Self, ModelError> {
        let pointer = f.at("Choices");
        let list = f.require("Choices", "add the rules, each with a test and Next")?;
        let choices = array(list, &pointer, "an array of Choice rules")?
            .iter()
            .enumerate()
            .map(|(i, r)| ChoiceRule::read(r, &child(&pointer, &i.to_string()), ql))
            .collect::<Result<_, _>>()?;
        Ok(Choice {
            choices,
            default: f.string("Default")?,
        })
    }

    pub(crate) fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        m.serialize_entry("Choices", &self.choices)?;
        entry(m, "Default", &self.default)
    }
}
