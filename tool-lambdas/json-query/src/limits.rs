//! The resource bounds of one query, and the budget that enforces them while it runs.
//!
//! A JSONPath query's cost is not bounded by the size of its text or of the document:
//! every descendant segment (`..`) visits every node below each of its input nodes, so
//! `$..*..*..*..*` over a 241-byte document nested 120 deep selects about 8 million nodes
//! (and exhausted 4 GB with `serde_json_path`'s evaluator), and `$['a','a',...]` repeats one
//! node as often as the query names it. So evaluation ([`crate::eval`]) charges a
//! [`Budget`]:
//!
//! | bound | value | what counts |
//! | --- | --- | --- |
//! | [`MAX_NODES_VISITED`] | 10,000,000 | every node a selector examines or yields, every node a descendant segment walks, in the query and in its filters |
//! | [`MAX_NODES_SELECTED`] | 1,000,000 | the nodes one step selects: the length of any node list (the query's result, so `count`, included) |
//! | [`MAX_EVALUATION_TIME`] | 10 s | wall-clock time of the evaluation (checked every 1,024 visits) |
//! | [`MAX_RESULT_BYTES`] | 8 MiB | the serialized size of the matches returned (paths and values, up to `limit`) |
//! | [`MAX_QUERY_NESTING`] | 64 | brackets and parentheses open at once in the query text (the parsers recurse on them) |
//!
//! Passing any of them is `ToolError.LimitExceeded`, with a message naming the bound and
//! how to narrow the query. The result bound is checked before any matched value is
//! copied, so a 1 GB result is refused without being built. A full scan of a large
//! document (`$..price` over a few million nodes) stays within the bounds; only queries
//! whose cost multiplies (descendants of descendants, repeated selectors) pass them.

use std::time::{Duration, Instant};

/// Most nodes one evaluation may visit.
pub const MAX_NODES_VISITED: u64 = 10_000_000;

/// Most nodes any one step of a query may select.
pub const MAX_NODES_SELECTED: usize = 1_000_000;

/// Longest an evaluation may run.
pub const MAX_EVALUATION_TIME: Duration = Duration::from_secs(10);

/// Largest serialized size of the returned matches, in bytes.
pub const MAX_RESULT_BYTES: usize = 8 * 1024 * 1024;

/// Most brackets and parentheses open at once in a query.
pub const MAX_QUERY_NESTING: usize = 64;

/// The bounds in force (tests lower them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// See [`MAX_NODES_VISITED`].
    pub nodes_visited: u64,
    /// See [`MAX_NODES_SELECTED`].
    pub nodes_selected: usize,
    /// See [`MAX_EVALUATION_TIME`].
    pub evaluation_time: Duration,
    /// See [`MAX_RESULT_BYTES`].
    pub result_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            nodes_visited: MAX_NODES_VISITED,
            nodes_selected: MAX_NODES_SELECTED,
            evaluation_time: MAX_EVALUATION_TIME,
            result_bytes: MAX_RESULT_BYTES,
        }
    }
}

/// Which bound an evaluation passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exceeded {
    Visited,
    Selected,
    Time,
}

/// What an evaluation has spent so far.
pub(crate) struct Budget {
    limits: Limits,
    visited: u64,
    started: Instant,
}

impl Budget {
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            limits,
            visited: 0,
            started: Instant::now(),
        }
    }

    /// Charges `n` visits; every 1,024 visits also checks the clock.
    pub(crate) fn visit(&mut self, n: u64) -> Result<(), Exceeded> {
        let before = self.visited;
        self.visited += n;
        if self.visited > self.limits.nodes_visited {
            return Err(Exceeded::Visited);
        }
        if before >> 10 != self.visited >> 10 || n > 1024 {
            self.check_time()?;
        }
        Ok(())
    }

    /// Checks the clock now.
    pub(crate) fn check_time(&self) -> Result<(), Exceeded> {
        if self.started.elapsed() > self.limits.evaluation_time {
            return Err(Exceeded::Time);
        }
        Ok(())
    }

    /// Checks that a node list of `len` nodes is allowed.
    pub(crate) fn selected(&self, len: usize) -> Result<(), Exceeded> {
        if len > self.limits.nodes_selected {
            return Err(Exceeded::Selected);
        }
        Ok(())
    }

    /// Nodes visited so far.
    pub(crate) fn visited(&self) -> u64 {
        self.visited
    }

    /// The bounds in force.
    pub(crate) fn limits(&self) -> &Limits {
        &self.limits
    }
}

/// The deepest nesting of brackets and parentheses outside string literals.
pub(crate) fn nesting(query: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote = None;
    let mut escaped = false;
    for c in query.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '[' | '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ']' | ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_ignores_brackets_in_strings() {
        assert_eq!(nesting("$.a"), 0);
        assert_eq!(nesting("$[?(@.a[0] == ']]]]')]"), 3);
        assert_eq!(nesting(r#"$["[\"(("]"#), 1);
    }
}
