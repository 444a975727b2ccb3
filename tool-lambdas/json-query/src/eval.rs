//! Evaluation of a parsed query (RFC 9535 section 2) under a [`Budget`].
//!
//! Node lists are plain references into the document (8 bytes a node); paths are computed
//! afterwards, only for the matches returned ([`crate::paths`]). Every node a selector
//! examines or yields and every node a descendant segment walks is charged to the budget,
//! in the query and in every filter sub-query, so evaluation stops as soon as a bound is
//! passed instead of after building the whole result.
//!
//! Semantics follow RFC 9535 where `serde_json_path` 0.7 departs from it: a negative index
//! in a singular query (`@[-1]`) selects from the end, `>`/`>=` are `<`/`<=` reversed (so
//! they are false for arrays and objects, as `<` is), `Nothing <= Nothing` is true, and
//! numbers inside arrays and objects compare numerically (`[1] == [1.0]`). Regular
//! expressions (`match`, `search`) are compiled the way `serde_json_path` compiles them
//! (the `regex` crate, CRLF mode, anchored for `match`), once per pattern per query.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::HashMap;

use regex::Regex;
use serde_json::{Number, Value};

use crate::ast::{Arg, Call, Comparable, CompareOp, Function, Logical, Query, Segment, Selector};
use crate::limits::{Budget, Exceeded, Limits};

/// Most compiled patterns kept per query (patterns read from the document may all differ).
const MAX_CACHED_REGEXES: usize = 64;

/// Evaluates queries over one document.
pub(crate) struct Evaluator<'a> {
    root: &'a Value,
    budget: Budget,
    regexes: HashMap<(bool, String), Option<Regex>>,
}

/// A function's result (no function of RFC 9535 returns a node list).
enum Output<'x> {
    Value(Option<Cow<'x, Value>>),
    Logical(bool),
}

type Charged<T> = Result<T, Exceeded>;

impl<'a> Evaluator<'a> {
    pub(crate) fn new(root: &'a Value, limits: Limits) -> Self {
        Self {
            root,
            budget: Budget::new(limits),
            regexes: HashMap::new(),
        }
    }

    /// What was spent so far.
    pub(crate) fn budget(&self) -> &Budget {
        &self.budget
    }

