//! The `json-query` tool: an RFC 9535 JSONPath query over a JSON document, returning only
//! the matches.
//!
//! The document is given inline or as an offload pointer (for example the body `http-fetch`
//! offloaded); the tool kit resolves and verifies the pointer before the query runs. This is
//! how an agent pulls 1 KiB out of a 50 MB document without the document ever entering the
//! state or the model's context. Matches past `limit` are counted but not returned.
//!
//! A query is validated by `serde_json_path` (the model sees its error and position), read
//! into [`ast`] by [`parse`], and evaluated by [`eval`] under the bounds of [`limits`]:
//!
//! | bound | value |
//! | --- | --- |
//! | nodes visited ([`limits::MAX_NODES_VISITED`]) | 10,000,000 |
//! | nodes selected by any one step, so also `count` ([`limits::MAX_NODES_SELECTED`]) | 1,000,000 |
//! | evaluation time ([`limits::MAX_EVALUATION_TIME`]) | 10 s |
//! | serialized size of the returned matches ([`limits::MAX_RESULT_BYTES`]) | 8 MiB |
//! | brackets and parentheses open at once ([`limits::MAX_QUERY_NESTING`]) | 64 |
//!
//! Passing one is `ToolError.LimitExceeded`, whose message names the bound and how to
//! narrow the query; the result is refused before any matched value is copied. The paths of
//! the returned matches are computed last ([`paths`]).

mod ast;
mod eval;
pub mod limits;
mod parse;
mod paths;

use protocol::ErrorName;
use protocol::manifest::{Annotations, SfnConfig};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json_path::JsonPath;
use toolkit::{Tool, ToolContext, ToolError};

use crate::limits::{Exceeded, Limits, MAX_QUERY_NESTING};

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
    /// How many nodes matched in all (at most 1,000,000: a query selecting more fails with ToolError.LimitExceeded).
    pub count: usize,
    /// Whether matches were left out because of `limit`.
    pub truncated: bool,
}

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 10_000;

/// Runs `query` over `document` within the default [`Limits`].
pub fn query(query: &str, document: &Value, limit: Option<u32>) -> Result<Output, ToolError> {
    query_within(query, document, limit, Limits::default())
}

/// Runs `query` over `document` within `limits`.
pub fn query_within(
    query: &str,
    document: &Value,
    limit: Option<u32>,
    limits: Limits,
) -> Result<Output, ToolError> {
    let limit = limit.unwrap_or(DEFAULT_LIMIT);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(ToolError::invalid_input(format!(
            "`limit` must be between 1 and {MAX_LIMIT}, got {limit}"
        )));
    }
    let nesting = limits::nesting(query);
    if nesting > MAX_QUERY_NESTING {
        return Err(limit_exceeded(format!(
            "`query` nests brackets and parentheses {nesting} deep, more than {MAX_QUERY_NESTING} (MAX_QUERY_NESTING); write it with fewer nested filters and parentheses"
        )));
    }
    JsonPath::parse(query).map_err(|e| {
        ToolError::invalid_input(format!(
            "`query` is not an RFC 9535 JSONPath: at character {}: {}",
            e.position(),
            e.message()
        ))
    })?;
    let parsed = parse::parse(query).map_err(|e| {
        ToolError::fatal(format!(
            "json-query could not read the query it had validated ({e}); this is a bug in json-query, not in the query: please report the query"
        ))
    })?;
    let mut evaluator = eval::Evaluator::new(document, limits);
    let nodes = evaluator
        .query(&parsed, document)
        .map_err(|e| exceeded(e, evaluator.budget()))?;
    let count = nodes.len();
    let returned = &nodes[..count.min(limit as usize)];
    let paths = paths::locate(document, returned, evaluator.budget())
        .map_err(|e| exceeded(e, evaluator.budget()))?;
    check_result_size(&paths, returned, limits.result_bytes)?;
    let matches = paths
        .into_iter()
        .zip(returned)
        .map(|(path, value)| Match {
            path,
            value: (*value).clone(),
        })
        .collect();
    Ok(Output {
        matches,
        count,
        truncated: count > limit as usize,
    })
}

fn limit_exceeded(message: String) -> ToolError {
    ToolError::new(ErrorName::LimitExceeded, message)
}

/// The error for a bound passed during evaluation.
fn exceeded(bound: Exceeded, budget: &limits::Budget) -> ToolError {
    let limits = budget.limits();
    limit_exceeded(match bound {
        Exceeded::Visited => format!(
            "the query visits more than {} nodes of the document (MAX_NODES_VISITED); narrow it: start from a specific path rather than `..` (e.g. `$.store.book[*].price` rather than `$..price`), never put a descendant segment (`..`) after another, and filter early",
            limits.nodes_visited
        ),
        Exceeded::Selected => format!(
            "a step of the query selects more than {} nodes (MAX_NODES_SELECTED); narrow it: name members or take a slice (`[0:100]`) rather than `*` or `..`, do not repeat selectors, and do not put a descendant segment (`..`) after another",
            limits.nodes_selected
        ),
        Exceeded::Time => format!(
            "evaluating the query took longer than {:?} (MAX_EVALUATION_TIME) after visiting {} nodes; narrow it: fewer descendant segments (`..`) and simpler filters (`match` and `search` are the costliest)",
            limits.evaluation_time,
            budget.visited()
        ),
    })
}

/// Refuses a result whose matches serialize to more than `max` bytes, before they are copied.
fn check_result_size(paths: &[String], values: &[&Value], max: usize) -> Result<(), ToolError> {
    /// Counts bytes, failing once `remaining` is spent (so a huge value is not serialized
    /// to the end).
    struct Meter {
        remaining: usize,
    }
    impl std::io::Write for Meter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.remaining = self
                .remaining
                .checked_sub(buf.len())
                .ok_or_else(|| std::io::Error::other("over the result bound"))?;
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut meter = Meter { remaining: max };
    for (i, (path, value)) in paths.iter().zip(values).enumerate() {
        // `{"path":...,"value":...},`
        let fits = std::io::Write::write_all(&mut meter, &[b' '; 20]).is_ok()
            && serde_json::to_writer(&mut meter, path).is_ok()
            && serde_json::to_writer(&mut meter, value).is_ok();
        if !fits {
            return Err(limit_exceeded(format!(
                "the matches serialize to more than {max} bytes (MAX_RESULT_BYTES) by match {} of {} returned; select smaller parts (a member such as `.name` rather than whole objects), lower `limit`, or split the query with slices (`[0:100]`, `[100:200]`)",
                i + 1,
                values.len()
            )));
        }
    }
    Ok(())
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
        the parts you need instead of the whole document. Bounds: a query may visit at most \
        10,000,000 nodes, select at most 1,000,000 nodes in any step, run 10 s, and return \
        at most 8 MiB of matches; past one it fails with ToolError.LimitExceeded (narrow the \
        query: fewer `..`, specific members or slices, a lower limit).";

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

    #[test]
    fn the_description_names_the_limit_error_by_its_wire_name() {
        // The description is a `const`, so it spells the name out; this keeps it right.
        assert!(JsonQuery::DESCRIPTION.contains(ErrorName::LimitExceeded.as_str()));
    }

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
