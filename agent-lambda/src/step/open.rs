//! Phase 1, open: the run so far, from one of three sources.
//!
//! - A later step of this execution: the transcript its pointer names (verified inside
//!   this execution's folder), with the turn and failure counts the state carries.
//! - A continued execution's first step: the hand-off record the parent wrote, which must
//!   verify in the parent's folder, belong to the same state machine and name both this
//!   execution and that parent. Transcript, turn and failures come from the record; the
//!   parent's chain is adopted as it is (this execution's segments link to it), and an
//!   offloaded result of the parent is copied only when a call uses it.
//! - A start: a fresh transcript from a non-empty `goal` and `options` the reasoner
//!   configuration accepts. A start input carrying the loop's own fields is refused, so a
//!   caller cannot forge a run's history.
//!
//! A refusal is not an error of the step: the step ends the run with `Agent.InvalidStart`
//! and the reason. Every opened run records the turn at which this execution began (for
//! the hand-off guard).

use offload::ExecutionStore;
use protocol::agent::{AgentStepInput, HandoffRecord, LoopState};
use serde_json::Value;

use super::{Agent, Failures, Run, StepError};
use crate::transcript::Transcript;
use crate::transcript::chain::machine_of;

/// How a step's run was opened.
// Made once per step and unpacked at once by the caller: boxing the run would cost an
// allocation per step and gain nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, PartialEq)]
pub(super) enum Opened {
    /// The run so far.
    Run(Run),
    /// A start or hand-off that may not run, and why.
    Refused(String),
}

impl Agent {
    /// Opens the run (see the module docs) and records this execution's first turn.
    pub(super) async fn open(
        &self,
        store: &ExecutionStore,
        input: &AgentStepInput,
    ) -> Result<Opened, StepError> {
        let mut opened = self.open_run(store, input).await?;
        if let Opened::Run(run) = &mut opened {
            run.transcript.set_writer(&input.execution);
            run.transcript
                .execution_first_turn
                .entry(input.execution.name.clone())
                .or_insert(run.turn);
        }
        Ok(opened)
    }

    async fn open_run(
        &self,
        store: &ExecutionStore,
        input: &AgentStepInput,
    ) -> Result<Opened, StepError> {
        let state = &input.state;
        if let Some(pointer) = &state.transcript
            && state.handoff.is_none()
            && state.parent.is_none()
            && store.check(pointer).is_ok()
        {
            return Ok(Opened::Run(Run {
                transcript: self.load_transcript(&input.execution, pointer).await?,
                turn: state.turn,
                failures: state.failures.clone(),
            }));
        }
        if let Some(record) = &state.handoff {
            return self.open_handoff(input, record).await;
        }
        let carried = loop_fields(state);
        if !carried.is_empty() {
            return Ok(Opened::Refused(format!(
                "the start input carries {}, which only the loop itself may set; a start input holds `goal` and `options`, and a continued execution is started by the agent with a hand-off record",
                carried.join(", ")
            )));
        }
        let goal = match &state.goal {
            Some(goal) if !goal.trim().is_empty() => goal.clone(),
            _ => {
                return Ok(Opened::Refused(
                    "the start input needs a non-empty `goal`, e.g. {\"goal\": \"...\", \"options\": {\"reasoner\": \"plan\", \"plan\": {...}}}".to_owned(),
                ));
            }
        };
        let options = state.options.clone().unwrap_or(Value::Null);
        if let Err(cause) = self.reasoners.accept(&options) {
            return Ok(Opened::Refused(cause));
        }
        Ok(Opened::Run(Run {
            transcript: Transcript::new(goal, options),
            turn: 0,
            failures: Failures::new(),
        }))
    }

