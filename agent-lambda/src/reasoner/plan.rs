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
//! `answer` may be any JSON; its strings are rendered the same way. A step that fails ends
//! the run with `Agent.PlanFailed`, unless it says `"on_error": "continue"`: then its error
//! observation (`{"error", "cause"}`) is its result and the plan goes on.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};

use protocol::ErrorName;
use serde::Deserialize;
use serde_json::Value;

use super::{Conversation, Decision, Proposal, Reasoner, ReasonerError};
use crate::transcript::{Entry, Transcript};

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
    /// What a failure of this step (after the state machine's retries) does.
    #[serde(default)]
    pub on_error: OnError,
}

/// What a failed step does to the plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnError {
    /// End the run with `Agent.PlanFailed`, naming the step and its error.
    #[default]
    Fail,
    /// Take the error observation `{"error": ..., "cause": ...}` as the step's result, so
    /// later steps can refer to it and the plan goes on.
    Continue,
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

/// A plan parsed once, with what each step refers to.
#[derive(Debug)]
struct Prepared {
    plan: Plan,
    /// The step ids each step's input refers to (same order as `plan.steps`).
    refs: Vec<BTreeSet<String>>,
    /// The step ids the answer refers to.
    answer_refs: BTreeSet<String>,
    /// What a failure of each step does.
    on_error: HashMap<String, OnError>,
}

/// The plan of the run this process served last, by the run's genesis (so a warm process
/// parses a plan once per run, not once per step).
static PREPARED: Mutex<Option<(String, Arc<Prepared>)>> = Mutex::new(None);

fn prepared(transcript: &Transcript) -> Result<Arc<Prepared>, String> {
    let key = transcript.options_key().map(str::to_owned);
    if let Some(key) = &key
        && let Some((cached, prepared)) = &*PREPARED.lock().unwrap_or_else(|e| e.into_inner())
        && cached == key
    {
        return Ok(prepared.clone());
    }
    let plan = Plan::parse(transcript.options.get("plan").unwrap_or(&Value::Null))?;
    let prepared = Arc::new(Prepared {
        refs: plan.steps.iter().map(|s| references(&s.input)).collect(),
        answer_refs: references(&plan.answer),
        on_error: plan
            .steps
            .iter()
            .map(|s| (s.id.clone(), s.on_error))
            .collect(),
        plan,
    });
    if let Some(key) = key {
        *PREPARED.lock().unwrap_or_else(|e| e.into_inner()) = Some((key, prepared.clone()));
    }
    Ok(prepared)
}

/// What a step's result is for the plan: its output, its error observation when the step
/// continues on error, or the failure that ends the run.
enum StepResult {
    Value(Value),
    Failed(String),
}

fn step_result(transcript: &Transcript, prepared: &Prepared, id: &str) -> Option<StepResult> {
    let Some(Entry::Result {
        output,
        error,
        cause,
        ..
    }) = transcript.result_of(id)
    else {
        return None;
    };
    match (output, error) {
        (Some(output), None) => Some(StepResult::Value(output.clone())),
        (_, Some(error)) if prepared.on_error.get(id) == Some(&OnError::Continue) => Some(
            StepResult::Value(serde_json::json!({"error": error, "cause": cause})),
        ),
        (_, Some(error)) => Some(StepResult::Failed(format!(
            "plan step `{id}` failed with {error}: {}",
            cause.as_deref().unwrap_or("")
        ))),
        (None, None) => None,
    }
}

/// The results of `ids`, all present, or `None`.
fn results_of(
    transcript: &Transcript,
    prepared: &Prepared,
    ids: &BTreeSet<String>,
) -> Option<BTreeMap<String, Value>> {
    ids.iter()
        .map(|id| match step_result(transcript, prepared, id) {
            Some(StepResult::Value(value)) => Some((id.clone(), value)),
            _ => None,
        })
        .collect()
}

/// Runs `options.plan`.
#[derive(Debug, Default)]
pub struct PlanReasoner;

#[async_trait::async_trait]
impl Reasoner for PlanReasoner {
    async fn decide(&self, conversation: &Conversation<'_>) -> Result<Decision, ReasonerError> {
        let transcript = conversation.transcript;
        let prepared = match prepared(transcript) {
            Ok(prepared) => prepared,
            Err(cause) => {
                return Ok(Decision::Fail {
                    error: ErrorName::InvalidStart.as_str().into(),
                    cause,
                });
            }
        };
        // The plan's call ids are its step ids; each is looked up, the run is not scanned.
        let plan_failed = |cause: String| {
            Ok(Decision::Fail {
                error: ErrorName::PlanFailed.as_str().into(),
                cause,
            })
        };
        let mut ready = Vec::new();
        let mut all_done = true;
        for (step, refs) in prepared.plan.steps.iter().zip(&prepared.refs) {
            match step_result(transcript, &prepared, &step.id) {
                Some(StepResult::Failed(cause)) => return plan_failed(cause),
                Some(StepResult::Value(_)) => continue,
                None => all_done = false,
            }
            if transcript.has_call(&step.id) {
                continue;
            }
            let Some(results) = results_of(transcript, &prepared, refs) else {
                continue;
            };
            match render(&step.input, &results) {
                Ok(input) => ready.push(Proposal {
                    id: Some(step.id.clone()),
                    tool: step.tool.clone(),
                    input,
                }),
                Err(cause) => return plan_failed(format!("plan step `{}`: {cause}", step.id)),
            }
        }
        if !ready.is_empty() {
            return Ok(Decision::Calls {
                calls: ready,
                text: None,
            });
        }
        if all_done {
            let results =
                results_of(transcript, &prepared, &prepared.answer_refs).unwrap_or_default();
            return render(&prepared.plan.answer, &results)
                .map(Decision::Answer)
                .or_else(plan_failed);
        }
        plan_failed(
            "the plan is waiting on steps that never ran (their results are missing)".into(),
        )
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
