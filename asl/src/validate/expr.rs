//! Expressions inside states: JSONPath paths (`$...`, `$$...`, `$var...`), intrinsic
//! functions (`States.Format(...)`), `.$` fields of payload templates, JSONata
//! `{% ... %}` strings, `Assign` variable names and RFC3339 timestamps.

use std::sync::OnceLock;

use serde_json::Value;

use super::{Ctx, QueryLanguage, Rule, child, index, type_name};
use crate::{intrinsics, jsonpath};

/// The longest variable name AWS accepts, in characters.
pub(crate) const MAX_VARIABLE_NAME_CHARS: usize = 80;

/// What a path field accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathKind {
    /// `ResultPath`: a definite path into the input (`$`, `$.a.b`, `$.a[0]`).
    Result,
    /// A definite path (one value) on the input, the Context Object or a variable.
    Reference,
    /// Any path.
    Path,
    /// Any path or an intrinsic function call.
    PathOrIntrinsic,
}

/// Checks a field whose value is a path (`null` allowed when `nullable`).
pub(crate) fn check_path_field(
    ctx: &mut Ctx,
    v: &Value,
    ptr: &str,
    field: &str,
    kind: PathKind,
    nullable: bool,
) {
    let s = match v {
        Value::Null if nullable => return,
        Value::String(s) => s.as_str(),
        other => {
            ctx.push(
                ptr,
                Rule::InvalidFieldType,
                format!(
                    "{field} must be a {}JSONPath string such as \"$.field\", not {}.",
                    if kind == PathKind::PathOrIntrinsic {
                        "an intrinsic function call or a "
                    } else {
                        ""
                    },
                    type_name(other)
                ),
            );
            return;
        }
    };
    check_path_str(ctx, s, ptr, field, kind);
}

/// Checks a path (or intrinsic call) string.
pub(crate) fn check_path_str(ctx: &mut Ctx, s: &str, ptr: &str, field: &str, kind: PathKind) {
    if intrinsics::is_intrinsic(s) {
        if kind != PathKind::PathOrIntrinsic {
            ctx.push(
                ptr,
                Rule::IntrinsicNotAllowed,
                format!(
                    "{field} must be a path; intrinsic functions such as {} are only allowed in \
                     `.$` fields of Parameters, ResultSelector, ItemSelector, Assign and in \
                     ErrorPath/CausePath. Compute the value in Parameters first.",
                    s.split('(').next().unwrap_or(s)
                ),
            );
            return;
        }
        if let Err(e) = intrinsics::parse(s) {
            ctx.push(
                ptr,
                Rule::InvalidIntrinsicFunction,
                format!(
                    "The value of {field} is not a valid intrinsic function call: {}. Check the \
                     function name (States.Format, States.Array, States.MathAdd, ...), the \
                     number of arguments, quoting ('single quotes') and parentheses.",
                    e.cause
                ),
            );
        }
        return;
    }
    let parsed = match jsonpath::parse(s) {
        Ok(p) => p,
        Err(e) => {
            let reason = match e {
                jsonpath::PathError::Syntax { reason, .. } => reason,
                other => other.to_string(),
            };
            ctx.push(
                ptr,
                Rule::InvalidPath,
                format!(
                    "The value of {field} ({s:?}) is not a valid JSONPath: {reason}. Paths start \
                     with `$` (input), `$$` (Context Object) or `$name` (variable){}.",
                    if kind == PathKind::PathOrIntrinsic {
                        ", or use an intrinsic function such as States.Format(...)"
                    } else {
                        ""
                    }
                ),
            );
            return;
        }
    };
    match kind {
        PathKind::Result if !jsonpath::is_reference_path(s) => ctx.push(
            ptr,
            Rule::InvalidReferencePath,
            format!(
                "{field} must be a reference path into the input: `$` or `$` followed by \
                 .names and [index]es only (no `$$`, variables, wildcards, filters, slices or \
                 functions; `$.a.[0]` is `$.a[0]`), not {s:?}. The AWS developer guide: \
                 ResultPath takes a reference path, which identifies a single node."
            ),
        ),
        PathKind::Reference if !parsed.is_definite() => ctx.push(
            ptr,
            Rule::InvalidReferencePath,
            format!(
                "{field} must be a reference path that selects a single value (only .names and \
                 [index]es, no wildcards, filters, slices or `..`), not {s:?}."
            ),
        ),
        _ => {}
    }
}

