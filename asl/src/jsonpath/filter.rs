//! Filter expressions (`[?(...)]`): parsing and evaluation, following Jayway's rules.

use serde_json::Value;

use super::PathError;
use super::eval::{evaluate_relative, values_equal};
use super::syntax::{Cursor, Parsed, Root, parse_literal, parse_path};

/// A filter expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    /// `a || b || ...`: true when a term is (evaluated left to right, stopping there).
    Or(Vec<Expr>),
    /// `a && b && ...`.
    And(Vec<Expr>),
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
    /// `/pattern/flags`.
    Regex(Pattern),
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Op {
    Eq,
    Ne,
    /// `===`: equal and of the same type (no number/string conversion).
    StrictEq,
    /// `!==`.
    StrictNe,
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

// `a || b || c` and `a && b && c` are flat lists, as Jayway's LogicalExpressionNode holds
// them: evaluating (and dropping) a long chain does not recurse once per term.
fn parse_or(cur: &mut Cursor<'_>) -> Result<Expr, PathError> {
    let mut terms = vec![parse_and(cur)?];
    loop {
        cur.skip_ws();
        if cur.eat_str("||") {
            terms.push(parse_and(cur)?);
        } else if terms.len() == 1 {
            return Ok(terms.remove(0));
        } else {
            return Ok(Expr::Or(terms));
        }
    }
}

fn parse_and(cur: &mut Cursor<'_>) -> Result<Expr, PathError> {
    let mut terms = vec![parse_unary(cur)?];
    loop {
        cur.skip_ws();
        if cur.eat_str("&&") {
            terms.push(parse_unary(cur)?);
        } else if terms.len() == 1 {
            return Ok(terms.remove(0));
        } else {
            return Ok(Expr::And(terms));
        }
    }
}

fn parse_unary(cur: &mut Cursor<'_>) -> Result<Expr, PathError> {
    cur.skip_ws();
    if cur.peek() == Some('!') && cur.peek_at(1) != Some('=') {
        cur.pos += 1;
        let save = cur.pos;
        cur.skip_ws();
        if matches!(cur.peek(), Some('@' | '$')) {
            // Jayway reads `!` before a path as "does not exist", and only when nothing is
            // compared with it: `!@.a == 1` is `@.a == 1` (FilterCompiler
            // .readLogicalANDOperand / readPath's `shouldExists`).
            let operand = parse_operand(cur)?;
            cur.skip_ws();
            return match parse_op(cur) {
                Some(op) => Ok(Expr::Compare(operand, op, parse_right_operand(cur)?)),
                None => Ok(Expr::Not(Box::new(Expr::Exists(operand)))),
            };
        }
        cur.pos = save;
        cur.enter()?;
        let inner = parse_unary(cur)?;
        cur.leave();
        return Ok(Expr::Not(Box::new(inner)));
    }
    if cur.eat('(') {
        cur.enter()?;
        let inner = parse_or(cur)?;
        cur.leave();
        cur.skip_ws();
        if !cur.eat(')') {
            return Err(cur.error("expected ')' in filter"));
        }
        return Ok(inner);
    }
    let left = parse_operand(cur)?;
    cur.skip_ws();
    let Some(op) = parse_op(cur) else {
        if !matches!(left, Operand::Path(..)) {
            // Jayway: a lone operand must be a path (`[?(!5)]` and `[?('foo')]` do not
            // compile: FilterCompilerTest.invalid_filters_does_not_compile).
            return Err(cur.error(
                "a filter term without an operator must be a path (@... or $...); Jayway, the \
                 JSONPath library of Step Functions, does not compile [?(true)] or [?(!5)] \
                 (FilterCompilerTest.invalid_filters_does_not_compile)",
            ));
        }
        return Ok(Expr::Exists(left));
    };
    let right = parse_right_operand(cur)?;
    Ok(Expr::Compare(left, op, right))
}

/// The right side of a comparison: an operand, or an unquoted word (`[?(@.Name==Receipt)]`),
/// which is read as the string it spells. Upstream Jayway 2.x refuses an unquoted word
/// (its FilterCompilerTest `invalid_path_when_string_literal_is_unquoted`); Step Functions
/// accepts it in deployed definitions, and this follows Step Functions.
fn parse_right_operand(cur: &mut Cursor<'_>) -> Result<Operand, PathError> {
    cur.skip_ws();
    let start = cur.pos;
    let word_start = cur.peek().is_some_and(|c| c.is_alphabetic() || c == '_');
    if word_start && !["true", "false", "null"].iter().any(|w| is_word_at(cur, w)) {
        while cur
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
        {
            cur.pos += 1;
        }
        let word: String = cur.chars[start..cur.pos].iter().collect();
        return Ok(Operand::Value(Value::String(word)));
    }
    parse_operand(cur)
}

/// Whether `word` is at the cursor as a whole word.
fn is_word_at(cur: &Cursor<'_>, word: &str) -> bool {
    let n = word.chars().count();
    cur.chars.len() >= cur.pos + n
        && cur.chars[cur.pos..cur.pos + n]
            .iter()
            .zip(word.chars())
            .all(|(a, b)| a.eq_ignore_ascii_case(&b))
        && cur
            .peek_at(n)
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
}

fn parse_op(cur: &mut Cursor<'_>) -> Option<Op> {
    const SYMBOLS: &[(&str, Op)] = &[
        ("===", Op::StrictEq),
        ("!==", Op::StrictNe),
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
    // Jayway's word operators, matched without regard to case (RelationalOperator
    // .fromString upper-cases what it reads).
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
        if is_word_at(cur, word) {
            cur.pos += word.len();
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
            match build_regex(&pattern, &flags) {
                Ok(regex) => Ok(Operand::Regex(Pattern {
                    source: pattern,
                    flags,
                    regex,
                })),
                Err(e) => Err(cur.error(format!(
                    "invalid regular expression /{pattern}/ (Java's look-around, \
                     back-references and possessive quantifiers are not supported here): {e}"
                ))),
            }
        }
        _ => parse_literal(cur),
    }
}

/// A regular expression of a filter, compiled once when the path is parsed.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    /// The text between the slashes.
    pub source: String,
    /// The letters after the closing slash.
    pub flags: String,
    regex: regex::Regex,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.flags == other.flags
    }
}

