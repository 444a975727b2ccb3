//! Pratt parser: tokens to a raw tree, then the JSONata "processing" pass that turns
//! `a.b[p]{g}^(s)` chains into location paths with per-step filters.

use std::sync::Arc;

use crate::ast::{BinOp, Expr, Kind};
use crate::errors::{Res, err};
use crate::lexer::{Tok, Token, tokenize};

/// How deeply an expression may nest: parentheses, unary minus, operands of operator chains
/// (`1 + 1 + ...` builds a tree as deep as it is long), blocks, calls and paths all count.
/// Every later stage (processing, evaluation, dropping the tree) recurses over the tree, so
/// this bound keeps them all within a 2 MiB thread stack in a debug build. Real expressions
/// stay far below it; a longer one reads better split with variables (`$x := ...;`).
pub const MAX_NESTING: usize = 100;

/// The code of the nesting error (the reference implementation has none: its parser is
/// bounded only by the JavaScript stack; jsonata-js's test harness uses U1001 for too-deep
/// evaluation and U1002 for a timeout, so the evaluation budget is U1002 and this U1003).
pub const NESTING_CODE: &str = "U1003";

/// Parses `src` into a processed syntax tree.
pub(crate) fn parse(src: &str) -> Res<Expr> {
    let tokens = tokenize(src)?;
    let mut p = Parser {
        tokens,
        at: 0,
        depth: 0,
    };
    let raw = p.expression(0)?;
    if p.peek().tok != Tok::End {
        let t = p.peek().clone();
        return Err(err(
            "S0201",
            t.pos,
            &format!("Syntax error: {}", describe(&t.tok)),
        ));
    }
    process(raw)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
    /// Nesting of the tree being built: sub-expressions being parsed plus the operator
    /// applications of each one's chain so far.
    depth: usize,
}

fn describe(t: &Tok) -> String {
    match t {
        Tok::Op(o) => (*o).to_string(),
        Tok::Str(s) => format!("\"{s}\""),
        Tok::Num(n) => crate::value::format_number(*n),
        Tok::Bool(b) => b.to_string(),
        Tok::Null => "null".into(),
        Tok::Name(n) => n.clone(),
        Tok::Var(v) => format!("${v}"),
        Tok::Regex(p, _) => format!("/{p}/"),
        Tok::End => "(end)".into(),
    }
}

fn lbp(t: &Tok) -> u8 {
    match t {
        Tok::Op(o) => match *o {
            "." => 75,
            "[" | "(" | "@" | "#" => 80,
            "{" => 70,
            "?" => 20,
            "+" | "-" | "&" => 50,
            "*" | "/" | "%" => 60,
            "=" | "<" | ">" | "^" | "!=" | "<=" | ">=" | "~>" | "in" | "?:" | "??" => 40,
            ".." => 20,
            ":=" => 10,
            "and" => 30,
            "or" => 25,
            _ => 0,
        },
        _ => 0,
    }
}

impl Parser {
    fn peek(&self) -> &Token {
        &self.tokens[self.at]
    }

    fn next(&mut self) -> Token {
        let t = self.tokens[self.at].clone();
        if self.at + 1 < self.tokens.len() {
            self.at += 1;
        }
        t
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(&self.peek().tok, Tok::Op(o) if *o == op)
    }

    fn expect(&mut self, op: &str) -> Res<Token> {
        if self.is_op(op) {
            return Ok(self.next());
        }
        let t = self.peek().clone();
        if t.tok == Tok::End {
            return Err(err(
                "S0203",
                t.pos,
                &format!("Expected {op} before end of expression"),
            ));
        }
        Err(err(
            "S0202",
            t.pos,
            &format!("Expected {op}, got {}", describe(&t.tok)),
        ))
    }

    fn expression(&mut self, rbp: u8) -> Res<Expr> {
        self.deeper()?;
        let t = self.next();
        let mut left = self.nud(t)?;
        let mut chain = 0;
        while rbp < lbp(&self.peek().tok) {
            self.deeper()?;
            chain += 1;
            let t = self.next();
            left = self.led(t, left)?;
        }
        self.depth -= 1 + chain;
        Ok(left)
    }

