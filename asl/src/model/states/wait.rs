//! Wait: delays for `Seconds` or until `Timestamp` (an RFC 3339 date-time; in JSONPath the
//! `...Path` forms read either from the input). Exactly one of them (ASL spec, "Wait
//! State").

use serde::ser::SerializeMap;
use serde_json::Value;

use crate::model::dynamic::Dynamic;
use crate::model::error::ModelError;
use crate::model::query_language::QueryLanguage;
use crate::model::read::Fields;

/// A Wait state's delay.
#[derive(Debug, Clone, PartialEq)]
pub enum Wait {
    /// `Seconds` or `SecondsPath`.
    Seconds(Dynamic<u64>),
    /// `Timestamp` or `TimestampPath` (the timestamp as written).
    Timestamp(Dynamic<String>),
}

impl Wait {
    pub(crate) fn read(f: &mut Fields<'_>, ql: QueryLanguage) -> Result<Self, ModelError> {
        let fields: &[&str] = match ql {
            QueryLanguage::JsonPath => &["Seconds", "Timestamp", "SecondsPath", "TimestampPath"],
            QueryLanguage::Jsonata => &["Seconds", "Timestamp"],
        };
        let present: Vec<&str> = fields.iter().copied().filter(|k| f.has(k)).collect();
        if present.len() != 1 {
            return Err(ModelError::Conflict {
                pointer: f.pointer().to_owned(),
                message: format!(
                    "a Wait state has exactly one of {}, this one has {}; keep one",
                    fields.join(", "),
                    if present.is_empty() {
                        "none".to_owned()
                    } else {
                        present.join(", ")
                    }
                ),
            });
        }
        let seconds = f.dynamic(
            "Seconds",
            "SecondsPath",
            ql,
            "a non-negative integer",
            Value::as_u64,
        )?;
        let timestamp = f.dynamic(
            "Timestamp",
            "TimestampPath",
            ql,
            "an RFC 3339 timestamp string",
            |v| v.as_str().map(str::to_owned),
        )?;
        Ok(match (seconds, timestamp) {
            (Some(s), _) => Wait::Seconds(s),
            (None, Some(t)) => Wait::Timestamp(t),
            // The count above makes this unreachable; an error keeps the reader total.
            (None, None) => {
                return Err(ModelError::MissingField {
                    pointer: f.pointer().to_owned(),
                    field: "Seconds",
                    hint: "give the delay as Seconds or Timestamp",
                });
            }
        })
    }

    pub(crate) fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        match self {
            Wait::Seconds(s) => s.write(m, "Seconds", "SecondsPath"),
            Wait::Timestamp(t) => t.write(m, "Timestamp", "TimestampPath"),
        }
    }
}
