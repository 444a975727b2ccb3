//! Choice states: `Choices` and `Default`, JSONPath rules (`Variable` with exactly one
//! comparison operator, `And`/`Or`/`Not` nesting, the `*Path` operator forms) and JSONata
//! rules (`Condition`). `Next` is required on top-level rules and forbidden in nested ones.

use serde_json::{Map, Value};

use super::expr::{self, PathKind};
use super::state::{StateInfo, Transition};
use super::{Ctx, QueryLanguage, Rule, child, index, type_name};

/// What a comparison operator's value must be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Operand {
    Str,
    Num,
    Bool,
    Timestamp,
    Path,
}

fn operator(name: &str) -> Option<Operand> {
    const OPS: [(&str, Operand); 23] = [
        ("StringEquals", Operand::Str),
        ("StringLessThan", Operand::Str),
        ("StringGreaterThan", Operand::Str),
        ("StringLessThanEquals", Operand::Str),
        ("StringGreaterThanEquals", Operand::Str),
        ("StringMatches", Operand::Str),
        ("NumericEquals", Operand::Num),
        ("NumericLessThan", Operand::Num),
        ("NumericGreaterThan", Operand::Num),
        ("NumericLessThanEquals", Operand::Num),
        ("NumericGreaterThanEquals", Operand::Num),
        ("BooleanEquals", Operand::Bool),
        ("TimestampEquals", Operand::Timestamp),
        ("TimestampLessThan", Operand::Timestamp),
        ("TimestampGreaterThan", Operand::Timestamp),
        ("TimestampLessThanEquals", Operand::Timestamp),
        ("TimestampGreaterThanEquals", Operand::Timestamp),
        ("IsNull", Operand::Bool),
        ("IsPresent", Operand::Bool),
        ("IsNumeric", Operand::Bool),
        ("IsString", Operand::Bool),
        ("IsBoolean", Operand::Bool),
        ("IsTimestamp", Operand::Bool),
    ];
    if let Some(base) = name.strip_suffix("Path") {
        return OPS
            .iter()
            .find(|(n, _)| *n == base && !n.starts_with("Is") && *n != "StringMatches")
            .map(|_| Operand::Path);
    }
    OPS.iter().find(|(n, _)| *n == name).map(|(_, o)| *o)
}

/// Validates the Choice-specific fields, recording transitions.
pub(crate) fn check_choice(
    ctx: &mut Ctx,
    obj: &Map<String, Value>,
    ptr: &str,
    ql: QueryLanguage,
    info: &mut StateInfo,
) {
    match obj.get("Default") {
        Some(Value::String(d)) => info.targets.push(Transition {
            target: d.clone(),
            pointer: child(ptr, "Default"),
        }),
        Some(other) => ctx.push(
            &child(ptr, "Default"),
            Rule::InvalidFieldType,
            format!(
                "Default must be a string naming a state, not {}.",
                type_name(other)
            ),
        ),
        None => {}
    }
    let cp = child(ptr, "Choices");
    let rules = match obj.get("Choices") {
        Some(Value::Array(r)) if !r.is_empty() => r,
        Some(other) => {
            ctx.push(
                &cp,
                Rule::InvalidFieldType,
                format!(
                    "Choices must be a non-empty array of rules, not {}.",
                    if other.is_array() {
                        "an empty array"
                    } else {
                        type_name(other)
                    }
                ),
            );
            return;
        }
        None => {
            ctx.push(
                ptr,
                Rule::MissingRequiredField,
                "A Choice state needs Choices: a non-empty array of rules, each with a \
                 comparison (or Condition in JSONata) and Next.",
            );
            return;
        }
    };
    for (i, r) in rules.iter().enumerate() {
        let rp = index(&cp, i);
        let Some(rule) = r.as_object() else {
            ctx.push(
                &rp,
                Rule::InvalidFieldType,
                format!("A Choice rule must be an object, not {}.", type_name(r)),
            );
            continue;
        };
        match rule.get("Next") {
            Some(Value::String(n)) => info.targets.push(Transition {
                target: n.clone(),
                pointer: child(&rp, "Next"),
            }),
            Some(other) => ctx.push(
                &child(&rp, "Next"),
                Rule::InvalidFieldType,
                format!(
                    "Next must be a string naming a state, not {}.",
                    type_name(other)
                ),
            ),
            None => ctx.push(
                &rp,
                Rule::MissingRequiredField,
                "Each top-level Choice rule needs Next: the state to go to when it matches.",
            ),
        }
        if let Some(a) = rule.get("Assign") {
            expr::check_assign(ctx, a, &child(&rp, "Assign"), ql);
        }
        match ql {
            QueryLanguage::JsonPath => check_jsonpath_rule(ctx, rule, &rp, true),
            QueryLanguage::Jsonata => check_jsonata_rule(ctx, rule, &rp),
        }
    }
}

