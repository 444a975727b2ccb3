//! Choice rules: comparison operators and their `Path` forms, `And`/`Or`/`Not`, the `Is*`
//! type tests and `StringMatches`, as the ASL specification ("Choice Rules") defines them,
//! compiled from the model's [`Expr`] into a [`Rule`] whose paths are parsed once.
//!
//! A comparison against a value of the wrong type is false, not an error (the spec: "if
//! the types don't match, the comparison is false").

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::{Number, Value};

use super::dataflow::{DataError, PathExpr};
use asl::jsonpath::{PathError, Scope};
use asl::model::{Expr, Operand, Operator};

/// Parses an RFC 3339 timestamp as AWS accepts it: `T` separator and an offset required
/// (`2016-03-14T01:59:00Z`, `2016-03-14T01:59:00.123+02:00`).
pub fn parse_timestamp(text: &str) -> Option<DateTime<FixedOffset>> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[10] != b'T' {
        return None;
    }
    DateTime::parse_from_rfc3339(text).ok()
}

/// A JSONPath Choice rule's test, compiled: its paths parsed, its operand a JSON value.
#[derive(Debug, Clone)]
pub enum Rule {
    /// Every nested rule holds.
    And(Vec<Rule>),
    /// Some nested rule holds.
    Or(Vec<Rule>),
    /// The nested rule does not hold.
    Not(Box<Rule>),
    /// `Variable` compared by one operator.
    Compare {
        /// The value tested.
        variable: PathExpr,
        /// The operator.
        operator: Operator,
        /// What the value is compared with.
        operand: RuleOperand,
    },
}

/// A comparison's operand: a literal, or a path (the operator's `...Path` form).
#[derive(Debug, Clone)]
pub enum RuleOperand {
    /// The literal as written.
    Literal(Value),
    /// The path to the other value.
    Path(PathExpr),
}

impl Rule {
    /// Compiles the model's test.
    pub fn compile(expr: &Expr) -> Self {
        match expr {
            Expr::And(rules) => Rule::And(rules.iter().map(|r| Rule::compile(&r.expr)).collect()),
            Expr::Or(rules) => Rule::Or(rules.iter().map(|r| Rule::compile(&r.expr)).collect()),
            Expr::Not(rule) => Rule::Not(Box::new(Rule::compile(&rule.expr))),
            Expr::Compare(comparison) => Rule::Compare {
                variable: PathExpr::compile(&comparison.variable),
                operator: comparison.operator,
                operand: match &comparison.operand {
                    Operand::Path(path) => RuleOperand::Path(PathExpr::compile(path)),
                    Operand::String(s) | Operand::Timestamp(s) => {
                        RuleOperand::Literal(Value::String(s.clone()))
                    }
                    Operand::Number(n) => RuleOperand::Literal(Value::Number(n.clone())),
                    Operand::Boolean(b) => RuleOperand::Literal(Value::Bool(*b)),
                },
            },
        }
    }

