//! The `json-query` tool: an RFC 9535 JSONPath query over a JSON document, returning only
//! the matches.
//!
//! The document is given inline or as an offload pointer (for example the body `http-fetch`
//! offloaded); the tool kit resolves and verifies the pointer before the query runs. This is
//! how an agent pulls 1 KiB out of a 50 MB document without the document ever entering the
//! state or the model's context. Matches past `limit` are counted but not returned.

use protocol::manifest::{Annotations, SfnConfig};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json_path::JsonPath;
use toolkit::{Tool, ToolContext, ToolError};

/// Input of `json-query`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// An RFC 9535 JSONPath query, e.g. `$.items[?@.price < 10].name`.
    pub query: String,
    /// The JSON document: inline, or an offload pointer (`{"$offload": ..., "size": ..., "sha256": ...}`) returned by another tool.
    pub document: Value,
    /// Most matches to return (default 100, at most 10000); the rest are only counted.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One match.
#[derive(Debug, PartialEq, Serialize, JsonSchema)]
pub struct Match {
    /// The match's normalized path (RFC 9535 section 2.7), e.g. `$['items'][3]['name']`.
    pub path: String,
    /// The matched value.
    pub value: Value,
}

/// Output of `json-query`.
#[derive(Debug, PartialEq, Serialize, JsonSchema)]
pub struct Output {
    /// The matches, in document order, at most `limit`.
    pub matches: Vec<Match>,
    /// How many nodes matched in all.
    pub count: usize,
    /// Whether matches were left out because of `limit`.
    pub truncated: bool,
}

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 10_000;

/// Runs `query` over `document`.
pub fn query(query: &str, document: &Value, limit: Option<u32>) -> Result<Output, ToolError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ToolError::invalid_input(format!(
            "`limit` must be between 1 and {MAX_LIMIT}, got {limit}"
        )));
    }
    let path = JsonPath::parse(query).map_err(|e| {
        ToolError::invalid_input(format!(
            "`query` is not an RFC 9535 JSONPath: at character {}: {}",
            e.position(),
            e.message()
        ))
    })?;
    let located = path.query_located(document);
    let count = located.len();
    let matches = located
        .into_iter()
        .take(limit as usize)
        .map(|node| Match {
            path: node.location().to_string(),
            value: node.node().clone(),
        })
        .collect();
    Ok(Output {
        matches,
        count,
        truncated: count > limit as usize,
    })
}

/// The json-query tool.
pub struct JsonQuery;

impl Tool for JsonQuery {
    type Input = Input;
    type Output = Output;
    const NAME: &'static str = "json-query";
    const TITLE: Option<&'static str> = Some("JSON query");
    const DESCRIPTION: &'static str = "Runs an RFC 9535 JSONPath query over a JSON document and \
        returns only the matches with their paths. The document may be an offload pointer \
        returned by another tool (for example a large http-fetch body): use this tool to read \
        the parts you need instead of the whole document.";

    fn annotations() -> Annotations {
        Annotations {
            title: Some("JSON query".into()),
            read_only_hint: Some(true),
            destructive_hint: Some(false),
            idempotent_hint: Some(true),
            open_world_hint: Some(false),
        }
    }

    fn config() -> SfnConfig {
        SfnConfig {
            timeout_seconds: 30,
            memory_mb: 512,
            ..SfnConfig::default()
        }
    }

    async fn call(&self, input: Input, _ctx: &ToolContext) -> Result<Output, ToolError> {
        query(&input.query, &input.document, input.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The bookstore document from RFC 9535, section 1.5.
    fn store() -> Value {
        json!({"store": {
            "book": [
                {"category": "reference", "author": "Nigel Rees", "title": "Sayings of the Century", "price": 8.95},
                {"category": "fiction", "author": "Evelyn Waugh", "title": "Sword of Honour", "price": 12.99},
                {"category": "fiction", "author": "Herman Melville", "title": "Moby Dick", "isbn": "0-553-21311-3", "price": 8.99},
                {"category": "fiction", "author": "J. R. R. Tolkien", "title": "The Lord of the Rings", "isbn": "0-395-19395-8", "price": 22.99}
            ],
            "bicycle": {"color": "red", "price": 399}
        }})
    }

    #[test]
    fn rfc_9535_examples() {
        let out = query("$.store.book[*].author", &store(), None).unwrap();
        assert_eq!(out.count, 4);
        assert_eq!(out.matches[0].value, json!("Nigel Rees"));
        assert_eq!(out.matches[0].path, "$['store']['book'][0]['author']");
        let cheap = query("$..book[?@.price<10].title", &store(), None).unwrap();
        let titles: Vec<&Value> = cheap.matches.iter().map(|m| &m.value).collect();
        assert_eq!(
            titles,
            [&json!("Sayings of the Century"), &json!("Moby Dick")]
        );
        let isbn = query("$..book[?@.isbn]", &store(), None).unwrap();
        assert_eq!(isbn.count, 2);
        let last = query("$..book[-1].title", &store(), None).unwrap();
        assert_eq!(last.matches[0].value, json!("The Lord of the Rings"));
    }

    #[test]
    fn limit_truncates_but_counts() {
        let out = query("$..*", &store(), Some(3)).unwrap();
        assert_eq!(out.matches.len(), 3);
        assert!(out.count > 3);
        assert!(out.truncated);
        assert!(query("$", &store(), Some(0)).is_err());
    }

    #[test]
    fn a_bad_query_names_its_position() {
        let err = query("$.store[?@.price <]", &store(), None).unwrap_err();
        assert_eq!(err.name, protocol::ErrorName::InvalidInput);
        assert!(err.message.contains("at character"), "{}", err.message);
        assert!(query("store.book", &store(), None).is_err());
    }
}
