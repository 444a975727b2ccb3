//! The payload limit (256 KiB of compact JSON) checked on every state's output and task
//! result, without serializing the value in the common case.

use serde_json::Value;

use crate::PAYLOAD_LIMIT_BYTES;

/// Whether a value's compact JSON text is over AWS's payload limit. A cheap upper bound of
/// the size settles almost every value; only a value that may be over it is measured.
pub(super) fn exceeds_payload_limit(value: &Value) -> bool {
    size_bound(value, PAYLOAD_LIMIT_BYTES) > PAYLOAD_LIMIT_BYTES
        && json_size(value) > PAYLOAD_LIMIT_BYTES
}

/// An upper bound of a value's compact JSON size (a string byte escapes to at most 6, a
/// number prints in at most 24), stopping early once past `limit`.
fn size_bound(value: &Value, limit: usize) -> usize {
    match value {
        Value::Null | Value::Bool(_) => 5,
        Value::Number(_) => 24,
        Value::String(s) => 2 + 6 * s.len(),
        Value::Array(items) => {
            let mut total = 2;
            for item in items {
                total += 1 + size_bound(item, limit);
                if total > limit {
                    break;
                }
            }
            total
        }
        Value::Object(fields) => {
            let mut total = 2;
            for (key, item) in fields {
                total += 4 + 6 * key.len() + size_bound(item, limit);
                if total > limit {
                    break;
                }
            }
            total
        }
    }
}

/// The size of a value's compact JSON text, without building the text.
fn json_size(value: &Value) -> usize {
    struct Counter(usize);
    impl std::io::Write for Counter {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut counter = Counter(0);
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_size_bound_never_undercounts() {
        let values = [
            json!(null),
            json!(-1.7976931348623157e308),
            json!({"k\u{1}": ["\u{0}\"", 12345678901234567890u64, {"": true}]}),
            json!("x".repeat(1000)),
        ];
        for value in values {
            assert!(
                size_bound(&value, usize::MAX) >= json_size(&value),
                "{value}"
            );
        }
        let big = json!(["x".repeat(PAYLOAD_LIMIT_BYTES)]);
        assert!(exceeds_payload_limit(&big));
        assert!(!exceeds_payload_limit(&json!({"n": 1})));
    }
}
