//! Parsing of Step Functions (Jayway) JSONPath text.

use serde_json::Value;

use super::PathError;
use super::filter::{Expr, Operand, parse_filter};

/// What a path is evaluated on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Root {
    /// `$`: the input (or, inside a filter, the document the query runs on).
    Input,
    /// `$$`: the Context Object.
    Context,
    /// `$name`: a variable.
    Variable(String),
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment {
    /// `.name`, `['name']`, or `['a','b']`.
    Names(Vec<String>),
    /// `[n]` or `[n,m]`.
    Indexes(Vec<i64>),
    /// `.*` or `[*]`.
    Wildcard,
    /// `[start:end]` or `[start:end:step]` (Jayway ignores the step; it is kept for
    /// display only).
    Slice(Option<i64>, Option<i64>, Option<i64>),
    /// `[?(...)]`.
    Filter(Box<Expr>),
    /// `..`: the next segment applies to every node of the subtree.
    Scan,
    /// `.name()` or `.name(arg, ...)`: a function applied to the result so far (last
    /// segment only).
    Function(String, Vec<FunctionArg>),
}

/// An argument of a path function (Jayway's `Parameter`): JSON text or a path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum FunctionArg {
    /// A literal (`1`, `"text"`, `[1, 2]`, `{"a": 1}`).
    Value(Value),
    /// A path on the document (`$...`) or the current node (`@...`).
    Path(Parsed, bool),
}

/// A parsed path.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Parsed {
    /// What it starts from.
    pub root: Root,
    /// Its steps.
    pub segments: Vec<Segment>,
}

impl Parsed {
    /// Only single names and single indexes (a function counts as definite: it yields one
    /// value).
    pub fn is_definite(&self) -> bool {
        let n = self.segments.len();
        self.segments.iter().enumerate().all(|(i, s)| match s {
            Segment::Names(names) => names.len() == 1 || i + 1 == n,
            Segment::Indexes(indexes) => indexes.len() == 1,
            Segment::Function(..) => true,
            _ => false,
        })
    }
}

/// Jayway 2.x's path functions (PathFunctionFactory), `index` and `distinct` excepted: they
/// came with Jayway 2.9 and nothing shows that Step Functions has them.
pub(crate) const FUNCTIONS: &[&str] = &[
    "length", "size", "min", "max", "avg", "stddev", "sum", "keys", "first", "last", "concat",
    "append",
];

/// Parses a function's arguments after its `(`, up to and including the `)`. As Jayway's
/// `parseFunctionParameters`, an argument is JSON (a number, a double-quoted string, an
/// array or an object) or a path (`$...` or `@...`); single-quoted strings are accepted
/// too.
fn parse_function_args(cur: &mut Cursor<'_>) -> Result<Vec<FunctionArg>, PathError> {
    let mut args = Vec::new();
    cur.skip_ws();
    if cur.eat(')') {
        return Ok(args);
    }
    loop {
        cur.skip_ws();
        let arg = match cur.peek() {
            Some('@') => FunctionArg::Path(parse_path(cur, true)?, true),
            Some('$') => FunctionArg::Path(parse_path(cur, true)?, false),
            _ => match parse_literal(cur)? {
                Operand::Value(v) => FunctionArg::Value(v),
                _ => return Err(cur.error("expected a function argument")),
            },
        };
        args.push(arg);
        cur.skip_ws();
        if cur.eat(',') {
            continue;
        }
        if cur.eat(')') {
            return Ok(args);
        }
        return Err(cur.error("expected ',' or ')' in the function's arguments"));
    }
}

pub(crate) struct Cursor<'a> {
    pub text: &'a str,
    pub chars: Vec<char>,
    pub pos: usize,
    /// Current nesting of filters, parentheses and `!` (see [`MAX_NESTING`]).
    pub depth: usize,
}

/// The deepest nesting of filters (`[?(`), parentheses and `!` a path may have. Parsing is
/// recursive; the bound keeps a hostile path such as `$[?(((((...` from exhausting the
/// stack. Real paths nest two or three levels.
pub(crate) const MAX_NESTING: usize = 64;

/// The most steps (`.name`, `[0]`, `[*]`, `..`, filters, ...) one path may have. Evaluating
/// and setting recurse once per step, and a `ResultPath` of many names builds an object as
/// deep; the bound keeps a hostile path from exhausting the stack. Real paths have a few
/// dozen steps at most.
pub(crate) const MAX_SEGMENTS: usize = 512;

impl<'a> Cursor<'a> {
    pub fn new(text: &'a str) -> Self {
        Cursor {
            text,
            chars: text.chars().collect(),
            pos: 0,
            depth: 0,
        }
    }

