//! Phase 2, absorb: what happened to the previous step's calls, into the transcript.
//!
//! The state brings the outcomes in one of two shapes: `tool.results` (the single-call
//! Task's result, or the Map state's list, failures included as error observations), or
//! `failure`, a caught error of the single-call path, which belongs to `calls[0]`. Every
//! call still without a result afterwards (a lost Map item, a hand-edited state) is
//! answered `ToolError.Fatal`, so the model sees it failed and every provider's pairing of
//! calls and results holds.
//!
//! Each outcome updates the tool's consecutive-failure count (a failure adds one,
//! saturating; a success clears it), which the circuit breaker reads. A result too large
//! to show a model whole is also stored on its own, so the note the model sees can name a
//! pointer it may hand to `json-query`.

use offload::ExecutionStore;
use protocol::ErrorName;
use protocol::agent::LoopState;
use serde_json::Value;

use super::{Agent, Failures, Run, StepError};
use crate::transcript::Entry;

/// Appends the outcomes `state` carries to the run's transcript and counts them; returns
/// the index of the first entry added.
pub(super) fn absorb(state: &LoopState, run: &mut Run) -> usize {
    let first_new = run.transcript.entries().len();
    let mut outcome = |tool: &str, entry: Entry, failed: bool| {
        count_outcome(&mut run.failures, tool, failed);
        run.transcript.push(entry);
    };
    if let Some(results) = &state.tool {
        for result in &results.results {
            let entry = Entry::Result {
                call_id: result.call_id.clone(),
                tool: result.tool.clone(),
                output: result.output.clone(),
                error: result.error.clone(),
                cause: result.cause.clone(),
                cached: false,
                stored: None,
            };
            outcome(&result.tool, entry, result.error.is_some());
        }
    } else if let Some(failure) = &state.failure
        && let Some(call) = state.calls.first()
    {
        let entry = Entry::Result {
            call_id: call.call_id.clone(),
            tool: call.tool.clone(),
            output: None,
            error: Some(failure.error.clone()),
            cause: Some(failure.cause.clone()),
            cached: false,
            stored: None,
        };
        outcome(&call.tool, entry, true);
    }
    for call in &state.calls {
        if run.transcript.result_of(&call.call_id).is_none() {
            let entry = Entry::Result {
                call_id: call.call_id.clone(),
                tool: call.tool.clone(),
                output: None,
                error: Some(ErrorName::Fatal.as_str().to_owned()),
                cause: Some("no result arrived for this call".to_owned()),
                cached: false,
                stored: None,
            };
            run.transcript.push(entry);
            count_outcome(&mut run.failures, &call.tool, true);
        }
    }
    first_new
}

fn count_outcome(failures: &mut Failures, tool: &str, failed: bool) {
    if failed {
        let count = failures.entry(tool.to_owned()).or_insert(0);
        *count = count.saturating_add(1);
    } else {
        failures.remove(tool);
    }
}

impl Agent {
    /// Stores on its own every output in `entries` that a model would only see truncated
    /// (more than [`Agent::result_budget`] characters, and not already a pointer), and
    /// names the copy in the entry's `stored`.
    pub(super) async fn store_large_outputs(
        &self,
        store: &ExecutionStore,
        entries: &mut [Entry],
    ) -> Result<(), StepError> {
        for entry in entries {
            if let Entry::Result {
                output: Some(output),
                stored,
                ..
            } = entry
            {
                *stored = self.store_if_too_large_to_show(store, output).await?;
            }
        }
        Ok(())
    }

