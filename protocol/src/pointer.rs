//! The offload pointer (claim check).
//!
//! A value too large to ride in the state (Step Functions allows 256 KiB per state input
//! and output) is written to the offload store and replaced by this small object. Readers
//! verify `size` and `sha256`, and refuse a pointer whose key lies outside the current
//! execution's prefix (`offload` crate).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The key that marks a JSON object as an offload pointer.
pub const POINTER_MARKER: &str = "$offload";

/// Where an offloaded object lives and how to verify it.
///
/// ```json
/// {"$offload": "s3://bucket/agents/Agent/run-1/7f3a.json", "size": 20971520,
///  "sha256": "9f86d0…", "mediaType": "application/json"}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OffloadPointer {
    /// Location: `s3://<bucket>/<key>` or `file:<key>` (key relative to the local store root).
    #[serde(rename = "$offload")]
    pub uri: String,
    /// Exact size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the bytes.
    pub sha256: String,
    /// Media type of the bytes (`application/json` for offloaded JSON values).
    #[serde(rename = "mediaType", default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

impl OffloadPointer {
    /// Reads a pointer out of a JSON value, if the value is one.
    pub fn from_value(value: &Value) -> Option<Self> {
        let obj = value.as_object()?;
        if !obj.contains_key(POINTER_MARKER) {
            return None;
        }
        serde_json::from_value(value.clone()).ok()
    }

    /// Whether a JSON value looks like a pointer (has the marker key).
    pub fn is_pointer(value: &Value) -> bool {
        value
            .as_object()
            .is_some_and(|o| o.contains_key(POINTER_MARKER))
    }

    /// The pointer as a JSON value.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("a pointer always serializes")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn pointer_round_trips_and_is_recognised_by_its_marker() {
        let p = OffloadPointer {
            uri: "s3://b/k".into(),
            size: 3,
            sha256: "ab".into(),
            media_type: None,
        };
        let v = p.to_value();
        assert_eq!(
            v,
            json!({"$offload": "s3://b/k", "size": 3, "sha256": "ab"})
        );
        assert_eq!(OffloadPointer::from_value(&v), Some(p));
        assert!(!OffloadPointer::is_pointer(&json!({"uri": "s3://b/k"})));
    }
}
