//! Runtime values: JSON plus functions, with JSONata's sequence flags on arrays.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;

use indexmap::IndexMap;
use serde_json::Value;

use crate::ast::Expr;
use crate::errors::{Res, err_np};

/// Flags JSONata keeps on arrays.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    /// A result sequence (flattened, singleton unwrapped), not a JSON array.
    pub seq: bool,
    /// A sequence that must stay an array even with one item (`[]` suffix).
    pub keep: bool,
    /// An array constructor result that must not be flattened in a path.
    pub cons: bool,
    /// The wrapper put around an array input document.
    pub outer: bool,
    /// A tuple stream (objects with the item at `@` and its bindings), returned by a path
    /// that a `%` further out reaches into; never unwrapped.
    pub tuples: bool,
}

/// A JSONata value.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Null,
    Bool(bool),
    Num(f64),
    Str(Rc<str>),
    Arr(Rc<Vec<Val>>, Flags),
    Obj(Rc<IndexMap<String, Val>>),
    Func(Rc<Func>),
}

/// An argument of a partial application: a `?` hole or a value (maybe undefined).
#[derive(Debug, Clone)]
pub(crate) enum PArg {
    Hole,
    Val(Option<Val>),
}

/// Function values.
#[derive(Debug)]
pub(crate) enum Func {
    /// A user-defined `function($x){...}`.
    Lambda {
        params: Vec<String>,
        body: Arc<Expr>,
        env: Env,
        input: Option<Val>,
        signature: Option<Arc<crate::functions::Signature>>,
    },
    /// A transform `| pattern | update [, delete] |`: a function of one object.
    Transform {
        pattern: Rc<Expr>,
        update: Rc<Expr>,
        delete: Option<Rc<Expr>>,
        env: Env,
    },
    /// A built-in library function, by name.
    Builtin(&'static str),
    /// A partially applied function.
    Partial { func: Val, args: Vec<PArg> },
    /// `f ~> g` with two functions: `g(f(x))`.
    Compose(Val, Val),
    /// A regular expression used as a matcher function.
    Regex(Arc<fancy_regex::Regex>),
}

/// A variable scope.
#[derive(Debug, Default)]
pub(crate) struct Frame {
    vars: RefCell<HashMap<String, Option<Val>>>,
    parent: Option<Env>,
}

/// A shared scope handle.
pub(crate) type Env = Rc<Frame>;

/// A new scope below `parent`.
pub(crate) fn child(parent: &Env) -> Env {
    Rc::new(Frame {
        vars: RefCell::default(),
        parent: Some(parent.clone()),
    })
}

impl Frame {
    /// Binds `name` in this scope (`None` shadows with undefined).
    pub fn bind(&self, name: &str, v: Option<Val>) {
        self.vars.borrow_mut().insert(name.to_string(), v);
    }

    /// Looks `name` up through the scope chain.
    pub fn lookup(&self, name: &str) -> Option<Val> {
        if let Some(v) = self.vars.borrow().get(name) {
            return v.clone();
        }
        self.parent.as_ref().and_then(|p| p.lookup(name))
    }
}

impl Val {
    /// A string value.
    pub fn str(s: &str) -> Val {
        Val::Str(Rc::from(s))
    }

    /// A plain (JSON) array.
    pub fn array(v: Vec<Val>) -> Val {
        Val::Arr(Rc::new(v), Flags::default())
    }

    /// A result sequence.
    pub fn seq(v: Vec<Val>) -> Val {
        Val::Arr(
            Rc::new(v),
            Flags {
                seq: true,
                ..Flags::default()
            },
        )
    }

    /// Whether this is a function.
    pub fn is_func(&self) -> bool {
        matches!(self, Val::Func(_))
    }

    /// The items of an array value, or the value itself as one item.
    pub fn items(&self) -> Vec<Val> {
        match self {
            Val::Arr(a, _) => a.as_ref().clone(),
            v => vec![v.clone()],
        }
    }

