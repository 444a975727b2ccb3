//! `Retry` and `Catch`: retrier and catcher fields, value ranges, and the rule that
//! `States.ALL` appears alone and in the last retrier/catcher.

use serde_json::Value;

use super::expr::{self, PathKind};
use super::state::{StateInfo, Transition};
use super::{Ctx, QueryLanguage, Rule, child, index, type_name};

const RETRIER_FIELDS: [&str; 7] = [
    "ErrorEquals",
    "IntervalSeconds",
    "MaxAttempts",
    "BackoffRate",
    "MaxDelaySeconds",
    "JitterStrategy",
    "Comment",
];

/// Checks `ErrorEquals` and the placement of `States.ALL`.
fn check_error_equals(
    ctx: &mut Ctx,
    item: &serde_json::Map<String, Value>,
    ptr: &str,
    is_last: bool,
    what: &str,
) {
    let ep = child(ptr, "ErrorEquals");
    let Some(errors) = item.get("ErrorEquals") else {
        ctx.push(
            ptr,
            Rule::MissingRequiredField,
            format!(
                "Each {what} needs ErrorEquals: a non-empty array of error names, e.g. \
                 [\"States.TaskFailed\"] or [\"States.ALL\"]."
            ),
        );
        return;
    };
    let Some(list) = errors.as_array().filter(|l| !l.is_empty()) else {
        ctx.push(
            &ep,
            Rule::InvalidFieldType,
            format!(
                "ErrorEquals must be a non-empty array of error names, not {}.",
                if errors.is_array() {
                    "an empty array"
                } else {
                    type_name(errors)
                }
            ),
        );
        return;
    };
    for (i, e) in list.iter().enumerate() {
        if !e.is_string() {
            ctx.push(
                &index(&ep, i),
                Rule::InvalidFieldType,
                format!("Error names must be strings, not {}.", type_name(e)),
            );
        }
    }
    if list.iter().any(|e| e.as_str() == Some("States.ALL")) {
        if list.len() > 1 {
            ctx.push(
                &ep,
                Rule::StatesAllNotAlone,
                format!(
                    "States.ALL must appear alone in ErrorEquals. Move the other error names to \
                     an earlier {what}."
                ),
            );
        }
        if !is_last {
            ctx.push(
                &ep,
                Rule::StatesAllNotLast,
                format!(
                    "A {what} with States.ALL must be the last one: later ones can never match. \
                     Move it to the end."
                ),
            );
        }
    }
}

/// Validates a `Retry` field (if any).
pub(crate) fn check_retry(ctx: &mut Ctx, retry: Option<&Value>, ptr: &str) {
    let Some(retry) = retry else { return };
    let Some(list) = retry.as_array() else {
        ctx.push(
            ptr,
            Rule::InvalidFieldType,
            format!(
                "Retry must be an array of retriers, not {}.",
                type_name(retry)
            ),
        );
        return;
    };
    for (i, r) in list.iter().enumerate() {
        let rp = index(ptr, i);
        let Some(obj) = r.as_object() else {
            ctx.push(
                &rp,
                Rule::InvalidFieldType,
                format!("A retrier must be an object, not {}.", type_name(r)),
            );
            continue;
        };
        for k in obj.keys() {
            if !RETRIER_FIELDS.contains(&k.as_str()) {
                ctx.push(
                    &child(&rp, k),
                    Rule::UnknownField,
                    format!(
                        "Field '{k}' is not supported in a retrier. Allowed fields: {}.",
                        RETRIER_FIELDS.join(", ")
                    ),
                );
            }
        }
        check_error_equals(ctx, obj, &rp, i + 1 == list.len(), "retrier");
        if let Some(v) = obj.get("IntervalSeconds")
            && !v.as_u64().is_some_and(|n| (1..=99_999_999).contains(&n))
        {
            ctx.push(
                &child(&rp, "IntervalSeconds"),
                Rule::InvalidRetrier,
                format!("IntervalSeconds must be an integer of at least 1, not {v}."),
            );
        }
        if let Some(v) = obj.get("MaxAttempts")
            && v.as_u64().is_none_or(|n| n > 99_999_999)
        {
            ctx.push(
                &child(&rp, "MaxAttempts"),
                Rule::InvalidRetrier,
                format!(
                    "MaxAttempts must be a non-negative integer (0 means never retry), not {v}."
                ),
            );
        }
        if let Some(v) = obj.get("BackoffRate")
            && !v.as_f64().is_some_and(|n| n >= 1.0)
        {
            ctx.push(
                &child(&rp, "BackoffRate"),
                Rule::InvalidRetrier,
                format!("BackoffRate must be a number of at least 1.0, not {v}."),
            );
        }
        if let Some(v) = obj.get("MaxDelaySeconds")
            && !v.as_u64().is_some_and(|n| (1..=31_622_400).contains(&n))
        {
            ctx.push(
                &child(&rp, "MaxDelaySeconds"),
                Rule::InvalidRetrier,
                format!(
                    "MaxDelaySeconds must be an integer from 1 to 31622400 (one year), not {v}."
                ),
            );
        }
        if let Some(v) = obj.get("JitterStrategy")
            && !matches!(v.as_str(), Some("FULL" | "NONE"))
        {
            ctx.push(
                &child(&rp, "JitterStrategy"),
                Rule::InvalidRetrier,
                format!("JitterStrategy must be \"FULL\" or \"NONE\", not {v}."),
            );
        }
    }
}

