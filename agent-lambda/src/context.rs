//! What a model is sent of a long run (the design's "compress state"): the goal, the last
//! exchanges whole, the ones before them compacted (each result cut to a short view that
//! names how to read it whole), a note for everything older, and no request over a
//! maximum size. The full history stays readable through the built-in
//! [`crate::builtin::TRANSCRIPT_READ`] tool.
//!
//! An exchange is one `Calls` entry of the transcript with the results of its calls.
//! [`fit`] tries the policy's shape first and gives up compacted exchanges, then whole
//! ones, until the provider's rendering of the view fits `max_request_bytes`. Only the
//! exchanges shown are looked at, so the cost does not grow with the run.
//!
//! | variable | meaning | default |
//! | --- | --- | --- |
//! | `AGENT_CONTEXT_WHOLE_TURNS` | exchanges shown whole (results within the result budget) | 4 |
//! | `AGENT_CONTEXT_COMPACT_TURNS` | exchanges before them shown compacted | 16 |
//! | `AGENT_CONTEXT_COMPACT_CHARS` | characters of a compacted result or argument | 200 |
//! | `AGENT_CONTEXT_MAX_REQUEST_BYTES` | largest request body sent to a model | 131072 |
//! | `AGENT_CONTEXT_READ_CHARS` | largest `transcript_read` answer, in characters | 16000 |

use protocol::call::ToolCall;
use serde_json::Value;

use crate::builtin::TRANSCRIPT_READ;
use crate::transcript::{Entry, Transcript};
use crate::view::render_result;

/// How much of a run a model is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextPolicy {
    /// Exchanges shown whole.
    pub whole_turns: usize,
    /// Exchanges before them shown compacted.
    pub compact_turns: usize,
    /// Characters of a compacted result or argument.
    pub compact_chars: usize,
    /// Largest request body, in bytes.
    pub max_request_bytes: usize,
    /// Largest `transcript_read` answer, in characters.
    pub read_chars: usize,
}

impl Default for ContextPolicy {
    fn default() -> Self {
        Self {
            whole_turns: 4,
            compact_turns: 16,
            compact_chars: 200,
            max_request_bytes: 128 * 1024,
            read_chars: 16_000,
        }
    }
}

impl ContextPolicy {
    /// Reads the variables in the module docs; a wrong value is an init error naming it.
    pub fn from_env() -> Result<Self, String> {
        let mut policy = Self::default();
        let fields: [(&str, &mut usize); 5] = [
            ("AGENT_CONTEXT_WHOLE_TURNS", &mut policy.whole_turns),
            ("AGENT_CONTEXT_COMPACT_TURNS", &mut policy.compact_turns),
            ("AGENT_CONTEXT_COMPACT_CHARS", &mut policy.compact_chars),
            (
                "AGENT_CONTEXT_MAX_REQUEST_BYTES",
                &mut policy.max_request_bytes,
            ),
            ("AGENT_CONTEXT_READ_CHARS", &mut policy.read_chars),
        ];
        for (name, field) in fields {
            if let Ok(text) = std::env::var(name)
                && !text.trim().is_empty()
            {
                *field = text.trim().parse().map_err(|_| {
                    format!("{name}=`{text}` is not a whole number; unset it for the default")
                })?;
            }
        }
        if policy.max_request_bytes < 4_096 {
            return Err(format!(
                "AGENT_CONTEXT_MAX_REQUEST_BYTES={} leaves no room for a conversation; use at least 4096",
                policy.max_request_bytes
            ));
        }
        Ok(policy)
    }
}

/// A call as a model is shown it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShownCall<'a> {
    /// The call.
    pub call: &'a ToolCall,
    /// Its arguments as JSON text (cut when compacted).
    pub arguments: String,
    /// Its result as text.
    pub content: String,
    /// Whether the call failed.
    pub failed: bool,
}

/// One exchange as a model is shown it.
#[derive(Debug, Clone, PartialEq)]
pub struct Exchange<'a> {
    /// The model's prose.
    pub text: Option<&'a str>,
    /// The calls and their results.
    pub calls: Vec<ShownCall<'a>>,
}

