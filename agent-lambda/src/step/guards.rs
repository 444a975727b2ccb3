//! Phase 3, guards: the limits that end or move a run, whatever the reasoner would say.
//!
//! Before the reasoner is asked, in this order:
//! 1. the circuit breaker: a tool that failed `failure_threshold` times in a row ends the
//!    run with `Agent.CircuitOpen`, naming the tool and its last error;
//! 2. the turn limit: `max_turns` turns without an answer end it with `Agent.TurnLimit`;
//! 3. the hand-off: after `turns_per_execution` turns in this execution the run continues
//!    in a new one (route `continue`), well before a Standard execution's 25,000 events.
//!
//! After each consultation, the invalid-call streak: [`INVALID_STREAK_LIMIT`] steps in a
//! row in which the reasoner proposed nothing runnable and nothing the cache answered end
//! the run with `Agent.InvalidCalls`, as does a step that consulted it
//! [`CONSULTATIONS_PER_STEP`] times without a runnable call or an answer.

use protocol::ErrorName;
use protocol::agent::LoopConfig;

use super::{Run, Verdict};
use crate::transcript::{Entry, Transcript};

/// Steps in a row with no runnable call before `Agent.InvalidCalls`.
pub const INVALID_STREAK_LIMIT: u32 = 3;
/// Reasoner consultations within one step (cache hits and rejected calls ask again).
pub const CONSULTATIONS_PER_STEP: usize = 6;

/// The guard that trips before the reasoner is asked, if any; `execution` is this
/// execution's name.
pub(super) fn before_reasoning(run: &Run, config: &LoopConfig, execution: &str) -> Option<Verdict> {
    if let Some((tool, count)) = run
        .failures
        .iter()
        .find(|(_, count)| **count >= config.failure_threshold)
    {
        let last = last_error(&run.transcript, tool);
        return Some(Verdict::failed(
            ErrorName::CircuitOpen,
            format!(
                "tool `{tool}` failed {count} times in a row (threshold {}); last error: {last}",
                config.failure_threshold
            ),
        ));
    }
    if run.turn >= config.max_turns {
        return Some(Verdict::failed(
            ErrorName::TurnLimit,
            format!(
                "the run reached its limit of {} turns without an answer",
                config.max_turns
            ),
        ));
    }
    // `open` records every execution's first turn; one missing began with this step.
    let first_turn = run
        .transcript
        .execution_first_turn
        .get(execution)
        .copied()
        .unwrap_or(run.turn);
    if run.turn - first_turn.min(run.turn) >= config.turns_per_execution {
        return Some(Verdict::HandOff);
    }
    None
}

/// Counts a consultation that proposed `runnable` calls, `cache_hits` of the others
/// answered from the cache: a runnable call ends the streak, a cache hit leaves it, and
/// nothing of either extends it, up to `Agent.InvalidCalls`.
pub(super) fn invalid_streak(
    transcript: &mut Transcript,
    runnable: usize,
    cache_hits: usize,
) -> Option<Verdict> {
    if runnable > 0 {
        transcript.invalid_streak = 0;
        return None;
    }
    if cache_hits > 0 {
        return None;
    }
    transcript.invalid_streak = transcript.invalid_streak.saturating_add(1);
    (transcript.invalid_streak >= INVALID_STREAK_LIMIT).then(|| {
        Verdict::failed(
            ErrorName::InvalidCalls,
            format!(
                "the reasoner proposed no runnable call {INVALID_STREAK_LIMIT} times in a row (unknown tools or invalid arguments); see the transcript"
            ),
        )
    })
}

/// The verdict of a step that consulted the reasoner [`CONSULTATIONS_PER_STEP`] times
/// without a runnable call or an answer.
pub(super) fn consultations_exhausted() -> Verdict {
    Verdict::failed(
        ErrorName::InvalidCalls,
        format!(
            "the reasoner was consulted {CONSULTATIONS_PER_STEP} times in one step without a runnable call or an answer"
        ),
    )
}

