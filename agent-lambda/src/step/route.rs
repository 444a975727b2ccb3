//! Phase 5, route: the step's verdict written down as the small state the loop carries.
//!
//! The transcript is stored (every verdict stores it, so the next step, a hand-off or a
//! post-mortem reads what happened) and the descriptor names the route the state
//! machine's Choice takes (ARCHITECTURE.md, "Routes"):
//!
//! | verdict | status | route | turn | also |
//! | --- | --- | --- | --- | --- |
//! | calls | `tool_calls` | `call:<tool>` for one call, `map` for several | the next | `calls`, inputs over [`INLINE_LIMIT_BYTES`] offloaded |
//! | answer | `done` | `done` | this | `answer`, offloaded over [`INLINE_LIMIT_BYTES`] |
//! | failed | `failed` | `failed` | this | `error`, `cause` capped at [`CAUSE_LIMIT_BYTES`] |
//! | hand-off | `continue` | `continue` | this | `handoff` (a record naming the next execution), `continue_as` |

use offload::ExecutionStore;
use protocol::Route;
use protocol::agent::{AgentStatus, AgentStepOutput, HandoffRecord};
use protocol::call::{ExecutionRef, ToolCall};
use serde_json::Value;

use super::{Agent, Failures, Run, StepError, Verdict};

/// A call input or an answer larger than this (serialized bytes) is offloaded, so the
/// state stays small.
pub const INLINE_LIMIT_BYTES: usize = 2_048;
/// Bytes of a failure's cause kept in the state (the rest is cut, marked with `…`).
pub(super) const CAUSE_LIMIT_BYTES: usize = 1_024;

impl Agent {
    /// Stores the run's transcript and returns the descriptor for `verdict`.
    pub(super) async fn conclude(
        &self,
        store: &ExecutionStore,
        execution: &ExecutionRef,
        run: Run,
        verdict: Verdict,
    ) -> Result<AgentStepOutput, StepError> {
        match verdict {
            Verdict::Calls(runnable) => {
                let turn = run.next_turn();
                let route = route_of(&runnable);
                let mut calls = Vec::with_capacity(runnable.len());
                for mut call in runnable {
                    call.input = self.inline_or_offload(store, call.input).await?;
                    calls.push(call);
                }
                let pointer = self.save_transcript(execution, run.transcript).await?;
                Ok(AgentStepOutput {
                    calls,
                    ..descriptor(AgentStatus::ToolCalls, route, pointer, turn, run.failures)
                })
            }
            Verdict::Answer(answer) => {
                let answer = self.inline_or_offload(store, answer).await?;
                let pointer = self.save_transcript(execution, run.transcript).await?;
                Ok(AgentStepOutput {
                    answer: Some(answer),
                    ..descriptor(
                        AgentStatus::Done,
                        Route::Done,
                        pointer,
                        run.turn,
                        run.failures,
                    )
                })
            }
            Verdict::Failed { error, cause } => {
                let pointer = self.save_transcript(execution, run.transcript).await?;
                Ok(AgentStepOutput {
                    error: Some(error),
                    cause: Some(cap_cause(cause)),
                    ..descriptor(
                        AgentStatus::Failed,
                        Route::Failed,
                        pointer,
                        run.turn,
                        run.failures,
                    )
                })
            }
            Verdict::HandOff => self.hand_off(store, execution, run).await,
        }
    }

    /// Ends this execution's part of the run: stores the transcript and a hand-off record
    /// naming the next execution, whose name is random so no one else can claim it first.
    async fn hand_off(
        &self,
        store: &ExecutionStore,
        execution: &ExecutionRef,
        run: Run,
    ) -> Result<AgentStepOutput, StepError> {
        let pointer = self.save_transcript(execution, run.transcript).await?;
        let child = child_name(&execution.name, run.turn);
        let record = HandoffRecord {
            parent: execution.clone(),
            child: child.clone(),
            transcript: pointer.clone(),
            turn: run.turn,
            failures: run.failures.clone(),
        };
        let record = store
            .put_json(&serde_json::to_value(record).unwrap_or_default())
            .await?;
        Ok(AgentStepOutput {
            handoff: Some(record),
            continue_as: Some(child),
            ..descriptor(
                AgentStatus::Continue,
                Route::Continue,
                pointer,
                run.turn,
                run.failures,
            )
        })
    }

