//! The function library: dispatch by name, argument checks (JSONata's signatures,
//! including substituting the context value for a missing first argument), and helpers
//! shared by the families of functions in the submodules.

mod arrays;
mod datetime;
mod numeric;
mod sfn;
mod signature;
mod strings;

use std::rc::Rc;

use indexmap::IndexMap;

use crate::errors::{Res, err_np};
use crate::eval::Evaluator;
use crate::value::{Env, Frame, Func, Val};

pub(crate) use signature::{Signature, bad_arg};
pub(crate) use strings::{regex_match_object, to_string};

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
    "formatInteger",
    "parseInteger",
    "clone",
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

/// The signature text of a built-in (jsonata-js 2.0.6's, and for the functions Step
/// Functions adds, their documented arguments).
fn signature_text(name: &str) -> &'static str {
    match name {
        "sum" | "max" | "min" | "average" => "<a<n>:n>",
        "count" => "<a:n>",
        "string" => "<x-b?:s>",
        "substring" => "<s-nn?:s>",
        "substringBefore" | "substringAfter" => "<s-s:s>",
        "lowercase" | "uppercase" | "trim" | "base64encode" | "base64decode"
        | "encodeUrlComponent" | "encodeUrl" | "decodeUrlComponent" | "decodeUrl" => "<s-:s>",
        "length" => "<s-:n>",
        "pad" => "<s-ns?:s>",
        "match" => "<s-f<s:o>n?:a<o>>",
        "contains" => "<s-(sf):b>",
        "replace" => "<s-(sf)(sf)n?:s>",
        "split" => "<s-(sf)n?:a<s>>",
        "join" => "<a<s>s?:s>",
        "formatNumber" => "<n-so?:s>",
        "formatBase" => "<n-n?:s>",
        "formatInteger" => "<n-s:s>",
        "parseInteger" => "<s-s:n>",
        "number" => "<(nsb)-:n>",
        "floor" | "ceil" | "abs" | "sqrt" => "<n-:n>",
        "round" => "<n-n?:n>",
        "power" => "<n-n:n>",
        "boolean" | "not" => "<x-:b>",
        "map" | "filter" => "<af>",
        "zip" => "<a+>",
        "single" => "<af?>",
        "reduce" => "<afj?:j>",
        "sift" => "<o-f?:o>",
        "keys" => "<x-:a<s>>",
        "lookup" => "<x-s:x>",
        "append" => "<xx:a>",
        "exists" => "<x:b>",
        "spread" => "<x-:a<o>>",
        "merge" => "<a<o>:o>",
        "reverse" | "shuffle" => "<a:a>",
        "each" => "<o-f:a>",
        "error" => "<s?:x>",
        "assert" => "<bs?:x>",
        "type" => "<x:s>",
        "sort" => "<af?:a>",
        "distinct" => "<x:x>",
        "eval" => "<sx?:x>",
        "toMillis" => "<s-s?:n>",
        "fromMillis" => "<n-s?s?:s>",
        "clone" => "<(oa)-:o>",
        "now" => "<s?s?:s>",
        "millis" => "<:n>",
        // Step Functions' own functions
        "random" => "<(ns)?:n>",
        "uuid" => "<:s>",
        "partition" => "<an:a>",
        "range" => "<nnn:a>",
        "hash" => "<ss?:s>",
        "parse" => "<s:x>",
        _ => "<x*>",
    }
}

/// The parsed signature of a built-in (parsed once per process).
fn signature(name: &str) -> &'static Signature {
    static SIGS: std::sync::OnceLock<std::collections::HashMap<&'static str, Signature>> =
        std::sync::OnceLock::new();
    let sigs = SIGS.get_or_init(|| {
        NAMES
            .iter()
            .map(|n| {
                let sig = Signature::parse(signature_text(n), 0).expect("built-in signature");
                (*n, sig)
            })
            .collect()
    });
    &sigs[name]
}

/// The number of parameters of a built-in (used by higher-order functions).
pub(crate) fn arity(name: &str) -> usize {
    signature(name).required().max(1)
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

/// Calls the built-in `name`.
pub(crate) fn call(
    ev: &Evaluator,
    name: &str,
    args: Vec<Option<Val>>,
    input: Option<&Val>,
) -> Res<Option<Val>> {
    let context = match input {
        Some(Val::Arr(a, f)) if f.outer => a.first().cloned(),
        i => i.cloned(),
    };
    let args = signature(name).validate(name, args, context.as_ref())?;
    let a = Args { name, args };
    match name {
        "string" | "length" | "substring" | "substringBefore" | "substringAfter" | "uppercase"
        | "lowercase" | "trim" | "pad" | "contains" | "split" | "join" | "replace" | "match"
        | "base64encode" | "base64decode" | "encodeUrlComponent" | "encodeUrl"
        | "decodeUrlComponent" | "decodeUrl" => strings::call(ev, a),
        "number" | "abs" | "floor" | "ceil" | "round" | "power" | "sqrt" | "random"
        | "formatNumber" | "formatBase" | "sum" | "max" | "min" | "average" | "formatInteger"
        | "parseInteger" => numeric::call(a),
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