    /// A continued execution's first step: the parent's record must verify inside the
    /// parent's folder, be of the same state machine, and name this execution and that
    /// parent. The transcript, turn and failures come from the record, not the input.
    async fn open_handoff(
        &self,
        input: &AgentStepInput,
        record: &protocol::OffloadPointer,
    ) -> Result<Opened, StepError> {
        let state = &input.state;
        let Some(parent) = &state.parent else {
            return Ok(Opened::Refused(
                "a hand-off needs `parent`, the execution that wrote it".to_owned(),
            ));
        };
        let mut extra = loop_fields(state);
        extra.retain(|f| *f != "`parent`");
        if state.goal.is_some() || state.options.is_some() {
            extra.push("`goal` or `options`");
        }
        if !extra.is_empty() {
            return Ok(Opened::Refused(format!(
                "a continued execution's input holds only `handoff` and `parent`; it also carries {}",
                extra.join(", ")
            )));
        }
        if machine_of(parent) != machine_of(&input.execution) {
            return Ok(Opened::Refused(format!(
                "the parent execution `{}` is not an execution of the same state machine as `{}`; a run may only continue its own transcript",
                parent.id, input.execution.id
            )));
        }
        let parent_store = self.store.for_execution(parent);
        let record: HandoffRecord = match parent_store.get_json(record).await {
            Ok(value) => match serde_json::from_value(value) {
                Ok(record) => record,
                Err(e) => {
                    return Ok(Opened::Refused(format!(
                        "the hand-off record is not one: {e}"
                    )));
                }
            },
            Err(e) => {
                return Ok(Opened::Refused(format!(
                    "the hand-off record does not verify in the parent's folder ({}): {e}",
                    e.error_name()
                )));
            }
        };
        if record.child != input.execution.name || record.parent != *parent {
            return Ok(Opened::Refused(format!(
                "the hand-off record of `{}` names another execution; only the execution it names may continue the run",
                parent.id
            )));
        }
        // The chain is adopted as it is: this execution's segments link to the parent's.
        let transcript = self.load_transcript(parent, &record.transcript).await?;
        Ok(Opened::Run(Run {
            transcript,
            turn: record.turn,
            failures: record.failures,
        }))
    }
}

/// The fields of a state that only the loop sets (the start input may not carry them).
fn loop_fields(state: &LoopState) -> Vec<&'static str> {
    let present = [
        ("`transcript`", state.transcript.is_some()),
        ("`parent`", state.parent.is_some()),
        ("`tool`", state.tool.is_some()),
        ("`failure`", state.failure.is_some()),
        ("`failures`", !state.failures.is_empty()),
        ("`calls`", !state.calls.is_empty()),
        ("`turn`", state.turn != 0),
    ];
    present
        .into_iter()
        .filter_map(|(name, is_present)| is_present.then_some(name))
        .collect()
}

#[cfg(test)]
mod tests {
    use protocol::agent::LoopConfig;
    use protocol::call::ExecutionRef;
    use serde_json::json;

    use super::super::fixtures::{execution, tools};
    use super::*;
    use crate::reasoner::select::{ReasonerConfig, ReasonerKind};

    fn agent(dir: &std::path::Path) -> Agent {
        Agent::new(tools(), offload::Store::local(dir))
    }

    fn step_input(state: LoopState, execution: ExecutionRef) -> AgentStepInput {
        AgentStepInput {
            state,
            execution,
            config: LoopConfig::default(),
        }
    }

    fn start(goal: &str, options: Value) -> LoopState {
        LoopState {
            goal: Some(goal.to_owned()),
            options: Some(options),
            ..LoopState::default()
        }
    }

    async fn open(agent: &Agent, input: &AgentStepInput) -> Opened {
        let store = agent.store.for_execution(&input.execution);
        agent.open(&store, input).await.unwrap()
    }

    fn refusal(opened: Opened) -> String {
        match opened {
            Opened::Refused(cause) => cause,
            Opened::Run(run) => panic!("expected a refusal, the run opened: {run:?}"),
        }
    }

    #[tokio::test]
    async fn a_start_opens_a_fresh_transcript_at_turn_zero() {
        let dir = tempfile::tempdir().unwrap();
        let options = json!({"reasoner": "plan", "plan": {"steps": []}});
        let input = step_input(start("add", options.clone()), execution("m", "e1"));
        let mut expected = Transcript::new("add", options);
        expected.execution_first_turn.insert("e1".into(), 0);
        assert_eq!(
            open(&agent(dir.path()), &input).await,
            Opened::Run(Run {
                transcript: expected,
                turn: 0,
                failures: Failures::new(),
            })
        );
    }