    /// One level deeper, or the nesting error at the current token.
    fn deeper(&mut self) -> Res<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(err(
                NESTING_CODE,
                self.peek().pos,
                &format!(
                    "The expression nests deeper than {MAX_NESTING} levels (parentheses, operators, calls); split it with variables, e.g. ($a := ...; $b := ...; $a + $b)"
                ),
            ));
        }
        Ok(())
    }

    fn nud(&mut self, t: Token) -> Res<Expr> {
        let pos = t.pos;
        let kind = match t.tok {
            Tok::Str(s) => Kind::Str(s),
            Tok::Num(n) => Kind::Num(n),
            Tok::Bool(b) => Kind::Bool(b),
            Tok::Null => Kind::Null,
            Tok::Name(n) => Kind::Name(n),
            Tok::Var(v) => Kind::Var(v),
            Tok::Regex(p, flags) => Kind::Regex(Arc::new(compile_regex(&p, &flags, pos)?)),
            Tok::End => return Err(err("S0207", pos, "Unexpected end of expression")),
            Tok::Op(op) => match op {
                "and" | "or" | "in" => Kind::Name(op.to_string()),
                "-" => {
                    let operand = self.expression(70)?;
                    if let Kind::Num(n) = operand.kind {
                        Kind::Num(-n)
                    } else {
                        Kind::Neg(Box::new(operand))
                    }
                }
                "*" => Kind::Wildcard,
                "**" => Kind::Descendant,
                "%" => Kind::Parent,
                "(" => {
                    let mut items = Vec::new();
                    if !self.is_op(")") {
                        loop {
                            items.push(self.expression(0)?);
                            if !self.is_op(";") {
                                break;
                            }
                            self.next();
                            if self.is_op(")") {
                                break;
                            }
                        }
                    }
                    self.expect(")")?;
                    Kind::Block(items)
                }
                "[" => {
                    let mut items = Vec::new();
                    if !self.is_op("]") {
                        loop {
                            items.push(self.expression(0)?);
                            if !self.is_op(",") {
                                break;
                            }
                            self.next();
                        }
                    }
                    self.expect("]")?;
                    Kind::Array(items)
                }
                "{" => Kind::Object(self.object_pairs()?),
                _ => {
                    return Err(err(
                        "S0211",
                        pos,
                        &format!("The symbol {op} cannot be used as a unary operator"),
                    ));
                }
            },
        };
        Ok(Expr::new(kind, pos))
    }

    fn object_pairs(&mut self) -> Res<Vec<(Expr, Expr)>> {
        let mut pairs = Vec::new();
        if !self.is_op("}") {
            loop {
                let k = self.expression(0)?;
                self.expect(":")?;
                let v = self.expression(0)?;
                pairs.push((k, v));
                if !self.is_op(",") {
                    break;
                }
                self.next();
            }
        }
        self.expect("}")?;
        Ok(pairs)
    }

    fn led(&mut self, t: Token, left: Expr) -> Res<Expr> {
        let pos = t.pos;
        let Tok::Op(op) = t.tok else {
            return Err(err("S0201", pos, "Syntax error"));
        };
        let bin = |o: BinOp, p: &mut Parser, bp: u8| -> Res<Expr> {
            let rhs = p.expression(bp)?;
            Ok(Expr::new(
                Kind::Binary(o, Box::new(left.clone()), Box::new(rhs)),
                pos,
            ))
        };
        let bp = lbp(&Tok::Op(op));
        match op {
            "+" => bin(BinOp::Add, self, bp),
            "-" => bin(BinOp::Sub, self, bp),
            "*" => bin(BinOp::Mul, self, bp),
            "/" => bin(BinOp::Div, self, bp),
            "%" => bin(BinOp::Mod, self, bp),
            "=" => bin(BinOp::Eq, self, bp),
            "!=" => bin(BinOp::Ne, self, bp),
            "<" => bin(BinOp::Lt, self, bp),
            "<=" => bin(BinOp::Le, self, bp),
            ">" => bin(BinOp::Gt, self, bp),
            ">=" => bin(BinOp::Ge, self, bp),
            "and" => bin(BinOp::And, self, bp),
            "or" => bin(BinOp::Or, self, bp),
            "in" => bin(BinOp::In, self, bp),
            "&" => bin(BinOp::Concat, self, bp),
            ".." => bin(BinOp::Range, self, bp),
            "??" => bin(BinOp::Coalesce, self, bp),
            "?:" => bin(BinOp::Default, self, bp),
            "." => {
                let rhs = self.expression(bp)?;
                Ok(Expr::new(Kind::Dot(Box::new(left), Box::new(rhs)), pos))
            }
            "~>" => {
                let rhs = self.expression(bp)?;
                Ok(Expr::new(Kind::Apply(Box::new(left), Box::new(rhs)), pos))
            }
            ":=" => {
                let Kind::Var(name) = &left.kind else {
                    return Err(err(
                        "S0212",
                        left.pos,
                        "The left side of := must be a variable name (start with $)",
                    ));
                };
                let rhs = self.expression(bp - 1)?;
                Ok(Expr::new(Kind::Bind(name.clone(), Box::new(rhs)), pos))
            }
            "?" => {
                let then = self.expression(0)?;
                let otherwise = if self.is_op(":") {
                    self.next();
                    Some(Box::new(self.expression(0)?))
                } else {
                    None
                };
                Ok(Expr::new(
                    Kind::Cond(Box::new(left), Box::new(then), otherwise),
                    pos,
                ))
            }
            "[" => {
                if self.is_op("]") {
                    self.next();
                    let mut left = left;
                    mark_keep_array(&mut left);
                    return Ok(left);
                }
                let rhs = self.expression(0)?;
                self.expect("]")?;
                Ok(Expr::new(Kind::Filter(Box::new(left), Box::new(rhs)), pos))
            }
            "{" => {
                let pairs = self.object_pairs()?;
                Ok(Expr::new(Kind::GroupBy(Box::new(left), pairs), pos))
            }
            "^" => {
                self.expect("(")?;
                let mut terms = Vec::new();
                loop {
                    let mut descending = false;
                    if self.is_op("<") {
                        self.next();
                    } else if self.is_op(">") {
                        self.next();
                        descending = true;
                    }
                    terms.push((self.expression(0)?, descending));
                    if !self.is_op(",") {
                        break;
                    }
                    self.next();
                }
                self.expect(")")?;
                Ok(Expr::new(Kind::OrderBy(Box::new(left), terms), pos))
            }
            "(" => self.call(left, pos),
            _ => Err(err("S0201", pos, &format!("Syntax error: {op}"))),
        }
    }

    fn call(&mut self, left: Expr, pos: usize) -> Res<Expr> {
        let mut args = Vec::new();
        let mut partial = false;
        if !self.is_op(")") {
            loop {
                if self.is_op("?") {
                    let next = &self.tokens[(self.at + 1).min(self.tokens.len() - 1)].tok;
                    if matches!(next, Tok::Op(",") | Tok::Op(")")) {
                        let t = self.next();
                        args.push(Expr::new(Kind::Placeholder, t.pos));
                        partial = true;
                    } else {
                        args.push(self.expression(0)?);
                    }
                } else {
                    args.push(self.expression(0)?);
                }
                if !self.is_op(",") {
                    break;
                }
                self.next();
            }
        }
        self.expect(")")?;
        let is_lambda = matches!(&left.kind, Kind::Name(n) if n == "function" || n == "λ");
        if is_lambda && (self.is_op("{") || self.is_op("<")) {
            let mut params = Vec::new();
            for a in &args {
                match &a.kind {
                    Kind::Var(v) => params.push(v.clone()),
                    _ => {
                        return Err(err(
                            "S0208",
                            a.pos,
                            "Parameter of function definition must be a variable name (start with $)",
                        ));
                    }
                }
            }
            if self.is_op("<") {
                // skip the type signature
                let mut depth = 0;
                loop {
                    let t = self.next();
                    match t.tok {
                        Tok::Op("<") => depth += 1,
                        Tok::Op(">") => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        Tok::End => {
                            return Err(err("S0203", t.pos, "Expected > before end of expression"));
                        }
                        _ => {}
                    }
                }
            }
            self.expect("{")?;
            let body = self.expression(0)?;
            self.expect("}")?;
            return Ok(Expr::new(
                Kind::Lambda {
                    params,
                    body: Arc::new(body),
                },
                pos,
            ));
        }
        Ok(Expr::new(
            Kind::Call {
                func: Box::new(left),
                args,
                partial,
            },
            pos,
        ))
    }
}

