//! Payload templates and JSONata expressions, kept as written.
//!
//! `Parameters`, `ResultSelector`, `ItemSelector`, `Credentials`, `ItemReader`,
//! `ItemBatcher`, `ResultWriter` (JSONPath: keys ending in `.$` hold a path or an
//! intrinsic call) and `Arguments`, `Output`, `Items`, `Assign` (JSONata: any string
//! `{% ... %}` is an expression) are [`Template`]s. The model does not compile them:
//! turning a template into an evaluator is the next stage, after the model.

use serde::{Serialize, Serializer};
use serde_json::Value;

/// A payload template: a JSON value whose `.$` keys (JSONPath) or `{% ... %}` strings
/// (JSONata) are evaluated when the state runs. Which of the two depends on the state's
/// query language. Contrast Pass `Result`, a literal that is never evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Template(pub Value);

impl Template {
    /// The template as written.
    pub fn value(&self) -> &Value {
        &self.0
    }
}

/// A JSONata expression: the text between `{%` and `%}` of a string field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonataExpr(pub String);

impl JsonataExpr {
    /// Reads `{% expression %}`; `None` when `text` is not delimited so. The ASL spec
    /// ("JSONata") requires both delimiters and nothing outside them.
    pub fn parse(text: &str) -> Option<Self> {
        let inner = text.strip_prefix("{%")?.strip_suffix("%}")?;
        Some(JsonataExpr(inner.to_owned()))
    }

    /// The expression, without the delimiters (surrounding whitespace included).
    pub fn expression(&self) -> &str {
        &self.0
    }
}

impl Serialize for JsonataExpr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{{%{}%}}", self.0))
    }
}