    async fn inline_or_offload(
        &self,
        store: &ExecutionStore,
        value: Value,
    ) -> Result<Value, StepError> {
        if offload::serialized_len(&value) as usize > INLINE_LIMIT_BYTES {
            let pointer = store.put_json(&value).await?;
            Ok(serde_json::to_value(pointer).unwrap_or_default())
        } else {
            Ok(value)
        }
    }
}

/// The route of a step's runnable calls (at least one): that tool's Task for one, the Map
/// state for several.
fn route_of(calls: &[ToolCall]) -> Route {
    match calls {
        [call] => Route::call(&call.tool),
        _ => Route::Map,
    }
}

/// `cause` cut to [`CAUSE_LIMIT_BYTES`] on a character boundary, so the state stays small.
fn cap_cause(mut cause: String) -> String {
    if cause.len() > CAUSE_LIMIT_BYTES {
        let mut cut = CAUSE_LIMIT_BYTES;
        while !cause.is_char_boundary(cut) {
            cut -= 1;
        }
        cause.truncate(cut);
        cause.push('…');
    }
    cause
}

/// A step's answer with no calls, answer or error (the callers fill what applies).
fn descriptor(
    status: AgentStatus,
    route: Route,
    transcript: protocol::OffloadPointer,
    turn: u32,
    failures: Failures,
) -> AgentStepOutput {
    AgentStepOutput {
        status,
        route,
        calls: Vec::new(),
        answer: None,
        error: None,
        cause: None,
        transcript,
        turn,
        failures,
        handoff: None,
        continue_as: None,
    }
}

/// The next execution's name: the start of this one's (for lineage in the console), the
/// turn, and 128 random bits (execution names allow 80 characters).
fn child_name(parent: &str, turn: u32) -> String {
    let base: String = parent
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(24)
        .collect();
    format!("{base}-t{turn}-{}", uuid::Uuid::new_v4().simple())
}

#[cfg(test)]
mod tests {
    use protocol::OffloadPointer;
    use serde_json::json;

    use super::super::fixtures::{execution, tools};
    use super::*;
    use crate::transcript::{Entry, Transcript};

    fn call(id: &str, tool: &str, input: Value) -> ToolCall {
        ToolCall {
            call_id: id.into(),
            tool: tool.into(),
            input,
        }
    }

    fn run() -> Run {
        let mut transcript = Transcript::new("g", Value::Null);
        transcript.push(Entry::Answer { value: json!(1) });
        Run {
            transcript,
            turn: 4,
            failures: [("fetch".to_owned(), 2)].into(),
        }
    }

    struct Fixture {
        _dir: tempfile::TempDir,
        agent: Agent,
        execution: ExecutionRef,
        store: ExecutionStore,
    }

