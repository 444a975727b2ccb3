//! The plan reasoner: no model. The start input's `options.plan` lists tool calls; each turn
//! runs every step whose inputs are ready (several at once run in parallel), then the
//! answer template is rendered.
//!
//! Format (also in `agent-lambda/README.md`):
//!
//! ```json
//! {"goal": "...", "options": {"reasoner": "plan", "plan": {
//!   "steps": [
//!     {"id": "sum", "tool": "calculator", "input": {"expression": "2 + 3"}},
//!     {"id": "double", "tool": "calculator", "input": {"expression": "{{sum.output.value}} * 2"}}
//!   ],
//!   "answer": "2 + 3 doubled is {{double.output.value}}"
//! }}}
//! ```
//!
//! `{{id.output.path}}` refers to a step's result (`.name` and `[n]` steps). A string that
//! is exactly one reference becomes the referenced JSON value (any type); references inside
//! longer strings are interpolated as text (strings without quotes, other values as JSON).
//! `answer` may be any JSON; its strings are rendered the same way.

use std::collections::{BTreeMap, BTreeSet};

use protocol::ErrorName;
use serde::Deserialize;
use serde_json::Value;

use super::{Conversation, Decision, Proposal, Reasoner, ReasonerError};
use crate::transcript::Entry;

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanStep {
    /// Unique id (letters, digits, `_` and `-`); later steps refer to it.
    pub id: String,
    /// The tool.
    pub tool: String,
    /// The input, with `{{...}}` references.
    #[serde(default = "empty_object")]
    pub input: Value,
}

fn empty_object() -> Value {
    Value::Object(serde_json::Map::new())
}

/// A plan.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// The steps.
    pub steps: Vec<PlanStep>,
    /// The answer template.
    #[serde(default)]
    pub answer: Value,
}

impl Plan {
    /// Reads and checks a plan: unique ids, references to earlier steps only.
    pub fn parse(value: &Value) -> Result<Self, String> {
        let plan: Plan = serde_json::from_value(value.clone()).map_err(|e| {
            format!("options.plan is malformed: {e} (expected {{\"steps\": [{{\"id\", \"tool\", \"input\"}}], \"answer\": ...}})")
        })?;
        let mut seen = BTreeSet::new();
        for (i, step) in plan.steps.iter().enumerate() {
            if step.id.is_empty()
                || !step
                    .id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            {
                return Err(format!(
                    "options.plan.steps[{i}].id `{}` must be letters, digits, `_` or `-`",
                    step.id
                ));
            }
            for reference in references(&step.input) {
                if !seen.contains(reference.as_str()) {
                    return Err(format!(
                        "options.plan.steps[{i}] (`{}`) refers to `{reference}`, which is not an earlier step",
                        step.id
                    ));
                }
            }
            if !seen.insert(step.id.as_str()) {
                return Err(format!(
                    "options.plan.steps[{i}].id `{}` is used twice",
                    step.id
                ));
            }
        }
        for reference in references(&plan.answer) {
            if !seen.contains(reference.as_str()) {
                return Err(format!(
                    "options.plan.answer refers to `{reference}`, which is not a step"
                ));
            }
        }
        Ok(plan)
    }
}

/// The step ids a template refers to.
fn references(template: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    collect_references(template, &mut found);
    found
}

fn collect_references(template: &Value, found: &mut BTreeSet<String>) {
    match template {
        Value::String(text) => {
            let mut rest = text.as_str();
            while let Some(start) = rest.find("{{") {
                let after = &rest[start + 2..];
                let Some(end) = after.find("}}") else { break };
                let reference = after[..end].trim();
                let id = reference
                    .split(['.', '['])
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                found.insert(id);
                rest = &after[end + 2..];
            }
        }
        Value::Array(items) => items.iter().for_each(|i| collect_references(i, found)),
        Value::Object(map) => map.values().for_each(|v| collect_references(v, found)),
        _ => {}
    }
}

/// Looks up `id.output.a.b[0]` in the results.
fn lookup(reference: &str, results: &BTreeMap<String, Value>) -> Result<Value, String> {
    let mut parts = reference.splitn(2, '.');
    let id = parts.next().unwrap_or_default();
    let mut current = results
        .get(id)
        .cloned()
        .ok_or_else(|| format!("`{{{{{reference}}}}}`: step `{id}` has no result"))?;
    let rest = parts.next().unwrap_or_default();
    let rest = rest.strip_prefix("output").unwrap_or(rest);
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '.' || n == '[' {
                        break;
                    }
                    name.push(n);
                    chars.next();
                }
                current = current.get(&name).cloned().ok_or_else(|| {
                    format!("`{{{{{reference}}}}}`: no field `{name}` in {current}")
                })?;
            }
            '[' => {
                let index: String = chars.by_ref().take_while(|c| *c != ']').collect();
                let index: usize = index
                    .parse()
                    .map_err(|_| format!("`{{{{{reference}}}}}`: `[{index}]` is not an index"))?;
                current = current
                    .get(index)
                    .cloned()
                    .ok_or_else(|| format!("`{{{{{reference}}}}}`: no item {index}"))?;
            }
            other => return Err(format!("`{{{{{reference}}}}}`: unexpected `{other}`")),
        }
    }
    Ok(current)
}

