//! Per-state checks: `Type`, the fields each state type allows in each query language,
//! `Next`/`End`, and the type-specific fields (Task, Wait, Fail, Map, Parallel, ...).

use serde_json::{Map, Value};

use super::expr::{self, PathKind};
use super::machine::{self, Kind};
use super::{Ctx, QueryLanguage, Rule, child, index, type_name};

/// The largest value AWS accepts for `TimeoutSeconds`, `HeartbeatSeconds` and `Seconds`.
pub(crate) const MAX_SECONDS: u64 = 99_999_999;
/// The longest Map `Label`, in characters.
pub(crate) const MAX_LABEL_CHARS: usize = 40;

/// A transition out of a state.
pub(crate) struct Transition {
    /// The state named.
    pub target: String,
    /// Where it is named.
    pub pointer: String,
}

/// What the machine-level checks need from a state.
#[derive(Default)]
pub(crate) struct StateInfo {
    /// Every transition (Next, Default, Choice rules, Catchers).
    pub targets: Vec<Transition>,
    /// Whether the state can end the execution (End, Succeed, Fail).
    pub terminal: bool,
}

const TYPES: [&str; 8] = [
    "Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
];

const COMMON: [&str; 4] = ["Type", "Comment", "QueryLanguage", "Assign"];

/// Fields allowed in both query languages, per type.
fn base_fields(ty: &str) -> &'static [&'static str] {
    match ty {
        "Pass" => &["Next", "End"],
        "Task" => &[
            "Resource",
            "Next",
            "End",
            "Retry",
            "Catch",
            "TimeoutSeconds",
            "HeartbeatSeconds",
            "Credentials",
        ],
        "Choice" => &["Choices", "Default"],
        "Wait" => &["Seconds", "Timestamp", "Next", "End"],
        "Succeed" => &[],
        "Fail" => &["Error", "Cause"],
        "Parallel" => &["Branches", "Next", "End", "Retry", "Catch"],
        "Map" => &[
            "ItemProcessor",
            "Iterator",
            "ItemSelector",
            "ItemReader",
            "ItemBatcher",
            "ResultWriter",
            "MaxConcurrency",
            "ToleratedFailurePercentage",
            "ToleratedFailureCount",
            "Label",
            "Next",
            "End",
            "Retry",
            "Catch",
        ],
        _ => &[],
    }
}

/// Fields allowed only in JSONPath states, per type.
fn jsonpath_fields(ty: &str) -> &'static [&'static str] {
    match ty {
        "Pass" => &[
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "Result",
        ],
        "Task" => &[
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "ResultSelector",
            "TimeoutSecondsPath",
            "HeartbeatSecondsPath",
        ],
        "Choice" | "Succeed" => &["InputPath", "OutputPath"],
        "Wait" => &["InputPath", "OutputPath", "SecondsPath", "TimestampPath"],
        "Fail" => &["ErrorPath", "CausePath"],
        "Parallel" => &[
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "ResultSelector",
        ],
        "Map" => &[
            "InputPath",
            "OutputPath",
            "Parameters",
            "ResultPath",
            "ResultSelector",
            "ItemsPath",
            "MaxConcurrencyPath",
            "ToleratedFailurePercentagePath",
            "ToleratedFailureCountPath",
        ],
        _ => &[],
    }
}

/// Fields allowed only in JSONata states, per type.
fn jsonata_fields(ty: &str) -> &'static [&'static str] {
    match ty {
        "Pass" | "Choice" | "Wait" | "Succeed" => &["Output"],
        "Task" | "Parallel" => &["Arguments", "Output"],
        "Map" => &["Items", "Output"],
        _ => &[],
    }
}