    fn fixture() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let agent = Agent::new(tools(), offload::Store::local(dir.path()));
        let execution = execution("m", "exec_01.name");
        let store = agent.store.for_execution(&execution);
        Fixture {
            _dir: dir,
            agent,
            execution,
            store,
        }
    }

    impl Fixture {
        async fn conclude(&self, verdict: Verdict) -> AgentStepOutput {
            self.agent
                .conclude(&self.store, &self.execution, run(), verdict)
                .await
                .unwrap()
        }

        async fn get(&self, pointer: &OffloadPointer) -> Value {
            self.store.get_json(pointer).await.unwrap()
        }

        /// The stored transcript is the run's.
        async fn assert_transcript_stored(&self, out: &AgentStepOutput) {
            let stored =
                crate::transcript::chain::load(&self.agent.store, &self.execution, &out.transcript)
                    .await
                    .unwrap();
            assert_eq!(stored, run().transcript);
        }
    }

    #[test]
    fn one_call_goes_to_its_tool_several_to_the_map() {
        let one = [call("a", "calc", json!({}))];
        assert_eq!(route_of(&one), Route::call("calc"));
        let two = [call("a", "calc", json!({})), call("b", "calc", json!({}))];
        assert_eq!(route_of(&two), Route::Map);
    }

    #[test]
    fn causes_are_cut_on_a_character_boundary() {
        assert_eq!(cap_cause("short".into()), "short");
        let exact = "x".repeat(CAUSE_LIMIT_BYTES);
        assert_eq!(cap_cause(exact.clone()), exact);
        // 1,023 one-byte characters, then a two-byte one straddling the limit.
        let straddling = format!("{}é and more", "x".repeat(CAUSE_LIMIT_BYTES - 1));
        assert_eq!(
            cap_cause(straddling),
            format!("{}…", "x".repeat(CAUSE_LIMIT_BYTES - 1))
        );
    }

    #[test]
    fn child_names_keep_a_safe_prefix_of_the_parent_and_stay_under_80_characters() {
        let name = child_name("exec.01/with spaces and a very long tail indeed", 12);
        let (base, random) = name.split_at(name.len() - 32);
        assert_eq!(base, "exec01withspacesandavery-t12-");
        assert!(random.chars().all(|c| c.is_ascii_hexdigit()), "{random}");
        assert!(name.len() <= 80);
        assert_ne!(child_name("p", 1), child_name("p", 1));
    }

    #[tokio::test]
    async fn calls_route_to_the_next_turn_with_large_inputs_offloaded() {
        let fx = fixture();
        let large = json!({"expression": "1+".repeat(INLINE_LIMIT_BYTES)});
        let out = fx
            .conclude(Verdict::Calls(vec![call("a", "calc", large.clone())]))
            .await;
        assert_eq!(
            (out.status, out.route.as_wire().as_ref()),
            (AgentStatus::ToolCalls, "call:calc")
        );
        assert_eq!(out.turn, 5);
        assert_eq!(out.failures, run().failures);
        let pointer = OffloadPointer::from_value(&out.calls[0].input).expect("offloaded");
        assert_eq!(fx.get(&pointer).await, large);
        fx.assert_transcript_stored(&out).await;

        let small = json!({"expression": "1+1"});
        let out = fx
            .conclude(Verdict::Calls(vec![
                call("a", "calc", small.clone()),
                call("b", "fetch", json!({"url": "https://a"})),
            ]))
            .await;
        assert_eq!(out.route, "map");
        assert_eq!(out.calls[0].input, small);
    }

    #[tokio::test]
    async fn an_answer_is_done_at_this_turn_and_inline_while_small() {
        let fx = fixture();
        let out = fx.conclude(Verdict::Answer(json!("42"))).await;
        assert_eq!(
            (out.status, out.route.as_wire().as_ref()),
            (AgentStatus::Done, "done")
        );
        assert_eq!(out.turn, 4);
        assert_eq!(out.answer, Some(json!("42")));
        assert!(out.calls.is_empty() && out.error.is_none());
        fx.assert_transcript_stored(&out).await;
        let large = json!("a".repeat(INLINE_LIMIT_BYTES));
        let out = fx.conclude(Verdict::Answer(large.clone())).await;
        let pointer = OffloadPointer::from_value(out.answer.as_ref().unwrap()).expect("offloaded");
        assert_eq!(fx.get(&pointer).await, large);
    }

    #[tokio::test]
    async fn a_failure_carries_its_error_and_a_capped_cause() {
        let fx = fixture();
        let out = fx
            .conclude(Verdict::Failed {
                error: "Agent.PlanFailed".into(),
                cause: "c".repeat(5_000),
            })
            .await;
        assert_eq!(
            (out.status, out.route.as_wire().as_ref()),
            (AgentStatus::Failed, "failed")
        );
        assert_eq!(out.error.as_deref(), Some("Agent.PlanFailed"));
        assert_eq!(
            out.cause,
            Some(format!("{}…", "c".repeat(CAUSE_LIMIT_BYTES)))
        );
        assert_eq!(out.turn, 4);
        fx.assert_transcript_stored(&out).await;
    }

    #[tokio::test]
    async fn a_hand_off_records_the_child_it_names() {
        let fx = fixture();
        let out = fx.conclude(Verdict::HandOff).await;
        assert_eq!(
            (out.status, out.route.as_wire().as_ref()),
            (AgentStatus::Continue, "continue")
        );
        let child = out.continue_as.clone().unwrap();
        assert!(child.starts_with("exec_01name-t4-"), "{child}");
        let record: HandoffRecord =
            serde_json::from_value(fx.get(out.handoff.as_ref().unwrap()).await).unwrap();
        assert_eq!(
            record,
            HandoffRecord {
                parent: fx.execution.clone(),
                child,
                transcript: out.transcript.clone(),
                turn: 4,
                failures: run().failures,
            }
        );
        fx.assert_transcript_stored(&out).await;
    }
}