    /// Evaluates the rule against `input`.
    pub fn evaluate(&self, input: &Value, scope: &Scope<'_>) -> Result<bool, DataError> {
        match self {
            Rule::And(rules) => {
                for rule in rules {
                    if !rule.evaluate(input, scope)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Rule::Or(rules) => {
                for rule in rules {
                    if rule.evaluate(input, scope)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Rule::Not(rule) => Ok(!rule.evaluate(input, scope)?),
            Rule::Compare {
                variable,
                operator,
                operand,
            } => {
                let value = match variable.select(input, scope) {
                    Ok(value) => Some(value),
                    Err(PathError::NoResults { .. }) => None,
                    Err(other) => return Err(DataError::runtime(other.to_string())),
                };
                if *operator == Operator::IsPresent {
                    let expect = match operand {
                        RuleOperand::Literal(v) => v.as_bool(),
                        RuleOperand::Path(_) => None,
                    };
                    return Ok(value.is_some() == expect.unwrap_or(true));
                }
                let Some(value) = value else {
                    return Err(DataError::runtime(format!(
                        "Invalid path '{}' : {}",
                        variable.text,
                        variable.missing_explanation(input, scope)
                    )));
                };
                match operand {
                    RuleOperand::Literal(operand) => Ok(compare(*operator, &value, operand)),
                    RuleOperand::Path(path) => {
                        let resolved = path.select_or_invalid(input, scope)?;
                        Ok(compare(*operator, &value, &resolved))
                    }
                }
            }
        }
    }
}

/// Applies `operator` to `value` and `operand`.
fn compare(operator: Operator, value: &Value, operand: &Value) -> bool {
    use Operator::*;
    let expect = || operand.as_bool().unwrap_or(true);
    let strings = || value.as_str().zip(operand.as_str()).map(|(a, b)| a.cmp(b));
    let numbers = || {
        value
            .as_number()
            .zip(operand.as_number())
            .map(|(a, b)| compare_numbers(a, b))
    };
    let timestamps = || {
        value
            .as_str()
            .and_then(parse_timestamp)
            .zip(operand.as_str().and_then(parse_timestamp))
            .map(|(a, b)| a.cmp(&b))
    };
    let is = |ordering: Option<Ordering>, test: fn(Ordering) -> bool| ordering.is_some_and(test);
    match operator {
        IsNull => value.is_null() == expect(),
        IsNumeric => value.is_number() == expect(),
        IsString => value.is_string() == expect(),
        IsBoolean => value.is_boolean() == expect(),
        IsTimestamp => value.as_str().and_then(parse_timestamp).is_some() == expect(),
        IsPresent => true,
        StringMatches => match (value.as_str(), operand.as_str()) {
            (Some(text), Some(pattern)) => string_matches(text, pattern),
            _ => false,
        },
        BooleanEquals => match (value.as_bool(), operand.as_bool()) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        },
        StringEquals => is(strings(), Ordering::is_eq),
        StringLessThan => is(strings(), Ordering::is_lt),
        StringGreaterThan => is(strings(), Ordering::is_gt),
        StringLessThanEquals => is(strings(), Ordering::is_le),
        StringGreaterThanEquals => is(strings(), Ordering::is_ge),
        NumericEquals => is(numbers(), Ordering::is_eq),
        NumericLessThan => is(numbers(), Ordering::is_lt),
        NumericGreaterThan => is(numbers(), Ordering::is_gt),
        NumericLessThanEquals => is(numbers(), Ordering::is_le),
        NumericGreaterThanEquals => is(numbers(), Ordering::is_ge),
        TimestampEquals => is(timestamps(), Ordering::is_eq),
        TimestampLessThan => is(timestamps(), Ordering::is_lt),
        TimestampGreaterThan => is(timestamps(), Ordering::is_gt),
        TimestampLessThanEquals => is(timestamps(), Ordering::is_le),
        TimestampGreaterThanEquals => is(timestamps(), Ordering::is_ge),
    }
}

/// Compares two JSON numbers by value (exactly for integers).
pub fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    if let (Some(x), Some(y)) = (a.as_i64(), b.as_i64()) {
        return x.cmp(&y);
    }
    if let (Some(x), Some(y)) = (a.as_u64(), b.as_u64()) {
        return x.cmp(&y);
    }
    let (x, y) = (
        a.as_f64().unwrap_or(f64::NAN),
        b.as_f64().unwrap_or(f64::NAN),
    );
    x.partial_cmp(&y).unwrap_or(Ordering::Equal)
}

/// `StringMatches`: `*` matches any run of characters; `\*` is a literal star and `\\` a
/// literal backslash.
pub fn string_matches(text: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Token {
        Star,
        Char(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) => tokens.push(Token::Char(escaped)),
                None => tokens.push(Token::Char('\\')),
            },
            '*' => tokens.push(Token::Star),
            other => tokens.push(Token::Char(other)),
        }
    }
    let text: Vec<char> = text.chars().collect();
    // Classic wildcard matching with backtracking to the last star.
    let (mut t, mut p) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < tokens.len() && tokens[p] == Token::Char(text[t]) {
            t += 1;
            p += 1;
        } else if p < tokens.len() && tokens[p] == Token::Star {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while p < tokens.len() && tokens[p] == Token::Star {
        p += 1;
    }
    p == tokens.len()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn numeric_rules_compare_by_value_and_a_missing_variable_is_an_error() {
        let rule = Rule::Compare {
            variable: PathExpr::compile("$.n"),
            operator: Operator::NumericLessThan,
            operand: RuleOperand::Literal(json!(10)),
        };
        let scope = Scope {
            context: &Value::Null,
            variables: &|_| None,
        };
        assert_eq!(rule.evaluate(&json!({"n": 9.5}), &scope), Ok(true));
        assert_eq!(rule.evaluate(&json!({"n": "9"}), &scope), Ok(false));
        let error = rule.evaluate(&json!({}), &scope).unwrap_err();
        assert!(
            error.detail.starts_with("Invalid path '$.n' : "),
            "{error:?}"
        );
    }

    #[test]
    fn wildcards_follow_the_spec_examples() {
        // ASL spec, "StringMatches": "log-*.txt" matches "log-2023.txt".
        assert!(string_matches("log-2023.txt", "log-*.txt"));
        assert!(!string_matches("log-2023.csv", "log-*.txt"));
        assert!(string_matches("a*b", "a\\*b"));
        assert!(!string_matches("axb", "a\\*b"));
        assert!(string_matches("a\\b", "a\\\\b"));
        assert!(string_matches("", "*"));
        assert!(string_matches("abcabc", "*abc"));
    }

    #[test]
    fn timestamps_need_the_t_and_an_offset() {
        assert!(parse_timestamp("2016-03-14T01:59:00Z").is_some());
        assert!(parse_timestamp("2016-03-14T01:59:00.5+02:00").is_some());
        assert!(parse_timestamp("2016-03-14 01:59:00Z").is_none());
        assert!(parse_timestamp("2016-03-14T01:59:00").is_none());
        assert!(parse_timestamp("2016-13-14T01:59:00Z").is_none());
    }
}