fn build_regex(pattern: &str, flags: &str) -> Result<regex::Regex, regex::Error> {
    // Jayway matches with java.util.regex `Matcher.matches()`: the whole input, not a part.
    let mut builder = regex::RegexBuilder::new(&format!("^(?:{pattern})$"));
    // Java's flags (Jayway PatternFlag): i, m, s and x map to the same modes here; d, u and
    // U change nothing the regex crate does differently; other letters are ignored.
    builder.case_insensitive(flags.contains('i'));
    builder.multi_line(flags.contains('m'));
    builder.dot_matches_new_line(flags.contains('s'));
    builder.ignore_whitespace(flags.contains('x'));
    builder.build()
}

/// An operand's value as Jayway's filter sees it (its `ValueNode` kinds).
enum Node {
    /// A path that matched nothing.
    Undefined,
    Null,
    Bool(bool),
    Number(serde_json::Number),
    Str(String),
    /// An array or object (Jayway's `JsonNode`), or the matches of an indefinite path.
    Json(Value),
    Regex(regex::Regex),
}

impl Node {
    fn from_value(value: Value) -> Node {
        match value {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(b),
            Value::Number(n) => Node::Number(n),
            Value::String(s) => Node::Str(s),
            other => Node::Json(other),
        }
    }

    fn same_kind(&self, other: &Node) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    fn as_list(&self) -> Option<&Vec<Value>> {
        match self {
            Node::Json(Value::Array(items)) => Some(items),
            _ => None,
        }
    }
}

fn resolve(operand: &Operand, item: &Value, root: &Value) -> Node {
    match operand {
        Operand::Value(v) => Node::from_value(v.clone()),
        Operand::Regex(pattern) => Node::Regex(pattern.regex.clone()),
        Operand::Path(parsed, relative) => {
            debug_assert_eq!(parsed.root, Root::Input);
            let base = if *relative { item } else { root };
            match evaluate_relative(parsed, base, root) {
                Some(v) if parsed.is_definite() => Node::from_value(v),
                // An indefinite path is the list of its matches, whatever they are.
                Some(v) => Node::Json(v),
                None => Node::Undefined,
            }
        }
    }
}

/// Evaluates a filter on `item`; `root` is the document the whole query runs on.
pub(crate) fn matches(expr: &Expr, item: &Value, root: &Value) -> bool {
    match expr {
        Expr::Or(terms) => terms.iter().any(|t| matches(t, item, root)),
        Expr::And(terms) => terms.iter().all(|t| matches(t, item, root)),
        Expr::Not(a) => !matches(a, item, root),
        Expr::Exists(operand) => match resolve(operand, item, root) {
            Node::Undefined => false,
            Node::Json(Value::Array(a)) if matches!(operand, Operand::Path(p, _) if !p.is_definite()) => {
                !a.is_empty()
            }
            _ => true,
        },
        Expr::Compare(left, op, right) => {
            let l = resolve(left, item, root);
            let r = resolve(right, item, root);
            compare(&l, *op, &r)
        }
    }
}

/// The text Jayway converts a number to when comparing it with a string.
fn number_text(n: &serde_json::Number) -> String {
    n.to_string()
}

