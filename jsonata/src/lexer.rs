//! Tokenizer: turns a JSONata expression into a list of positioned tokens.
//!
//! Whether `/` starts a regular expression or is the division operator depends on the
//! previous token: after an operand (name, literal, `)`, `]`, `}`) it is division.

use crate::JsonataError;
use crate::errors::err;

/// One token of a JSONata expression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    /// An operator or punctuation symbol, or one of `and`, `or`, `in`.
    Op(&'static str),
    /// A string literal (quotes removed, escapes resolved).
    Str(String),
    /// A number literal.
    Num(f64),
    /// `true`, `false`.
    Bool(bool),
    /// `null`.
    Null,
    /// A field name (plain or back-quoted).
    Name(String),
    /// A variable name without the leading `$` (`""` for `$`, `"$"` for `$$`).
    Var(String),
    /// A regular expression literal: pattern and flags.
    Regex(String, String),
    /// End of the expression.
    End,
}

/// A token with the character offset just after it (as JSONata reports positions).
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

const OPERATORS: &[&str] = &[
    "..", ":=", "!=", "<=", ">=", "~>", "**", "?:", "??", ".", "[", "]", "{", "}", "(", ")", ",",
    "@", "#", ";", ":", "?", "+", "-", "*", "/", "%", "|", "=", "<", ">", "^", "&", "!", "~",
];

fn is_name_char(c: char) -> bool {
    !(c.is_whitespace()
        || matches!(
            c,
            '.' | '['
                | ']'
                | '{'
                | '}'
                | '('
                | ')'
                | ','
                | '@'
                | '#'
                | ';'
                | ':'
                | '?'
                | '+'
                | '-'
                | '*'
                | '/'
                | '%'
                | '|'
                | '='
                | '<'
                | '>'
                | '^'
                | '&'
                | '!'
                | '~'
                | '"'
                | '\''
                | '`'
                | '$'
        ))
}