/// Validates one state; returns its transitions.
pub(crate) fn check_state(
    ctx: &mut Ctx,
    name: &str,
    v: &Value,
    ptr: &str,
    outer: QueryLanguage,
) -> StateInfo {
    let mut info = StateInfo::default();
    let Some(obj) = v.as_object() else {
        ctx.push(
            ptr,
            Rule::InvalidFieldType,
            format!(
                "State '{name}' must be a JSON object with a Type, not {}.",
                type_name(v)
            ),
        );
        return info;
    };
    let ql = machine::query_language(ctx, obj, ptr, outer);
    let ty = match obj.get("Type") {
        None => {
            ctx.push(
                ptr,
                Rule::MissingRequiredField,
                format!(
                    "State '{name}' has no Type. Add \"Type\": one of {}.",
                    TYPES.join(", ")
                ),
            );
            info.terminal = true;
            return info;
        }
        Some(Value::String(t)) if TYPES.contains(&t.as_str()) => t.as_str(),
        Some(other) => {
            ctx.push(
                &child(ptr, "Type"),
                Rule::UnknownStateType,
                format!(
                    "{other} is not a state type. Use one of {} (exact case).",
                    TYPES.join(", ")
                ),
            );
            // Unknown shape: do not also report a missing terminal state.
            info.terminal = true;
            return info;
        }
    };

    check_fields(ctx, obj, ptr, ty, ql);
    if let Some(c) = obj.get("Comment")
        && !c.is_string()
    {
        ctx.push(
            &child(ptr, "Comment"),
            Rule::InvalidFieldType,
            format!("Comment must be a string, not {}.", type_name(c)),
        );
    }

    // Next / End.
    if !matches!(ty, "Choice" | "Succeed" | "Fail") {
        let end = match obj.get("End") {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                ctx.push(
                    &child(ptr, "End"),
                    Rule::InvalidFieldType,
                    format!("End must be true or false, not {}.", type_name(other)),
                );
                false
            }
        };
        match obj.get("Next") {
            Some(Value::String(next)) => {
                if end {
                    ctx.push(
                        ptr,
                        Rule::NextAndEnd,
                        format!(
                            "State '{name}' has both Next and \"End\": true. Keep only one: Next \
                             to continue with another state, End to finish."
                        ),
                    );
                }
                info.targets.push(Transition {
                    target: next.clone(),
                    pointer: child(ptr, "Next"),
                });
            }
            Some(other) => ctx.push(
                &child(ptr, "Next"),
                Rule::InvalidFieldType,
                format!(
                    "Next must be a string naming a state, not {}.",
                    type_name(other)
                ),
            ),
            None if !end => ctx.push(
                ptr,
                Rule::MissingNextOrEnd,
                format!(
                    "State '{name}' ({ty}) has neither Next nor \"End\": true. Add \"Next\": \
                     \"<state name>\" or \"End\": true."
                ),
            ),
            None => {}
        }
        info.terminal = end;
    } else {
        info.terminal = ty != "Choice";
    }

    // Fields common to several types.
    if let Some(a) = obj.get("Assign") {
        expr::check_assign(ctx, a, &child(ptr, "Assign"), ql);
    }
    if ql == QueryLanguage::JsonPath {
        for f in ["InputPath", "OutputPath"] {
            if let Some(p) = obj.get(f) {
                expr::check_path_field(ctx, p, &child(ptr, f), f, PathKind::Path, true);
            }
        }
        if let Some(p) = obj.get("ResultPath") {
            expr::check_path_field(
                ctx,
                p,
                &child(ptr, "ResultPath"),
                "ResultPath",
                PathKind::Result,
                true,
            );
        }
        for f in ["Parameters", "ResultSelector", "ItemSelector"] {
            if let Some(p) = obj.get(f) {
                expr::check_payload(ctx, p, &child(ptr, f), f);
            }
        }
    } else {
        for f in ["Output", "Arguments", "ItemSelector"] {
            if let Some(p) = obj.get(f) {
                expr::check_jsonata_value(ctx, p, &child(ptr, f));
            }
        }
        if let Some(a) = obj.get("Arguments")
            && !a.is_object()
            && !expr::is_jsonata_string(a)
        {
            ctx.push(
                &child(ptr, "Arguments"),
                Rule::InvalidFieldType,
                format!(
                    "Arguments must be an object or a JSONata expression string \"{{% ... %}}\", \
                     not {}.",
                    type_name(a)
                ),
            );
        }
    }
    if matches!(ty, "Task" | "Parallel" | "Map") {
        super::handlers::check_retry(ctx, obj.get("Retry"), &child(ptr, "Retry"));
        super::handlers::check_catch(ctx, obj.get("Catch"), &child(ptr, "Catch"), ql, &mut info);
    }

    match ty {
        "Task" => check_task(ctx, obj, ptr, ql),
        "Choice" => super::choice::check_choice(ctx, obj, ptr, ql, &mut info),
        "Wait" => check_wait(ctx, obj, ptr, ql),
        "Fail" => check_fail(ctx, obj, ptr, ql),
        "Parallel" => check_parallel(ctx, obj, ptr, ql),
        "Map" => check_map(ctx, obj, ptr, ql),
        _ => {}
    }
    info
}

