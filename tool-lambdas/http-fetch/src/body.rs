//! The response body: read within `max_bytes`, then shaped for the model without holding
//! it more than once.
//!
//! A JSON body is kept in memory exactly once, as the bytes read off the wire (at most
//! `max_bytes`; the buffer is sized from `Content-Length` when the server sends one):
//!
//! - **large** (more bytes than the offload store's threshold, 32 KiB by default): the bytes
//!   are checked to be JSON by a validating pass that builds nothing ([`is_json`]: the same
//!   grammar, UTF-8 and escape checks as parsing into a `serde_json::Value`, with one small
//!   scratch buffer for escaped strings), then written to the store as they are
//!   (`application/json`), and `body` is the pointer. `json-query` (and any tool) reads it
//!   like any other offloaded JSON value. A `serde_json::Value` costs 20 to 40 times the
//!   text it was parsed from; it is never built for a large body.
//! - **small**: parsed into a value and returned inline, as before.
//!
//! A text body (or a body that claims JSON but does not parse) becomes a string without a
//! copy when it is valid UTF-8, and is offloaded as a JSON string when large.
//!
//! Peak memory of a fetch is therefore about **1x the body** (bounded by `max_bytes`) plus a
//! constant of a few MiB (HTTP client buffers, the 64 KiB hashing buffer, the small-body
//! parse); see [`crate`] for the measurements.

use std::collections::BTreeMap;

use reqwest::Url;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use toolkit::ToolError;

use crate::HARD_MAX_BYTES;

/// Reads the body, refusing one larger than `max_bytes` before reading past it.
pub(crate) async fn read_limited(
    mut response: reqwest::Response,
    max_bytes: u64,
    deadline: tokio::time::Instant,
    url: &Url,
) -> Result<Vec<u8>, ToolError> {
    let too_big = || {
        ToolError::invalid_input(format!(
            "the body of `{url}` is larger than max_bytes ({max_bytes}); raise max_bytes (at most {HARD_MAX_BYTES})"
        ))
    };
    let declared = response.content_length();
    if declared.is_some_and(|n| n > max_bytes) {
        return Err(too_big());
    }
    // Sized once when the length is known (and already checked against max_bytes).
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0) as usize);
    loop {
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let chunk = tokio::time::timeout(remaining, response.chunk())
            .await
            .map_err(|_| ToolError::retryable(format!("reading `{url}` timed out")))?
            .map_err(|e| ToolError::retryable(format!("reading `{url}` failed: {e}")))?;
        let Some(chunk) = chunk else { break };
        if bytes.len() as u64 + chunk.len() as u64 > max_bytes {
            return Err(too_big());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The body as the model sees it: JSON when the response says JSON and parses as JSON
/// (a pointer to the raw bytes when large), text otherwise (offloaded when large).
pub(crate) async fn shape(
    headers: &BTreeMap<String, String>,
    bytes: Vec<u8>,
    store: &offload::ExecutionStore,
) -> Result<Value, ToolError> {
    let says_json = headers
        .get("content-type")
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("json"));
    if says_json {
        if bytes.len() as u64 > store.threshold() {
            if is_json(&bytes) {
                let pointer = store
                    .put_bytes(&bytes, Some(offload::JSON_MEDIA_TYPE))
                    .await?;
                return Ok(pointer.to_value());
            }
        } else if let Ok(value) = serde_json::from_slice::<Value>(&bytes) {
            return Ok(store.offload_if_large(value).await?);
        }
    }
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok(store.offload_if_large(Value::String(text)).await?)
}

/// Whether `bytes` is one JSON value that `serde_json::from_slice::<Value>` would accept,
/// checked without building it.
///
/// `serde::de::IgnoredAny` is not enough: it skips strings without checking their UTF-8 or
/// their `\u` escapes (a lone surrogate passes), so the pointer would name bytes that do
/// not parse. This visitor takes every string as `str` (borrowed, or decoded into
/// serde_json's scratch buffer) and every number as a number, exactly as `Value` does.
pub(crate) fn is_json(bytes: &[u8]) -> bool {
    serde_json::from_slice::<Checked>(bytes).is_ok()
}

/// A JSON value that was parsed and thrown away.
struct Checked;

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_str<E>(self, _: &str) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_unit<E>(self) -> Result<Checked, E> {
        Ok(Checked)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        while seq.next_element::<Checked>()?.is_some() {}
        Ok(Checked)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        while map.next_entry::<Checked, Checked>()?.is_some() {}
        Ok(Checked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_check_accepts_exactly_what_value_parsing_accepts() {
        let cases: [&[u8]; 14] = [
            br#"{"a": [1, -2.5e3, true, null, "x\u00e9\n"], "b": {}}"#,
            b"  42  ",
            br#""\ud83d\ude00""#,
            br#""\ud800""#,      // a lone surrogate
            b"\"\xff\xfe\"",     // not UTF-8
            b"[1, 2",            // truncated
            b"[1] [2]",          // trailing value
            b"{\"a\" 1}",        // no colon
            b"1e400",            // out of range
            b"\"tab\there\"",    // a raw control character
            b"[01]",             // a leading zero
            b"",                 // nothing
            br#"{"a":1,"a":2}"#, // a repeated key (Value keeps the last)
            b"\xef\xbb\xbf{}",   // a byte order mark
        ];
        for case in cases {
            assert_eq!(
                is_json(case),
                serde_json::from_slice::<Value>(case).is_ok(),
                "{}",
                String::from_utf8_lossy(case)
            );
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(
            is_json(deep.as_bytes()),
            serde_json::from_str::<Value>(&deep).is_ok()
        );
    }
}