/// What a model is sent of the run, after the goal.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct View<'a> {
    /// A note on the exchanges not shown, when some are not.
    pub omitted: Option<String>,
    /// The exchanges shown, oldest first.
    pub exchanges: Vec<Exchange<'a>>,
}

/// The view with the policy's shape that fits `measure` (the provider's request size in
/// bytes for a view) within `max_request_bytes`; an error when not even the last exchange,
/// compacted, fits.
pub fn fit<'a>(
    transcript: &'a Transcript,
    policy: &ContextPolicy,
    result_budget: usize,
    measure: impl Fn(&View<'a>) -> usize,
) -> Result<View<'a>, String> {
    let mut shapes = Vec::new();
    let mut compact = policy.compact_turns;
    loop {
        shapes.push((policy.whole_turns, compact));
        if compact == 0 {
            break;
        }
        compact /= 2;
    }
    for whole in (0..policy.whole_turns).rev() {
        shapes.push((whole, 1));
    }
    let mut smallest = usize::MAX;
    for (whole, compact) in shapes {
        let view = view(transcript, policy, result_budget, whole, compact);
        let size = measure(&view);
        if size <= policy.max_request_bytes {
            return Ok(view);
        }
        smallest = smallest.min(size);
    }
    Err(format!(
        "the request to the model is {smallest} bytes even with only the last exchange, compacted; the limit is AGENT_CONTEXT_MAX_REQUEST_BYTES={} (the goal or the tool list is too large for it)",
        policy.max_request_bytes
    ))
}

/// The last `whole` exchanges whole and the `compact` before them compacted.
pub fn view<'a>(
    transcript: &'a Transcript,
    policy: &ContextPolicy,
    result_budget: usize,
    whole: usize,
    compact: usize,
) -> View<'a> {
    let exchanges = transcript.exchange_starts();
    let shown = (whole + compact).min(exchanges.len());
    let first_shown = exchanges.len() - shown;
    let omitted = (first_shown > 0).then(|| {
        let first_entry = exchanges[first_shown];
        format!(
            "[{first_shown} earlier exchanges (transcript entries 0 to {}) are not shown. Read them with the `{TRANSCRIPT_READ}` tool, e.g. {{\"from\": 0, \"to\": 20}}.]",
            first_entry.saturating_sub(1)
        )
    });
    let mut view = View {
        omitted,
        exchanges: Vec::with_capacity(shown),
    };
    for (n, at) in exchanges[first_shown..].iter().enumerate() {
        let Entry::Calls { calls, text, .. } = &transcript.entries()[*at] else {
            continue;
        };
        let compacted = n < shown.saturating_sub(whole);
        let calls = calls
            .iter()
            .map(|call| show_call(transcript, policy, result_budget, call, compacted))
            .collect();
        view.exchanges.push(Exchange {
            text: text.as_deref(),
            calls,
        });
    }
    view
}

fn show_call<'a>(
    transcript: &Transcript,
    policy: &ContextPolicy,
    result_budget: usize,
    call: &'a ToolCall,
    compacted: bool,
) -> ShownCall<'a> {
    let arguments = call.input.to_string();
    let (content, failed) = match transcript.result_of(&call.call_id) {
        Some(Entry::Result {
            output: Some(output),
            error: None,
            stored,
            ..
        }) => {
            let content = if compacted {
                compact_result(output, stored.as_ref(), &call.call_id, policy.compact_chars)
            } else if call.tool == TRANSCRIPT_READ {
                render_result(output, None, policy.read_chars)
            } else {
                render_result(output, stored.as_ref(), result_budget)
            };
            (content, false)
        }
        Some(Entry::Result { error, cause, .. }) => {
            let cause = cause.as_deref().unwrap_or("");
            let cause = if compacted {
                cut(cause, policy.compact_chars)
            } else {
                cause.to_owned()
            };
            (
                format!("{}: {cause}", error.as_deref().unwrap_or("Error")),
                true,
            )
        }
        _ => ("(no result)".to_owned(), true),
    };
    ShownCall {
        call,
        arguments: if compacted {
            cut(&arguments, policy.compact_chars)
        } else {
            arguments
        },
        content,
        failed,
    }
}