    /// JSONata's `$type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Val::Null => "null",
            Val::Bool(_) => "boolean",
            Val::Num(_) => "number",
            Val::Str(_) => "string",
            Val::Arr(..) => "array",
            Val::Obj(_) => "object",
            Val::Func(_) => "function",
        }
    }

    /// Converts a JSON document.
    pub fn from_json(v: &Value) -> Val {
        match v {
            Value::Null => Val::Null,
            Value::Bool(b) => Val::Bool(*b),
            Value::Number(n) => Val::Num(n.as_f64().unwrap_or(0.0)),
            Value::String(s) => Val::str(s),
            Value::Array(a) => Val::array(a.iter().map(Val::from_json).collect()),
            Value::Object(o) => Val::Obj(Rc::new(
                o.iter()
                    .map(|(k, v)| (k.clone(), Val::from_json(v)))
                    .collect(),
            )),
        }
    }

    /// Converts to JSON: whole numbers become integers; functions inside arrays become
    /// `null` and inside objects are left out (as `JSON.stringify` does).
    pub fn to_json(&self) -> Res<Value> {
        Ok(match self {
            Val::Null | Val::Func(_) => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Num(n) => num_to_json(*n)?,
            Val::Str(s) => Value::String(json_string(s)),
            Val::Arr(a, _) => Value::Array(a.iter().map(Val::to_json).collect::<Res<_>>()?),
            Val::Obj(o) => {
                let mut m = serde_json::Map::new();
                for (k, v) in o.iter() {
                    if !v.is_func() {
                        m.insert(k.clone(), v.to_json()?);
                    }
                }
                Value::Object(m)
            }
        })
    }
}

/// Where a lone UTF-16 surrogate (`"\uD800"` in an expression, which a Rust string cannot
/// hold) is kept: the last 2,048 code points of plane 16 (private use), one per surrogate,
/// so that `$encodeUrl` can refuse it (D3140) as jsonata-js does. In JSON output it is
/// U+FFFD.
const LONE_SURROGATE_BASE: u32 = 0x10_F800;

/// The character for a UTF-16 code unit or code point from a `\u` escape.
pub(crate) fn char_of_unit(unit: u32) -> char {
    if (0xD800..0xE000).contains(&unit) {
        return char::from_u32(LONE_SURROGATE_BASE + (unit - 0xD800)).unwrap_or('\u{FFFD}');
    }
    char::from_u32(unit).unwrap_or('\u{FFFD}')
}

/// Whether `c` stands for a lone surrogate (see [`char_of_unit`]).
pub(crate) fn is_lone_surrogate(c: char) -> bool {
    c as u32 >= LONE_SURROGATE_BASE
}

fn json_string(s: &str) -> String {
    if s.chars().any(is_lone_surrogate) {
        s.chars()
            .map(|c| if is_lone_surrogate(c) { '\u{FFFD}' } else { c })
            .collect()
    } else {
        s.to_string()
    }
}

/// A number as JSON; whole numbers print as integers.
pub(crate) fn num_to_json(n: f64) -> Res<Value> {
    if !n.is_finite() {
        return Err(err_np(
            "D1001",
            &format!("Number out of range: {}", format_number(n)),
        ));
    }
    if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 {
        return Ok(Value::from(n as i64));
    }
    Ok(serde_json::Number::from_f64(n)
        .map(Value::Number)
        .unwrap_or(Value::Null))
}

/// JavaScript's `Number.prototype.toString()` for a number.
pub(crate) fn format_number(n: f64) -> String {
    if n.is_nan() {
        return "NaN".into();
    }
    if n.is_infinite() {
        return if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        };
    }
    if n == 0.0 {
        return "0".into();
    }
    let sci = format!("{:e}", n.abs());
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mant.chars().filter(|c| c.is_ascii_digit()).collect();
    let k = digits.len() as i32;
    let p = exp + 1; // position of the decimal point
    let body = if k <= p && p <= 21 {
        format!("{digits}{}", "0".repeat((p - k) as usize))
    } else if 0 < p && p <= 21 {
        format!("{}.{}", &digits[..p as usize], &digits[p as usize..])
    } else if -6 < p && p <= 0 {
        format!("0.{}{digits}", "0".repeat((-p) as usize))
    } else {
        let e = p - 1;
        let sign = if e < 0 { '-' } else { '+' };
        if k == 1 {
            format!("{digits}e{sign}{}", e.abs())
        } else {
            format!("{}.{}e{sign}{}", &digits[..1], &digits[1..], e.abs())
        }
    };
    if n < 0.0 { format!("-{body}") } else { body }
}

/// `Number(n.toPrecision(15))`.
pub(crate) fn round15(n: f64) -> f64 {
    if !n.is_finite() || n == 0.0 {
        return n;
    }
    format!("{n:.14e}").parse().unwrap_or(n)
}