fn mark_keep_array(e: &mut Expr) {
    if let Kind::Filter(lhs, _) = &mut e.kind {
        mark_keep_array(lhs);
    } else {
        e.keep_array = true;
    }
}

/// Compiles a JSONata regex literal (JavaScript syntax) with its flags.
pub(crate) fn compile_regex(pattern: &str, flags: &str, pos: usize) -> Res<fancy_regex::Regex> {
    let mut prefix = String::new();
    if flags.contains('i') || flags.contains('m') {
        prefix.push_str("(?");
        if flags.contains('i') {
            prefix.push('i');
        }
        if flags.contains('m') {
            prefix.push('m');
        }
        prefix.push(')');
    }
    fancy_regex::Regex::new(&format!("{prefix}{pattern}"))
        .map_err(|e| err("S0303", pos, &format!("Invalid regular expression: {e}")))
}

fn process_pairs(pairs: Vec<(Expr, Expr)>) -> Res<Vec<(Expr, Expr)>> {
    pairs
        .into_iter()
        .map(|(k, v)| Ok((process(k)?, process(v)?)))
        .collect()
}

#[allow(clippy::boxed_local)]
fn boxed(e: Box<Expr>) -> Res<Box<Expr>> {
    Ok(Box::new(process(*e)?))
}

