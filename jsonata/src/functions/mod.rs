//! The function library: dispatch by name, argument checks (JSONata's signatures,
//! including substituting the context value for a missing first argument), and helpers
//! shared by the families of functions in the submodules.

mod arrays;
mod numeric;
mod sfn;
mod strings;

use std::rc::Rc;

use indexmap::IndexMap;

use crate::errors::{Res, err_np};
use crate::eval::Evaluator;
use crate::value::{Env, Frame, Func, Val};

pub(crate) use strings::{regex_match_object, to_string};

/// A function's argument shape: how many parameters, how many are required, whether
/// the context stands in for a missing first argument, and the first parameter's type.
struct Sig {
    arity: usize,
    min: usize,
    ctx: bool,
    first: char,
    variadic: bool,
}

const fn sig(arity: usize, min: usize, ctx: bool, first: char) -> Sig {
    Sig {
        arity,
        min,
        ctx,
        first,
        variadic: false,
    }
}

/// Every built-in function name.
pub(crate) const NAMES: &[&str] = &[
    "string",
    "length",
    "substring",
    "substringBefore",
    "substringAfter",
    "uppercase",
    "lowercase",
    "trim",
    "pad",
    "contains",
    "split",
    "join",
    "replace",
    "match",
    "number",
    "abs",
    "floor",
    "ceil",
    "round",
    "power",
    "sqrt",
    "random",
    "formatNumber",
    "formatBase",
    "sum",
    "max",
    "min",
    "average",
    "boolean",
    "not",
    "exists",
    "count",
    "append",
    "sort",
    "reverse",
    "shuffle",
    "distinct",
    "zip",
    "keys",
    "lookup",
    "spread",
    "merge",
    "each",
    "sift",
    "type",
    "map",
    "filter",
    "reduce",
    "single",
    "now",
    "millis",
    "fromMillis",
    "toMillis",
    "uuid",
    "partition",
    "range",
    "hash",
    "parse",
    "base64encode",
    "base64decode",
    "error",
    "assert",
    "eval",
    "encodeUrlComponent",
    "encodeUrl",
    "decodeUrlComponent",
    "decodeUrl",
];

fn signature(name: &str) -> Sig {
    match name {
        "string" => sig(2, 1, true, 'x'),
        "length" | "uppercase" | "lowercase" | "trim" | "base64encode" | "base64decode"
        | "encodeUrlComponent" | "encodeUrl" | "decodeUrlComponent" | "decodeUrl" => {
            sig(1, 1, true, 's')
        }
        "substring" => sig(3, 2, true, 's'),
        "substringBefore" | "substringAfter" | "contains" => sig(2, 2, true, 's'),
        "pad" => sig(3, 2, true, 's'),
        "split" => sig(3, 2, true, 's'),
        "join" => sig(2, 1, false, 'a'),
        "replace" => sig(4, 3, true, 's'),
        "match" => sig(3, 2, true, 's'),
        "number" | "boolean" | "not" | "keys" | "spread" => sig(1, 1, true, 'x'),
        "abs" | "floor" | "ceil" | "sqrt" => sig(1, 1, true, 'n'),
        "round" | "formatBase" => sig(2, 1, true, 'n'),
        "power" => sig(2, 2, true, 'n'),
        "random" => sig(1, 0, false, 'n'),
        "formatNumber" => sig(3, 2, true, 'n'),
        "sum" | "max" | "min" | "average" | "count" | "reverse" | "shuffle" | "distinct"
        | "merge" | "type" | "exists" | "parse" | "error" => sig(1, 1, false, 'x'),
        "append" | "map" | "filter" | "partition" => sig(2, 2, false, 'x'),
        "sort" | "single" => sig(2, 1, false, 'a'),
        "zip" => Sig {
            arity: 0,
            min: 0,
            ctx: false,
            first: 'a',
            variadic: true,
        },
        "lookup" => sig(2, 2, true, 'x'),
        "each" => sig(2, 2, true, 'o'),
        "sift" => sig(2, 1, true, 'o'),
        "reduce" => sig(3, 2, false, 'a'),
        "now" => sig(2, 0, false, 's'),
        "millis" | "uuid" => sig(0, 0, false, 'x'),
        "fromMillis" => sig(3, 1, true, 'n'),
        "toMillis" => sig(2, 1, true, 's'),
        "range" => sig(3, 3, false, 'n'),
        "hash" => sig(2, 2, false, 's'),
        "assert" => sig(2, 2, false, 'b'),
        "eval" => sig(2, 1, false, 's'),
        _ => sig(0, 0, false, 'x'),
    }
}

/// The number of parameters of a built-in (used by higher-order functions).
pub(crate) fn arity(name: &str) -> usize {
    let s = signature(name);
    if s.variadic { 1 } else { s.min.max(1) }
}

/// A scope holding every built-in function: built once per thread and shared (evaluations
/// bind their own names in a child scope, never in this one).
pub(crate) fn builtins_env() -> Env {
    thread_local! {
        static BUILTINS: Env = {
            let frame = Frame::default();
            for name in NAMES {
                frame.bind(name, Some(Val::Func(Rc::new(Func::Builtin(name)))));
            }
            Rc::new(frame)
        };
    }
    BUILTINS.with(Rc::clone)
}

