//! What a model sees of a tool result: small results whole, large ones truncated to a
//! budget with a note and the offload pointer, so the model can query them with
//! `json-query` instead of reading them whole.

use serde_json::Value;

/// Characters of one result shown to a model by default.
pub const DEFAULT_RESULT_BUDGET: usize = 4_000;

/// Renders a result for a model within `budget` characters.
pub fn render_result(output: &Value, budget: usize) -> String {
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
    format!(
        "{}… [truncated: showing {cut} of {} characters. Ask for less, or query the result with `json-query`.]",
        &text[..cut],
        text.len()
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn large_results_are_cut_with_a_note() {
        let big = json!({"data": "x".repeat(10_000)});
        let shown = render_result(&big, 100);
        assert!(shown.len() < 300);
        assert!(shown.contains("truncated"));
        assert_eq!(render_result(&json!({"a": 1}), 100), r#"{"a":1}"#);
    }

    #[test]
    fn pointers_are_shown_with_how_to_read_them() {
        let pointer = json!({"$offload": "file:a/b", "size": 50_000_000, "sha256": "ab", "mediaType": "application/json"});
        let shown = render_result(&pointer, 100);
        assert!(shown.contains("json-query"));
        assert!(shown.contains("file:a/b"));
    }
}
