//! Phase 4, triage: the calls a reasoner proposed, sorted before anything runs.
//!
//! Every proposal gets a call id unique within the run (the provider's, when it is fresh
//! and at most 64 characters, else `t<turn>-<n>`) and is recorded as proposed, so the
//! transcript pairs each call with a result. Then, in proposal order:
//! - an unknown tool (`Agent.UnknownTool`, naming the tools that exist) or arguments that
//!   do not match the tool's `inputSchema` (`ToolError.InvalidInput`, naming each bad
//!   field's JSON pointer) is answered at once with that error, for the model to fix;
//! - a call to a read-only or idempotent tool identical (same canonical input) to an
//!   earlier successful call is answered from that result (`cached`);
//! - every other call is runnable: it goes to the tool Tasks.

use protocol::call::ToolCall;

use crate::builtin::{self, TRANSCRIPT_READ};
use crate::reasoner::Proposal;
use crate::tools::ToolSet;
use crate::transcript::{Entry, Transcript};

/// A consultation's proposals, sorted.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Triage {
    /// Every proposal, with its call id, in order.
    pub recorded: Vec<ToolCall>,
    /// Results given now: refusals and cache hits, in proposal order.
    pub answered: Vec<Entry>,
    /// The calls that go to the tool Tasks.
    pub runnable: Vec<ToolCall>,
    /// How many of `answered` came from the cache or a built-in tool (the reasoner got
    /// something new to see).
    pub cache_hits: usize,
}

/// Sorts `proposals` (made in `turn`) against the tools and the run so far; built-in
/// tools are answered at once (`read_chars` bounds a `transcript_read` answer).
pub(super) fn triage(
    tools: &ToolSet,
    transcript: &Transcript,
    proposals: Vec<Proposal>,
    turn: u32,
    read_chars: usize,
) -> Triage {
    let mut triage = Triage::default();
    for proposal in proposals {
        let call_id = unique_id(transcript, &triage.recorded, proposal.id.as_deref(), turn);
        let call = ToolCall {
            call_id: call_id.clone(),
            tool: proposal.tool,
            input: proposal.input,
        };
        triage.recorded.push(call.clone());
        let answer = |output, error: Option<String>, cause, cached| Entry::Result {
            call_id,
            tool: call.tool.clone(),
            output,
            error,
            cause,
            cached,
            stored: None,
        };
        if call.tool == TRANSCRIPT_READ {
            let entry = match builtin::read(transcript, &call.input, read_chars) {
                Ok(output) => answer(Some(output), None, None, false),
                Err(cause) => answer(
                    None,
                    Some(protocol::ErrorName::InvalidInput.as_str().to_owned()),
                    Some(cause),
                    false,
                ),
            };
            triage.answered.push(entry);
            triage.cache_hits += 1;
            continue;
        }
        match tools.check(&call.tool, &call.input) {
            Err(rejection) => {
                let entry = answer(
                    None,
                    Some(rejection.error.to_owned()),
                    Some(rejection.cause),
                    false,
                );
                triage.answered.push(entry);
            }
            Ok(tool) => {
                let cached = tool
                    .manifest
                    .repeatable()
                    .then(|| transcript.cached_output(&call.tool, &call.input))
                    .flatten();
                match cached {
                    Some(output) => {
                        triage.answered.push(answer(Some(output), None, None, true));
                        triage.cache_hits += 1;
                    }
                    None => triage.runnable.push(call),
                }
            }
        }
    }
    triage
}

impl Triage {
    /// Writes the consultation into the transcript (the calls as proposed, with `text`,
    /// then the results given now) and returns the runnable calls.
    pub(super) fn record(
        self,
        transcript: &mut Transcript,
        turn: u32,
        text: Option<String>,
    ) -> Vec<ToolCall> {
        transcript.push(Entry::Calls {
            turn,
            calls: self.recorded,
            text,
        });
        for entry in self.answered {
            transcript.push(entry);
        }
        self.runnable
    }
}