/// Renders a template against the results.
pub fn render(template: &Value, results: &BTreeMap<String, Value>) -> Result<Value, String> {
    match template {
        Value::String(text) => {
            let trimmed = text.trim();
            if trimmed.starts_with("{{")
                && trimmed.ends_with("}}")
                && trimmed[2..].find("{{").is_none()
            {
                return lookup(trimmed[2..trimmed.len() - 2].trim(), results);
            }
            let mut out = String::new();
            let mut rest = text.as_str();
            while let Some(start) = rest.find("{{") {
                out.push_str(&rest[..start]);
                let after = &rest[start + 2..];
                let Some(end) = after.find("}}") else {
                    out.push_str(&rest[start..]);
                    rest = "";
                    break;
                };
                match lookup(after[..end].trim(), results)? {
                    Value::String(s) => out.push_str(&s),
                    other => out.push_str(&other.to_string()),
                }
                rest = &after[end + 2..];
            }
            out.push_str(rest);
            Ok(Value::String(out))
        }
        Value::Array(items) => items
            .iter()
            .map(|i| render(i, results))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                out.insert(k.clone(), render(v, results)?);
            }
            Ok(Value::Object(out))
        }
        other => Ok(other.clone()),
    }
}

/// Runs `options.plan`.
#[derive(Debug, Default)]
pub struct PlanReasoner;

#[async_trait::async_trait]
impl Reasoner for PlanReasoner {
    async fn decide(&self, conversation: &Conversation<'_>) -> Result<Decision, ReasonerError> {
        let transcript = conversation.transcript;
        let plan_value = transcript
            .options
            .get("plan")
            .cloned()
            .unwrap_or(Value::Null);
        let plan = match Plan::parse(&plan_value) {
            Ok(plan) => plan,
            Err(cause) => {
                return Ok(Decision::Fail {
                    error: ErrorName::InvalidStart.as_str().into(),
                    cause,
                });
            }
        };
        // Results by step id (the plan's call ids are the step ids).
        let mut results = BTreeMap::new();
        let mut asked = BTreeSet::new();
        for entry in &transcript.entries {
            match entry {
                Entry::Calls { calls, .. } => {
                    asked.extend(calls.iter().map(|c| c.call_id.clone()));
                }
                Entry::Result {
                    call_id,
                    output,
                    error,
                    cause,
                    ..
                } => match (output, error) {
                    (Some(output), None) => {
                        results.insert(call_id.clone(), output.clone());
                    }
                    (_, Some(error)) => {
                        return Ok(Decision::Fail {
                            error: ErrorName::PlanFailed.as_str().into(),
                            cause: format!(
                                "plan step `{call_id}` failed with {error}: {}",
                                cause.as_deref().unwrap_or("")
                            ),
                        });
                    }
                    _ => {}
                },
                Entry::Answer { .. } => {}
            }
        }
        let mut ready = Vec::new();
        for step in &plan.steps {
            if results.contains_key(&step.id) || asked.contains(&step.id) {
                continue;
            }
            if references(&step.input)
                .iter()
                .all(|r| results.contains_key(r))
            {
                let input = match render(&step.input, &results) {
                    Ok(input) => input,
                    Err(cause) => {
                        return Ok(Decision::Fail {
                            error: ErrorName::PlanFailed.as_str().into(),
                            cause: format!("plan step `{}`: {cause}", step.id),
                        });
                    }
                };
                ready.push(Proposal {
                    id: Some(step.id.clone()),
                    tool: step.tool.clone(),
                    input,
                });
            }
        }
        if !ready.is_empty() {
            return Ok(Decision::Calls {
                calls: ready,
                text: None,
            });
        }
        if plan.steps.iter().all(|s| results.contains_key(&s.id)) {
            return render(&plan.answer, &results)
                .map(Decision::Answer)
                .or_else(|cause| {
                    Ok(Decision::Fail {
                        error: ErrorName::PlanFailed.as_str().into(),
                        cause,
                    })
                });
        }
        Ok(Decision::Fail {
            error: ErrorName::PlanFailed.as_str().into(),
            cause: "the plan is waiting on steps that never ran (their results are missing)".into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn references_render_as_values_or_text() {
        let mut results = BTreeMap::new();
        results.insert(
            "a".to_owned(),
            json!({"value": "5", "list": [1, {"x": true}]}),
        );
        assert_eq!(
            render(&json!("{{a.output.value}}"), &results),
            Ok(json!("5"))
        );
        assert_eq!(
            render(&json!("{{ a.output.list }}"), &results),
            Ok(json!([1, {"x": true}]))
        );
        assert_eq!(
            render(&json!("n={{a.output.list[1].x}}!"), &results),
            Ok(json!("n=true!"))
        );
        assert_eq!(
            render(&json!({"e": "{{a.output.value}} * 2"}), &results),
            Ok(json!({"e": "5 * 2"}))
        );
        assert!(render(&json!("{{a.output.nope}}"), &results).is_err());
    }

    #[test]
    fn malformed_plans_are_explained() {
        assert!(
            Plan::parse(
                &json!({"steps": [{"id": "a", "tool": "t", "input": {"x": "{{b.output}}"}}]})
            )
            .unwrap_err()
            .contains("not an earlier step")
        );
        assert!(
            Plan::parse(&json!({"steps": [{"id": "a", "tool": "t"}, {"id": "a", "tool": "t"}]}))
                .unwrap_err()
                .contains("used twice")
        );
        assert!(Plan::parse(&json!({"stepz": []})).is_err());
    }
}