    /// Enters one level of nesting, failing past [`MAX_NESTING`]; pair with [`Self::leave`].
    pub fn enter(&mut self) -> Result<(), PathError> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(self.error(format!(
                "the path nests filters, parentheses or '!' more than {MAX_NESTING} deep"
            )));
        }
        Ok(())
    }

    /// Leaves one level of nesting.
    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    pub fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    pub fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    pub fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    pub fn eat_str(&mut self, s: &str) -> bool {
        let n = s.chars().count();
        if self.chars.len() >= self.pos + n
            && self.chars[self.pos..self.pos + n]
                .iter()
                .copied()
                .eq(s.chars())
        {
            self.pos += n;
            true
        } else {
            false
        }
    }

    pub fn error(&self, reason: impl Into<String>) -> PathError {
        PathError::Syntax {
            path: self.text.to_owned(),
            reason: format!("{} (at character {})", reason.into(), self.pos),
        }
    }
}

/// Parses a complete path.
pub(crate) fn parse(text: &str) -> Result<Parsed, PathError> {
    let mut cur = Cursor::new(text);
    let parsed = parse_path(&mut cur, false)?;
    if !cur.at_end() {
        return Err(cur.error(format!("unexpected character '{}'", cur.chars[cur.pos])));
    }
    Ok(parsed)
}

/// Parses a path starting at `$` (or `@` when `relative`), stopping at the first character
/// that cannot continue it (used inside filters).
pub(crate) fn parse_path(cur: &mut Cursor<'_>, in_filter: bool) -> Result<Parsed, PathError> {
    let root = if cur.eat('@') {
        Root::Input
    } else if cur.eat('$') {
        if !in_filter && cur.eat('$') {
            Root::Context
        } else if !in_filter && cur.peek().is_some_and(is_var_char) {
            let start = cur.pos;
            while cur.peek().is_some_and(is_var_char) {
                cur.pos += 1;
            }
            Root::Variable(cur.chars[start..cur.pos].iter().collect())
        } else {
            Root::Input
        }
    } else {
        return Err(cur.error("a path must start with '$'"));
    };
    let mut segments = Vec::new();
    loop {
        if in_filter {
            // Paths in filters end at operators, spaces and closing parentheses.
            match cur.peek() {
                Some('.') | Some('[') => {}
                _ => break,
            }
        }
        match cur.peek() {
            None => break,
            Some('.') => {
                cur.pos += 1;
                if cur.eat('.') {
                    segments.push(Segment::Scan);
                    if cur.peek() == Some('[') {
                        continue;
                    }
                } else if cur.peek() == Some('[') {
                    // Jayway reads a token after every '.', and a '[' token is a bracket:
                    // `$.[0]`, `$.a.['b']` and `$.[?(...)]` are `$[0]`, `$.a['b']` and
                    // `$[?(...)]` (PathCompiler.readDotToken -> readNextToken).
                    continue;
                }
                if cur.eat('*') {
                    segments.push(Segment::Wildcard);
                    continue;
                }
                let start = cur.pos;
                while let Some(c) = cur.peek() {
                    if c == '.' || c == '[' || c == '(' || c == ')' || c.is_whitespace() {
                        break;
                    }
                    if in_filter && "=!<>&|,".contains(c) {
                        break;
                    }
                    cur.pos += 1;
                }
                let name: String = cur.chars[start..cur.pos].iter().collect();
                if name.is_empty() {
                    return Err(cur.error("expected a property name after '.'"));
                }
                if cur.eat('(') {
                    if !FUNCTIONS.contains(&name.as_str()) {
                        return Err(cur.error(format!(
                            "unknown function {name}(); Jayway, the JSONPath library of Step \
                             Functions, has {}",
                            FUNCTIONS.join("(), ") + "()"
                        )));
                    }
                    cur.enter()?;
                    let args = parse_function_args(cur)?;
                    cur.leave();
                    segments.push(Segment::Function(name, args));
                    if !cur.at_end() && !in_filter {
                        return Err(cur.error("a function must be the last part of a path"));
                    }
                    if in_filter {
                        break;
                    }
                    continue;
                }
                segments.push(Segment::Names(vec![name]));
            }
            Some('[') => {
                cur.pos += 1;
                segments.push(parse_bracket(cur)?);
            }
            Some(c) => {
                return Err(cur.error(format!("unexpected character '{c}'")));
            }
        }
    }
    if segments.len() > MAX_SEGMENTS {
        return Err(cur.error(format!(
            "the path has more than {MAX_SEGMENTS} steps (names, indexes, wildcards, filters)"
        )));
    }
    if segments.last() == Some(&Segment::Scan) {
        return Err(cur.error("a path cannot end with '..'"));
    }
    Ok(Parsed { root, segments })
}

