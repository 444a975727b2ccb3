//! Choice rules: comparison operators and their `Path` forms, `And`/`Or`/`Not`, the `Is*`
//! type tests and `StringMatches`, as the ASL specification ("Choice Rules") defines them.
//!
//! A comparison against a value of the wrong type is false, not an error (the spec: "if
//! the types don't match, the comparison is false").

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::{Number, Value};

use super::dataflow::{DataError, missing_path_explanation, select};
use asl::jsonpath::{PathError, Scope};

/// Parses an RFC 3339 timestamp as AWS accepts it: `T` separator and an offset required
/// (`2016-03-14T01:59:00Z`, `2016-03-14T01:59:00.123+02:00`).
pub fn parse_timestamp(text: &str) -> Option<DateTime<FixedOffset>> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 || bytes[10] != b'T' {
        return None;
    }
    DateTime::parse_from_rfc3339(text).ok()
}

/// Evaluates one top-level or nested JSONPath Choice rule against `input`.
pub fn evaluate_rule(rule: &Value, input: &Value, scope: &Scope<'_>) -> Result<bool, DataError> {
    let Some(fields) = rule.as_object() else {
        return Err(DataError::runtime("a Choice rule must be an object"));
    };
    if let Some(rules) = fields.get("And").and_then(Value::as_array) {
        for rule in rules {
            if !evaluate_rule(rule, input, scope)? {
                return Ok(false);
            }
        }
        return Ok(true);
    }
    if let Some(rules) = fields.get("Or").and_then(Value::as_array) {
        for rule in rules {
            if evaluate_rule(rule, input, scope)? {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if let Some(rule) = fields.get("Not") {
        return Ok(!evaluate_rule(rule, input, scope)?);
    }
    let variable = fields
        .get("Variable")
        .and_then(Value::as_str)
        .ok_or_else(|| DataError::runtime("a Choice rule needs a Variable"))?;
    let (operator, operand) = fields
        .iter()
        .find(|(key, _)| {
            !matches!(
                key.as_str(),
                "Variable" | "Next" | "Comment" | "Assign" | "Output"
            )
        })
        .ok_or_else(|| DataError::runtime("a Choice rule needs a comparison operator"))?;
    let value = match select(variable, input, scope) {
        Ok(value) => Some(value),
        Err(PathError::NoResults { .. }) => None,
        Err(other) => return Err(DataError::runtime(other.to_string())),
    };
    if operator == "IsPresent" {
        return Ok(value.is_some() == operand.as_bool().unwrap_or(true));
    }
    let Some(value) = value else {
        return Err(DataError::runtime(format!(
            "Invalid path '{variable}' : {}",
            missing_path_explanation(variable, input, scope)
        )));
    };
    let (name, operand) = match operator.strip_suffix("Path") {
        Some(name) if name != "Timestamp" && name != "Seconds" => {
            let path = operand.as_str().unwrap_or("$");
            let resolved = select(path, input, scope).map_err(|e| match e {
                PathError::NoResults { .. } => DataError::runtime(format!(
                    "Invalid path '{path}' : {}",
                    missing_path_explanation(path, input, scope)
                )),
                other => DataError::runtime(other.to_string()),
            })?;
            (name, resolved)
        }
        _ => (operator.as_str(), operand.clone()),
    };
    compare(name, &value, &operand)
}

/// Applies operator `name` (without `Path`) to `value` and `operand`.
fn compare(name: &str, value: &Value, operand: &Value) -> Result<bool, DataError> {
    let expect = operand.as_bool();
    Ok(match name {
        "IsNull" => value.is_null() == expect.unwrap_or(true),
        "IsNumeric" => value.is_number() == expect.unwrap_or(true),
        "IsString" => value.is_string() == expect.unwrap_or(true),
        "IsBoolean" => value.is_boolean() == expect.unwrap_or(true),
        "IsTimestamp" => {
            let is = value.as_str().and_then(parse_timestamp).is_some();
            is == expect.unwrap_or(true)
        }
        "StringMatches" => match (value.as_str(), operand.as_str()) {
            (Some(text), Some(pattern)) => string_matches(text, pattern),
            _ => false,
        },
        "BooleanEquals" => match (value.as_bool(), operand.as_bool()) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        },
        _ => {
            let ordering = if let Some(kind) = name.strip_prefix("String") {
                match (value.as_str(), operand.as_str()) {
                    (Some(a), Some(b)) => Some((kind, a.cmp(b))),
                    _ => None,
                }
            } else if let Some(kind) = name.strip_prefix("Numeric") {
                match (value.as_number(), operand.as_number()) {
                    (Some(a), Some(b)) => Some((kind, compare_numbers(a, b))),
                    _ => None,
                }
            } else if let Some(kind) = name.strip_prefix("Timestamp") {
                match (
                    value.as_str().and_then(parse_timestamp),
                    operand.as_str().and_then(parse_timestamp),
                ) {
                    (Some(a), Some(b)) => Some((kind, a.cmp(&b))),
                    _ => None,
                }
            } else {
                return Err(DataError::runtime(format!(
                    "unknown Choice operator '{name}'"
                )));
            };
            match ordering {
                None => false,
                Some((kind, ordering)) => match kind {
                    "Equals" => ordering == Ordering::Equal,
                    "LessThan" => ordering == Ordering::Less,
                    "GreaterThan" => ordering == Ordering::Greater,
                    "LessThanEquals" => ordering != Ordering::Greater,
                    "GreaterThanEquals" => ordering != Ordering::Less,
                    other => {
                        return Err(DataError::runtime(format!(
                            "unknown Choice operator '{name}' ({other})"
                        )));
                    }
                },
            }
        }
    })
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
    use super::*;

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