    async fn store_if_too_large_to_show(
        &self,
        store: &ExecutionStore,
        output: &Value,
    ) -> Result<Option<Value>, StepError> {
        let is_pointer = output.get(protocol::pointer::POINTER_MARKER).is_some();
        if is_pointer || offload::serialized_len(output) as usize <= self.result_budget {
            return Ok(None);
        }
        let pointer = store.put_json(output).await?;
        Ok(Some(serde_json::to_value(pointer).unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use protocol::agent::{CaughtError, ToolOutcome, ToolResults};
    use protocol::call::ToolCall;
    use serde_json::json;

    use super::super::fixtures::{execution, tools};
    use super::*;
    use crate::transcript::Transcript;

    fn call(id: &str, tool: &str) -> ToolCall {
        ToolCall {
            call_id: id.into(),
            tool: tool.into(),
            input: json!({}),
        }
    }

    fn result(id: &str, tool: &str, output: Option<Value>, error: Option<&str>) -> Entry {
        Entry::Result {
            call_id: id.into(),
            tool: tool.into(),
            output,
            error: error.map(str::to_owned),
            cause: error.map(|_| "it broke".to_owned()),
            cached: false,
            stored: None,
        }
    }

    fn outcome(id: &str, tool: &str, output: Option<Value>, error: Option<&str>) -> ToolOutcome {
        ToolOutcome {
            call_id: id.into(),
            tool: tool.into(),
            output,
            error: error.map(str::to_owned),
            cause: error.map(|_| "it broke".to_owned()),
        }
    }

    /// A run that already holds one entry, with failure counts for both tools.
    fn run_with_history() -> Run {
        let mut transcript = Transcript::new("g", Value::Null);
        transcript.push(Entry::Answer { value: json!(0) });
        Run {
            transcript,
            turn: 3,
            failures: [("calc".to_owned(), 2), ("fetch".to_owned(), 1)].into(),
        }
    }

    #[test]
    fn results_are_appended_in_order_and_a_success_clears_the_count() {
        let mut run = run_with_history();
        let state = LoopState {
            calls: vec![call("c1", "calc"), call("c2", "fetch")],
            tool: Some(ToolResults {
                results: vec![
                    outcome("c1", "calc", Some(json!(2)), None),
                    outcome("c2", "fetch", None, Some("ToolError.Timeout")),
                ],
            }),
            ..LoopState::default()
        };
        assert_eq!(absorb(&state, &mut run), 1);
        assert_eq!(
            run.transcript.entries()[1..],
            [
                result("c1", "calc", Some(json!(2)), None),
                result("c2", "fetch", None, Some("ToolError.Timeout")),
            ]
        );
        assert_eq!(run.failures, [("fetch".to_owned(), 2)].into());
    }

    #[test]
    fn a_caught_failure_belongs_to_the_first_call() {
        let mut run = run_with_history();
        let state = LoopState {
            calls: vec![call("c1", "calc")],
            failure: Some(CaughtError {
                error: "States.TaskFailed".into(),
                cause: "boom".into(),
            }),
            ..LoopState::default()
        };
        absorb(&state, &mut run);
        assert_eq!(
            run.transcript.entries()[1..],
            [Entry::Result {
                call_id: "c1".into(),
                tool: "calc".into(),
                output: None,
                error: Some("States.TaskFailed".into()),
                cause: Some("boom".into()),
                cached: false,
                stored: None,
            }]
        );
        assert_eq!(run.failures["calc"], 3);
    }

    #[test]
    fn a_call_without_an_outcome_is_answered_fatal_and_counted() {
        let mut run = run_with_history();
        let state = LoopState {
            calls: vec![call("c1", "calc"), call("c2", "fetch")],
            tool: Some(ToolResults {
                results: vec![outcome("c1", "calc", Some(json!(2)), None)],
            }),
            // Ignored: `tool` is there, and the Map path never writes `failure`.
            failure: Some(CaughtError {
                error: "X".into(),
                cause: String::new(),
            }),
            ..LoopState::default()
        };
        absorb(&state, &mut run);
        assert_eq!(
            run.transcript.entries()[1..],
            [
                result("c1", "calc", Some(json!(2)), None),
                Entry::Result {
                    call_id: "c2".into(),
                    tool: "fetch".into(),
                    output: None,
                    error: Some("ToolError.Fatal".into()),
                    cause: Some("no result arrived for this call".into()),
                    cached: false,
                    stored: None,
                },
            ]
        );
        assert_eq!(run.failures, [("fetch".to_owned(), 2)].into());
    }

    #[test]
    fn a_first_step_absorbs_nothing_and_a_count_at_the_maximum_saturates() {
        let mut run = run_with_history();
        let before = run.clone();
        assert_eq!(absorb(&LoopState::default(), &mut run), 1);
        assert_eq!(run, before);
        run.failures.insert("fetch".into(), u32::MAX);
        let state = LoopState {
            calls: vec![call("c1", "fetch")],
            ..LoopState::default()
        };
        absorb(&state, &mut run);
        assert_eq!(run.failures["fetch"], u32::MAX);
    }

    #[tokio::test]
    async fn only_outputs_over_the_budget_are_stored_on_their_own() {
        let dir = tempfile::tempdir().unwrap();
        let mut agent = Agent::new(tools(), offload::Store::local(dir.path()));
        agent.result_budget = 20;
        let store = agent.store.for_execution(&execution("m", "e"));
        let large = json!({"text": "x".repeat(20)});
        let pointer = store.put_json(&large).await.unwrap().to_value();
        let mut entries = vec![
            result("small", "calc", Some(json!({"v": 1})), None),
            result("large", "calc", Some(large.clone()), None),
            result("pointer", "calc", Some(pointer), None),
            result("failed", "calc", None, Some("ToolError.Fatal")),
        ];
        agent
            .store_large_outputs(&store, &mut entries)
            .await
            .unwrap();
        let stored: Vec<Option<&Value>> = entries
            .iter()
            .map(|e| match e {
                Entry::Result { stored, .. } => stored.as_ref(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(stored[0], None);
        assert_eq!(stored[2], None);
        assert_eq!(stored[3], None);
        let copy = protocol::OffloadPointer::from_value(stored[1].unwrap()).unwrap();
        assert_eq!(store.get_json(&copy).await.unwrap(), large);
    }
}