/// `error: cause` of the tool's latest failure in the transcript (empty when none).
fn last_error(transcript: &Transcript, tool: &str) -> String {
    transcript
        .entries()
        .iter()
        .rev()
        .find_map(|e| match e {
            Entry::Result {
                tool: t,
                error: Some(error),
                cause,
                ..
            } if t == tool => Some(format!("{error}: {}", cause.as_deref().unwrap_or(""))),
            _ => None,
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn failure(tool: &str, error: &str, cause: &str) -> Entry {
        Entry::Result {
            call_id: format!("{tool}-{error}"),
            tool: tool.into(),
            output: None,
            error: Some(error.into()),
            cause: Some(cause.into()),
            cached: false,
            stored: None,
        }
    }

    fn run(turn: u32, failures: &[(&str, u32)]) -> Run {
        let mut transcript = Transcript::new("g", Value::Null);
        transcript.execution_first_turn.insert("e".into(), 0);
        Run {
            transcript,
            turn,
            failures: failures
                .iter()
                .map(|(t, n)| ((*t).to_owned(), *n))
                .collect(),
        }
    }

    fn config(max_turns: u32, failure_threshold: u32, turns_per_execution: u32) -> LoopConfig {
        LoopConfig {
            max_turns,
            failure_threshold,
            turns_per_execution,
        }
    }

    #[test]
    fn the_circuit_opens_at_the_threshold_naming_the_tool_and_its_last_error() {
        let mut run = run(1, &[("calc", 2), ("fetch", 3)]);
        for entry in [
            failure("fetch", "ToolError.Timeout", "slow"),
            failure("calc", "ToolError.Fatal", "bad"),
            failure("fetch", "ToolError.Retryable", "503"),
        ] {
            run.transcript.push(entry);
        }
        assert_eq!(
            before_reasoning(&run, &config(50, 3, 200), "e"),
            Some(Verdict::Failed {
                error: "Agent.CircuitOpen".into(),
                cause: "tool `fetch` failed 3 times in a row (threshold 3); last error: ToolError.Retryable: 503".into(),
            })
        );
        assert_eq!(before_reasoning(&run, &config(50, 4, 200), "e"), None);
    }

    #[test]
    fn the_circuit_is_checked_before_the_turn_limit_and_the_turn_limit_before_the_hand_off() {
        let at_every_limit = run(4, &[("fetch", 1)]);
        let verdict = |c: LoopConfig| match before_reasoning(&at_every_limit, &c, "e") {
            Some(Verdict::Failed { error, .. }) => error,
            other => format!("{other:?}"),
        };
        assert_eq!(verdict(config(4, 1, 4)), "Agent.CircuitOpen");
        assert_eq!(verdict(config(4, 2, 4)), "Agent.TurnLimit");
        assert_eq!(verdict(config(5, 2, 4)), "Some(HandOff)");
        assert_eq!(verdict(config(5, 2, 5)), "None");
        assert_eq!(
            before_reasoning(&at_every_limit, &config(4, 2, 4), "e"),
            Some(Verdict::Failed {
                error: "Agent.TurnLimit".into(),
                cause: "the run reached its limit of 4 turns without an answer".into(),
            })
        );
    }

    #[test]
    fn the_hand_off_counts_turns_from_this_executions_first() {
        let mut run = run(12, &[]);
        run.transcript
            .execution_first_turn
            .insert("second".into(), 10);
        let config = config(50, 5, 3);
        assert_eq!(before_reasoning(&run, &config, "second"), None);
        run.turn = 13;
        assert_eq!(
            before_reasoning(&run, &config, "second"),
            Some(Verdict::HandOff)
        );
        // The first execution began at turn 0: long past its share.
        assert_eq!(before_reasoning(&run, &config, "e"), Some(Verdict::HandOff));
        // An execution the transcript does not know begins now.
        assert_eq!(before_reasoning(&run, &config, "third"), None);
    }

    #[test]
    fn the_streak_grows_only_without_runnable_calls_or_cache_hits() {
        let mut transcript = Transcript::new("g", json!({}));
        assert_eq!(invalid_streak(&mut transcript, 0, 0), None);
        assert_eq!(invalid_streak(&mut transcript, 0, 1), None);
        assert_eq!(transcript.invalid_streak, 1);
        assert_eq!(invalid_streak(&mut transcript, 0, 0), None);
        assert_eq!(transcript.invalid_streak, 2);
        assert_eq!(invalid_streak(&mut transcript, 2, 0), None);
        assert_eq!(transcript.invalid_streak, 0);
        for _ in 1..INVALID_STREAK_LIMIT {
            assert_eq!(invalid_streak(&mut transcript, 0, 0), None);
        }
        let Some(Verdict::Failed { error, cause }) = invalid_streak(&mut transcript, 0, 0) else {
            panic!("the third step in a row without a runnable call did not end the run");
        };
        assert_eq!(error, "Agent.InvalidCalls");
        assert!(
            cause.contains("no runnable call 3 times in a row"),
            "{cause}"
        );
    }

    #[test]
    fn exhausted_consultations_end_the_run_as_invalid_calls() {
        let Verdict::Failed { error, cause } = consultations_exhausted() else {
            panic!("not a failure");
        };
        assert_eq!(error, "Agent.InvalidCalls");
        assert!(cause.contains("consulted 6 times in one step"), "{cause}");
    }
}