fn check_fields(ctx: &mut Ctx, obj: &Map<String, Value>, ptr: &str, ty: &str, ql: QueryLanguage) {
    let (own, other, other_name, own_name) = match ql {
        QueryLanguage::JsonPath => (
            jsonpath_fields(ty),
            jsonata_fields(ty),
            "JSONata",
            "JSONPath",
        ),
        QueryLanguage::Jsonata => (
            jsonata_fields(ty),
            jsonpath_fields(ty),
            "JSONPath",
            "JSONata",
        ),
    };
    for key in obj.keys() {
        let k = key.as_str();
        if COMMON.contains(&k) || base_fields(ty).contains(&k) || own.contains(&k) {
            continue;
        }
        let p = child(ptr, k);
        if other.contains(&k) {
            let fix = match ql {
                QueryLanguage::Jsonata => {
                    "In JSONata states use Arguments (instead of Parameters), Output (instead of \
                     InputPath/ResultSelector/ResultPath/OutputPath/Result), Items (instead of \
                     ItemsPath) and JSONata expressions instead of the *Path fields"
                }
                QueryLanguage::JsonPath => {
                    "In JSONPath states use Parameters (instead of Arguments), \
                     ResultSelector/ResultPath/OutputPath (instead of Output) and ItemsPath \
                     (instead of Items)"
                }
            };
            ctx.push(
                &p,
                Rule::FieldNotAllowedInQueryLanguage,
                format!(
                    "Field '{k}' is a {other_name} field and this state uses {own_name}. {fix}, or \
                     set \"QueryLanguage\": \"{other_name}\" on the state."
                ),
            );
        } else if matches!(k, "Next" | "End") {
            ctx.push(
                &p,
                Rule::UnknownField,
                format!(
                    "{ty} states cannot have '{k}'. {}",
                    if ty == "Choice" {
                        "A Choice state transitions through its Choices' Next and Default; remove it."
                    } else {
                        "Succeed and Fail states always end the execution; remove it."
                    }
                ),
            );
        } else if matches!(k, "Retry" | "Catch") {
            ctx.push(
                &p,
                Rule::RetryCatchNotAllowed,
                format!(
                    "'{k}' is only allowed in Task, Map and Parallel states, not in a {ty} state. \
                     Remove it."
                ),
            );
        } else {
            let mut allowed: Vec<&str> = COMMON.to_vec();
            allowed.extend_from_slice(base_fields(ty));
            allowed.extend_from_slice(own);
            ctx.push(
                &p,
                Rule::UnknownField,
                format!(
                    "Field '{k}' is not supported in a {ty} state ({own_name}). Remove it or fix \
                     its spelling. Allowed fields: {}.",
                    allowed.join(", ")
                ),
            );
        }
    }
}

