//! The parsed form of an RFC 9535 query, as [`crate::eval`] walks it.
//!
//! `serde_json_path` parses and type-checks queries but keeps its syntax tree private, so
//! json-query reads the (already validated) text again into these types ([`crate::parse`])
//! and evaluates them itself, under a budget.

use serde_json::Value;

/// A query: `$` (the root) or `@` (the current node, in filters) and its segments.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Query {
    /// `$` rather than `@`.
    pub absolute: bool,
    /// The segments, in order.
    pub segments: Vec<Segment>,
}

/// A child segment (`[...]`, `.name`, `.*`) or a descendant segment (`..[...]`, ...).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Segment {
    /// `..`: the selectors apply to the input node and every descendant.
    pub descendant: bool,
    /// The selectors, applied in order (their results concatenated).
    pub selectors: Vec<Selector>,
}

/// One selector (RFC 9535 section 2.3).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Selector {
    /// `'name'`, `.name`.
    Name(String),
    /// `*`.
    Wildcard,
    /// `3`, `-1`.
    Index(i64),
    /// `start:end:step`.
    Slice {
        start: Option<i64>,
        end: Option<i64>,
        step: Option<i64>,
    },
    /// `?expr`.
    Filter(Box<Logical>),
}

/// A filter's logical expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Logical {
    /// `a || b || ...`
    Or(Vec<Logical>),
    /// `a && b && ...`
    And(Vec<Logical>),
    /// `!(...)`, `!@.a`, `!f(...)`
    Not(Box<Logical>),
    /// `left op right`
    Compare(Comparable, CompareOp, Comparable),
    /// `@.a`: the query selects at least one node.
    Exists(Query),
    /// `match(...)`: a function whose result is logical (or a node list, non-empty).
    Test(Call),
}

/// One side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Comparable {
    /// A number, string, `true`, `false` or `null`.
    Literal(Value),
    /// A singular query.
    Query(Query),
    /// A function whose result is a value.
    Call(Call),
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A function call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    pub function: Function,
    pub args: Vec<Arg>,
}

/// The functions of RFC 9535 section 2.4 (the only ones `serde_json_path` accepts here).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Function {
    /// `length(value)`
    Length,
    /// `count(nodes)`
    Count,
    /// `match(value, value)`
    Match,
    /// `search(value, value)`
    Search,
    /// `value(nodes)`
    Value,
}

/// A function argument.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    Literal(Value),
    Query(Query),
    Logical(Logical),
    Call(Call),
}
