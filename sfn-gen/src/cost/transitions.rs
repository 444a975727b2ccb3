//! State transitions of the generated loop on Step Functions (see `generate`'s module docs):
//! a turn with one tool call costs 3 (Agent, Route, the tool's Task); a turn with N parallel
//! calls costs 3 + 2N (Agent, Route, the Map, and per call its Choice and Task); the final
//! answering turn costs 3 (Agent, Route, Done). A run of T tool turns of N calls each costs
//! `T (3 or 3 + 2N) + 3`.

/// Transitions of one turn with `calls` tool calls (0: the final, answering turn).
pub fn transitions_per_turn(calls: u64) -> u64 {
    match calls {
        0 => 3, // the final turn: Agent, Route, Done
        1 => 3,
        n => 3 + 2 * n,
    }
}

/// Transitions of a run: `turns` tool turns and the final answering turn.
pub fn transitions_per_run(turns: u64, calls: u64) -> u64 {
    turns * transitions_per_turn(calls) + transitions_per_turn(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_the_issue_bounds() {
        assert!(transitions_per_turn(1) <= 3);
        for n in 2..50 {
            assert!(transitions_per_turn(n) <= 3 + 2 * n);
        }
        // 5 single-call turns + the answer: 5 x 3 + 3 = 18.
        assert_eq!(transitions_per_run(5, 1), 18);
        // 2 turns of 3 parallel calls + the answer: 2 x (3 + 6) + 3 = 21.
        assert_eq!(transitions_per_run(2, 3), 21);
    }
}