/// A positive integer no larger than [`MAX_SECONDS`].
pub(crate) fn check_positive_int(ctx: &mut Ctx, v: &Value, ptr: &str, field: &str) -> Option<u64> {
    match v.as_u64() {
        Some(n) if (1..=MAX_SECONDS).contains(&n) => Some(n),
        _ => {
            ctx.push(
                ptr,
                Rule::InvalidSeconds,
                format!(
                    "{field} must be a positive integer between 1 and {MAX_SECONDS}, not {v}. Use \
                     a whole number of seconds."
                ),
            );
            None
        }
    }
}

/// A non-negative integer (literal, or a JSONata expression in JSONata states).
fn check_non_negative_int(ctx: &mut Ctx, v: &Value, ptr: &str, field: &str, ql: QueryLanguage) {
    if ql == QueryLanguage::Jsonata && expr::is_jsonata_string(v) {
        expr::check_jsonata_value(ctx, v, ptr);
        return;
    }
    if v.as_u64().is_none() {
        ctx.push(
            ptr,
            Rule::InvalidFieldValue,
            format!(
                "{field} must be a non-negative integer, not {v}.{}",
                if ql == QueryLanguage::Jsonata {
                    " In JSONata states it may also be a \"{% ... %}\" expression."
                } else {
                    " To read it from the input use the matching *Path field."
                }
            ),
        );
    }
}

/// A seconds field: positive integer, or a JSONata expression.
fn check_seconds_field(
    ctx: &mut Ctx,
    obj: &Map<String, Value>,
    ptr: &str,
    field: &str,
    ql: QueryLanguage,
) -> Option<u64> {
    let v = obj.get(field)?;
    let p = child(ptr, field);
    if ql == QueryLanguage::Jsonata && expr::is_jsonata_string(v) {
        expr::check_jsonata_value(ctx, v, &p);
        return None;
    }
    check_positive_int(ctx, v, &p, field)
}

fn check_task(ctx: &mut Ctx, obj: &Map<String, Value>, ptr: &str, ql: QueryLanguage) {
    match obj.get("Resource") {
        None => ctx.push(
            ptr,
            Rule::MissingRequiredField,
            "A Task state needs a Resource: an ARN such as \
             \"arn:aws:states:::lambda:invoke\" or a Lambda function ARN.",
        ),
        Some(r) => super::resource::check_task_resource(ctx, r, &child(ptr, "Resource")),
    }
    let timeout = check_seconds_field(ctx, obj, ptr, "TimeoutSeconds", ql);
    let heartbeat = check_seconds_field(ctx, obj, ptr, "HeartbeatSeconds", ql);
    if let (Some(t), Some(h)) = (timeout, heartbeat)
        && h >= t
    {
        ctx.push(
            &child(ptr, "HeartbeatSeconds"),
            Rule::HeartbeatNotBelowTimeout,
            format!(
                "HeartbeatSeconds ({h}) must be smaller than TimeoutSeconds ({t}). Lower the \
                 heartbeat or raise the timeout."
            ),
        );
    }
    for (f, lit) in [
        ("TimeoutSecondsPath", "TimeoutSeconds"),
        ("HeartbeatSecondsPath", "HeartbeatSeconds"),
    ] {
        if let Some(p) = obj.get(f) {
            if obj.contains_key(lit) {
                ctx.push(
                    &child(ptr, f),
                    Rule::MutuallyExclusiveFields,
                    format!("Use either {lit} or {f}, not both. Remove one."),
                );
            }
            expr::check_path_field(ctx, p, &child(ptr, f), f, PathKind::Reference, false);
        }
    }
    if let Some(c) = obj.get("Credentials") {
        let cp = child(ptr, "Credentials");
        match c.as_object() {
            Some(m) => {
                let has_role = m.contains_key("RoleArn")
                    || (ql == QueryLanguage::JsonPath && m.contains_key("RoleArn.$"));
                if !has_role {
                    ctx.push(
                        &cp,
                        Rule::MissingRequiredField,
                        "The field 'RoleArn' is required but was missing in Credentials. Add \
                         \"RoleArn\": \"arn:aws:iam::<account>:role/<name>\" (or \"RoleArn.$\" \
                         with a path in JSONPath states).",
                    );
                }
                for k in m.keys() {
                    if k != "RoleArn" && !(ql == QueryLanguage::JsonPath && k == "RoleArn.$") {
                        ctx.push(
                            &child(&cp, k),
                            Rule::UnknownField,
                            format!(
                                "Field '{k}' is not supported in Credentials; only RoleArn is. \
                                 Remove it."
                            ),
                        );
                    }
                }
                if ql == QueryLanguage::JsonPath {
                    expr::check_payload(ctx, c, &cp, "Credentials");
                } else {
                    expr::check_jsonata_value(ctx, c, &cp);
                }
            }
            None => ctx.push(
                &cp,
                Rule::InvalidFieldType,
                format!(
                    "Credentials must be an object with RoleArn, not {}.",
                    type_name(c)
                ),
            ),
        }
    }
}