/// A call id unique within the run: the provider's id when it is fresh, else `t<turn>-<n>`.
fn unique_id(
    transcript: &Transcript,
    pending: &[ToolCall],
    proposed: Option<&str>,
    turn: u32,
) -> String {
    let taken = |id: &str| pending.iter().any(|c| c.call_id == id) || transcript.has_call(id);
    if let Some(id) = proposed.filter(|id| !id.is_empty() && id.len() <= 64 && !taken(id)) {
        return id.to_owned();
    }
    let mut n = transcript.call_count() + pending.len() + 1;
    loop {
        let id = format!("t{turn}-{n}");
        if !taken(&id) {
            return id;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::fixtures::tools;
    use super::*;

    fn proposal(id: Option<&str>, tool: &str, input: Value) -> Proposal {
        Proposal {
            id: id.map(str::to_owned),
            tool: tool.into(),
            input,
        }
    }

    fn call(id: &str, tool: &str, input: Value) -> ToolCall {
        ToolCall {
            call_id: id.into(),
            tool: tool.into(),
            input,
        }
    }

    /// A transcript in which `calc {"expression": "1+1"}` returned 2 and `fetch` of
    /// `https://a` returned a page, and `calc {"expression": "boom"}` failed (turn 1).
    fn history() -> Transcript {
        let mut transcript = Transcript::new("g", Value::Null);
        let result = |id: &str, tool: &str, output: Option<Value>| Entry::Result {
            call_id: id.into(),
            tool: tool.into(),
            error: output.is_none().then(|| "ToolError.Fatal".to_owned()),
            cause: None,
            output,
            cached: false,
            stored: None,
        };
        for entry in [
            Entry::Calls {
                turn: 1,
                calls: vec![
                    call("a", "calc", json!({"expression": "1+1"})),
                    call("b", "fetch", json!({"url": "https://a"})),
                    call("c", "calc", json!({"expression": "boom"})),
                ],
                text: None,
            },
            result("a", "calc", Some(json!(2))),
            result("b", "fetch", Some(json!("<html>"))),
            result("c", "calc", None),
        ] {
            transcript.push(entry);
        }
        transcript
    }

    #[test]
    fn unknown_tools_and_invalid_arguments_are_answered_with_the_error_to_fix() {
        let triage = triage(
            &tools(),
            &Transcript::new("g", Value::Null),
            vec![
                proposal(Some("p1"), "clac", json!({"expression": "1"})),
                proposal(Some("p2"), "calc", json!({"expression": 5})),
            ],
            1,
            1_000,
        );
        assert_eq!(
            triage.recorded,
            [
                call("p1", "clac", json!({"expression": "1"})),
                call("p2", "calc", json!({"expression": 5})),
            ]
        );
        assert!(triage.runnable.is_empty());
        assert_eq!(triage.cache_hits, 0);
        let [unknown, invalid] = &triage.answered[..] else {
            panic!("two answers expected: {:?}", triage.answered);
        };
        let Entry::Result {
            call_id,
            error,
            cause: Some(cause),
            cached: false,
            output: None,
            ..
        } = unknown
        else {
            panic!("{unknown:?}");
        };
        assert_eq!(
            (call_id.as_str(), error.as_deref()),
            ("p1", Some("Agent.UnknownTool"))
        );
        assert_eq!(
            cause,
            "There is no tool named `clac`. Available tools: calc, fetch."
        );
        let Entry::Result {
            call_id,
            error,
            cause: Some(cause),
            ..
        } = invalid
        else {
            panic!("{invalid:?}");
        };
        assert_eq!(
            (call_id.as_str(), error.as_deref()),
            ("p2", Some("ToolError.InvalidInput"))
        );
        assert!(
            cause.starts_with(
                "The input does not match the inputSchema of `calc`: at `/expression`: "
            ),
            "{cause}"
        );
    }

    #[test]
    fn only_cacheable_tools_repeat_an_earlier_success_from_the_cache() {
        let triage = triage(
            &tools(),
            &history(),
            vec![
                proposal(None, "calc", json!({"expression": "1+1"})),
                proposal(None, "fetch", json!({"url": "https://a"})),
                proposal(None, "calc", json!({"expression": "boom"})),
                proposal(None, "calc", json!({"expression": "2+2"})),
            ],
            2,
            1_000,
        );
        assert_eq!(triage.cache_hits, 1);
        assert_eq!(
            triage.answered,
            [Entry::Result {
                call_id: "t2-4".into(),
                tool: "calc".into(),
                output: Some(json!(2)),
                error: None,
                cause: None,
                cached: true,
                stored: None,
            }]
        );
        assert_eq!(
            triage.runnable,
            [
                call("t2-5", "fetch", json!({"url": "https://a"})),
                call("t2-6", "calc", json!({"expression": "boom"})),
                call("t2-7", "calc", json!({"expression": "2+2"})),
            ]
        );
    }

    #[test]
    fn provider_ids_are_kept_only_when_fresh_and_short() {
        let transcript = history();
        let long = "x".repeat(65);
        let proposals = vec![
            proposal(Some("fresh"), "fetch", json!({"url": "https://b"})),
            proposal(Some("a"), "fetch", json!({"url": "https://c"})),
            proposal(Some("fresh"), "fetch", json!({"url": "https://d"})),
            proposal(Some(""), "fetch", json!({"url": "https://e"})),
            proposal(Some(&long), "fetch", json!({"url": "https://f"})),
            proposal(Some(&"y".repeat(64)), "fetch", json!({"url": "https://g"})),
        ];
        let ids: Vec<String> = triage(&tools(), &transcript, proposals, 2, 1_000)
            .recorded
            .into_iter()
            .map(|c| c.call_id)
            .collect();
        // Generated ids count on from the calls so far (three) and this turn's before them.
        assert_eq!(
            ids,
            ["fresh", "t2-5", "t2-6", "t2-7", "t2-8", &"y".repeat(64)]
        );
    }

    #[test]
    fn a_generated_id_skips_one_already_taken() {
        let mut transcript = Transcript::new("g", Value::Null);
        transcript.push(Entry::Calls {
            turn: 1,
            calls: vec![call("t1-2", "fetch", json!({"url": "https://a"}))],
            text: None,
        });
        let triage = triage(
            &tools(),
            &transcript,
            vec![proposal(None, "fetch", json!({"url": "https://b"}))],
            1,
            1_000,
        );
        assert_eq!(triage.recorded[0].call_id, "t1-3");
    }

    #[test]
    fn recording_writes_the_calls_then_the_answers_and_returns_what_runs() {
        let mut transcript = history();
        let before = transcript.entries().len();
        let triage = triage(
            &tools(),
            &transcript,
            vec![
                proposal(Some("x"), "nope", json!({})),
                proposal(Some("y"), "fetch", json!({"url": "https://b"})),
            ],
            2,
            1_000,
        );
        let answered = triage.answered.clone();
        let recorded = triage.recorded.clone();
        let runnable = triage.record(&mut transcript, 2, Some("looking".into()));
        assert_eq!(runnable, [call("y", "fetch", json!({"url": "https://b"}))]);
        assert_eq!(
            transcript.entries()[before..],
            [
                Entry::Calls {
                    turn: 2,
                    calls: recorded,
                    text: Some("looking".into()),
                },
                answered[0].clone(),
            ]
        );
    }
}
