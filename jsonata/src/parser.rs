//! Pratt parser: tokens to a raw tree, then the JSONata "processing" pass that turns
//! `a.b[p]{g}^(s)` chains into location paths with per-step filters.

use std::sync::Arc;

use crate::ast::{BinOp, Expr, Kind, Label, Slot, Stage};
use crate::errors::{Res, err};
use crate::lexer::{Tok, Token, tokenize};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

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
    let mut cx = Proc { next_label: 0 };
    let ast = process(&mut cx, raw)?;
    if matches!(ast.kind, Kind::Parent(_)) || !ast.seeking.is_empty() {
        return Err(parent_error(ast.pos));
    }
    Ok(ast)
}

fn parent_error(pos: usize) -> crate::JsonataError {
    err(
        "S0217",
        pos,
        "The object representing the 'parent' cannot be derived from this expression",
    )
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
                "%" => Kind::Parent(Slot::default()),
                "|" => {
                    let pattern = self.expression(0)?;
                    self.expect("|")?;
                    let update = self.expression(0)?;
                    let delete = if self.is_op(",") {
                        self.next();
                        Some(Box::new(self.expression(0)?))
                    } else {
                        None
                    };
                    self.expect("|")?;
                    Kind::Transform {
                        pattern: Box::new(pattern),
                        update: Box::new(update),
                        delete,
                    }
                }
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
                            let item = self.expression(0)?;
                            // `..` is a range only between the items of an array constructor
                            // (as in jsonata-js, where `(1..3)` is a syntax error).
                            let item = if self.is_op("..") {
                                let t = self.next();
                                let rhs = self.expression(0)?;
                                Expr::new(
                                    Kind::Binary(BinOp::Range, Box::new(item), Box::new(rhs)),
                                    t.pos,
                                )
                            } else {
                                item
                            };
                            items.push(item);
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
            "@" | "#" => {
                let rhs = self.expression(bp)?;
                let Kind::Var(name) = rhs.kind else {
                    return Err(err(
                        "S0214",
                        rhs.pos,
                        &format!("The right side of {op} must be a variable name (start with $)"),
                    ));
                };
                let kind = if op == "@" {
                    Kind::Focus(Box::new(left), name)
                } else {
                    Kind::IndexBind(Box::new(left), name)
                };
                Ok(Expr::new(kind, pos))
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
            let mut signature = None;
            if self.is_op("<") {
                // the type signature: the text of its tokens up to the matching `>`
                let mut depth = 0;
                let mut text = String::new();
                let start = self.peek().pos;
                loop {
                    let t = self.next();
                    match &t.tok {
                        Tok::Op("<") => depth += 1,
                        Tok::Op(">") => depth -= 1,
                        Tok::End => {
                            return Err(err("S0203", t.pos, "Expected > before end of expression"));
                        }
                        _ => {}
                    }
                    match &t.tok {
                        Tok::Op(o) => text.push_str(o),
                        Tok::Name(n) => text.push_str(n),
                        other => text.push_str(&describe(other)),
                    }
                    if depth == 0 {
                        break;
                    }
                }
                signature = Some(Arc::new(crate::functions::Signature::parse(&text, start)?));
            }
            self.expect("{")?;
            let body = self.expression(0)?;
            self.expect("}")?;
            return Ok(Expr::new(
                Kind::Lambda {
                    params,
                    body: Arc::new(body),
                    signature,
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

/// State of the processing pass: the next parent-slot label.
struct Proc {
    next_label: usize,
}

fn process_pairs(cx: &mut Proc, pairs: Vec<(Expr, Expr)>) -> Res<Vec<(Expr, Expr)>> {
    pairs
        .into_iter()
        .map(|(k, v)| Ok((process(cx, k)?, process(cx, v)?)))
        .collect()
}

#[allow(clippy::boxed_local)]
fn boxed(cx: &mut Proc, e: Box<Expr>) -> Res<Box<Expr>> {
    Ok(Box::new(process(cx, *e)?))
}

fn level(slot: &Slot) -> i64 {
    slot.level.load(Ordering::Relaxed)
}

fn add_level(slot: &Slot, by: i64) {
    slot.level.fetch_add(by, Ordering::Relaxed);
}

/// jsonata-js `pushAncestry`: `value`'s unresolved parent slots become `result`'s.
fn push_ancestry(result: &mut Expr, value: &Expr) {
    result.seeking.extend(value.seeking.iter().cloned());
    if let Some(slot) = parent_slot(value) {
        result.seeking.push(slot);
    }
}

/// The slot of a `%` node.
fn parent_slot(e: &Expr) -> Option<Slot> {
    match &e.kind {
        Kind::Parent(slot) => Some(slot.clone()),
        _ => None,
    }
}

/// jsonata-js `seekParent`: walks back from `node` for the step whose input `slot` names.
fn seek_parent(node: &mut Expr, slot: &Slot) -> Res<()> {
    match &mut node.kind {
        Kind::Name(_) | Kind::Wildcard => {
            add_level(slot, -1);
            if level(slot) == 0 {
                if let Some(existing) = &node.ancestor {
                    // reuse the existing label
                    slot.label
                        .0
                        .store(existing.0.load(Ordering::Relaxed), Ordering::Relaxed);
                }
                node.ancestor = Some(slot.label.clone());
                node.tuple = true;
            }
        }
        Kind::Parent(_) => add_level(slot, 1),
        Kind::Block(items) => {
            if let Some(last) = items.last_mut() {
                node.tuple = true;
                seek_parent(last, slot)?;
            }
        }
        Kind::Path { steps, .. } => {
            node.tuple = true;
            let mut index = steps.len() as isize - 1;
            seek_parent(&mut steps[index as usize], slot)?;
            index -= 1;
            while level(slot) > 0 && index >= 0 {
                seek_parent(&mut steps[index as usize], slot)?;
                index -= 1;
            }
        }
        _ => return Err(parent_error(node.pos)),
    }
    Ok(())
}

/// jsonata-js `resolveAncestry`: binds the parent slots sought by a path's last step to
/// earlier steps; the ones that reach past the path's start are sought by the path.
fn resolve_ancestry(path: &mut Expr) -> Res<()> {
    let Kind::Path { steps, .. } = &mut path.kind else {
        return Ok(());
    };
    let last = steps.last().expect("paths have steps");
    let mut slots = last.seeking.clone();
    if let Some(s) = parent_slot(last) {
        slots.push(s);
    }
    let mut unresolved = Vec::new();
    for slot in slots {
        let mut index = steps.len() as isize - 2;
        while level(&slot) > 0 {
            if index < 0 {
                unresolved.push(slot.clone());
                break;
            }
            let mut step = index as usize;
            index -= 1;
            // contiguous steps that bind the focus are skipped
            while index >= 0 && steps[step].focus.is_some() && steps[index as usize].focus.is_some()
            {
                step = index as usize;
                index -= 1;
            }
            seek_parent(&mut steps[step], &slot)?;
        }
    }
    path.seeking.extend(unresolved);
    Ok(())
}

/// The step a predicate, focus or index binding applies to: the last step of a path, or
/// the expression itself.
fn last_step(e: &mut Expr) -> &mut Expr {
    let is_path = matches!(e.kind, Kind::Path { .. }) && e.group.is_none();
    if !is_path {
        return e;
    }
    match &mut e.kind {
        Kind::Path { steps, .. } => steps.last_mut().expect("paths have steps"),
        _ => unreachable!("checked to be a path"),
    }
}

#[inline(never)]
#[allow(unused_variables)]
fn process_dot(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Dot(l, r) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let lstep = process(cx, *l)?;
        let lseeking = parent_slot(&lstep);
        let (mut steps, mut keep_singleton, mut seeking) = match lstep.kind {
            Kind::Path {
                steps,
                keep_singleton,
            } if lstep.predicates.is_empty() && lstep.group.is_none() => {
                (steps, keep_singleton, lstep.seeking)
            }
            _ => (vec![lstep], false, Vec::new()),
        };
        if let Some(s) = lseeking {
            seeking = vec![s];
        }
        let mut rest = process(cx, *r)?;
        match rest.kind {
            Kind::Path {
                steps: rsteps,
                keep_singleton: k,
            } if rest.group.is_none() => {
                steps.extend(rsteps);
                keep_singleton |= k;
            }
            _ => {
                let preds = std::mem::take(&mut rest.predicates);
                rest.stages.extend(preds.into_iter().map(Stage::Filter));
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
        let mut path = Expr::new(
            Kind::Path {
                steps,
                keep_singleton,
            },
            pos,
        );
        path.seeking = seeking;
        resolve_ancestry(&mut path)?;
        path
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_filter(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Filter(l, r) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let mut result = process(cx, *l)?;
        let is_path = matches!(result.kind, Kind::Path { .. }) && result.group.is_none();
        let pred = process(cx, *r)?;
        let step = last_step(&mut result);
        if step.group.is_some() {
            return Err(err(
                "S0209",
                pos,
                "A predicate cannot follow a grouping expression in a step",
            ));
        }
        if !pred.seeking.is_empty() {
            for slot in &pred.seeking {
                if level(slot) == 1 {
                    seek_parent(step, slot)?;
                } else {
                    add_level(slot, -1);
                }
            }
            push_ancestry(step, &pred);
        }
        if is_path {
            step.stages.push(Stage::Filter(pred));
        } else {
            step.predicates.push(pred);
        }
        result
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_group_by(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::GroupBy(l, pairs) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let mut result = process(cx, *l)?;
        if result.group.is_some() {
            return Err(err(
                "S0210",
                pos,
                "Each step can only have one grouping expression",
            ));
        }
        result.group = Some(process_pairs(cx, pairs)?);
        result
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_order_by(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::OrderBy(l, terms) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let result = process(cx, *l)?;
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
        let mut sort = Expr::new(Kind::Sort(Vec::new()), pos);
        let mut processed = Vec::new();
        for (t, d) in terms {
            let t = process(cx, t)?;
            push_ancestry(&mut sort, &t);
            processed.push((t, d));
        }
        sort.kind = Kind::Sort(processed);
        if let Kind::Path { steps, .. } = &mut path.kind {
            steps.push(sort);
        }
        resolve_ancestry(&mut path)?;
        path
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_focus(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Focus(l, name) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let mut result = process(cx, *l)?;
        let step = last_step(&mut result);
        if !step.stages.is_empty() || !step.predicates.is_empty() {
            return Err(err(
                "S0215",
                pos,
                "A context variable binding must precede any predicates on a step",
            ));
        }
        if matches!(step.kind, Kind::Sort(_)) {
            return Err(err(
                "S0216",
                pos,
                "A context variable binding must precede the 'order-by' clause on a step",
            ));
        }
        if keep {
            step.keep_array = true;
        }
        step.focus = Some(name);
        step.tuple = true;
        result
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_index_bind(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::IndexBind(l, name) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let mut result = process(cx, *l)?;
        if !(matches!(result.kind, Kind::Path { .. }) && result.group.is_none()) {
            let preds = std::mem::take(&mut result.predicates);
            result.stages.extend(preds.into_iter().map(Stage::Filter));
            result = Expr::new(
                Kind::Path {
                    steps: vec![result],
                    keep_singleton: false,
                },
                pos,
            );
        }
        let step = last_step(&mut result);
        if step.stages.is_empty() {
            step.index = Some(name);
        } else {
            step.stages.push(Stage::Index(name));
        }
        step.tuple = true;
        result
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_name(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Name(n) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let mut step = Expr::new(Kind::Name(n), pos);
        step.keep_array = keep;
        Expr::new(
            Kind::Path {
                steps: vec![step],
                keep_singleton: keep,
            },
            pos,
        )
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_neg(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Neg(x) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let x = boxed(cx, x)?;
        let mut r = Expr::new(Kind::Neg(Box::new(Expr::new(Kind::Null, pos))), pos);
        push_ancestry(&mut r, &x);
        r.kind = Kind::Neg(x);
        r
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_array(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Array(items) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let mut r = Expr::new(Kind::Null, pos);
        let mut out = Vec::new();
        for item in items {
            let v = process(cx, item)?;
            push_ancestry(&mut r, &v);
            out.push(v);
        }
        r.kind = Kind::Array(out);
        r
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_object(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Object(pairs) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let mut r = Expr::new(Kind::Null, pos);
        let mut out = Vec::new();
        for (k, v) in pairs {
            let k = process(cx, k)?;
            push_ancestry(&mut r, &k);
            let v = process(cx, v)?;
            push_ancestry(&mut r, &v);
            out.push((k, v));
        }
        r.kind = Kind::Object(out);
        r
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_binary(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Binary(op, l, r) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let (l, rr) = (boxed(cx, l)?, boxed(cx, r)?);
        let mut out = Expr::new(Kind::Null, pos);
        push_ancestry(&mut out, &l);
        push_ancestry(&mut out, &rr);
        out.kind = Kind::Binary(op, l, rr);
        out
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_apply(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Apply(l, r) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let (l, r) = (boxed(cx, l)?, boxed(cx, r)?);
        let keep = l.keep_array || r.keep_array;
        let mut out = Expr::new(Kind::Apply(l, r), pos);
        out.keep_array = keep;
        out
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_cond(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Cond(c, t, f) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let c = boxed(cx, c)?;
        let t = boxed(cx, t)?;
        let f = f.map(|f| boxed(cx, f)).transpose()?;
        let mut out = Expr::new(Kind::Null, pos);
        push_ancestry(&mut out, &c);
        push_ancestry(&mut out, &t);
        if let Some(f) = &f {
            push_ancestry(&mut out, f);
        }
        out.kind = Kind::Cond(c, t, f);
        out
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_block(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Block(items) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let mut out = Expr::new(Kind::Null, pos);
        let mut parts = Vec::new();
        for item in items {
            let part = process(cx, item)?;
            push_ancestry(&mut out, &part);
            parts.push(part);
        }
        out.kind = Kind::Block(parts);
        out
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_bind(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Bind(n, v) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let v = boxed(cx, v)?;
        let mut out = Expr::new(Kind::Null, pos);
        push_ancestry(&mut out, &v);
        out.kind = Kind::Bind(n, v);
        out
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_call(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Call {
        func,
        args,
        partial,
    } = kind
    else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let mut out = Expr::new(Kind::Null, pos);
        let mut pargs = Vec::new();
        for a in args {
            let a = process(cx, a)?;
            push_ancestry(&mut out, &a);
            pargs.push(a);
        }
        out.kind = Kind::Call {
            func: boxed(cx, func)?,
            args: pargs,
            partial,
        };
        out
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_lambda(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Lambda {
        params,
        body,
        signature,
    } = kind
    else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let body = process(cx, (*body).clone())?;
        Expr::new(
            Kind::Lambda {
                params,
                body: Arc::new(body),
                signature,
            },
            pos,
        )
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_transform(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Transform {
        pattern,
        update,
        delete,
    } = kind
    else {
        unreachable!("dispatched by kind")
    };
    Ok({
        Expr::new(
            Kind::Transform {
                pattern: boxed(cx, pattern)?,
                update: boxed(cx, update)?,
                delete: delete.map(|d| boxed(cx, d)).transpose()?,
            },
            pos,
        )
    })
}

#[inline(never)]
#[allow(unused_variables)]
fn process_parent(cx: &mut Proc, kind: Kind, pos: usize, keep: bool) -> Res<Expr> {
    let Kind::Parent(_) = kind else {
        unreachable!("dispatched by kind")
    };
    Ok({
        let slot = Slot {
            label: Label(Arc::new(AtomicUsize::new(cx.next_label))),
            level: Arc::new(AtomicI64::new(1)),
        };
        cx.next_label += 1;
        Expr::new(Kind::Parent(slot), pos)
    })
}

/// JSONata's `processAST`: builds location paths and attaches filters, groups and sorts.
fn process(cx: &mut Proc, e: Expr) -> Res<Expr> {
    let pos = e.pos;
    let keep = e.keep_array;
    let mut out = match e.kind {
        k @ Kind::Dot { .. } => process_dot(cx, k, pos, keep)?,
        k @ Kind::Filter { .. } => process_filter(cx, k, pos, keep)?,
        k @ Kind::GroupBy { .. } => process_group_by(cx, k, pos, keep)?,
        k @ Kind::OrderBy { .. } => process_order_by(cx, k, pos, keep)?,
        k @ Kind::Focus { .. } => process_focus(cx, k, pos, keep)?,
        k @ Kind::IndexBind { .. } => process_index_bind(cx, k, pos, keep)?,
        k @ Kind::Name { .. } => process_name(cx, k, pos, keep)?,
        k @ Kind::Neg { .. } => process_neg(cx, k, pos, keep)?,
        k @ Kind::Array { .. } => process_array(cx, k, pos, keep)?,
        k @ Kind::Object { .. } => process_object(cx, k, pos, keep)?,
        k @ Kind::Binary { .. } => process_binary(cx, k, pos, keep)?,
        k @ Kind::Apply { .. } => process_apply(cx, k, pos, keep)?,
        k @ Kind::Cond { .. } => process_cond(cx, k, pos, keep)?,
        k @ Kind::Block { .. } => process_block(cx, k, pos, keep)?,
        k @ Kind::Bind { .. } => process_bind(cx, k, pos, keep)?,
        k @ Kind::Call { .. } => process_call(cx, k, pos, keep)?,
        k @ Kind::Lambda { .. } => process_lambda(cx, k, pos, keep)?,
        k @ Kind::Transform { .. } => process_transform(cx, k, pos, keep)?,
        k @ Kind::Parent { .. } => process_parent(cx, k, pos, keep)?,
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