/// A result cut to `chars` with a note on how to read it whole.
fn compact_result(output: &Value, stored: Option<&Value>, call_id: &str, chars: usize) -> String {
    if output.get(protocol::pointer::POINTER_MARKER).is_some() {
        return render_result(output, None, chars);
    }
    let text = output.to_string();
    if text.len() <= chars {
        return text;
    }
    let stored_note = stored
        .map(|pointer| format!("; it is also stored as {pointer} for `json-query`"))
        .unwrap_or_default();
    format!(
        "{} [compacted: {} characters; call `{TRANSCRIPT_READ}` with {{\"call_id\": \"{call_id}\"}} to read it whole{stored_note}]",
        cut(&text, chars),
        text.len()
    )
}

/// `text` cut to at most `chars` bytes on a character boundary, marked with `…` when cut.
fn cut(text: &str, chars: usize) -> String {
    if text.len() <= chars {
        return text.to_owned();
    }
    let mut end = chars;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn run(exchanges: usize, output_chars: usize) -> Transcript {
        let mut t = Transcript::new("g", Value::Null);
        for i in 0..exchanges {
            let id = format!("c{i}");
            t.push(Entry::Calls {
                turn: i as u32 + 1,
                calls: vec![ToolCall {
                    call_id: id.clone(),
                    tool: "calc".into(),
                    input: json!({"expression": format!("{i} + 1")}),
                }],
                text: None,
            });
            t.push(Entry::Result {
                call_id: id,
                tool: "calc".into(),
                output: Some(json!({"v": "x".repeat(output_chars)})),
                error: None,
                cause: None,
                cached: false,
                stored: None,
            });
        }
        t
    }

    fn policy() -> ContextPolicy {
        ContextPolicy {
            whole_turns: 2,
            compact_turns: 3,
            compact_chars: 50,
            max_request_bytes: 10_000,
            read_chars: 1_000,
        }
    }

    #[test]
    fn the_last_exchanges_are_whole_the_ones_before_compacted_the_rest_noted() {
        let t = run(10, 500);
        let v = view(&t, &policy(), 4_000, 2, 3);
        assert_eq!(v.exchanges.len(), 5);
        let note = v.omitted.as_deref().unwrap();
        assert!(
            note.starts_with("[5 earlier exchanges (transcript entries 0 to 9)"),
            "{note}"
        );
        for compacted in &v.exchanges[..3] {
            let content = &compacted.calls[0].content;
            assert!(content.contains("[compacted: 508 characters"), "{content}");
            assert!(content.contains("transcript_read"), "{content}");
        }
        for whole in &v.exchanges[3..] {
            assert_eq!(whole.calls[0].content.len(), 508);
        }
        assert_eq!(v.exchanges[4].calls[0].call.call_id, "c9");
    }

    #[test]
    fn fitting_gives_up_compacted_then_whole_exchanges_and_fails_when_nothing_fits() {
        let t = run(10, 2_000);
        let measure = |v: &View| -> usize {
            v.exchanges
                .iter()
                .flat_map(|e| &e.calls)
                .map(|c| c.content.len() + c.arguments.len())
                .sum()
        };
        let fitted = fit(&t, &policy(), 4_000, measure).unwrap();
        // Two whole results (2,010 characters each) fit in 10,000 bytes with three compacted.
        assert_eq!(fitted.exchanges.len(), 5);
        let tight = ContextPolicy {
            max_request_bytes: 2_500,
            ..policy()
        };
        let fitted = fit(&t, &tight, 4_000, measure).unwrap();
        assert_eq!(fitted.exchanges.len(), 2);
        assert!(measure(&fitted) <= 2_500);
        let impossible = ContextPolicy {
            max_request_bytes: 10,
            ..policy()
        };
        let err = fit(&t, &impossible, 4_000, measure).unwrap_err();
        assert!(err.contains("AGENT_CONTEXT_MAX_REQUEST_BYTES=10"), "{err}");
    }
}