fn check_wait(ctx: &mut Ctx, obj: &Map<String, Value>, ptr: &str, ql: QueryLanguage) {
    let present: Vec<&str> = ["Seconds", "Timestamp", "SecondsPath", "TimestampPath"]
        .into_iter()
        .filter(|k| obj.contains_key(*k))
        .collect();
    if present.len() != 1 {
        let options = match ql {
            QueryLanguage::JsonPath => "Seconds, Timestamp, SecondsPath or TimestampPath",
            QueryLanguage::Jsonata => "Seconds or Timestamp",
        };
        ctx.push(
            ptr,
            Rule::WaitDuration,
            if present.is_empty() {
                format!("A Wait state needs exactly one of {options}. Add one.")
            } else {
                format!(
                    "A Wait state needs exactly one of {options}, but it has {}. Keep only one.",
                    present.join(", ")
                )
            },
        );
    }
    if let Some(s) = obj.get("Seconds") {
        let p = child(ptr, "Seconds");
        if ql == QueryLanguage::Jsonata && expr::is_jsonata_string(s) {
            expr::check_jsonata_value(ctx, s, &p);
        } else if s.as_u64().is_none_or(|n| n > MAX_SECONDS) {
            ctx.push(
                &p,
                Rule::InvalidSeconds,
                format!(
                    "Seconds must be an integer between 0 and {MAX_SECONDS}, not {s}.{}",
                    if ql == QueryLanguage::JsonPath {
                        " To read it from the input use SecondsPath."
                    } else {
                        " It may also be a \"{% ... %}\" expression."
                    }
                ),
            );
        }
    }
    if let Some(t) = obj.get("Timestamp") {
        let p = child(ptr, "Timestamp");
        if ql == QueryLanguage::Jsonata && expr::is_jsonata_string(t) {
            expr::check_jsonata_value(ctx, t, &p);
        } else if !t.as_str().is_some_and(expr::is_rfc3339) {
            ctx.push(
                &p,
                Rule::InvalidTimestamp,
                format!(
                    "String does not match RFC3339 timestamp: {t}. Use the form \
                     \"2016-03-14T01:59:00Z\" (date, 'T', time, and 'Z' or an offset such as \
                     +01:00).{}",
                    if ql == QueryLanguage::JsonPath {
                        " To read it from the input use TimestampPath; JSONata expressions \
                         need \"QueryLanguage\": \"JSONata\"."
                    } else {
                        ""
                    }
                ),
            );
        }
    }
    for f in ["SecondsPath", "TimestampPath"] {
        if let Some(p) = obj.get(f) {
            expr::check_path_field(ctx, p, &child(ptr, f), f, PathKind::Reference, false);
        }
    }
}