    #[tokio::test]
    async fn a_start_without_a_goal_or_with_refused_options_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let agent = agent(dir.path());
        let exec = execution("m", "e1");
        let cause = refusal(open(&agent, &step_input(start("  ", json!({})), exec.clone())).await);
        assert!(cause.contains("non-empty `goal`"), "{cause}");
        // The default configuration runs plans only.
        let asks_openai = start("g", json!({"reasoner": "openai"}));
        let cause = refusal(open(&agent, &step_input(asks_openai.clone(), exec.clone())).await);
        assert!(
            cause.contains("reasoner `openai` is not enabled"),
            "{cause}"
        );
        // A deployment that enables it accepts the same start.
        let openai = agent.with_reasoner_config(ReasonerConfig {
            allowed: vec![ReasonerKind::Plan, ReasonerKind::OpenAi],
            ..ReasonerConfig::default()
        });
        assert!(matches!(
            open(&openai, &step_input(asks_openai, exec)).await,
            Opened::Run(_)
        ));
    }

    #[tokio::test]
    async fn a_start_carrying_the_loops_own_fields_names_each_of_them() {
        let dir = tempfile::tempdir().unwrap();
        let state = LoopState {
            turn: 7,
            failures: [("fetch".to_owned(), 1)].into(),
            ..start("g", json!({}))
        };
        let cause =
            refusal(open(&agent(dir.path()), &step_input(state, execution("m", "e1"))).await);
        assert!(
            cause.starts_with("the start input carries `failures`, `turn`, which only the loop"),
            "{cause}"
        );
    }

    #[tokio::test]
    async fn a_later_step_reads_its_own_transcript_and_keeps_the_first_turn() {
        let dir = tempfile::tempdir().unwrap();
        let agent = agent(dir.path());
        let exec = execution("m", "e1");
        let mut transcript = Transcript::new("g", Value::Null);
        transcript.execution_first_turn.insert("e1".into(), 2);
        let pointer = crate::transcript::chain::append(&agent.store, &exec, &mut transcript)
            .await
            .unwrap();
        // Read from the store, not from this process's memory.
        let agent = super::Agent::new(tools(), agent.store.clone());
        let state = LoopState {
            transcript: Some(pointer),
            turn: 5,
            failures: [("fetch".to_owned(), 2)].into(),
            ..LoopState::default()
        };
        assert_eq!(
            open(&agent, &step_input(state, exec)).await,
            Opened::Run(Run {
                transcript,
                turn: 5,
                failures: [("fetch".to_owned(), 2)].into(),
            })
        );
    }

    #[tokio::test]
    async fn another_executions_transcript_is_refused_as_carried_loop_state() {
        let dir = tempfile::tempdir().unwrap();
        let agent = agent(dir.path());
        let victim = agent.store.for_execution(&execution("m", "victim"));
        let pointer = victim
            .put_json(&serde_json::to_value(Transcript::new("secret", Value::Null)).unwrap())
            .await
            .unwrap();
        let state = LoopState {
            transcript: Some(pointer),
            ..start("g", json!({}))
        };
        let cause = refusal(open(&agent, &step_input(state, execution("m", "thief"))).await);
        assert!(cause.contains("carries `transcript`"), "{cause}");
    }

    #[tokio::test]
    async fn a_hand_off_opens_from_the_record_naming_this_execution_only() {
        let dir = tempfile::tempdir().unwrap();
        let agent = agent(dir.path());
        let parent = execution("m", "parent");
        let parent_store = agent.store.for_execution(&parent);
        let transcript = Transcript::new("g", Value::Null);
        let record = HandoffRecord {
            parent: parent.clone(),
            child: "child".into(),
            transcript: agent
                .save_transcript(&parent, transcript.clone())
                .await
                .unwrap(),
            turn: 9,
            failures: [("fetch".to_owned(), 1)].into(),
        };
        let record = parent_store
            .put_json(&serde_json::to_value(record).unwrap())
            .await
            .unwrap();
        let continued = LoopState {
            handoff: Some(record),
            parent: Some(parent),
            ..LoopState::default()
        };
        let mut expected = transcript;
        expected.execution_first_turn.insert("child".into(), 9);
        assert_eq!(
            open(
                &agent,
                &step_input(continued.clone(), execution("m", "child"))
            )
            .await,
            Opened::Run(Run {
                transcript: expected,
                turn: 9,
                failures: [("fetch".to_owned(), 1)].into(),
            })
        );
        let cause = refusal(
            open(
                &agent,
                &step_input(continued.clone(), execution("m", "other")),
            )
            .await,
        );
        assert!(cause.contains("names another execution"), "{cause}");
        let cause = refusal(open(&agent, &step_input(continued, execution("n", "child"))).await);
        assert!(
            cause.contains("not an execution of the same state machine"),
            "{cause}"
        );
    }
}
