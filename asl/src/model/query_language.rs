//! [`QueryLanguage`]: JSONPath or JSONata, and how a state's language is resolved.
//!
//! From the developer guide ("Transforming data with JSONata"): `QueryLanguage` may be set
//! at the top level of a definition (default `JSONPath`) and on any state; a state without
//! it uses the enclosing one's. A Parallel branch or a Map processor may set its own, and
//! inherits its Parallel or Map state's language otherwise. A JSONata machine cannot
//! contain JSONPath states (the validator's `query-language-downgrade` rule).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The language of a state's paths, templates and expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum QueryLanguage {
    /// `"JSONPath"`: paths, `.$` templates and intrinsic functions (the default).
    #[default]
    #[serde(rename = "JSONPath")]
    JsonPath,
    /// `"JSONata"`: `{% ... %}` expressions, `Arguments` and `Output`.
    #[serde(rename = "JSONata")]
    Jsonata,
}

impl QueryLanguage {
    /// The name as written in ASL (`JSONPath`, `JSONata`; exact case).
    pub fn as_str(self) -> &'static str {
        match self {
            QueryLanguage::JsonPath => "JSONPath",
            QueryLanguage::Jsonata => "JSONata",
        }
    }

    /// The language in effect for a state, branch or processor: its own `QueryLanguage`
    /// field if it has one, else the enclosing one's.
    pub fn resolve(own: Option<QueryLanguage>, enclosing: QueryLanguage) -> QueryLanguage {
        own.unwrap_or(enclosing)
    }

    /// Whether this is JSONata.
    pub fn is_jsonata(self) -> bool {
        self == QueryLanguage::Jsonata
    }
}

impl fmt::Display for QueryLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is neither `JSONPath` nor `JSONata`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a query language; use \"JSONPath\" or \"JSONata\" (exact case)")]
pub struct UnknownQueryLanguage(pub String);

impl FromStr for QueryLanguage {
    type Err = UnknownQueryLanguage;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "JSONPath" => Ok(QueryLanguage::JsonPath),
            "JSONata" => Ok(QueryLanguage::Jsonata),
            other => Err(UnknownQueryLanguage(other.to_owned())),
        }
    }
}