fn is_var_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Parses what follows `[` up to and including `]`.
fn parse_bracket(cur: &mut Cursor<'_>) -> Result<Segment, PathError> {
    cur.skip_ws();
    match cur.peek() {
        Some('*') => {
            cur.pos += 1;
            cur.skip_ws();
            expect_close(cur)?;
            Ok(Segment::Wildcard)
        }
        Some('?') => {
            cur.pos += 1;
            cur.skip_ws();
            if !cur.eat('(') {
                return Err(cur.error("expected '(' after '[?'"));
            }
            cur.enter()?;
            let expr = parse_filter(cur)?;
            cur.leave();
            cur.skip_ws();
            if !cur.eat(')') {
                return Err(cur.error("expected ')' to close the filter"));
            }
            cur.skip_ws();
            expect_close(cur)?;
            Ok(Segment::Filter(Box::new(expr)))
        }
        Some('\'') | Some('"') => {
            let mut names = Vec::new();
            loop {
                cur.skip_ws();
                let Some(quote) = cur.peek().filter(|c| *c == '\'' || *c == '"') else {
                    return Err(cur.error("expected a quoted property name"));
                };
                cur.pos += 1;
                names.push(read_quoted_raw(cur, quote)?);
                cur.skip_ws();
                if cur.eat(',') {
                    continue;
                }
                expect_close(cur)?;
                break;
            }
            Ok(Segment::Names(names))
        }
        Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => parse_indexes(cur),
        Some(c) => Err(cur.error(format!("unexpected character '{c}' after '['"))),
        None => Err(cur.error("unclosed '['")),
    }
}

/// Reads a quoted property name after its opening quote. As in Step Functions, a backslash
/// protects the next character from ending the name but is kept as written.
fn read_quoted_raw(cur: &mut Cursor<'_>, quote: char) -> Result<String, PathError> {
    let mut out = String::new();
    let mut escaped = false;
    while let Some(c) = cur.peek() {
        cur.pos += 1;
        if escaped {
            escaped = false;
            out.push(c);
        } else if c == '\\' {
            escaped = true;
            out.push(c);
        } else if c == quote {
            return Ok(out);
        } else {
            out.push(c);
        }
    }
    Err(cur.error("unterminated quoted property name"))
}

fn expect_close(cur: &mut Cursor<'_>) -> Result<(), PathError> {
    if cur.eat(']') {
        Ok(())
    } else {
        Err(cur.error("expected ']'"))
    }
}

fn read_int(cur: &mut Cursor<'_>) -> Result<Option<i64>, PathError> {
    cur.skip_ws();
    let start = cur.pos;
    if cur.peek() == Some('-') {
        cur.pos += 1;
    }
    while cur.peek().is_some_and(|c| c.is_ascii_digit()) {
        cur.pos += 1;
    }
    let text: String = cur.chars[start..cur.pos].iter().collect();
    cur.skip_ws();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<i64>()
        .map(Some)
        .map_err(|_| cur.error(format!("invalid array index '{text}'")))
}

fn parse_indexes(cur: &mut Cursor<'_>) -> Result<Segment, PathError> {
    let first = read_int(cur)?;
    if cur.peek() == Some(':') {
        cur.pos += 1;
        let end = read_int(cur)?;
        let mut step = None;
        if cur.eat(':') {
            step = read_int(cur)?;
        }
        expect_close(cur)?;
        if first.is_none() && end.is_none() {
            // Jayway: "Failed to parse SliceOperation" (ArraySliceOperation.parse needs a
            // start or an end; a step alone is not enough).
            return Err(cur.error(
                "a slice needs a start or an end index, as in [1:] or [:2]; Jayway, the \
                 JSONPath library of Step Functions, refuses [:] and [::n] \
                 (ArraySliceOperation: \"Failed to parse SliceOperation\")",
            ));
        }
        return Ok(Segment::Slice(first, end, step));
    }
    let Some(first) = first else {
        return Err(cur.error("expected an array index"));
    };
    let mut indexes = vec![first];
    while cur.eat(',') {
        match read_int(cur)? {
            Some(i) => indexes.push(i),
            None => return Err(cur.error("expected an array index after ','")),
        }
    }
    expect_close(cur)?;
    Ok(Segment::Indexes(indexes))
}

/// Renders a path segment list the way Jayway prints paths (`$['a'][0]`), for messages.
pub(crate) fn render(segments: &[Segment]) -> String {
    let mut out = String::from("$");
    for s in segments {
        render_segment(&mut out, s);
    }
    out
}