/// Splits `src` into tokens; the last one is always [`Tok::End`].
pub(crate) fn tokenize(src: &str) -> Result<Vec<Token>, JsonataError> {
    let chars: Vec<char> = src.chars().collect();
    let mut out: Vec<Token> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        // comments
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            let start = i;
            i += 2;
            loop {
                if i + 1 >= chars.len() {
                    return Err(err("S0106", start, "Comment has no closing tag"));
                }
                if chars[i] == '*' && chars[i + 1] == '/' {
                    i += 2;
                    break;
                }
                i += 1;
            }
            continue;
        }
        let prefix = match out.last() {
            None => true,
            Some(t) => matches!(&t.tok, Tok::Op(o) if !matches!(*o, ")" | "]" | "}")),
        };
        if c == '/' && prefix {
            // regular expression literal
            let start = i;
            i += 1;
            let mut pattern = String::new();
            let mut depth = 0i32;
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err(err(
                        "S0302",
                        start,
                        "No terminating / in regular expression",
                    ));
                };
                if ch == '/' && depth == 0 {
                    break;
                }
                if ch == '\\'
                    && let Some(&next) = chars.get(i + 1)
                {
                    if next == '/' {
                        pattern.push('/');
                    } else {
                        pattern.push('\\');
                        pattern.push(next);
                    }
                    i += 2;
                    continue;
                }
                match ch {
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' => depth -= 1,
                    _ => {}
                }
                pattern.push(ch);
                i += 1;
            }
            i += 1;
            if pattern.is_empty() {
                return Err(err("S0301", i, "Empty regular expressions are not allowed"));
            }
            let mut flags = String::new();
            while let Some(&f) = chars.get(i) {
                if f == 'i' || f == 'm' {
                    flags.push(f);
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Token {
                tok: Tok::Regex(pattern, flags),
                pos: i,
            });
            continue;
        }
        if c == '"' || c == '\'' {
            let start = i;
            i += 1;
            let mut s = String::new();
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err(err(
                        "S0101",
                        start,
                        "String literal must be terminated by a matching quote",
                    ));
                };
                if ch == c {
                    i += 1;
                    break;
                }
                if ch == '\\' {
                    i += 1;
                    let Some(&e) = chars.get(i) else {
                        return Err(err(
                            "S0101",
                            start,
                            "String literal must be terminated by a matching quote",
                        ));
                    };
                    match e {
                        '"' | '\\' | '/' | '\'' => s.push(e),
                        'b' => s.push('\u{8}'),
                        'f' => s.push('\u{c}'),
                        'n' => s.push('\n'),
                        'r' => s.push('\r'),
                        't' => s.push('\t'),
                        'u' => {
                            let code = read_hex4(&chars, i + 1).ok_or_else(|| {
                                err(
                                    "S0104",
                                    i,
                                    "The escape sequence \\u must be followed by 4 hex digits",
                                )
                            })?;
                            i += 4;
                            let mut unit = code;
                            // surrogate pair
                            if (0xD800..0xDC00).contains(&code)
                                && chars.get(i + 1) == Some(&'\\')
                                && chars.get(i + 2) == Some(&'u')
                                && let Some(low) = read_hex4(&chars, i + 3)
                                && (0xDC00..0xE000).contains(&low)
                            {
                                unit = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
                                i += 6;
                            }
                            s.push(crate::value::char_of_unit(unit));
                        }
                        other => {
                            return Err(err(
                                "S0103",
                                i,
                                &format!("Unsupported escape sequence: \\{other}"),
                            ));
                        }
                    }
                    i += 1;
                    continue;
                }
                s.push(ch);
                i += 1;
            }
            out.push(Token {
                tok: Tok::Str(s),
                pos: i,
            });
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            let mut j = i;
            if chars[j] == '0' {
                j += 1;
            } else {
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
            }
            if j + 1 < chars.len() && chars[j] == '.' && chars[j + 1].is_ascii_digit() {
                j += 1;
                while j < chars.len() && chars[j].is_ascii_digit() {
                    j += 1;
                }
            }
            if j < chars.len() && (chars[j] == 'e' || chars[j] == 'E') {
                let mut k = j + 1;
                if k < chars.len() && (chars[k] == '+' || chars[k] == '-') {
                    k += 1;
                }
                if k < chars.len() && chars[k].is_ascii_digit() {
                    while k < chars.len() && chars[k].is_ascii_digit() {
                        k += 1;
                    }
                    j = k;
                }
            }
            let text: String = chars[start..j].iter().collect();
            let n: f64 = text
                .parse()
                .map_err(|_| err("S0102", start, &format!("Number out of range: {text}")))?;
            if !n.is_finite() {
                return Err(err("S0102", start, &format!("Number out of range: {text}")));
            }
            i = j;
            out.push(Token {
                tok: Tok::Num(n),
                pos: i,
            });
            continue;
        }
        if c == '`' {
            let start = i;
            i += 1;
            let mut s = String::new();
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err(err(
                        "S0105",
                        start,
                        "Quoted property name must be terminated with a backquote (`)",
                    ));
                };
                i += 1;
                if ch == '`' {
                    break;
                }
                s.push(ch);
            }
            out.push(Token {
                tok: Tok::Name(s),
                pos: i,
            });
            continue;
        }
        if c == '$' {
            i += 1;
            let mut s = String::new();
            if chars.get(i) == Some(&'$') {
                s.push('$');
                i += 1;
            }
            while i < chars.len() && is_name_char(chars[i]) {
                s.push(chars[i]);
                i += 1;
            }
            out.push(Token {
                tok: Tok::Var(s),
                pos: i,
            });
            continue;
        }
        // operators
        if let Some(op) = OPERATORS.iter().find(|op| {
            let oc: Vec<char> = op.chars().collect();
            chars[i..].starts_with(&oc)
        }) {
            i += op.chars().count();
            out.push(Token {
                tok: Tok::Op(op),
                pos: i,
            });
            continue;
        }
        // names
        let start = i;
        while i < chars.len() && is_name_char(chars[i]) {
            i += 1;
        }
        if i == start {
            return Err(err("S0204", i, &format!("Unknown operator: {c}")));
        }
        let name: String = chars[start..i].iter().collect();
        let tok = match name.as_str() {
            "and" => Tok::Op("and"),
            "or" => Tok::Op("or"),
            "in" => Tok::Op("in"),
            "true" => Tok::Bool(true),
            "false" => Tok::Bool(false),
            "null" => Tok::Null,
            _ => Tok::Name(name),
        };
        out.push(Token { tok, pos: i });
    }
    out.push(Token {
        tok: Tok::End,
        pos: chars.len(),
    });
    Ok(out)
}

fn read_hex4(chars: &[char], at: usize) -> Option<u32> {
    let s: String = chars.get(at..at + 4)?.iter().collect();
    if s.len() != 4 || !s.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(&s, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_of_a_path() {
        let toks: Vec<Tok> = tokenize("a.b[0] / 2")
            .unwrap()
            .into_iter()
            .map(|t| t.tok)
            .collect();
        assert_eq!(
            toks,
            vec![
                Tok::Name("a".into()),
                Tok::Op("."),
                Tok::Name("b".into()),
                Tok::Op("["),
                Tok::Num(0.0),
                Tok::Op("]"),
                Tok::Op("/"),
                Tok::Num(2.0),
                Tok::End
            ]
        );
    }

    #[test]
    fn regex_in_operand_position() {
        let toks = tokenize("$match(s, /a\\/b/i)").unwrap();
        assert!(
            toks.iter()
                .any(|t| t.tok == Tok::Regex("a/b".into(), "i".into()))
        );
    }

    #[test]
    fn unterminated_string() {
        assert_eq!(tokenize("'abc").unwrap_err().code.as_deref(), Some("S0101"));
    }
}