    /// The nodes `query` selects, `current` being `@`.
    pub(crate) fn query(&mut self, query: &Query, current: &'a Value) -> Charged<Vec<&'a Value>> {
        let mut nodes = vec![if query.absolute { self.root } else { current }];
        for segment in &query.segments {
            let mut next = Vec::new();
            for &node in &nodes {
                self.segment(segment, node, &mut next)?;
            }
            nodes = next;
        }
        Ok(nodes)
    }

    fn segment(
        &mut self,
        segment: &Segment,
        node: &'a Value,
        out: &mut Vec<&'a Value>,
    ) -> Charged<()> {
        if !segment.descendant {
            return self.select(&segment.selectors, node, out);
        }
        // The node and its descendants, each before its descendants, arrays in order.
        let mut stack = vec![node];
        while let Some(node) = stack.pop() {
            self.budget.visit(1)?;
            self.select(&segment.selectors, node, out)?;
            match node {
                Value::Array(items) => stack.extend(items.iter().rev()),
                Value::Object(map) => stack.extend(map.values().rev()),
                _ => {}
            }
        }
        Ok(())
    }

    fn push(&mut self, out: &mut Vec<&'a Value>, node: &'a Value) -> Charged<()> {
        self.budget.visit(1)?;
        out.push(node);
        self.budget.selected(out.len())
    }

    fn select(
        &mut self,
        selectors: &[Selector],
        node: &'a Value,
        out: &mut Vec<&'a Value>,
    ) -> Charged<()> {
        for selector in selectors {
            match selector {
                Selector::Name(name) => {
                    if let Some(child) = node.as_object().and_then(|m| m.get(name)) {
                        self.push(out, child)?;
                    }
                }
                Selector::Wildcard => match node {
                    Value::Array(items) => {
                        for child in items {
                            self.push(out, child)?;
                        }
                    }
                    Value::Object(map) => {
                        for child in map.values() {
                            self.push(out, child)?;
                        }
                    }
                    _ => {}
                },
                Selector::Index(index) => {
                    if let Some(child) = node.as_array().and_then(|items| at(items, *index)) {
                        self.push(out, child)?;
                    }
                }
                Selector::Slice { start, end, step } => {
                    if let Some(items) = node.as_array() {
                        for i in slice(items.len(), *start, *end, *step) {
                            self.push(out, &items[i])?;
                        }
                    }
                }
                Selector::Filter(filter) => {
                    let children: Box<dyn Iterator<Item = &'a Value>> = match node {
                        Value::Array(items) => Box::new(items.iter()),
                        Value::Object(map) => Box::new(map.values()),
                        _ => Box::new(std::iter::empty()),
                    };
                    for child in children {
                        self.budget.visit(1)?;
                        if self.test(filter, child)? {
                            self.push(out, child)?;
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn test(&mut self, expr: &Logical, current: &'a Value) -> Charged<bool> {
        Ok(match expr {
            Logical::Or(items) => {
                for item in items {
                    if self.test(item, current)? {
                        return Ok(true);
                    }
                }
                false
            }
            Logical::And(items) => {
                for item in items {
                    if !self.test(item, current)? {
                        return Ok(false);
                    }
                }
                true
            }
            Logical::Not(inner) => !self.test(inner, current)?,
            Logical::Exists(query) => !self.query(query, current)?.is_empty(),
            Logical::Test(call) => match self.call(call, current)? {
                Output::Logical(b) => b,
                Output::Value(_) => false,
            },
            Logical::Compare(left, op, right) => {
                let left = self.comparable(left, current)?;
                let right = self.comparable(right, current)?;
                compare(left.as_deref(), *op, right.as_deref())
            }
        })
    }

    fn comparable<'x>(
        &mut self,
        comparable: &'x Comparable,
        current: &'a Value,
    ) -> Charged<Option<Cow<'x, Value>>>
    where
        'a: 'x,
    {
        Ok(match comparable {
            Comparable::Literal(value) => Some(Cow::Borrowed(value)),
            Comparable::Query(query) => single(self.query(query, current)?),
            Comparable::Call(call) => match self.call(call, current)? {
                Output::Value(value) => value,
                _ => None,
            },
        })
    }

    fn call<'x>(&mut self, call: &'x Call, current: &'a Value) -> Charged<Output<'x>>
    where
        'a: 'x,
    {
        let arg = |i: usize| call.args.get(i);
        Ok(match call.function {
            Function::Length => {
                let value = self.value_arg(arg(0), current)?;
                let length = value.and_then(|v| match v.as_ref() {
                    Value::String(s) => Some(s.chars().count()),
                    Value::Array(items) => Some(items.len()),
                    Value::Object(map) => Some(map.len()),
                    _ => None,
                });
                Output::Value(length.map(|n| Cow::Owned(Value::from(n))))
            }
            Function::Count => {
                let nodes = self.nodes_arg(arg(0), current)?;
                Output::Value(Some(Cow::Owned(Value::from(nodes.len()))))
            }
            Function::Value => Output::Value(single(self.nodes_arg(arg(0), current)?)),
            Function::Match | Function::Search => {
                let text = self.value_arg(arg(0), current)?;
                let pattern = self.value_arg(arg(1), current)?;
                let full = call.function == Function::Match;
                Output::Logical(match (text.as_deref(), pattern.as_deref()) {
                    (Some(Value::String(text)), Some(Value::String(pattern))) => {
                        self.budget.visit(1)?;
                        self.regex(full, pattern)
                            .is_some_and(|re| re.is_match(text))
                    }
                    _ => false,
                })
            }
        })
    }

    fn value_arg<'x>(
        &mut self,
        arg: Option<&'x Arg>,
        current: &'a Value,
    ) -> Charged<Option<Cow<'x, Value>>>
    where
        'a: 'x,
    {
        Ok(match arg {
            Some(Arg::Literal(value)) => Some(Cow::Borrowed(value)),
            Some(Arg::Query(query)) => single(self.query(query, current)?),
            Some(Arg::Call(call)) => match self.call(call, current)? {
                Output::Value(value) => value,
                _ => None,
            },
            Some(Arg::Logical(_)) | None => None,
        })
    }

    fn nodes_arg<'x>(&mut self, arg: Option<&'x Arg>, current: &'a Value) -> Charged<Vec<&'x Value>>
    where
        'a: 'x,
    {
        Ok(match arg {
            Some(Arg::Query(query)) => self.query(query, current)?,
            _ => Vec::new(),
        })
    }

    /// The compiled pattern (`None` when it is not a valid regular expression).
    fn regex(&mut self, full: bool, pattern: &str) -> Option<Regex> {
        let key = (full, pattern.to_owned());
        if let Some(cached) = self.regexes.get(&key) {
            return cached.clone();
        }
        let source = if full {
            format!("(?R)^({pattern})$")
        } else {
            format!("(?R)({pattern})")
        };
        let compiled = Regex::new(&source).ok();
        if self.regexes.len() < MAX_CACHED_REGEXES {
            self.regexes.insert(key, compiled.clone());
        }
        compiled
    }
}

/// The value of a node list of exactly one node; `Nothing` otherwise.
fn single<'x>(nodes: Vec<&'x Value>) -> Option<Cow<'x, Value>> {
    match nodes.as_slice() {
        [one] => Some(Cow::Borrowed(*one)),
        _ => None,
    }
}

/// `items[index]`, a negative index counting from the end.
fn at(items: &[Value], index: i64) -> Option<&Value> {
    let len = items.len() as i64;
    let i = if index < 0 { len + index } else { index };
    if (0..len).contains(&i) {
        items.get(i as usize)
    } else {
        None
    }
}

/// The indices an array slice selects (RFC 9535 section 2.3.4.2.2).
fn slice(
    len: usize,
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
) -> Box<dyn Iterator<Item = usize>> {
    let len = len as i64;
    let step = step.unwrap_or(1);
    let normalize = |i: i64| if i >= 0 { i } else { len + i };
    if step == 0 {
        return Box::new(std::iter::empty());
    }
    if step > 0 {
        let lower = start.map_or(0, normalize).clamp(0, len);
        let upper = end.map_or(len, normalize).clamp(0, len);
        Box::new((lower..upper).step_by(step as usize).map(|i| i as usize))
    } else {
        let upper = start.map_or(len - 1, normalize).clamp(-1, len - 1);
        let lower = end.map_or(-len - 1, normalize).clamp(-1, len - 1);
        Box::new(
            std::iter::successors(Some(upper), move |i| i.checked_add(step))
                .take_while(move |i| lower < *i)
                .map(|i| i as usize),
        )
    }
}

/// A comparison (RFC 9535 section 2.3.5.2.2); `None` is `Nothing`.
fn compare(left: Option<&Value>, op: CompareOp, right: Option<&Value>) -> bool {
    let equal = || match (left, right) {
        (None, None) => true,
        (Some(a), Some(b)) => equal(a, b),
        _ => false,
    };
    let less = |a: Option<&Value>, b: Option<&Value>| match (a, b) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => {
            number_order(a, b) == Some(Ordering::Less)
        }
        (Some(Value::String(a)), Some(Value::String(b))) => a < b,
        _ => false,
    };
    match op {
        CompareOp::Eq => equal(),
        CompareOp::Ne => !equal(),
        CompareOp::Lt => less(left, right),
        CompareOp::Le => less(left, right) || equal(),
        CompareOp::Gt => less(right, left),
        CompareOp::Ge => less(right, left) || equal(),
    }
}

/// JSON equality, numbers compared by value at every depth.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(a), Value::Number(b)) => number_order(a, b) == Some(Ordering::Equal),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| equal(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// Numeric order: exact for integers, IEEE 754 otherwise.
fn number_order(a: &Number, b: &Number) -> Option<Ordering> {
    if let (Some(a), Some(b)) = (a.as_i64(), b.as_i64()) {
        return Some(a.cmp(&b));
    }
    if let (Some(a), Some(b)) = (a.as_u64(), b.as_u64()) {
        return Some(a.cmp(&b));
    }
    a.as_f64()?.partial_cmp(&b.as_f64()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indices(len: usize, start: Option<i64>, end: Option<i64>, step: Option<i64>) -> Vec<usize> {
        slice(len, start, end, step).collect()
    }

    /// RFC 9535 section 2.3.4.3, over `["a", "b", "c", "d", "e", "f", "g"]`.
    #[test]
    fn slices_follow_the_rfc_examples() {
        assert_eq!(indices(7, Some(1), Some(3), None), [1, 2]);
        assert_eq!(indices(7, Some(5), None, None), [5, 6]);
        assert_eq!(indices(7, Some(1), Some(5), Some(2)), [1, 3]);
        assert_eq!(indices(7, Some(5), Some(1), Some(-2)), [5, 3]);
        assert_eq!(indices(7, None, None, Some(-1)), [6, 5, 4, 3, 2, 1, 0]);
        assert_eq!(indices(7, None, None, Some(0)), Vec::<usize>::new());
        assert_eq!(indices(0, None, None, Some(-1)), Vec::<usize>::new());
        assert_eq!(indices(3, Some(-100), Some(100), Some(i64::MAX)), [0]);
    }

    /// RFC 9535 section 2.3.5.3, table 11 (the comparisons that need no document).
    #[test]
    fn comparisons_follow_the_rfc_table() {
        use serde_json::json;
        let (one, two) = (json!(1), json!(2));
        assert!(compare(None, CompareOp::Eq, None));
        assert!(compare(None, CompareOp::Le, None));
        assert!(!compare(None, CompareOp::Eq, Some(&json!("g"))));
        assert!(compare(Some(&json!(1)), CompareOp::Eq, Some(&json!(1.0))));
        assert!(compare(
            Some(&json!([1, 2])),
            CompareOp::Eq,
            Some(&json!([1.0, 2]))
        ));
        assert!(compare(
            Some(&json!({"a": 1})),
            CompareOp::Ne,
            Some(&json!({"a": 2}))
        ));
        assert!(compare(Some(&one), CompareOp::Lt, Some(&two)));
        assert!(compare(Some(&two), CompareOp::Gt, Some(&one)));
        assert!(!compare(
            Some(&json!([2])),
            CompareOp::Gt,
            Some(&json!([1]))
        ));
        assert!(compare(Some(&json!("a")), CompareOp::Lt, Some(&json!("b"))));
        assert!(!compare(Some(&json!(1)), CompareOp::Lt, Some(&json!("2"))));
        assert!(compare(
            Some(&json!(true)),
            CompareOp::Le,
            Some(&json!(true))
        ));
        assert!(!compare(
            Some(&json!(true)),
            CompareOp::Lt,
            Some(&json!(false))
        ));
        assert!(compare(
            Some(&json!(u64::MAX)),
            CompareOp::Gt,
            Some(&json!(u64::MAX - 1))
        ));
    }
}