pub(crate) fn render_segment(out: &mut String, segment: &Segment) {
    match segment {
        Segment::Names(names) => {
            let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
            out.push_str(&format!("[{}]", quoted.join(",")));
        }
        Segment::Indexes(indexes) => {
            let list: Vec<String> = indexes.iter().map(i64::to_string).collect();
            out.push_str(&format!("[{}]", list.join(",")));
        }
        Segment::Wildcard => out.push_str("[*]"),
        Segment::Slice(a, b, c) => {
            let f = |v: &Option<i64>| v.map(|x| x.to_string()).unwrap_or_default();
            match c {
                Some(_) => out.push_str(&format!("[{}:{}:{}]", f(a), f(b), f(c))),
                None => out.push_str(&format!("[{}:{}]", f(a), f(b))),
            }
        }
        Segment::Filter(_) => out.push_str("[?]"),
        Segment::Scan => out.push_str(".."),
        Segment::Function(name, _) => out.push_str(&format!(".{name}()")),
    }
}

/// Parses a JSON-ish literal used in filters (numbers, strings, booleans, null, arrays and
/// objects written in JSON).
pub(crate) fn parse_literal(cur: &mut Cursor<'_>) -> Result<Operand, PathError> {
    cur.skip_ws();
    match cur.peek() {
        Some(q @ ('\'' | '"')) => {
            cur.pos += 1;
            let mut out = String::new();
            let mut escaped = false;
            while let Some(c) = cur.peek() {
                cur.pos += 1;
                if escaped {
                    escaped = false;
                    out.push(match c {
                        'n' => '\n',
                        't' => '\t',
                        'r' => '\r',
                        other => other,
                    });
                } else if c == '\\' {
                    escaped = true;
                } else if c == q {
                    return Ok(Operand::Value(Value::String(out)));
                } else {
                    out.push(c);
                }
            }
            Err(cur.error("unterminated string literal"))
        }
        Some('[') | Some('{') => {
            let rest: String = cur.chars[cur.pos..].iter().collect();
            let mut stream = serde_json::Deserializer::from_str(&rest).into_iter::<Value>();
            match stream.next() {
                Some(Ok(v)) => {
                    let used = rest[..stream.byte_offset()].chars().count();
                    cur.pos += used;
                    Ok(Operand::Value(v))
                }
                _ => {
                    // Jayway also accepts single-quoted strings in array literals.
                    let (v, used) = parse_loose_array(&cur.chars[cur.pos..])
                        .ok_or_else(|| cur.error("invalid JSON literal in filter"))?;
                    cur.pos += used;
                    Ok(Operand::Value(v))
                }
            }
        }
        // Jayway reads a number from its characters (digits, '-', '.', 'e', 'E'), so `.5`
        // is one too.
        Some(c)
            if c == '-'
                || c.is_ascii_digit()
                || (c == '.' && cur.peek_at(1).is_some_and(|d| d.is_ascii_digit())) =>
        {
            let start = cur.pos;
            cur.pos += 1;
            while cur
                .peek()
                .is_some_and(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
            {
                cur.pos += 1;
            }
            let text: String = cur.chars[start..cur.pos].iter().collect();
            let number = if let Ok(i) = text.parse::<i64>() {
                Value::from(i)
            } else {
                text.parse::<f64>()
                    .ok()
                    .and_then(serde_json::Number::from_f64)
                    .map(Value::Number)
                    .ok_or_else(|| cur.error(format!("invalid number '{text}'")))?
            };
            Ok(Operand::Value(number))
        }
        _ => {
            for (word, value) in [
                ("true", Value::Bool(true)),
                ("false", Value::Bool(false)),
                ("null", Value::Null),
            ] {
                if cur.eat_str(word) {
                    return Ok(Operand::Value(value));
                }
            }
            Err(cur.error("expected a value"))
        }
    }
}

/// `['a', 'b', 1]`: an array literal with single-quoted strings.
fn parse_loose_array(chars: &[char]) -> Option<(Value, usize)> {
    let text: String = chars.iter().collect();
    let mut cur = Cursor::new(&text);
    if !cur.eat('[') {
        return None;
    }
    let mut items = Vec::new();
    cur.skip_ws();
    if cur.eat(']') {
        return Some((Value::Array(items), cur.pos));
    }
    loop {
        match parse_literal(&mut cur).ok()? {
            Operand::Value(v) => items.push(v),
            _ => return None,
        }
        cur.skip_ws();
        if cur.eat(',') {
            continue;
        }
        if cur.eat(']') {
            return Some((Value::Array(items), cur.pos));
        }
        return None;
    }
}