fn check_fail(ctx: &mut Ctx, obj: &Map<String, Value>, ptr: &str, ql: QueryLanguage) {
    for (lit, path) in [("Error", "ErrorPath"), ("Cause", "CausePath")] {
        if obj.contains_key(lit) && obj.contains_key(path) {
            ctx.push(
                &child(ptr, path),
                Rule::MutuallyExclusiveFields,
                format!("A Fail state can have {lit} or {path}, not both. Remove one."),
            );
        }
        if let Some(v) = obj.get(lit) {
            let p = child(ptr, lit);
            if !v.is_string() {
                ctx.push(
                    &p,
                    Rule::InvalidFieldType,
                    format!("{lit} must be a string, not {}.", type_name(v)),
                );
            } else if ql == QueryLanguage::Jsonata {
                expr::check_jsonata_value(ctx, v, &p);
            }
        }
        if let Some(v) = obj.get(path) {
            expr::check_path_field(
                ctx,
                v,
                &child(ptr, path),
                path,
                PathKind::PathOrIntrinsic,
                false,
            );
        }
    }
}

fn check_parallel(ctx: &mut Ctx, obj: &Map<String, Value>, ptr: &str, ql: QueryLanguage) {
    let bp = child(ptr, "Branches");
    match obj.get("Branches") {
        None => ctx.push(
            ptr,
            Rule::MissingRequiredField,
            "A Parallel state needs Branches: a non-empty array of {\"StartAt\", \"States\"} \
             objects.",
        ),
        Some(Value::Array(branches)) if !branches.is_empty() => {
            for (i, b) in branches.iter().enumerate() {
                machine::check_machine(ctx, b, &index(&bp, i), ql, Kind::Branch);
            }
        }
        Some(other) => ctx.push(
            &bp,
            Rule::InvalidFieldType,
            format!(
                "Branches must be a non-empty array of {{\"StartAt\", \"States\"}} objects, not {}.",
                match other {
                    Value::Array(_) => "an empty array",
                    v => type_name(v),
                }
            ),
        ),
    }
}

