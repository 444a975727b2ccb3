//! The event as `lambda_runtime` hands it over, taken so that the runtime never refuses it.
//!
//! `lambda_runtime` parses each event into the handler's payload type itself, and when that
//! fails it answers the invocation with the Rust type name
//! `&lambda_runtime::deserializer::DeserializeError` as `errorType`, without calling the
//! handler. serde_json stops at 128 nested arrays and objects, so a call whose input nests
//! deeply (which a model can produce) would fail that way. [`Event`] is a payload type whose
//! `Deserialize` never fails: it keeps the parsed value or the reason it could not be read,
//! and [`Event::into_value`] turns the latter into `ToolError.InvalidInput`.

use serde::{Deserialize, Deserializer};
use serde_json::Value;

use crate::ToolError;

/// The most nested arrays and objects serde_json reads (it refuses the 128th level).
pub const MAX_EVENT_DEPTH: usize = 127;

/// How many levels the tool's input sits below the event's top (`call`, then `input`).
const INPUT_DEPTH: usize = 2;

/// An event as received: its value, or why it could not be read.
#[derive(Debug)]
pub enum Event {
    /// The event.
    Parsed(Value),
    /// serde_json's error.
    Unreadable(String),
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The error is kept, not returned: returning it would let `lambda_runtime` answer
        // with its own type name. Nothing reads the deserializer after this.
        Ok(match Value::deserialize(deserializer) {
            Ok(value) => Self::Parsed(value),
            Err(err) => Self::Unreadable(err.to_string()),
        })
    }
}

impl Event {
    /// The event, or `ToolError.InvalidInput` saying why it could not be read.
    pub fn into_value(self) -> Result<Value, ToolError> {
        match self {
            Self::Parsed(value) => Ok(value),
            // serde_json's wording for `ErrorCode::RecursionLimitExceeded`.
            Self::Unreadable(err) if err.starts_with("recursion limit exceeded") => {
                Err(ToolError::invalid_input(format!(
                    "the event nests 128 or more levels of arrays and objects ({err}); a tool \
                     reads at most {MAX_EVENT_DEPTH}, and the input sits {INPUT_DEPTH} levels \
                     down (`call.input`), so the input itself may nest at most {} levels: \
                     flatten it, or pass a deeply nested document as a JSON string",
                    MAX_EVENT_DEPTH - INPUT_DEPTH
                )))
            }
            Self::Unreadable(err) => Err(ToolError::invalid_input(format!(
                "the event is not valid JSON ({err}); send a tool invocation \
                 ({{\"call\": {{\"call_id\", \"tool\", \"input\"}}, \"execution\": {{\"id\", \"name\"}}}}) \
                 as one JSON object"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::ErrorName;

    fn nested_arrays(depth: usize) -> String {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }

    fn read(text: &str) -> Result<Value, ToolError> {
        // As `lambda_runtime` reads it (`lambda_runtime::deserializer`).
        let mut de = serde_json::Deserializer::from_str(text);
        let event: Event = serde_path_to_error::deserialize(&mut de).expect("never fails");
        event.into_value()
    }

    #[test]
    fn an_event_at_the_depth_limit_is_read_and_one_level_more_is_invalid_input() {
        assert!(read(&nested_arrays(MAX_EVENT_DEPTH)).is_ok());
        let err = read(&nested_arrays(MAX_EVENT_DEPTH + 1)).unwrap_err();
        assert_eq!(err.name, ErrorName::InvalidInput);
        assert!(
            err.message
                .starts_with("the event nests 128 or more levels"),
            "{err}"
        );
        assert!(err.message.contains("at most 125 levels"), "{err}");
    }

    #[test]
    fn an_event_that_is_not_json_is_invalid_input() {
        for text in ["{\"call\": ", "nope", "{\"a\": 1,}"] {
            let err = read(text).unwrap_err();
            assert_eq!(err.name, ErrorName::InvalidInput, "{text}");
            assert!(
                err.message.starts_with("the event is not valid JSON"),
                "{err}"
            );
        }
    }
}
