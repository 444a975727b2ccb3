//! Helpers that build [`JsonataError`] values with JSONata's codes.

use crate::JsonataError;

/// An error with a JSONata `code`, a `position` and a `message`.
pub(crate) fn err(code: &str, position: usize, message: &str) -> JsonataError {
    JsonataError {
        code: Some(code.to_string()),
        message: message.to_string(),
        position: Some(position),
    }
}

/// An error with a code and message but no position.
pub(crate) fn err_np(code: &str, message: &str) -> JsonataError {
    JsonataError {
        code: Some(code.to_string()),
        message: message.to_string(),
        position: None,
    }
}

/// The result type used inside the crate.
pub(crate) type Res<T> = Result<T, JsonataError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_display_text_starts_with_the_code() {
        let e = err(
            "T2001",
            3,
            "The left side of the + operator must evaluate to a number",
        );
        assert_eq!(
            e.to_string(),
            "T2001: The left side of the + operator must evaluate to a number"
        );
        let e = crate::evaluate(
            "$uppercase(1)",
            &serde_json::Value::Null,
            &Default::default(),
        )
        .unwrap_err();
        assert!(e.to_string().starts_with("T0410: "), "{e}");
        let e = crate::parse("(1").unwrap_err();
        assert!(e.to_string().starts_with("S0203: "), "{e}");
        let no_code = JsonataError {
            code: None,
            message: "plain".into(),
            position: None,
        };
        assert_eq!(no_code.to_string(), "plain");
    }
}