/// JSONata's `processAST`: builds location paths and attaches filters, groups and sorts.
fn process(e: Expr) -> Res<Expr> {
    let pos = e.pos;
    let keep = e.keep_array;
    let mut out = match e.kind {
        Kind::Dot(l, r) => {
            let lstep = process(*l)?;
            let (mut steps, mut keep_singleton) = match lstep.kind {
                Kind::Path {
                    steps,
                    keep_singleton,
                } if lstep.predicates.is_empty() && lstep.group.is_none() => {
                    (steps, keep_singleton)
                }
                _ => (vec![lstep], false),
            };
            let mut rest = process(*r)?;
            match rest.kind {
                Kind::Path {
                    steps: rsteps,
                    keep_singleton: k,
                } if rest.group.is_none() => {
                    steps.extend(rsteps);
                    keep_singleton |= k;
                }
                _ => {
                    rest.stages.append(&mut rest.predicates);
                    steps.push(rest);
                }
            }
            for s in &mut steps {
                match &s.kind {
                    Kind::Num(_) | Kind::Bool(_) | Kind::Null => {
                        return Err(err(
                            "S0213",
                            s.pos,
                            "The literal value cannot be used as a step within a path expression",
                        ));
                    }
                    Kind::Str(name) => s.kind = Kind::Name(name.clone()),
                    _ => {}
                }
                keep_singleton |= s.keep_array;
            }
            if let Some(first) = steps.first_mut()
                && matches!(first.kind, Kind::Array(_))
            {
                first.cons_array = true;
            }
            if let Some(last) = steps.last_mut()
                && matches!(last.kind, Kind::Array(_))
            {
                last.cons_array = true;
            }
            Expr::new(
                Kind::Path {
                    steps,
                    keep_singleton,
                },
                pos,
            )
        }
        Kind::Filter(l, r) => {
            let mut result = process(*l)?;
            let pred = process(*r)?;
            match &mut result.kind {
                Kind::Path { steps, .. } if result.group.is_none() => {
                    let step = steps.last_mut().expect("paths have steps");
                    if step.group.is_some() {
                        return Err(err(
                            "S0209",
                            pos,
                            "A predicate cannot follow a grouping expression in a step",
                        ));
                    }
                    step.stages.push(pred);
                }
                _ => {
                    if result.group.is_some() {
                        return Err(err(
                            "S0209",
                            pos,
                            "A predicate cannot follow a grouping expression in a step",
                        ));
                    }
                    result.predicates.push(pred);
                }
            }
            result
        }
        Kind::GroupBy(l, pairs) => {
            let mut result = process(*l)?;
            if result.group.is_some() {
                return Err(err(
                    "S0210",
                    pos,
                    "Each step can only have one grouping expression",
                ));
            }
            result.group = Some(process_pairs(pairs)?);
            result
        }
        Kind::OrderBy(l, terms) => {
            let result = process(*l)?;
            let mut path = match result.kind {
                Kind::Path { .. } if result.group.is_none() => result,
                _ => Expr::new(
                    Kind::Path {
                        steps: vec![result],
                        keep_singleton: false,
                    },
                    pos,
                ),
            };
            let terms = terms
                .into_iter()
                .map(|(t, d)| Ok((process(t)?, d)))
                .collect::<Res<Vec<_>>>()?;
            if let Kind::Path { steps, .. } = &mut path.kind {
                steps.push(Expr::new(Kind::Sort(terms), pos));
            }
            path
        }
        Kind::Name(n) => {
            let mut step = Expr::new(Kind::Name(n), pos);
            step.keep_array = keep;
            Expr::new(
                Kind::Path {
                    steps: vec![step],
                    keep_singleton: keep,
                },
                pos,
            )
        }
        Kind::Neg(x) => Expr::new(Kind::Neg(boxed(x)?), pos),
        Kind::Array(items) => Expr::new(
            Kind::Array(items.into_iter().map(process).collect::<Res<_>>()?),
            pos,
        ),
        Kind::Object(pairs) => Expr::new(Kind::Object(process_pairs(pairs)?), pos),
        Kind::Binary(op, l, r) => Expr::new(Kind::Binary(op, boxed(l)?, boxed(r)?), pos),
        Kind::Apply(l, r) => Expr::new(Kind::Apply(boxed(l)?, boxed(r)?), pos),
        Kind::Cond(c, t, f) => Expr::new(
            Kind::Cond(boxed(c)?, boxed(t)?, f.map(boxed).transpose()?),
            pos,
        ),
        Kind::Block(items) => Expr::new(
            Kind::Block(items.into_iter().map(process).collect::<Res<_>>()?),
            pos,
        ),
        Kind::Bind(n, v) => Expr::new(Kind::Bind(n, boxed(v)?), pos),
        Kind::Call {
            func,
            args,
            partial,
        } => Expr::new(
            Kind::Call {
                func: boxed(func)?,
                args: args.into_iter().map(process).collect::<Res<_>>()?,
                partial,
            },
            pos,
        ),
        Kind::Lambda { params, body } => {
            let body = process((*body).clone())?;
            Expr::new(
                Kind::Lambda {
                    params,
                    body: Arc::new(body),
                },
                pos,
            )
        }
        Kind::Parent => {
            return Err(err(
                "S0217",
                pos,
                "The object representing the 'parent' cannot be derived from this expression",
            ));
        }
        other => Expr::new(other, pos),
    };
    out.keep_array |= keep;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_have_codes() {
        assert_eq!(parse("a +").unwrap_err().code.as_deref(), Some("S0207"));
        assert_eq!(parse("(a").unwrap_err().code.as_deref(), Some("S0203"));
        assert_eq!(parse("a b").unwrap_err().code.as_deref(), Some("S0201"));
        assert_eq!(parse("1 := 2").unwrap_err().code.as_deref(), Some("S0212"));
    }

    #[test]
    fn paths_are_built() {
        let e = parse("a.b[0].c").unwrap();
        let Kind::Path { steps, .. } = e.kind else {
            panic!("not a path")
        };
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[1].stages.len(), 1);
    }

    #[test]
    fn lambdas_with_signatures() {
        assert!(parse("function($x, $y)<n-n:n>{ $x + $y }").is_ok());
        assert!(parse("λ($x){$x}").is_ok());
    }
}