/// Validates a `Catch` field (if any), recording the catchers' transitions.
pub(crate) fn check_catch(
    ctx: &mut Ctx,
    catch: Option<&Value>,
    ptr: &str,
    ql: QueryLanguage,
    info: &mut StateInfo,
) {
    let Some(catch) = catch else { return };
    let Some(list) = catch.as_array() else {
        ctx.push(
            ptr,
            Rule::InvalidFieldType,
            format!(
                "Catch must be an array of catchers, not {}.",
                type_name(catch)
            ),
        );
        return;
    };
    let allowed: &[&str] = match ql {
        QueryLanguage::JsonPath => &["ErrorEquals", "Next", "ResultPath", "Assign", "Comment"],
        QueryLanguage::Jsonata => &["ErrorEquals", "Next", "Output", "Assign", "Comment"],
    };
    for (i, c) in list.iter().enumerate() {
        let cp = index(ptr, i);
        let Some(obj) = c.as_object() else {
            ctx.push(
                &cp,
                Rule::InvalidFieldType,
                format!("A catcher must be an object, not {}.", type_name(c)),
            );
            continue;
        };
        for k in obj.keys() {
            if !allowed.contains(&k.as_str()) {
                let rule = if matches!(k.as_str(), "ResultPath" | "Output") {
                    Rule::FieldNotAllowedInQueryLanguage
                } else {
                    Rule::UnknownField
                };
                ctx.push(
                    &child(&cp, k),
                    rule,
                    format!(
                        "Field '{k}' is not supported in a catcher of a {} state. Allowed \
                         fields: {}.",
                        match ql {
                            QueryLanguage::JsonPath => "JSONPath",
                            QueryLanguage::Jsonata => "JSONata",
                        },
                        allowed.join(", ")
                    ),
                );
            }
        }
        check_error_equals(ctx, obj, &cp, i + 1 == list.len(), "catcher");
        match obj.get("Next") {
            Some(Value::String(n)) => info.targets.push(Transition {
                target: n.clone(),
                pointer: child(&cp, "Next"),
            }),
            Some(other) => ctx.push(
                &child(&cp, "Next"),
                Rule::InvalidFieldType,
                format!(
                    "A catcher's Next must be a string naming a state, not {}.",
                    type_name(other)
                ),
            ),
            None => ctx.push(
                &cp,
                Rule::MissingRequiredField,
                "Each catcher needs Next: the state to go to when the error is caught.",
            ),
        }
        if ql == QueryLanguage::JsonPath {
            if let Some(p) = obj.get("ResultPath") {
                expr::check_path_field(
                    ctx,
                    p,
                    &child(&cp, "ResultPath"),
                    "ResultPath",
                    PathKind::Result,
                    true,
                );
            }
        } else if let Some(o) = obj.get("Output") {
            expr::check_jsonata_value(ctx, o, &child(&cp, "Output"));
        }
        if let Some(a) = obj.get("Assign") {
            expr::check_assign(ctx, a, &child(&cp, "Assign"), ql);
        }
    }
}
