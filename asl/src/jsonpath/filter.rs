//! Filter expressions (`[?(...)]`): parsing and evaluation, following Jayway's rules.

use serde_json::Value;

use super::PathError;
use super::eval::{evaluate_relative, values_equal};
use super::syntax::{Cursor, Parsed, Root, parse_literal, parse_path};

/// A filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Or(Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    /// A lone operand: true when a path exists (or a literal is `true`).
    Exists(Operand),
    Compare(Operand, Op, Operand),
}

/// A comparison operand.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Operand {
    /// `@...` (relative to the current item) or `$...` (the document root).
    Path(Parsed, bool),
    Value(Value),
    Regex(String, String),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Regex,
    In,
    Nin,
    SubsetOf,
    AnyOf,
    NoneOf,
    Size,
    Empty,
    Contains,
}

/// Parses the inside of `[?( ... )]`, stopping before the closing `)`.
pub(crate) fn parse_filter(cur: &mut Cursor<'_>) -> Result<Expr, PathError> {
    parse_or(cur)
}

fn parse_or(cur: &mut Cursor<'_>) -> Result<Expr, PathError> {
    let mut left = parse_and(cur)?;
    loop {
        cur.skip_ws();
        if cur.eat_str("||") {
            let right = parse_and(cur)?;
            left = Expr::Or(Box::new(left), Box::new(right));
        } else {
            return Ok(left);
        }
    }
}

fn parse_and(cur: &mut Cursor<'_>) -> Result<Expr, PathError> {
    let mut left = parse_unary(cur)?;
    loop {
        cur.skip_ws();
        if cur.eat_str("&&") {
            let right = parse_unary(cur)?;
            left = Expr::And(Box::new(left), Box::new(right));
        } else {
            return Ok(left);
        }
    }
}

fn parse_unary(cur: &mut Cursor<'_>) -> Result<Expr, PathError> {
    cur.skip_ws();
    if cur.peek() == Some('!') && cur.peek_at(1) != Some('=') {
        cur.pos += 1;
        let inner = parse_unary(cur)?;
        return Ok(Expr::Not(Box::new(inner)));
    }
    if cur.eat('(') {
        let inner = parse_or(cur)?;
        cur.skip_ws();
        if !cur.eat(')') {
            return Err(cur.error("expected ')' in filter"));
        }
        return Ok(inner);
    }
    let left = parse_operand(cur)?;
    cur.skip_ws();
    let Some(op) = parse_op(cur) else {
        return Ok(Expr::Exists(left));
    };
    if op == Op::Empty {
        // `empty` takes a boolean operand.
        let right = parse_operand(cur)?;
        return Ok(Expr::Compare(left, op, right));
    }
    let right = parse_operand(cur)?;
    Ok(Expr::Compare(left, op, right))
}

fn parse_op(cur: &mut Cursor<'_>) -> Option<Op> {
    const SYMBOLS: &[(&str, Op)] = &[
        ("===", Op::Eq),
        ("!==", Op::Ne),
        ("==", Op::Eq),
        ("!=", Op::Ne),
        ("<=", Op::Le),
        (">=", Op::Ge),
        ("=~", Op::Regex),
        ("<", Op::Lt),
        (">", Op::Gt),
    ];
    for (sym, op) in SYMBOLS {
        if cur.eat_str(sym) {
            return Some(*op);
        }
    }
    const WORDS: &[(&str, Op)] = &[
        ("subsetof", Op::SubsetOf),
        ("anyof", Op::AnyOf),
        ("noneof", Op::NoneOf),
        ("contains", Op::Contains),
        ("empty", Op::Empty),
        ("size", Op::Size),
        ("nin", Op::Nin),
        ("in", Op::In),
    ];
    for (word, op) in WORDS {
        let n = word.len();
        let after = cur.peek_at(n);
        if cur.chars.len() >= cur.pos + n
            && cur.chars[cur.pos..cur.pos + n]
                .iter()
                .copied()
                .eq(word.chars())
            && after.is_none_or(|c| !c.is_alphanumeric())
        {
            cur.pos += n;
            return Some(*op);
        }
    }
    None
}

fn parse_operand(cur: &mut Cursor<'_>) -> Result<Operand, PathError> {
    cur.skip_ws();
    match cur.peek() {
        Some('@') => {
            let p = parse_path(cur, true)?;
            Ok(Operand::Path(p, true))
        }
        Some('$') => {
            let p = parse_path(cur, true)?;
            Ok(Operand::Path(p, false))
        }
        Some('/') => {
            cur.pos += 1;
            let mut pattern = String::new();
            let mut escaped = false;
            loop {
                let Some(c) = cur.peek() else {
                    return Err(cur.error("unterminated regular expression"));
                };
                cur.pos += 1;
                if escaped {
                    escaped = false;
                    if c != '/' {
                        pattern.push('\\');
                    }
                    pattern.push(c);
                } else if c == '\\' {
                    escaped = true;
                } else if c == '/' {
                    break;
                } else {
                    pattern.push(c);
                }
            }
            let mut flags = String::new();
            while let Some(c) = cur.peek().filter(|c| c.is_ascii_alphabetic()) {
                flags.push(c);
                cur.pos += 1;
            }
            if let Err(e) = build_regex(&pattern, &flags) {
                return Err(cur.error(format!("invalid regular expression: {e}")));
            }
            Ok(Operand::Regex(pattern, flags))
        }
        _ => parse_literal(cur),
    }
}

