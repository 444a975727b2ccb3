//! Tools the agent answers itself, with no Lambda: [`TRANSCRIPT_READ`], the full history
//! on demand (older exchanges reach a model compacted or not at all, see
//! [`crate::context`]).
//!
//! A model sees it in its tool list like any other tool. Its calls never reach the state
//! machine: triage answers them from the transcript in the same step, as it answers cache
//! hits, and the model is consulted again with the answer, so the generated ASL needs no
//! route for it (`call:transcript_read` would fall to `Agent.InvalidRoute`).

use protocol::manifest::ToolManifest;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::transcript::{Entry, Transcript};

/// The built-in tool that reads the transcript.
pub const TRANSCRIPT_READ: &str = "transcript_read";

/// Entries one range read returns at most.
pub const MAX_RANGE: usize = 50;

/// The manifest a model is shown.
pub fn manifest() -> ToolManifest {
    serde_json::from_value(json!({
        "name": TRANSCRIPT_READ,
        "description": "Reads earlier parts of this conversation in full: the whole result of one call (`call_id`), or the transcript entries `from`..`to` (at most 50; entry numbers appear in the notes on omitted exchanges). Use it when a compacted result or an omitted exchange holds something you need.",
        "inputSchema": {
            "type": "object",
            "properties": {
                "call_id": {"type": "string", "description": "The id of an earlier call whose whole result you need."},
                "from": {"type": "integer", "minimum": 0, "description": "The first entry to read."},
                "to": {"type": "integer", "minimum": 0, "description": "The entry after the last one to read."}
            },
            "additionalProperties": false
        },
        "annotations": {"readOnlyHint": true}
    }))
    .expect("the built-in manifest is valid")
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadInput {
    call_id: Option<String>,
    from: Option<usize>,
    to: Option<usize>,
}

/// Answers a `transcript_read` call: the output, or a cause for the model to fix its call
/// (`ToolError.InvalidInput`). Answers over `max_chars` are refused with what to ask
/// instead (a smaller range, or `json-query` on the stored copy).
pub fn read(transcript: &Transcript, input: &Value, max_chars: usize) -> Result<Value, String> {
    let usage = "give {\"call_id\": \"<id>\"} or {\"from\": <n>, \"to\": <m>}";
    let input: ReadInput = serde_json::from_value(input.clone()).map_err(|e| {
        format!("The arguments for `{TRANSCRIPT_READ}` are invalid ({e}); {usage}.")
    })?;
    let answer = match (input.call_id, input.from) {
        (Some(call_id), None) => {
            let Some(call) = transcript.call(&call_id) else {
                return Err(format!(
                    "There is no call `{call_id}` in this conversation."
                ));
            };
            let mut answer = json!({"call_id": call_id, "tool": call.tool, "input": call.input});
            match transcript.result_of(&call_id) {
                Some(Entry::Result {
                    output,
                    error,
                    cause,
                    stored,
                    ..
                }) => {
                    for (key, value) in [
                        ("output", output),
                        ("error", &error.clone().map(Value::String)),
                        ("cause", &cause.clone().map(Value::String)),
                        ("stored", stored),
                    ] {
                        if let Some(value) = value {
                            answer[key] = value.clone();
                        }
                    }
                    if let Some(at) = transcript.result_index(&call_id) {
                        answer["entry"] = json!(at);
                    }
                }
                _ => answer["output"] = Value::Null,
            }
            let len = answer.to_string().len();
            if len > max_chars {
                let hint = match transcript.result_of(&call_id) {
                    Some(Entry::Result {
                        stored: Some(pointer),
                        ..
                    }) => format!(
                        "it is stored as {pointer}: call `json-query` with this object as `document` to read the parts you need"
                    ),
                    _ => "read a part of it with `json-query` if its output is a stored pointer"
                        .to_owned(),
                };
                return Err(format!(
                    "The result of `{call_id}` is {len} characters, more than `{TRANSCRIPT_READ}` returns ({max_chars}); {hint}."
                ));
            }
            answer
        }
        (None, Some(from)) => {
            let total = transcript.entries().len();
            let to = input
                .to
                .unwrap_or(from + 10)
                .min(total)
                .min(from + MAX_RANGE);
            if from >= total || to <= from {
                return Err(format!(
                    "The transcript has entries 0 to {}; `from` must be below that and `to` above `from`.",
                    total.saturating_sub(1)
                ));
            }
            let mut entries = Vec::new();
            let mut size = 0;
            let mut next = to;
            for (at, entry) in transcript.entries()[from..to].iter().enumerate() {
                let mut shown = serde_json::to_value(entry).unwrap_or(Value::Null);
                shown["entry"] = json!(from + at);
                size += shown.to_string().len() + 1;
                if size > max_chars && !entries.is_empty() {
                    next = from + at;
                    break;
                }
                entries.push(shown);
            }
            let mut answer = json!({"entries": entries, "total": total});
            if next < to || to < total {
                answer["next"] = json!(next);
            }
            if answer.to_string().len() > max_chars {
                return Err(format!(
                    "Entry {from} alone is more than `{TRANSCRIPT_READ}` returns ({max_chars} characters); read the result it holds with {{\"call_id\": ...}} or `json-query`."
                ));
            }
            answer
        }
        _ => {
            return Err(format!(
                "The arguments for `{TRANSCRIPT_READ}` name nothing to read; {usage}."
            ));
        }
    };
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use protocol::call::ToolCall;

    use super::*;

    fn transcript() -> Transcript {
        let mut t = Transcript::new("g", Value::Null);
        for (id, output) in [("a", json!({"v": "x".repeat(300)})), ("b", json!(2))] {
            t.push(Entry::Calls {
                turn: 1,
                calls: vec![ToolCall {
                    call_id: id.into(),
                    tool: "calc".into(),
                    input: json!({"expression": id}),
                }],
                text: None,
            });
            t.push(Entry::Result {
                call_id: id.into(),
                tool: "calc".into(),
                output: Some(output),
                error: None,
                cause: None,
                cached: false,
                stored: None,
            });
        }
        t
    }

    #[test]
    fn a_call_is_read_whole_with_its_input() {
        let answer = read(&transcript(), &json!({"call_id": "a"}), 1_000).unwrap();
        assert_eq!(answer["output"], json!({"v": "x".repeat(300)}));
        assert_eq!(answer["input"], json!({"expression": "a"}));
        assert_eq!(answer["entry"], 1);
        let err = read(&transcript(), &json!({"call_id": "a"}), 100).unwrap_err();
        assert!(
            err.contains("more than `transcript_read` returns (100)"),
            "{err}"
        );
        let err = read(&transcript(), &json!({"call_id": "z"}), 100).unwrap_err();
        assert!(err.contains("no call `z`"), "{err}");
    }

    #[test]
    fn ranges_are_read_within_the_budget_with_where_to_go_on() {
        let answer = read(&transcript(), &json!({"from": 2, "to": 4}), 1_000).unwrap();
        let entries = answer["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["entry"], 2);
        assert_eq!(entries[1]["output"], 2);
        assert!(answer.get("next").is_none());
        // Entry 1 holds a result of over 300 characters: a 450-character budget stops
        // before it, and says where to go on.
        let answer = read(&transcript(), &json!({"from": 0, "to": 4}), 450).unwrap();
        assert_eq!(answer["entries"].as_array().unwrap().len(), 1);
        assert_eq!(answer["next"], 1);
        assert!(read(&transcript(), &json!({"from": 9}), 1_000).is_err());
        assert!(read(&transcript(), &json!({"entry": 1}), 1_000).is_err());
        assert!(read(&transcript(), &json!({}), 1_000).is_err());
    }
}