fn check_map(ctx: &mut Ctx, obj: &Map<String, Value>, ptr: &str, ql: QueryLanguage) {
    match (obj.get("ItemProcessor"), obj.get("Iterator")) {
        (Some(_), Some(_)) => ctx.push(
            &child(ptr, "Iterator"),
            Rule::MutuallyExclusiveFields,
            "A Map state has either ItemProcessor or the older Iterator, not both. Keep \
             ItemProcessor.",
        ),
        (None, None) => ctx.push(
            ptr,
            Rule::MissingRequiredField,
            "A Map state needs an ItemProcessor: {\"ProcessorConfig\": {\"Mode\": \"INLINE\"}, \
             \"StartAt\": ..., \"States\": {...}}.",
        ),
        (Some(p), None) => machine::check_machine(
            ctx,
            p,
            &child(ptr, "ItemProcessor"),
            ql,
            Kind::ItemProcessor,
        ),
        (None, Some(p)) => {
            machine::check_machine(ctx, p, &child(ptr, "Iterator"), ql, Kind::Iterator)
        }
    }
    if obj.contains_key("Parameters") && obj.contains_key("ItemSelector") {
        ctx.push(
            &child(ptr, "Parameters"),
            Rule::MutuallyExclusiveFields,
            "A Map state has either ItemSelector or the older Parameters, not both. Keep \
             ItemSelector.",
        );
    }
    if let Some(p) = obj.get("ItemsPath") {
        expr::check_path_field(
            ctx,
            p,
            &child(ptr, "ItemsPath"),
            "ItemsPath",
            PathKind::Reference,
            false,
        );
    }
    if let Some(items) = obj.get("Items")
        && ql == QueryLanguage::Jsonata
    {
        let p = child(ptr, "Items");
        if expr::is_jsonata_string(items) || items.is_array() {
            expr::check_jsonata_value(ctx, items, &p);
        } else {
            ctx.push(
                &p,
                Rule::InvalidFieldType,
                format!(
                    "Items must be an array or a JSONata expression \"{{% ... %}}\", not {}.",
                    type_name(items)
                ),
            );
        }
    }
    if let Some(v) = obj.get("MaxConcurrency") {
        check_non_negative_int(ctx, v, &child(ptr, "MaxConcurrency"), "MaxConcurrency", ql);
    }
    if let Some(v) = obj.get("ToleratedFailureCount") {
        check_non_negative_int(
            ctx,
            v,
            &child(ptr, "ToleratedFailureCount"),
            "ToleratedFailureCount",
            ql,
        );
    }
    if let Some(v) = obj.get("ToleratedFailurePercentage") {
        let p = child(ptr, "ToleratedFailurePercentage");
        if ql == QueryLanguage::Jsonata && expr::is_jsonata_string(v) {
            expr::check_jsonata_value(ctx, v, &p);
        } else if !v.as_f64().is_some_and(|n| (0.0..=100.0).contains(&n)) {
            ctx.push(
                &p,
                Rule::InvalidFieldValue,
                format!("ToleratedFailurePercentage must be a number from 0 to 100, not {v}."),
            );
        }
    }
    for (lit, path) in [
        ("MaxConcurrency", "MaxConcurrencyPath"),
        ("ToleratedFailureCount", "ToleratedFailureCountPath"),
        (
            "ToleratedFailurePercentage",
            "ToleratedFailurePercentagePath",
        ),
    ] {
        if let Some(v) = obj.get(path) {
            if obj.contains_key(lit) {
                ctx.push(
                    &child(ptr, path),
                    Rule::MutuallyExclusiveFields,
                    format!("Use either {lit} or {path}, not both. Remove one."),
                );
            }
            expr::check_path_field(ctx, v, &child(ptr, path), path, PathKind::Reference, false);
        }
    }
    if let Some(l) = obj.get("Label") {
        check_label(ctx, l, &child(ptr, "Label"));
    }
    for f in ["ItemReader", "ItemBatcher", "ResultWriter"] {
        if let Some(v) = obj.get(f) {
            let p = child(ptr, f);
            if !v.is_object() {
                ctx.push(
                    &p,
                    Rule::InvalidFieldType,
                    format!("{f} must be an object, not {}.", type_name(v)),
                );
            } else if ql == QueryLanguage::JsonPath {
                expr::check_payload(ctx, v, &p, f);
            } else {
                expr::check_jsonata_value(ctx, v, &p);
            }
        }
    }
}

/// Whether `c` may not appear in a Map Label.
fn forbidden_label_char(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || ('\u{7f}'..='\u{9f}').contains(&c)
        || "<>{}[]?*\"#%\\^|~`$&,;:/".contains(c)
}

fn check_label(ctx: &mut Ctx, v: &Value, ptr: &str) {
    let Some(label) = v.as_str() else {
        ctx.push(
            ptr,
            Rule::InvalidFieldType,
            format!("Label must be a string, not {}.", type_name(v)),
        );
        return;
    };
    if label.is_empty() {
        ctx.push(
            ptr,
            Rule::InvalidMapLabel,
            "Label cannot be empty. Give the Map a label of 1 to 40 characters, or remove Label.",
        );
        return;
    }
    let n = label.chars().count();
    if n > MAX_LABEL_CHARS {
        ctx.push(
            ptr,
            Rule::InvalidMapLabel,
            format!("Label cannot exceed {MAX_LABEL_CHARS} characters; it has {n}. Shorten it."),
        );
    }
    if let Some(c) = label.chars().find(|c| forbidden_label_char(*c)) {
        ctx.push(
            ptr,
            Rule::InvalidMapLabel,
            format!(
                "Label contains invalid character: {:?}. Labels cannot contain whitespace, \
                 brackets < > {{ }} [ ], wildcards ? *, the characters \" # % \\ ^ | ~ ` $ & , ; \
                 : / or control characters; use letters, digits, '-', '_' or '.'.",
                c
            ),
        );
    }
}
