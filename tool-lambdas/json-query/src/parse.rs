//! Reads a query that `serde_json_path` has already accepted into [`crate::ast`].
//!
//! Validation (syntax, integer ranges, function names and types, with the error position
//! the model sees) stays with `serde_json_path`; this parser only has to build the tree of
//! a valid query, so it is a plain recursive descent over the RFC 9535 grammar, liberal
//! about whitespace where the grammar allows it. Should it ever disagree with the
//! validator, the query fails with an error saying so instead of being evaluated wrongly.
//! Recursion depth is bounded by the caller ([`crate::limits::MAX_QUERY_NESTING`]).

use serde_json::Value;

use crate::ast::{Arg, Call, Comparable, CompareOp, Function, Logical, Query, Segment, Selector};

/// Parses a valid query; the error names the character where reading stopped.
pub(crate) fn parse(text: &str) -> Result<Query, String> {
    let mut p = Parser { s: text, pos: 0 };
    let query = p.query()?;
    p.ws();
    if p.pos != text.len() {
        return Err(p.error("unexpected text after the query"));
    }
    if !query.absolute {
        return Err(p.error("a query starts with `$`"));
    }
    Ok(query)
}

struct Parser<'t> {
    s: &'t str,
    pos: usize,
}

type Parsed<T> = Result<T, String>;

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        format!(
            "at character {}: {what}",
            self.s[..self.pos].chars().count()
        )
    }

    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eat(&mut self, token: &str) -> bool {
        if self.rest().starts_with(token) {
            self.pos += token.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, token: &str) -> Parsed<()> {
        if self.eat(token) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{token}`")))
        }
    }

    /// RFC 9535 blank space: space, tab, LF, CR.
    fn ws(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
            self.pos += 1;
        }
    }

    /// `$` or `@`, then segments.
    fn query(&mut self) -> Parsed<Query> {
        let absolute = match self.bump() {
            Some('$') => true,
            Some('@') => false,
            _ => return Err(self.error("expected `$` or `@`")),
        };
        let mut segments = Vec::new();
        loop {
            let before = self.pos;
            self.ws();
            match self.peek() {
                Some('[' | '.') => segments.push(self.segment()?),
                _ => {
                    self.pos = before;
                    break;
                }
            }
        }
        Ok(Query { absolute, segments })
    }

    fn segment(&mut self) -> Parsed<Segment> {
        if self.eat("..") {
            let selectors = if self.peek() == Some('[') {
                self.bracketed()?
            } else if self.eat("*") {
                vec![Selector::Wildcard]
            } else {
                vec![Selector::Name(self.member_name()?)]
            };
            return Ok(Segment {
                descendant: true,
                selectors,
            });
        }
        let selectors = if self.eat(".") {
            if self.eat("*") {
                vec![Selector::Wildcard]
            } else {
                vec![Selector::Name(self.member_name()?)]
            }
        } else {
            self.bracketed()?
        };
        Ok(Segment {
            descendant: false,
            selectors,
        })
    }

    fn bracketed(&mut self) -> Parsed<Vec<Selector>> {
        self.expect("[")?;
        let mut selectors = Vec::new();
        loop {
            self.ws();
            selectors.push(self.selector()?);
            self.ws();
            if self.eat("]") {
                return Ok(selectors);
            }
            self.expect(",")?;
        }
    }

    fn selector(&mut self) -> Parsed<Selector> {
        match self.peek() {
            Some('\'' | '"') => Ok(Selector::Name(self.string()?)),
            Some('*') => {
                self.pos += 1;
                Ok(Selector::Wildcard)
            }
            Some('?') => {
                self.pos += 1;
                self.ws();
                Ok(Selector::Filter(Box::new(self.logical_or()?)))
            }
            _ => {
                let start = self.opt_int()?;
                let before = self.pos;
                self.ws();
                if !self.eat(":") {
                    self.pos = before;
                    return start
                        .map(Selector::Index)
                        .ok_or_else(|| self.error("expected a selector"));
                }
                self.ws();
                let end = self.opt_int()?;
                self.ws();
                let step = if self.eat(":") {
                    self.ws();
                    self.opt_int()?
                } else {
                    None
                };
                Ok(Selector::Slice { start, end, step })
            }
        }
    }

    fn opt_int(&mut self) -> Parsed<Option<i64>> {
        let start = self.pos;
        self.eat("-");
        while matches!(self.peek(), Some('0'..='9')) {
            self.pos += 1;
        }
        let text = &self.s[start..self.pos];
        if text.is_empty() {
            return Ok(None);
        }
        text.parse()
            .map(Some)
            .map_err(|_| self.error("expected an integer"))
    }

    /// `member-name-shorthand`: ALPHA / `_` / non-ASCII first, then also digits.
    fn member_name(&mut self) -> Parsed<String> {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        if self.pos == start {
            return Err(self.error("expected a member name"));
        }
        Ok(self.s[start..self.pos].to_owned())
    }

    /// A single- or double-quoted string literal with RFC 9535 escapes.
    fn string(&mut self) -> Parsed<String> {
        let quote = self.bump().ok_or_else(|| self.error("expected a string"))?;
        let mut out = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error("unterminated string")),
                Some(c) if c == quote => return Ok(out),
                Some('\\') => {
                    let c = match self.bump() {
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some(c @ ('/' | '\\' | '\'' | '"')) => c,
                        Some('u') => self.unicode_escape()?,
                        _ => return Err(self.error("invalid escape")),
                    };
                    out.push(c);
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn hex4(&mut self) -> Parsed<u32> {
        let digits = self.rest().get(..4).unwrap_or_default();
        let value =
            u32::from_str_radix(digits, 16).map_err(|_| self.error("expected 4 hex digits"))?;
        self.pos += 4;
        Ok(value)
    }

    fn unicode_escape(&mut self) -> Parsed<char> {
        let high = self.hex4()?;
        let code = if (0xd800..0xdc00).contains(&high) {
            self.expect("\\u")?;
            let low = self.hex4()?;
            0x10000 + ((high - 0xd800) << 10) + (low.wrapping_sub(0xdc00) & 0x3ff)
        } else {
            high
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid unicode escape"))
    }

    fn logical_or(&mut self) -> Parsed<Logical> {
        let mut items = vec![self.logical_and()?];
        while self.operator("||") {
            items.push(self.logical_and()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            Logical::Or(items)
        })
    }

    fn logical_and(&mut self) -> Parsed<Logical> {
        let mut items = vec![self.basic()?];
        while self.operator("&&") {
            items.push(self.basic()?);
        }
        Ok(if items.len() == 1 {
            items.pop().expect("one item")
        } else {
            Logical::And(items)
        })
    }

    /// Consumes `S op S` when `op` follows (after blank space); otherwise consumes nothing.
    fn operator(&mut self, op: &str) -> bool {
        let before = self.pos;
        self.ws();
        if self.eat(op) {
            self.ws();
            true
        } else {
            self.pos = before;
            false
        }
    }

    fn basic(&mut self) -> Parsed<Logical> {
        self.ws();
        if self.eat("!") {
            self.ws();
            let inner = if self.peek() == Some('(') {
                self.paren()?
            } else {
                match self.primary()? {
                    Comparable::Query(q) => Logical::Exists(q),
                    Comparable::Call(c) => Logical::Test(c),
                    Comparable::Literal(_) => return Err(self.error("`!` before a literal")),
                }
            };
            return Ok(Logical::Not(Box::new(inner)));
        }
        if self.peek() == Some('(') {
            return self.paren();
        }
        let left = self.primary()?;
        let before = self.pos;
        self.ws();
        if let Some(op) = self.compare_op() {
            self.ws();
            let right = self.primary()?;
            return Ok(Logical::Compare(left, op, right));
        }
        self.pos = before;
        match left {
            Comparable::Query(q) => Ok(Logical::Exists(q)),
            Comparable::Call(c) => Ok(Logical::Test(c)),
            Comparable::Literal(_) => Err(self.error("a literal is not a test")),
        }
    }

    fn paren(&mut self) -> Parsed<Logical> {
        self.expect("(")?;
        self.ws();
        let inner = self.logical_or()?;
        self.ws();
        self.expect(")")?;
        Ok(inner)
    }

    fn compare_op(&mut self) -> Option<CompareOp> {
        for (token, op) in [
            ("==", CompareOp::Eq),
            ("!=", CompareOp::Ne),
            ("<=", CompareOp::Le),
            (">=", CompareOp::Ge),
            ("<", CompareOp::Lt),
            (">", CompareOp::Gt),
        ] {
            if self.eat(token) {
                return Some(op);
            }
        }
        None
    }

    /// A literal, a query or a function call.
    fn primary(&mut self) -> Parsed<Comparable> {
        match self.peek() {
            Some('$' | '@') => Ok(Comparable::Query(self.query()?)),
            Some('\'' | '"') => Ok(Comparable::Literal(Value::String(self.string()?))),
            Some('-' | '0'..='9') => Ok(Comparable::Literal(self.number()?)),
            Some('a'..='z') => {
                let start = self.pos;
                while matches!(self.peek(), Some('a'..='z' | '0'..='9' | '_')) {
                    self.pos += 1;
                }
                let word = &self.s[start..self.pos];
                if self.peek() == Some('(') {
                    return Ok(Comparable::Call(self.call(word.to_owned())?));
                }
                match word {
                    "true" => Ok(Comparable::Literal(Value::Bool(true))),
                    "false" => Ok(Comparable::Literal(Value::Bool(false))),
                    "null" => Ok(Comparable::Literal(Value::Null)),
                    _ => Err(self.error("expected a literal or a function")),
                }
            }
            _ => Err(self.error("expected a literal, a query or a function")),
        }
    }

    fn number(&mut self) -> Parsed<Value> {
        let start = self.pos;
        self.eat("-");
        let digits = |p: &mut Self| {
            while matches!(p.peek(), Some('0'..='9')) {
                p.pos += 1;
            }
        };
        digits(self);
        if self.rest().starts_with('.') {
            self.pos += 1;
            digits(self);
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some('+' | '-')) {
                self.pos += 1;
            }
            digits(self);
        }
        serde_json::from_str(&self.s[start..self.pos]).map_err(|_| self.error("expected a number"))
    }

    fn call(&mut self, name: String) -> Parsed<Call> {
        let function = match name.as_str() {
            "length" => Function::Length,
            "count" => Function::Count,
            "match" => Function::Match,
            "search" => Function::Search,
            "value" => Function::Value,
            _ => return Err(self.error(&format!("unknown function `{name}`"))),
        };
        self.expect("(")?;
        self.ws();
        let mut args = Vec::new();
        if !self.eat(")") {
            loop {
                args.push(self.arg()?);
                self.ws();
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
                self.ws();
            }
        }
        Ok(Call { function, args })
    }

    /// A literal, query or call when the argument ends there; a logical expression otherwise.
    fn arg(&mut self) -> Parsed<Arg> {
        let start = self.pos;
        if !matches!(self.peek(), Some('!' | '(')) {
            let primary = self.primary()?;
            let end = self.pos;
            self.ws();
            if matches!(self.peek(), Some(',' | ')')) {
                self.pos = end;
                return Ok(match primary {
                    Comparable::Literal(v) => Arg::Literal(v),
                    Comparable::Query(q) => Arg::Query(q),
                    Comparable::Call(c) => Arg::Call(c),
                });
            }
            self.pos = start;
        }
        Ok(Arg::Logical(self.logical_or()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(n: &str) -> Selector {
        Selector::Name(n.to_owned())
    }

    #[test]
    fn segments_selectors_and_filters_are_read() {
        let q = parse("$.a[1, -2, 'b\\'c', \"d\\u00e9\"][1:2:3][::-1]..*..x[?@.p < 3 && !(@.q) || length(@.r) == 2]").unwrap();
        assert_eq!(q.segments.len(), 7);
        assert_eq!(q.segments[0].selectors, [name("a")]);
        assert_eq!(
            q.segments[1].selectors,
            [
                Selector::Index(1),
                Selector::Index(-2),
                name("b'c"),
                name("dé")
            ]
        );
        assert_eq!(
            q.segments[2].selectors,
            [Selector::Slice {
                start: Some(1),
                end: Some(2),
                step: Some(3)
            }]
        );
        assert_eq!(
            q.segments[3].selectors,
            [Selector::Slice {
                start: None,
                end: None,
                step: Some(-1)
            }]
        );
        assert!(q.segments[4].descendant && q.segments[4].selectors == [Selector::Wildcard]);
        assert!(q.segments[5].descendant && q.segments[5].selectors == [name("x")]);
        let Selector::Filter(f) = &q.segments[6].selectors[0] else {
            panic!("a filter")
        };
        let Logical::Or(items) = f.as_ref() else {
            panic!("or: {f:?}")
        };
        assert!(matches!(&items[0], Logical::And(both) if both.len() == 2));
        assert!(matches!(
            &items[1],
            Logical::Compare(Comparable::Call(_), CompareOp::Eq, Comparable::Literal(_))
        ));
    }

    #[test]
    fn surrogate_pairs_and_function_arguments() {
        let q = parse(
            r#"$["\uD83D\uDE00"][?match(@.a, 'x.*') && count(@..b) > 1 && value(@.c) == -1.5e2]"#,
        )
        .unwrap();
        assert_eq!(q.segments[0].selectors, [name("😀")]);
        let Selector::Filter(f) = &q.segments[1].selectors[0] else {
            panic!()
        };
        let Logical::And(items) = f.as_ref() else {
            panic!()
        };
        assert!(
            matches!(&items[0], Logical::Test(Call { function: Function::Match, args }) if args.len() == 2)
        );
        assert!(matches!(
            &items[2],
            Logical::Compare(_, CompareOp::Eq, Comparable::Literal(n)) if n.as_f64() == Some(-150.0)
        ));
    }
}