/// `JSON.stringify` of a JSONata value with numbers at 15 significant digits
/// (JSONata's `$string` of non-strings); `indent` pretty-prints with two spaces.
pub(crate) fn stringify(v: &Val, indent: bool) -> String {
    let mut out = String::new();
    write_json(v, indent, 0, &mut out);
    out
}

fn write_json(v: &Val, indent: bool, level: usize, out: &mut String) {
    match v {
        Val::Null => out.push_str("null"),
        Val::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Val::Num(n) => {
            if n.is_finite() {
                out.push_str(&format_number(round15(*n)));
            } else {
                out.push_str("null");
            }
        }
        Val::Str(s) => out.push_str(&serde_json::to_string(s.as_ref()).unwrap_or_default()),
        Val::Func(_) => out.push_str("\"\""),
        Val::Arr(a, _) => {
            if a.is_empty() {
                out.push_str("[]");
                return;
            }
            out.push('[');
            for (i, item) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, level + 1, out);
                write_json(item, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push(']');
        }
        Val::Obj(o) => {
            if o.is_empty() {
                out.push_str("{}");
                return;
            }
            out.push('{');
            for (i, (k, item)) in o.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(indent, level + 1, out);
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                if indent {
                    out.push(' ');
                }
                write_json(item, indent, level + 1, out);
            }
            newline(indent, level, out);
            out.push('}');
        }
    }
}

fn newline(indent: bool, level: usize, out: &mut String) {
    if indent {
        out.push('\n');
        out.push_str(&"  ".repeat(level));
    }
}

/// A deep copy with fresh allocations for every object and array (`$clone`; the transform
/// operator finds the objects to change in its copy by identity).
pub(crate) fn deep_clone(v: &Val) -> Val {
    match v {
        Val::Arr(a, f) => Val::Arr(Rc::new(a.iter().map(deep_clone).collect()), *f),
        Val::Obj(o) => Val::Obj(Rc::new(
            o.iter().map(|(k, v)| (k.clone(), deep_clone(v))).collect(),
        )),
        v => v.clone(),
    }
}

/// Deep equality (JSONata's `=`).
pub(crate) fn deep_equal(a: &Val, b: &Val) -> bool {
    match (a, b) {
        (Val::Null, Val::Null) => true,
        (Val::Bool(x), Val::Bool(y)) => x == y,
        (Val::Num(x), Val::Num(y)) => x == y,
        (Val::Str(x), Val::Str(y)) => x == y,
        (Val::Arr(x, _), Val::Arr(y, _)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| deep_equal(p, q))
        }
        (Val::Obj(x), Val::Obj(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| deep_equal(v, w)))
        }
        (Val::Func(x), Val::Func(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// JSONata's `$boolean` casting.
pub(crate) fn truthy(v: Option<&Val>) -> bool {
    match v {
        None | Some(Val::Null) => false,
        Some(Val::Bool(b)) => *b,
        Some(Val::Num(n)) => *n != 0.0,
        Some(Val::Str(s)) => !s.is_empty(),
        Some(Val::Arr(a, _)) => a.iter().any(|x| truthy(Some(x))),
        Some(Val::Obj(o)) => !o.is_empty(),
        Some(Val::Func(_)) => false,
    }
}

/// JSONata's `fn.append`: concatenates two values into one array.
pub(crate) fn append(a: Option<Val>, b: Option<Val>) -> Option<Val> {
    match (a, b) {
        (None, b) => b,
        (a, None) => a,
        (Some(a), Some(b)) => {
            let mut items = match &a {
                Val::Arr(x, _) => x.as_ref().clone(),
                v => vec![v.clone()],
            };
            match b {
                Val::Arr(y, _) => items.extend(y.iter().cloned()),
                v => items.push(v),
            }
            Some(Val::array(items))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_print_like_javascript() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.1), "0.1");
        assert_eq!(format_number(-2.5), "-2.5");
        assert_eq!(format_number(1e21), "1e+21");
        assert_eq!(format_number(1e20), "100000000000000000000");
        assert_eq!(format_number(1.5e-7), "1.5e-7");
        assert_eq!(format_number(0.000001), "0.000001");
        assert_eq!(format_number(round15(0.1 + 0.2)), "0.3");
    }

    #[test]
    fn whole_numbers_become_integers() {
        assert_eq!(num_to_json(3.0).unwrap(), serde_json::json!(3));
        assert_eq!(num_to_json(2.5).unwrap(), serde_json::json!(2.5));
    }
}
