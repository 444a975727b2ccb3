//! Parsing of intrinsic function calls: `States.Name(arg, ...)`.

use serde_json::Value;

use super::{IntrinsicError, failure};
use crate::jsonpath;

/// A parsed call.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Call {
    /// The name after `States.`.
    pub name: String,
    /// Its arguments.
    pub args: Vec<Arg>,
}

/// One argument.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Arg {
    /// A string literal: its value and, for `States.Format`, which characters were escaped.
    Str {
        /// The unescaped value.
        value: String,
        /// One entry per character of `value`: whether it was written with a backslash.
        escaped: Vec<bool>,
    },
    /// A number, `true`, `false` or `null`.
    Literal(Value),
    /// A path (`$...`, `$$...`, `$name...`), parsed.
    Path(jsonpath::Path),
    /// A nested call.
    Call(Call),
}

/// Arity of each function: (minimum, maximum); `None` = no maximum.
pub(crate) fn arity(name: &str) -> Option<(usize, Option<usize>)> {
    Some(match name {
        "Format" => (1, None),
        "StringToJson" | "JsonToString" | "ArrayLength" | "ArrayUnique" | "Base64Encode"
        | "Base64Decode" => (1, Some(1)),
        "Array" => (0, None),
        "ArrayPartition" | "ArrayContains" | "ArrayGetItem" | "Hash" | "MathAdd"
        | "StringSplit" => (2, Some(2)),
        "ArrayRange" | "JsonMerge" => (3, Some(3)),
        "MathRandom" => (2, Some(3)),
        "UUID" => (0, Some(0)),
        _ => return None,
    })
}

/// Maximum nesting of calls, as documented by AWS.
const MAX_DEPTH: usize = 10;

struct Parser<'a> {
    text: &'a str,
    chars: Vec<char>,
    pos: usize,
}

/// Parses a complete call, checking names, arities and paths.
pub(crate) fn parse_call_text(text: &str) -> Result<Call, IntrinsicError> {
    let mut p = Parser {
        text,
        chars: text.chars().collect(),
        pos: 0,
    };
    p.skip_ws();
    let call = p.call(1)?;
    p.skip_ws();
    if p.pos < p.chars.len() {
        return Err(p.error("unexpected text after the closing parenthesis"));
    }
    Ok(call)
}

impl Parser<'_> {
    fn error(&self, reason: &str) -> IntrinsicError {
        failure(format!(
            "Invalid intrinsic function '{}': {reason} (at character {})",
            self.text, self.pos
        ))
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn starts_with(&self, s: &str) -> bool {
        let n = s.chars().count();
        self.chars.len() >= self.pos + n
            && self.chars[self.pos..self.pos + n]
                .iter()
                .copied()
                .eq(s.chars())
    }

    fn call(&mut self, depth: usize) -> Result<Call, IntrinsicError> {
        if depth > MAX_DEPTH {
            return Err(self.error("intrinsic functions can be nested at most 10 deep"));
        }
        if !self.starts_with("States.") {
            return Err(self.error("expected 'States.<Function>('"));
        }
        self.pos += "States.".len();
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_alphanumeric()) {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        let Some((min, max)) = arity(&name) else {
            return Err(self.error(&format!("unknown function 'States.{name}'")));
        };
        self.skip_ws();
        if self.peek() != Some('(') {
            return Err(self.error("expected '('"));
        }
        self.pos += 1;
        let mut args = Vec::new();
        self.skip_ws();
        if self.peek() == Some(')') {
            self.pos += 1;
        } else {
            loop {
                self.skip_ws();
                args.push(self.arg(depth)?);
                self.skip_ws();
                match self.peek() {
                    Some(',') => self.pos += 1,
                    Some(')') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return Err(self.error("expected ',' or ')'")),
                }
            }
        }
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            let expected = match max {
                Some(m) if m == min => format!("{min}"),
                Some(m) => format!("{min} to {m}"),
                None => format!("at least {min}"),
            };
            return Err(failure(format!(
                "Invalid number of arguments for States.{name}: expected {expected}, got {}",
                args.len()
            )));
        }
        Ok(Call { name, args })
    }

    fn arg(&mut self, depth: usize) -> Result<Arg, IntrinsicError> {
        match self.peek() {
            Some('\'') => self.string(),
            Some('$') => self.path(),
            Some('S') if self.starts_with("States.") => Ok(Arg::Call(self.call(depth + 1)?)),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            _ => {
                for (word, value) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if self.starts_with(word) {
                        self.pos += word.len();
                        return Ok(Arg::Literal(value));
                    }
                }
                Err(self.error(
                    "expected an argument (a string, number, boolean, null, path or function)",
                ))
            }
        }
    }

    fn string(&mut self) -> Result<Arg, IntrinsicError> {
        self.pos += 1;
        let mut value = String::new();
        let mut escaped = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated string literal"));
            };
            self.pos += 1;
            match c {
                '\'' => return Ok(Arg::Str { value, escaped }),
                '\\' => {
                    let Some(next) = self.peek() else {
                        return Err(self.error("unterminated string literal"));
                    };
                    self.pos += 1;
                    match next {
                        '\'' | '{' | '}' | '\\' => {
                            value.push(next);
                            escaped.push(true);
                        }
                        other => {
                            // Not one of the escapes Step Functions defines: kept as written.
                            value.push('\\');
                            escaped.push(false);
                            value.push(other);
                            escaped.push(false);
                        }
                    }
                }
                other => {
                    value.push(other);
                    escaped.push(false);
                }
            }
        }
    }

    fn number(&mut self) -> Result<Arg, IntrinsicError> {
        let start = self.pos;
        self.pos += 1;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        let value = if let Ok(i) = text.parse::<i64>() {
            Value::from(i)
        } else {
            match text
                .parse::<f64>()
                .ok()
                .and_then(serde_json::Number::from_f64)
            {
                Some(n) => Value::Number(n),
                None => return Err(self.error(&format!("invalid number '{text}'"))),
            }
        };
        Ok(Arg::Literal(value))
    }

    fn path(&mut self) -> Result<Arg, IntrinsicError> {
        let start = self.pos;
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            if let Some(q) = quote {
                if c == '\\' {
                    self.pos += 1;
                } else if c == q {
                    quote = None;
                }
                self.pos += 1;
                continue;
            }
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' if depth > 0 => depth -= 1,
                ')' | ',' if depth == 0 => break,
                '\'' | '"' if depth > 0 => quote = Some(c),
                _ => {}
            }
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        let text = text.trim_end().to_owned();
        match jsonpath::parse(&text) {
            Ok(path) => Ok(Arg::Path(path)),
            Err(e) => Err(self.error(&e.to_string())),
        }
    }
}
