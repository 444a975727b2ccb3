//! What a model sees of a tool result: small results whole, large ones truncated to a
//! budget with a note and the offload pointer, so the model can query them with
//! `json-query` instead of reading them whole.

use serde_json::Value;

/// Characters of one result shown to a model by default.
pub const DEFAULT_RESULT_BUDGET: usize = 4_000;

/// Renders a result for a model within `budget` characters; `stored` is the pointer of the
/// whole result when it was stored on its own.
pub fn render_result(output: &Value, stored: Option<&Value>, budget: usize) -> String {
    if output.get(protocol::pointer::POINTER_MARKER).is_some() {
        return format!(
            "[The result is large and was stored outside the conversation: {output}. Call `json-query` with this object as `document` to read the parts you need.]"
        );
    }
    let text = output.to_string();
    if text.len() <= budget {
        return text;
    }
    let mut cut = budget;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    match stored {
        Some(pointer) => format!(
            "{}… [truncated: showing {cut} of {} characters. The whole result is stored as {pointer}: call `json-query` with this object as `document` to read the parts you need.]",
            &text[..cut],
            text.len()
        ),
        None => format!(
            "{}… [truncated: showing {cut} of {} characters. Ask for less.]",
            &text[..cut],
            text.len()
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn large_results_are_cut_with_a_note() {
        let big = json!({"data": "x".repeat(10_000)});
        let shown = render_result(&big, None, 100);
        assert!(shown.len() < 300);
        assert!(shown.contains("truncated"));
        let pointer = json!({"$offload": "file:x/y", "size": 10_011, "sha256": "ab", "mediaType": "application/json"});
        let shown = render_result(&big, Some(&pointer), 100);
        assert!(shown.contains("file:x/y") && shown.contains("json-query"));
        assert_eq!(render_result(&json!({"a": 1}), None, 100), r#"{"a":1}"#);
    }

    #[test]
    fn pointers_are_shown_with_how_to_read_them() {
        let pointer = json!({"$offload": "file:a/b", "size": 50_000_000, "sha256": "ab", "mediaType": "application/json"});
        let shown = render_result(&pointer, None, 100);
        assert!(shown.contains("json-query"));
        assert!(shown.contains("file:a/b"));
    }
}