/// Jayway's `==` (`ValueNode.equals`, the left side's): a number and a string are equal
/// when the string reads as the same number (`1 == '1'`), a string and a number when the
/// number prints as the string; arrays and objects compare as JSON; an undefined path
/// equals nothing.
fn loose_equal(left: &Node, right: &Node) -> bool {
    match (left, right) {
        (Node::Number(a), Node::Number(b)) => {
            values_equal(&Value::Number(a.clone()), &Value::Number(b.clone()))
        }
        (Node::Number(a), Node::Str(b)) => b
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|_| is_java_decimal(b))
            .is_some_and(|x| a.as_f64() == Some(x)),
        (Node::Str(a), Node::Number(b)) => *a == number_text(b),
        (Node::Str(a), Node::Str(b)) => a == b,
        (Node::Bool(a), Node::Bool(b)) => a == b,
        (Node::Null, Node::Null) => true,
        (Node::Json(a), Node::Json(b)) => values_equal(a, b),
        _ => false,
    }
}

/// Whether `s` is what `java.math.BigDecimal(String)` accepts: an optional sign, digits
/// with an optional fraction, and an optional exponent (no spaces, no `NaN`/`Infinity`).
fn is_java_decimal(s: &str) -> bool {
    let s = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa, ""),
    };
    let digits = |t: &str| t.chars().all(|c| c.is_ascii_digit());
    (!int.is_empty() || !frac.is_empty())
        && digits(int)
        && digits(frac)
        && exponent.is_none_or(|e| {
            let e = e.strip_prefix(['+', '-']).unwrap_or(e);
            !e.is_empty() && digits(e)
        })
}

/// Whether `list` holds a value equal (`==`) to `node`.
fn list_contains(list: &[Value], node: &Node) -> bool {
    list.iter()
        .any(|v| loose_equal(node, &Node::from_value(v.clone())))
}

/// Jayway's evaluators (`EvaluatorFactory`), one per operator.
fn compare(left: &Node, op: Op, right: &Node) -> bool {
    match op {
        Op::Eq => loose_equal(left, right),
        Op::Ne => !loose_equal(left, right),
        Op::StrictEq => left.same_kind(right) && loose_equal(left, right),
        Op::StrictNe => !(left.same_kind(right) && loose_equal(left, right)),
        Op::Lt | Op::Le | Op::Gt | Op::Ge => {
            let ordering = match (left, right) {
                (Node::Number(a), Node::Number(b)) => match a.as_f64().partial_cmp(&b.as_f64()) {
                    Some(o) => o,
                    None => return false,
                },
                (Node::Str(a), Node::Str(b)) => java_string_cmp(a, b),
                _ => return false,
            };
            match op {
                Op::Lt => ordering.is_lt(),
                Op::Le => ordering.is_le(),
                Op::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            }
        }
        Op::Regex => {
            let (re, input) = match (left, right) {
                (Node::Regex(_), Node::Regex(_)) => return false,
                (Node::Regex(re), other) | (other, Node::Regex(re)) => (re, other),
                _ => return false,
            };
            let text = match input {
                Node::Str(s) => s.clone(),
                Node::Number(n) => number_text(n),
                Node::Bool(b) => b.to_string(),
                // Jayway matches anything else as the empty string.
                _ => String::new(),
            };
            re.is_match(&text)
        }
        Op::In => right.as_list().is_some_and(|l| list_contains(l, left)),
        Op::Nin => !right.as_list().is_some_and(|l| list_contains(l, left)),
        Op::SubsetOf => match (left.as_list(), right.as_list()) {
            (Some(a), Some(b)) => a
                .iter()
                .all(|x| list_contains(b, &Node::from_value(x.clone()))),
            _ => false,
        },
        Op::AnyOf => match (left.as_list(), right.as_list()) {
            (Some(a), Some(b)) => a
                .iter()
                .any(|x| list_contains(b, &Node::from_value(x.clone()))),
            _ => false,
        },
        Op::NoneOf => match (left.as_list(), right.as_list()) {
            (Some(a), Some(b)) => !a
                .iter()
                .any(|x| list_contains(b, &Node::from_value(x.clone()))),
            _ => false,
        },
        Op::Contains => match (left, right) {
            (Node::Str(s), Node::Str(x)) => s.contains(x.as_str()),
            (Node::Json(Value::Array(a)), x) => list_contains(a, x),
            _ => false,
        },
        Op::Size => {
            let Node::Number(n) = right else {
                return false;
            };
            // Java's `BigDecimal.intValue()`: the integer part.
            let expected = n.as_f64().map(f64::trunc);
            let len = match left {
                // Java counts UTF-16 units.
                Node::Str(s) => s.encode_utf16().count() as f64,
                Node::Json(Value::Array(a)) => a.len() as f64,
                Node::Json(_) => -1.0,
                _ => return false,
            };
            expected == Some(len)
        }
        Op::Empty => {
            let Node::Bool(want) = right else {
                return false;
            };
            let is_empty = match left {
                Node::Str(s) => s.is_empty(),
                Node::Json(Value::Array(a)) => a.is_empty(),
                Node::Json(Value::Object(o)) => o.is_empty(),
                Node::Json(_) => true,
                _ => return false,
            };
            is_empty == *want
        }
    }
}

/// Java's `String.compareTo`: by UTF-16 code units.
fn java_string_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    a.encode_utf16().cmp(b.encode_utf16())
}