fn type_matches(t: char, v: &Val) -> bool {
    match t {
        's' => matches!(v, Val::Str(_)),
        'n' => matches!(v, Val::Num(_)),
        'o' => matches!(v, Val::Obj(_)),
        'b' => matches!(v, Val::Bool(_)),
        'a' => true,
        _ => true,
    }
}

/// `T0410`: an argument does not match the function's signature.
pub(crate) fn bad_arg(name: &str, index: usize) -> crate::JsonataError {
    err_np(
        "T0410",
        &format!("Argument {index} of function {name} does not match function signature"),
    )
}

/// Calls the built-in `name`.
pub(crate) fn call(
    ev: &Evaluator,
    name: &str,
    mut args: Vec<Option<Val>>,
    input: Option<&Val>,
) -> Res<Option<Val>> {
    let s = signature(name);
    if s.ctx {
        let first_mismatch = args.len() < s.arity
            && matches!(args.first(), Some(Some(v)) if v.is_func() && s.first != 'f');
        if args.len() < s.min || first_mismatch {
            if let Some(c) = input
                && !type_matches(s.first, c)
            {
                return Err(err_np(
                    "T0411",
                    &format!(
                        "Context value is not a compatible type with argument 1 of function {name}"
                    ),
                ));
            }
            let c = match input {
                Some(Val::Arr(a, f)) if f.outer => a.first().cloned(),
                i => i.cloned(),
            };
            args.insert(0, c);
        }
    }
    if !s.variadic && args.len() > s.arity {
        return Err(bad_arg(name, s.arity + 1));
    }
    let a = Args { name, args };
    match name {
        "string" | "length" | "substring" | "substringBefore" | "substringAfter" | "uppercase"
        | "lowercase" | "trim" | "pad" | "contains" | "split" | "join" | "replace" | "match"
        | "base64encode" | "base64decode" | "encodeUrlComponent" | "encodeUrl"
        | "decodeUrlComponent" | "decodeUrl" => strings::call(ev, a),
        "number" | "abs" | "floor" | "ceil" | "round" | "power" | "sqrt" | "random"
        | "formatNumber" | "formatBase" | "sum" | "max" | "min" | "average" => numeric::call(a),
        "now" | "millis" | "fromMillis" | "toMillis" | "uuid" | "partition" | "range" | "hash"
        | "parse" | "error" | "assert" | "eval" => sfn::call(ev, a, input),
        _ => arrays::call(ev, a, input),
    }
}

/// Arguments of one call, with typed accessors that report `T0410` on mismatch.
pub(crate) struct Args<'a> {
    name: &'a str,
    args: Vec<Option<Val>>,
}

impl Args<'_> {
    fn get(&self, i: usize) -> Option<&Val> {
        self.args.get(i).and_then(|v| v.as_ref())
    }

    fn err(&self, i: usize) -> crate::JsonataError {
        bad_arg(self.name, i + 1)
    }

    fn str(&self, i: usize) -> Res<Option<Rc<str>>> {
        match self.get(i) {
            None => Ok(None),
            Some(Val::Str(s)) => Ok(Some(s.clone())),
            Some(_) => Err(self.err(i)),
        }
    }

    fn num(&self, i: usize) -> Res<Option<f64>> {
        match self.get(i) {
            None => Ok(None),
            Some(Val::Num(n)) => Ok(Some(*n)),
            Some(_) => Err(self.err(i)),
        }
    }

    fn boolean(&self, i: usize) -> Res<Option<bool>> {
        match self.get(i) {
            None => Ok(None),
            Some(Val::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(self.err(i)),
        }
    }

    fn func(&self, i: usize) -> Res<Option<Val>> {
        match self.get(i) {
            None => Ok(None),
            Some(f @ Val::Func(_)) => Ok(Some(f.clone())),
            Some(_) => Err(self.err(i)),
        }
    }

    fn obj(&self, i: usize) -> Res<Option<Rc<IndexMap<String, Val>>>> {
        match self.get(i) {
            None => Ok(None),
            Some(Val::Obj(o)) => Ok(Some(o.clone())),
            Some(_) => Err(self.err(i)),
        }
    }

    /// An array argument; a single value counts as a one-item array.
    fn arr(&self, i: usize) -> Option<Vec<Val>> {
        self.get(i).map(Val::items)
    }

    /// An array argument whose items must all be numbers (`T0412` otherwise).
    fn nums(&self, i: usize) -> Res<Option<Vec<f64>>> {
        let Some(items) = self.arr(i) else {
            return Ok(None);
        };
        items
            .iter()
            .map(|v| match v {
                Val::Num(n) => Ok(*n),
                _ => Err(err_np(
                    "T0412",
                    &format!(
                        "Argument {} of function {} must be an array of numbers",
                        i + 1,
                        self.name
                    ),
                )),
            })
            .collect::<Res<Vec<f64>>>()
            .map(Some)
    }
}

/// Calls `f` with as many of `args` as it declares parameters.
pub(crate) fn call_hof(ev: &Evaluator, f: &Val, args: Vec<Option<Val>>) -> Res<Option<Val>> {
    let n = ev.arity(f).min(args.len());
    let mut args = args;
    args.truncate(n.max(1));
    ev.apply(f, args, None, 0)
}