fn check_jsonata_rule(ctx: &mut Ctx, rule: &Map<String, Value>, ptr: &str) {
    for k in rule.keys() {
        if !matches!(
            k.as_str(),
            "Condition" | "Next" | "Assign" | "Output" | "Comment"
        ) {
            ctx.push(
                &child(ptr, k),
                if k == "Variable"
                    || operator(k).is_some()
                    || matches!(k.as_str(), "And" | "Or" | "Not")
                {
                    Rule::FieldNotAllowedInQueryLanguage
                } else {
                    Rule::UnknownField
                },
                format!(
                    "Field '{k}' is not supported in a JSONata Choice rule. Write the test as \
                     \"Condition\": \"{{% <boolean expression> %}}\" (or set \"QueryLanguage\": \
                     \"JSONPath\" on the state to use Variable and comparison operators)."
                ),
            );
        }
    }
    match rule.get("Condition") {
        None => ctx.push(
            ptr,
            Rule::MissingRequiredField,
            "A JSONata Choice rule needs Condition: \"{% <boolean expression> %}\".",
        ),
        Some(Value::Bool(_)) => {}
        Some(c) if expr::is_jsonata_string(c) => {
            expr::check_jsonata_value(ctx, c, &child(ptr, "Condition"))
        }
        Some(other) => ctx.push(
            &child(ptr, "Condition"),
            Rule::InvalidCondition,
            format!(
                "Condition must be a JSONata expression \"{{% ... %}}\" or a boolean, not {other}."
            ),
        ),
    }
    if let Some(o) = rule.get("Output") {
        expr::check_jsonata_value(ctx, o, &child(ptr, "Output"));
    }
}

fn check_jsonpath_rule(ctx: &mut Ctx, rule: &Map<String, Value>, ptr: &str, top: bool) {
    let mut ops: Vec<&str> = Vec::new();
    let mut unknown = false;
    for (k, v) in rule {
        let kp = child(ptr, k);
        match k.as_str() {
            "Next" | "Assign" if top => {}
            "Comment" => {}
            "Next" => ctx.push(
                &kp,
                Rule::NestedRuleNext,
                "Only top-level Choice rules have Next; a rule inside And/Or/Not must not. \
                 Remove this Next.",
            ),
            "Variable" => {
                expr::check_path_field(ctx, v, &kp, "Variable", PathKind::Path, false);
            }
            "And" | "Or" => {
                ops.push(k);
                match v.as_array() {
                    Some(list) if !list.is_empty() => {
                        for (i, sub) in list.iter().enumerate() {
                            check_nested(ctx, sub, &index(&kp, i));
                        }
                    }
                    _ => ctx.push(
                        &kp,
                        Rule::InvalidChoiceRule,
                        format!("{k} must be a non-empty array of Choice rules, not {v}."),
                    ),
                }
            }
            "Not" => {
                ops.push(k);
                check_nested(ctx, v, &kp);
            }
            "Condition" | "Output" => ctx.push(
                &kp,
                Rule::FieldNotAllowedInQueryLanguage,
                format!(
                    "'{k}' is a JSONata field. In JSONPath Choice rules use Variable with a \
                     comparison operator, or set \"QueryLanguage\": \"JSONata\" on the state."
                ),
            ),
            name => match operator(name) {
                Some(operand) => {
                    ops.push(k);
                    check_operand(ctx, name, operand, v, &kp);
                }
                None => {
                    unknown = true;
                    ctx.push(
                    &kp,
                    Rule::UnknownField,
                    format!(
                        "'{name}' is not a Choice rule field or comparison operator. Use one of \
                         StringEquals, NumericGreaterThan, BooleanEquals, TimestampEquals, \
                         IsPresent, ... (each with a *Path form), And, Or or Not."
                    ),
                );
                }
            },
        }
    }
    let boolean = ops.iter().any(|o| matches!(*o, "And" | "Or" | "Not"));
    match ops.len() {
        0 if unknown => {}
        0 => ctx.push(
            ptr,
            Rule::InvalidChoiceRule,
            "A Choice rule needs exactly one comparison operator (e.g. \"StringEquals\") with a \
             Variable, or one of And, Or, Not.",
        ),
        1 if boolean => {
            if rule.contains_key("Variable") {
                ctx.push(
                    &child(ptr, "Variable"),
                    Rule::InvalidChoiceRule,
                    "A rule with And/Or/Not must not have Variable; put Variable in the nested \
                     rules.",
                );
            }
        }
        1 => {
            if !rule.contains_key("Variable") {
                ctx.push(
                    ptr,
                    Rule::InvalidChoiceRule,
                    format!(
                        "The comparison {} needs a Variable: the path of the value to test, e.g. \
                         \"Variable\": \"$.status\".",
                        ops[0]
                    ),
                );
            }
        }
        _ => ctx.push(
            ptr,
            Rule::InvalidChoiceRule,
            format!(
                "A Choice rule must have exactly one comparison operator, but this one has {}. \
                 Combine several tests with And/Or.",
                ops.join(", ")
            ),
        ),
    }
}

fn check_nested(ctx: &mut Ctx, v: &Value, ptr: &str) {
    match v.as_object() {
        Some(r) => check_jsonpath_rule(ctx, r, ptr, false),
        None => ctx.push(
            ptr,
            Rule::InvalidChoiceRule,
            format!(
                "A nested Choice rule must be an object, not {}.",
                type_name(v)
            ),
        ),
    }
}

fn check_operand(ctx: &mut Ctx, name: &str, operand: Operand, v: &Value, ptr: &str) {
    let ok = match operand {
        Operand::Str => v.is_string(),
        Operand::Num => v.is_number(),
        Operand::Bool => v.is_boolean(),
        Operand::Timestamp => v.as_str().is_some_and(expr::is_rfc3339),
        Operand::Path => {
            expr::check_path_field(ctx, v, ptr, name, PathKind::Path, false);
            true
        }
    };
    if !ok {
        let want = match operand {
            Operand::Str => "a string",
            Operand::Num => "a number",
            Operand::Bool => "true or false",
            Operand::Timestamp => "an RFC3339 timestamp string such as \"2016-03-14T01:59:00Z\"",
            Operand::Path => "a path",
        };
        ctx.push(
            ptr,
            Rule::InvalidChoiceOperand,
            format!(
                "{name} must be {want}, not {v}. To compare with a value from the input use \
                 {name}Path."
            ),
        );
    }
}