fn build_regex(pattern: &str, flags: &str) -> Result<regex::Regex, regex::Error> {
    let mut builder = regex::RegexBuilder::new(pattern);
    builder.case_insensitive(flags.contains('i'));
    builder.multi_line(flags.contains('m'));
    builder.dot_matches_new_line(flags.contains('s'));
    builder.build()
}

/// An operand's value: `None` when a path matches nothing (Jayway's "undefined").
enum Resolved {
    Undefined,
    Value(Value),
    Regex(regex::Regex),
}

fn resolve(operand: &Operand, item: &Value, root: &Value) -> Resolved {
    match operand {
        Operand::Value(v) => Resolved::Value(v.clone()),
        Operand::Regex(p, f) => match build_regex(p, f) {
            Ok(r) => Resolved::Regex(r),
            Err(_) => Resolved::Undefined,
        },
        Operand::Path(parsed, relative) => {
            debug_assert_eq!(parsed.root, Root::Input);
            let base = if *relative { item } else { root };
            match evaluate_relative(parsed, base, root) {
                Some(v) => Resolved::Value(v),
                None => Resolved::Undefined,
            }
        }
    }
}

/// Evaluates a filter on `item`; `root` is the document the whole query runs on.
pub(crate) fn matches(expr: &Expr, item: &Value, root: &Value) -> bool {
    match expr {
        Expr::Or(a, b) => matches(a, item, root) || matches(b, item, root),
        Expr::And(a, b) => matches(a, item, root) && matches(b, item, root),
        Expr::Not(a) => !matches(a, item, root),
        Expr::Exists(operand) => match resolve(operand, item, root) {
            Resolved::Undefined => false,
            Resolved::Value(Value::Bool(b)) if !matches!(operand, Operand::Path(..)) => b,
            Resolved::Value(Value::Array(a)) if matches!(operand, Operand::Path(p, _) if !p.is_definite()) => {
                !a.is_empty()
            }
            Resolved::Value(_) | Resolved::Regex(_) => true,
        },
        Expr::Compare(left, op, right) => {
            let l = resolve(left, item, root);
            let r = resolve(right, item, root);
            compare(&l, *op, &r)
        }
    }
}

fn compare(left: &Resolved, op: Op, right: &Resolved) -> bool {
    if op == Op::Ne {
        return !compare(left, Op::Eq, right);
    }
    if op == Op::Regex {
        let (Resolved::Value(v), Resolved::Regex(re)) = (left, right) else {
            return false;
        };
        return match v {
            Value::String(s) => re.is_match(s),
            Value::Number(n) => re.is_match(&n.to_string()),
            Value::Bool(b) => re.is_match(&b.to_string()),
            _ => false,
        };
    }
    let (Resolved::Value(l), Resolved::Value(r)) = (left, right) else {
        return false;
    };
    match op {
        Op::Eq => values_equal(l, r),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let ordering = match (l, r) {
                (Value::Number(a), Value::Number(b)) => a
                    .as_f64()
                    .partial_cmp(&b.as_f64())
                    .unwrap_or(std::cmp::Ordering::Equal),
                (Value::String(a), Value::String(b)) => a.cmp(b),
                _ => return false,
            };
            match op {
                Op::Lt => ordering.is_lt(),
                Op::Le => ordering.is_le(),
                Op::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            }
        }
        Op::In => r
            .as_array()
            .is_some_and(|a| a.iter().any(|x| values_equal(l, x))),
        Op::Nin => r
            .as_array()
            .is_some_and(|a| !a.iter().any(|x| values_equal(l, x))),
        Op::SubsetOf => match (l.as_array(), r.as_array()) {
            (Some(a), Some(b)) => a.iter().all(|x| b.iter().any(|y| values_equal(x, y))),
            _ => false,
        },
        Op::AnyOf => match (l.as_array(), r.as_array()) {
            (Some(a), Some(b)) => a.iter().any(|x| b.iter().any(|y| values_equal(x, y))),
            _ => false,
        },
        Op::NoneOf => match (l.as_array(), r.as_array()) {
            (Some(a), Some(b)) => !a.iter().any(|x| b.iter().any(|y| values_equal(x, y))),
            _ => false,
        },
        Op::Contains => match (l, r) {
            (Value::Array(a), x) => a.iter().any(|y| values_equal(x, y)),
            (Value::String(s), Value::String(x)) => s.contains(x.as_str()),
            _ => false,
        },
        Op::Size => {
            let len = match l {
                Value::Array(a) => a.len(),
                Value::String(s) => s.chars().count(),
                _ => return false,
            };
            r.as_f64().is_some_and(|n| n == len as f64)
        }
        Op::Empty => {
            let is_empty = match l {
                Value::Array(a) => a.is_empty(),
                Value::String(s) => s.is_empty(),
                _ => return false,
            };
            r.as_bool() == Some(is_empty)
        }
        Op::Ne | Op::Regex => unreachable!("handled above"),
    }
}
