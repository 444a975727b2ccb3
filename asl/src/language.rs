//! The names every part of the project shares about a state machine: its query language,
//! its type and AWS's size limit on its definition. The validator, the engine and the
//! generator all use these (one name in one place).

use serde::{Deserialize, Serialize};

/// The largest definition AWS accepts, in bytes of UTF-8 (Step Functions quotas: "Maximum
/// definition size: 1 MB").
pub const MAX_DEFINITION_BYTES: usize = 1_048_576;

/// The query language of a machine or a state (`QueryLanguage`; JSONPath when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum QueryLanguage {
    /// JSONPath, the default: `InputPath`, `Parameters`, `ResultSelector`, `ResultPath`,
    /// `OutputPath`, intrinsic functions.
    #[default]
    #[serde(rename = "JSONPath", alias = "jsonpath")]
    JsonPath,
    /// JSONata: `Arguments`, `Output`, `Assign`, `{% ... %}` expressions.
    #[serde(rename = "JSONata", alias = "jsonata")]
    Jsonata,
}

impl QueryLanguage {
    /// The language a `QueryLanguage` field names, or `inherited` when it is absent or not
    /// one of the two names (the validator reports such values).
    pub fn of_field(field: Option<&serde_json::Value>, inherited: Self) -> Self {
        match field.and_then(serde_json::Value::as_str) {
            Some("JSONata") => Self::Jsonata,
            Some("JSONPath") => Self::JsonPath,
            _ => inherited,
        }
    }

    /// AWS's spelling (`JSONPath`, `JSONata`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::JsonPath => "JSONPath",
            Self::Jsonata => "JSONata",
        }
    }
}

/// The type a state machine is created as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MachineType {
    /// Standard workflows (the default; up to a year, billed per state transition).
    #[default]
    Standard,
    /// Express workflows (up to 5 minutes, billed per request and duration; no `.sync` or
    /// `.waitForTaskToken` integrations).
    Express,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_aws_spellings() {
        assert_eq!(
            serde_json::to_value(QueryLanguage::Jsonata).unwrap(),
            json!("JSONata")
        );
        assert_eq!(
            serde_json::to_value(MachineType::Express).unwrap(),
            json!("EXPRESS")
        );
        assert_eq!(
            QueryLanguage::of_field(Some(&json!("JSONata")), QueryLanguage::JsonPath),
            QueryLanguage::Jsonata
        );
        // A state without the field inherits its machine's language.
        assert_eq!(
            QueryLanguage::of_field(None, QueryLanguage::Jsonata),
            QueryLanguage::Jsonata
        );
    }
}
