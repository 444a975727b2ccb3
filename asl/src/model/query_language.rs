//! The query language of a machine, a branch, a processor or a state.
//!
//! [`QueryLanguage`] itself is defined once, in [`crate::language`]; this module reads the
//! `QueryLanguage` field and resolves it. From the developer guide ("Transforming data
//! with JSONata"): `QueryLanguage` may be set at the top level of a definition (default
//! `JSONPath`) and on any state; a state without it uses the enclosing one's. A Parallel
//! branch or a Map processor may set its own and otherwise inherits its Parallel or Map
//! state's language. A JSONata machine cannot contain JSONPath states (the validator's
//! `query-language-downgrade` rule).

pub use crate::language::QueryLanguage;

/// The language in effect for a state, branch or processor: its own `QueryLanguage`
/// field if it has one, else the enclosing one's.
pub(crate) fn resolve(own: Option<QueryLanguage>, enclosing: QueryLanguage) -> QueryLanguage {
    own.unwrap_or(enclosing)
}

/// The language a `QueryLanguage` string names, in AWS's exact case.
pub(crate) fn parse(name: &str) -> Option<QueryLanguage> {
    [QueryLanguage::JsonPath, QueryLanguage::Jsonata]
        .into_iter()
        .find(|ql| ql.as_str() == name)
}