/// Checks a JSONPath payload template (Parameters, ResultSelector, ItemSelector, ...):
/// every `.$` key must hold a path or an intrinsic function call.
pub(crate) fn check_payload(ctx: &mut Ctx, v: &Value, ptr: &str, field: &str) {
    match v {
        Value::Object(m) => {
            for (k, val) in m {
                let p = child(ptr, k);
                if k.ends_with(".$") {
                    match val {
                        Value::String(s) => {
                            check_path_str(ctx, s, &p, k, PathKind::PathOrIntrinsic)
                        }
                        other => ctx.push(
                            &p,
                            Rule::InvalidFieldType,
                            format!(
                                "The value of '{k}' in {field} must be a string (a path or an \
                                 intrinsic function call) because the key ends with `.$`, not \
                                 {}. Remove `.$` from the key to use a literal value.",
                                type_name(other)
                            ),
                        ),
                    }
                } else {
                    check_payload(ctx, val, &p, field);
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_payload(ctx, item, &index(ptr, i), field);
            }
        }
        _ => {}
    }
}

/// Whether `v` is a JSONata expression string (`{% ... %}`; the closing delimiter is
/// checked by [`check_jsonata_value`]).
pub(crate) fn is_jsonata_string(v: &Value) -> bool {
    v.as_str().is_some_and(|s| s.starts_with("{%"))
}

/// Whether the JSONata parser is implemented (so that its errors mean something).
pub(crate) fn jsonata_parser_ready() -> bool {
    static READY: OnceLock<bool> = OnceLock::new();
    *READY.get_or_init(|| {
        asl_jsonata::parse("$states.input.a + 1").is_ok()
            && asl_jsonata::parse("$x := {'a': [1, 2]}").is_ok()
    })
}

/// Checks every `{% ... %}` string inside `v` (object keys are literals).
pub(crate) fn check_jsonata_value(ctx: &mut Ctx, v: &Value, ptr: &str) {
    match v {
        Value::String(s) => check_jsonata_str(ctx, s, ptr),
        Value::Object(m) => {
            for (k, val) in m {
                check_jsonata_value(ctx, val, &child(ptr, k));
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                check_jsonata_value(ctx, item, &index(ptr, i));
            }
        }
        _ => {}
    }
}

fn check_jsonata_str(ctx: &mut Ctx, s: &str, ptr: &str) {
    if !s.starts_with("{%") {
        return;
    }
    if s.len() < 4 || !s.ends_with("%}") {
        ctx.push(
            ptr,
            Rule::InvalidJsonata,
            format!(
                "JSONata expression {s:?} starts with `{{%` but does not end with `%}}`. Close it \
                 with `%}}` (nothing may follow), or remove `{{%` to use a literal string."
            ),
        );
        return;
    }
    let inner = &s[2..s.len() - 2];
    if inner.trim().is_empty() {
        ctx.push(
            ptr,
            Rule::InvalidJsonata,
            "The JSONata expression `{% %}` is empty. Write an expression between the \
             delimiters, e.g. \"{% $states.input %}\".",
        );
        return;
    }
    if jsonata_parser_ready()
        && let Err(e) = asl_jsonata::parse(inner)
    {
        let position = e
            .position
            .map(|p| format!(" at character {p}"))
            .unwrap_or_default();
        let code = e.code.map(|c| format!(" ({c})")).unwrap_or_default();
        ctx.push(
            ptr,
            Rule::InvalidJsonata,
            format!(
                "JSONata syntax error{code}{position} in {s:?}: {}. Fix the expression.",
                e.message
            ),
        );
    }
}

/// Whether `name` is a valid variable name: a letter or `_`, then letters, digits or `_`.
pub(crate) fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_')
}

/// Checks an `Assign` block.
pub(crate) fn check_assign(ctx: &mut Ctx, v: &Value, ptr: &str, ql: QueryLanguage) {
    let Some(m) = v.as_object() else {
        ctx.push(
            ptr,
            Rule::InvalidFieldType,
            format!(
                "Assign must be an object mapping variable names to values, not {}.",
                type_name(v)
            ),
        );
        return;
    };
    for (k, val) in m {
        let p = child(ptr, k);
        let (name, dynamic) = match k.strip_suffix(".$") {
            Some(n) if ql == QueryLanguage::JsonPath => (n, true),
            _ => (k.as_str(), false),
        };
        if !is_variable_name(name) {
            ctx.push(
                &p,
                Rule::InvalidVariableName,
                format!(
                    "'{name}' is not a valid variable name. Names start with a letter or `_` and \
                     contain only letters, digits and `_` (no `$`, `.`, `-` or spaces){}.",
                    if ql == QueryLanguage::Jsonata && k.ends_with(".$") {
                        "; JSONata states do not use the `.$` suffix: write the value as \
                         \"{% ... %}\""
                    } else {
                        ""
                    }
                ),
            );
        } else if name.chars().count() > MAX_VARIABLE_NAME_CHARS {
            ctx.push(
                &p,
                Rule::InvalidVariableName,
                format!(
                    "Variable name '{name}' is longer than {MAX_VARIABLE_NAME_CHARS} characters. \
                     Shorten it."
                ),
            );
        } else if name == "states" {
            ctx.push(
                &p,
                Rule::InvalidVariableName,
                "'states' is reserved (JSONata's $states); choose another variable name.",
            );
        }
        match ql {
            QueryLanguage::JsonPath if dynamic => match val {
                Value::String(s) => check_path_str(ctx, s, &p, k, PathKind::PathOrIntrinsic),
                other => ctx.push(
                    &p,
                    Rule::InvalidFieldType,
                    format!(
                        "The value of '{k}' must be a path or an intrinsic function call because \
                         the key ends with `.$`, not {}.",
                        type_name(other)
                    ),
                ),
            },
            QueryLanguage::JsonPath => check_payload(ctx, val, &p, "Assign"),
            QueryLanguage::Jsonata => check_jsonata_value(ctx, val, &p),
        }
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u32, |acc, d| {
        acc.checked_mul(10)?.checked_add(u32::from(d - b'0'))
    })
}

/// Whether `s` is an RFC3339 date-time as Step Functions accepts it:
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`, with a real calendar date.
pub(crate) fn is_rfc3339(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 {
        return false;
    }
    let (Some(year), Some(month), Some(day)) =
        (digits(&b[0..4]), digits(&b[5..7]), digits(&b[8..10]))
    else {
        return false;
    };
    if b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return false;
    }
    let (Some(hour), Some(minute), Some(second)) =
        (digits(&b[11..13]), digits(&b[14..16]), digits(&b[17..19]))
    else {
        return false;
    };
    if b[13] != b':' || b[16] != b':' {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    if day == 0 || day > days || hour > 23 || minute > 59 || second > 60 {
        return false;
    }
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return false;
        }
        rest = &frac[n..];
    }
    match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => {
            matches!((digits(&[*h1, *h2]), digits(&[*m1, *m2])), (Some(h), Some(m)) if h <= 23 && m <= 59)
        }
        _ => false,
    }
}
