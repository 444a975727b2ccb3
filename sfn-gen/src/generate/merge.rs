//! The console round-trip: [`merge_with_existing`] keeps the states a user added (in
//! Workflow Studio, say) or took over when a freshly generated machine replaces the
//! committed one; [`is_generated`] tells the generator's states by their mark.

use std::collections::BTreeMap;

use serde_json::Value;

use super::GENERATED_MARK;

/// Whether a state was written by the generator.
pub fn is_generated(state: &Value) -> bool {
    state
        .get("Comment")
        .and_then(Value::as_str)
        .is_some_and(|c| c.starts_with(GENERATED_MARK))
}

/// Console round-trip: merges a freshly generated machine into the committed one. States
/// the user added (no [`GENERATED_MARK`]) are kept as they are; a generated state the user
/// took over (its mark removed, same name) is kept too and reported; every other generated
/// state is rewritten. Top-level fields other than `States`/`StartAt`/`Comment` the user
/// set are kept.
pub fn merge_with_existing(generated: &Value, existing: Option<&Value>) -> (Value, Vec<String>) {
    let Some(existing) = existing.and_then(Value::as_object) else {
        return (generated.clone(), Vec::new());
    };
    let mut notes = Vec::new();
    let mut out = generated.as_object().cloned().unwrap_or_default();
    for (key, value) in existing {
        if !matches!(
            key.as_str(),
            "States" | "StartAt" | "Comment" | "QueryLanguage"
        ) && !out.contains_key(key)
        {
            out.insert(key.clone(), value.clone());
        }
    }
    let mut states = out
        .get("States")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let existing_states = existing
        .get("States")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let mut user_states: BTreeMap<String, Value> = BTreeMap::new();
    for (name, state) in &existing_states {
        if is_generated(state) {
            continue;
        }
        if states.contains_key(name) {
            notes.push(format!(
                "kept your version of `{name}` (its Comment has no `{GENERATED_MARK}` mark); restore the mark to let generate rewrite it"
            ));
        } else {
            notes.push(format!("kept your state `{name}`"));
        }
        user_states.insert(name.clone(), state.clone());
    }
    for (name, state) in user_states {
        states.insert(name, state);
    }
    out.insert("States".into(), Value::Object(states));
    (Value::Object(out), notes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_state_is_generated_when_its_comment_starts_with_the_mark() {
        assert!(is_generated(
            &json!({"Comment": "sfn-gen: the agent answered"})
        ));
        assert!(!is_generated(&json!({"Comment": "mine"})));
        assert!(!is_generated(&json!({"Type": "Pass"})));
    }

    #[test]
    fn without_a_committed_machine_the_generated_one_is_used_as_is() {
        let generated = json!({"StartAt": "A", "States": {"A": {"Type": "Succeed"}}});
        assert_eq!(
            merge_with_existing(&generated, None),
            (generated, Vec::new())
        );
    }
}
