//! The evaluator: walks the processed syntax tree against an input value, following
//! the reference implementation (jsonata-js 2.x) for sequences, paths and filters.

use std::cell::Cell;
use std::rc::Rc;

use indexmap::IndexMap;

use crate::ast::{BinOp, Expr, Kind, Stage};
use crate::errors::{Res, err};
use crate::functions;
use crate::value::{Env, Flags, Func, PArg, Val, append, child, deep_equal, stringify, truthy};

/// Code of the error raised when evaluation nests deeper than the evaluator's limit.
pub(crate) const DEPTH_CODE: &str = "U1001";

/// The budget of one evaluation, so that no expression (written by a user, or reached
/// from execution input) can take the engine's memory or time: evaluation steps (every
/// node of the tree evaluated, function bodies included) and the size of any one string
/// built. 10 million steps take a few seconds at most; 16 MiB is 64 times the 256 KiB a
/// state's output may hold, so only runaway expressions meet it.
pub const MAX_EVALUATION_STEPS: u64 = 10_000_000;
/// See [`MAX_EVALUATION_STEPS`].
pub const MAX_STRING_BYTES: usize = 16 << 20;
/// The code of the error raised when an evaluation passes its budget (U1002, as
/// jsonata-js's test harness names its evaluation timeout).
pub const BUDGET_CODE: &str = "U1002";

/// The error for a string that would pass [`MAX_STRING_BYTES`].
pub(crate) fn string_too_long(position: usize, what: &str) -> crate::JsonataError {
    err(
        BUDGET_CODE,
        position,
        &format!(
            "{what} would build a string longer than {MAX_STRING_BYTES} bytes, the evaluation budget; the expression is running away"
        ),
    )
}

/// Evaluation state shared by one `evaluate` call.
pub(crate) struct Evaluator {
    depth: Cell<usize>,
    max_depth: usize,
    steps: Cell<u64>,
    /// The evaluation's start time in milliseconds (`$now()`, `$millis()`).
    pub now_millis: i64,
}

struct DepthGuard<'a>(&'a Cell<usize>);

impl Drop for DepthGuard<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

fn num_desc(v: &Val) -> String {
    stringify(v, false)
}

impl Evaluator {
    /// A new evaluator whose clock reads `now_millis`, that gives up (with
    /// [`DEPTH_CODE`]) when evaluations nest deeper than `max_depth`.
    pub fn new(now_millis: i64, max_depth: usize) -> Self {
        Evaluator {
            depth: Cell::new(0),
            max_depth,
            steps: Cell::new(0),
            now_millis,
        }
    }

    /// Charges `units` to the evaluation budget: one per expression evaluated and one per
    /// element a sequence is built from, so that neither a long loop nor a cheap expression
    /// that builds a huge array (`[1..1000].$big`) runs past [`MAX_EVALUATION_STEPS`].
    fn spend(&self, units: u64, pos: usize) -> Res<()> {
        let steps = self.steps.get().saturating_add(units);
        if steps > MAX_EVALUATION_STEPS {
            return Err(err(
                BUDGET_CODE,
                pos,
                &format!(
                    "The evaluation took more than {MAX_EVALUATION_STEPS} steps, its budget; the expression is running away (an unbounded recursion, a very large loop or a very large sequence)"
                ),
            ));
        }
        self.steps.set(steps);
        Ok(())
    }

    /// Evaluates `e` with context `input` in scope `env`.
    pub fn eval(&self, e: &Expr, input: Option<&Val>, env: &Env) -> Res<Option<Val>> {
        if self.depth.get() >= self.max_depth {
            return Err(err(
                DEPTH_CODE,
                e.pos,
                "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.",
            ));
        }
        self.spend(1, e.pos)?;
        self.depth.set(self.depth.get() + 1);
        let _guard = DepthGuard(&self.depth);
        let mut result = self.eval_kind(e, input, env)?;
        for p in &e.predicates {
            result = Some(self.filter(p, result, env)?);
        }
        if !matches!(e.kind, Kind::Path { .. })
            && let Some(g) = &e.group
        {
            result = Some(self.group(g, result, env)?);
        }
        Ok(normalize(result, e.keep_array))
    }

    /// Evaluates a lambda body. A function call in tail position (the body, a branch of a
    /// condition, the last expression of a block) gives its result as it is, an empty or
    /// one-item sequence not unwrapped: jsonata-js runs tail calls through a trampoline that
    /// skips that step.
    fn eval_tail(&self, e: &Expr, input: Option<&Val>, env: &Env) -> Res<Option<Val>> {
        let plain = e.predicates.is_empty() && e.group.is_none() && !e.keep_array;
        match &e.kind {
            Kind::Call { partial: false, .. } if plain => {
                if self.depth.get() >= self.max_depth {
                    return self.eval(e, input, env);
                }
                self.spend(1, e.pos)?;
                self.depth.set(self.depth.get() + 1);
                let _guard = DepthGuard(&self.depth);
                self.eval_kind(e, input, env)
            }
            Kind::Cond(c, t, f) if plain => {
                let cv = self.eval(c, input, env)?;
                if truthy(cv.as_ref()) {
                    self.eval_tail(t, input, env)
                } else if let Some(f) = f {
                    self.eval_tail(f, input, env)
                } else {
                    Ok(None)
                }
            }
            Kind::Block(items) if plain && !items.is_empty() => {
                let scope = child(env);
                for item in &items[..items.len() - 1] {
                    self.eval(item, input, &scope)?;
                }
                self.eval_tail(&items[items.len() - 1], input, &scope)
            }
            _ => self.eval(e, input, env),
        }
    }

    fn eval_kind(&self, e: &Expr, input: Option<&Val>, env: &Env) -> Res<Option<Val>> {
        Ok(match &e.kind {
            Kind::Str(s) => Some(Val::str(s)),
            Kind::Num(n) => Some(Val::Num(*n)),
            Kind::Bool(b) => Some(Val::Bool(*b)),
            Kind::Null => Some(Val::Null),
            Kind::Regex(r) => Some(Val::Func(Rc::new(Func::Regex(r.clone())))),
            Kind::Name(n) => input.and_then(|i| lookup(i, n)),
            Kind::Var(v) if v.is_empty() => match input {
                Some(Val::Arr(a, f)) if f.outer => a.first().cloned(),
                i => i.cloned(),
            },
            Kind::Var(v) => env.lookup(v),
            Kind::Wildcard => Some(wildcard(input)),
            Kind::Descendant => descendants(input),
            Kind::Parent(slot) => env.lookup(&slot.label.var()),
            Kind::Transform {
                pattern,
                update,
                delete,
            } => Some(Val::Func(Rc::new(Func::Transform {
                pattern: Rc::new((**pattern).clone()),
                update: Rc::new((**update).clone()),
                delete: delete.as_ref().map(|d| Rc::new((**d).clone())),
                env: env.clone(),
            }))),
            Kind::Path {
                steps,
                keep_singleton,
            } => self.path(e, steps, *keep_singleton, input, env)?,
            Kind::Neg(x) => match self.eval(x, input, env)? {
                None => None,
                Some(Val::Num(n)) => Some(Val::Num(-n)),
                Some(v) => {
                    return Err(err(
                        "D1002",
                        e.pos,
                        &format!("Cannot negate a non-numeric value: {}", num_desc(&v)),
                    ));
                }
            },
            Kind::Array(items) => {
                let mut out: Vec<Val> = Vec::new();
                for item in items {
                    if let Some(v) = self.eval(item, input, env)? {
                        if matches!(item.kind, Kind::Array(_)) {
                            out.push(v);
                        } else {
                            match v {
                                Val::Arr(a, _) => {
                                    self.spend(a.len() as u64, item.pos)?;
                                    out.extend(a.iter().cloned())
                                }
                                v => out.push(v),
                            }
                        }
                    }
                }
                Some(Val::Arr(
                    Rc::new(out),
                    Flags {
                        cons: e.cons_array,
                        ..Flags::default()
                    },
                ))
            }
            Kind::Object(pairs) => Some(self.group(pairs, input.cloned(), env)?),
            Kind::Binary(op, l, r) => self.binary(e, *op, l, r, input, env)?,
            Kind::Cond(c, t, f) => {
                let cv = self.eval(c, input, env)?;
                if truthy(cv.as_ref()) {
                    self.eval(t, input, env)?
                } else if let Some(f) = f {
                    self.eval(f, input, env)?
                } else {
                    None
                }
            }
            Kind::Block(items) => {
                let scope = child(env);
                let mut last = None;
                for item in items {
                    last = self.eval(item, input, &scope)?;
                }
                last
            }
            Kind::Bind(name, value) => {
                let v = self.eval(value, input, env)?;
                env.bind(name, v.clone());
                v
            }
            Kind::Lambda {
                params,
                body,
                signature,
            } => Some(Val::Func(Rc::new(Func::Lambda {
                params: params.clone(),
                body: body.clone(),
                env: env.clone(),
                input: input.cloned(),
                signature: signature.clone(),
            }))),
            Kind::Call {
                func,
                args,
                partial,
            } => {
                if *partial {
                    Some(self.partial(e, func, args, input, env)?)
                } else {
                    self.call(e, func, args, input, env, None)?
                }
            }
            Kind::Placeholder => None,
            Kind::Apply(l, r) => {
                let lhs = self.eval(l, input, env)?;
                if let Kind::Call {
                    func,
                    args,
                    partial: false,
                } = &r.kind
                {
                    self.call(r, func, args, input, env, Some(lhs))?
                } else {
                    let f = self.eval(r, input, env)?;
                    let Some(f @ Val::Func(_)) = f else {
                        return Err(err(
                            "T2006",
                            e.pos,
                            "The right side of the function application operator ~> must be a function",
                        ));
                    };
                    match lhs {
                        Some(g @ Val::Func(_)) => Some(Val::Func(Rc::new(Func::Compose(g, f)))),
                        lhs => self.apply(&f, vec![lhs], input, e.pos)?,
                    }
                }
            }
            Kind::Sort(_) => None,
            Kind::Dot(..)
            | Kind::Filter(..)
            | Kind::GroupBy(..)
            | Kind::OrderBy(..)
            | Kind::Focus(..)
            | Kind::IndexBind(..) => {
                unreachable!("removed by the parser's processing pass")
            }
        })
    }

    fn path(
        &self,
        e: &Expr,
        steps: &[Expr],
        keep_singleton: bool,
        input: Option<&Val>,
        env: &Env,
    ) -> Res<Option<Val>> {
        let first_is_var = matches!(steps.first().map(|s| &s.kind), Some(Kind::Var(_)));
        let mut seq: Vec<Option<Val>> = match input {
            Some(Val::Arr(a, _)) if !first_is_var => a.iter().cloned().map(Some).collect(),
            i => vec![i.cloned()],
        };
        let mut result = Val::seq(Vec::new());
        // jsonata-js `evaluatePath`: from the first step that binds a variable per item
        // (`@$v`, `#$i`, or the input of a `%` further on), the path runs as a stream of
        // tuples (an item and its bindings).
        let mut tuples: Option<Vec<Tuple>> = None;
        let mut is_tuple = false;
        for (i, step) in steps.iter().enumerate() {
            is_tuple |= step.tuple;
            if i == 0 && matches!(step.kind, Kind::Array(_)) && (step.cons_array || !is_tuple) {
                // A path that starts with an array constructor runs on the array itself, not
                // once per context item, and its items are the next step's context
                // (jsonata-js `evaluatePath`, the `consarray` case): `[1..2].$b` evaluates
                // `$b` twice.
                result = self.first_constructor_step(step, input, env)?;
            } else if is_tuple {
                tuples = Some(self.tuple_step(step, &seq, tuples.take(), env)?);
                continue;
            } else {
                result = self.step(step, &seq, env, i + 1 == steps.len())?;
            }
            match &result {
                Val::Arr(a, _) if a.is_empty() => break,
                Val::Arr(a, _) => seq = a.iter().cloned().map(Some).collect(),
                v => seq = vec![Some(v.clone())],
            }
        }
        if let Some(tuples) = &tuples {
            if e.tuple && e.group.is_none() {
                // The path carries ancestry to a `%` outside it: return the tuples
                // themselves (jsonata-js returns its tuple stream).
                let items = tuples
                    .iter()
                    .map(|t| {
                        let mut o = IndexMap::new();
                        if let Some(at) = &t.at {
                            o.insert("@".to_string(), at.clone());
                        }
                        for (k, v) in &t.binds {
                            if let Some(v) = v {
                                o.insert(k.clone(), v.clone());
                            }
                        }
                        Val::Obj(Rc::new(o))
                    })
                    .collect();
                return Ok(Some(Val::Arr(
                    Rc::new(items),
                    Flags {
                        seq: true,
                        tuples: true,
                        ..Flags::default()
                    },
                )));
            }
            result = Val::seq(tuples.iter().filter_map(|t| t.at.clone()).collect());
        }
        if keep_singleton
            && let Val::Arr(a, f) = &result
            && f.seq
        {
            result = Val::Arr(a.clone(), Flags { keep: true, ..*f });
        }
        if let Some(g) = &e.group {
            if let Some(tuples) = tuples {
                return Ok(Some(self.group_tuples(g, tuples, env)?));
            }
            return Ok(Some(self.group(g, Some(result), env)?));
        }
        Ok(Some(result))
    }

    /// A scope with a tuple's bindings.
    fn tuple_env(&self, env: &Env, t: &Tuple) -> Env {
        let scope = child(env);
        for (k, v) in &t.binds {
            scope.bind(k, v.clone());
        }
        scope
    }

    /// jsonata-js `evaluateTupleStep`: one step over a tuple stream.
    fn tuple_step(
        &self,
        step: &Expr,
        input: &[Option<Val>],
        tuples: Option<Vec<Tuple>>,
        env: &Env,
    ) -> Res<Vec<Tuple>> {
        if let Kind::Sort(terms) = &step.kind {
            let result = match tuples {
                Some(ts) => {
                    let envs: Vec<Env> = ts.iter().map(|t| self.tuple_env(env, t)).collect();
                    let perm = self.sort_perm(step, terms, ts.len(), &|i, t| {
                        self.eval(t, ts[i].at.as_ref(), &envs[i])
                    })?;
                    perm.into_iter().map(|i| ts[i].clone()).collect()
                }
                None => {
                    let items: Vec<Val> = input.iter().flatten().cloned().collect();
                    let sorted = self.sort(step, terms, items, env)?;
                    sorted
                        .items()
                        .into_iter()
                        .enumerate()
                        .map(|(i, v)| {
                            let mut t = Tuple {
                                at: Some(v),
                                binds: Vec::new(),
                            };
                            if let Some(ix) = &step.index {
                                t.set(ix, Some(Val::Num(i as f64)));
                            }
                            t
                        })
                        .collect()
                }
            };
            return self.tuple_stages(step, result, env);
        }
        let tuples = tuples.unwrap_or_else(|| {
            input
                .iter()
                .map(|v| Tuple {
                    at: v.clone(),
                    binds: Vec::new(),
                })
                .collect()
        });
        let mut out = Vec::new();
        for t in &tuples {
            let step_env = self.tuple_env(env, t);
            let Some(res) = self.eval(step, t.at.as_ref(), &step_env)? else {
                continue;
            };
            if let Val::Arr(a, f) = &res
                && f.tuples
            {
                // a nested tuple stream: its bindings join this tuple's
                for item in a.iter() {
                    let mut nt = t.clone();
                    if let Val::Obj(o) = item {
                        nt.at = None;
                        for (k, v) in o.iter() {
                            if k == "@" {
                                nt.at = Some(v.clone());
                            } else {
                                nt.set(k, Some(v.clone()));
                            }
                        }
                    }
                    out.push(nt);
                }
                continue;
            }
            let items = match res {
                Val::Arr(a, _) => a.as_ref().clone(),
                v => vec![v],
            };
            self.spend(items.len() as u64, step.pos)?;
            for (bb, item) in items.into_iter().enumerate() {
                let mut nt = t.clone();
                match &step.focus {
                    Some(f) => nt.set(f, Some(item)),
                    None => nt.at = Some(item),
                }
                if let Some(ix) = &step.index {
                    nt.set(ix, Some(Val::Num(bb as f64)));
                }
                if let Some(anc) = &step.ancestor {
                    nt.set(&anc.var(), t.at.clone());
                }
                out.push(nt);
            }
        }
        self.tuple_stages(step, out, env)
    }

    /// jsonata-js `evaluateStages` over a tuple stream: filters and index bindings.
    fn tuple_stages(&self, step: &Expr, mut tuples: Vec<Tuple>, env: &Env) -> Res<Vec<Tuple>> {
        for stage in &step.stages {
            match stage {
                Stage::Index(name) => {
                    for (i, t) in tuples.iter_mut().enumerate() {
                        t.set(name, Some(Val::Num(i as f64)));
                    }
                }
                Stage::Filter(pred) => {
                    if let (Kind::Num(n), true) = (&pred.kind, pred.predicates.is_empty()) {
                        let mut idx = n.floor();
                        if idx < 0.0 {
                            idx += tuples.len() as f64;
                        }
                        tuples = if idx >= 0.0 && (idx as usize) < tuples.len() {
                            vec![tuples.swap_remove(idx as usize)]
                        } else {
                            Vec::new()
                        };
                        continue;
                    }
                    let len = tuples.len() as f64;
                    let mut kept = Vec::new();
                    for (index, t) in tuples.into_iter().enumerate() {
                        let scope = self.tuple_env(env, &t);
                        let res = self.eval(pred, t.at.as_ref(), &scope)?;
                        if keeps(&res, index, len) {
                            kept.push(t);
                        }
                    }
                    tuples = kept;
                }
            }
        }
        Ok(tuples)
    }

    /// jsonata-js `evaluateGroupExpression` over a tuple stream.
    fn group_tuples(&self, pairs: &[(Expr, Expr)], tuples: Vec<Tuple>, env: &Env) -> Res<Val> {
        let tuples = if tuples.is_empty() {
            vec![Tuple {
                at: None,
                binds: Vec::new(),
            }]
        } else {
            tuples
        };
        let mut groups: IndexMap<String, (Vec<Tuple>, usize)> = IndexMap::new();
        for t in &tuples {
            let scope = self.tuple_env(env, t);
            for (pi, (k, _)) in pairs.iter().enumerate() {
                match self.eval(k, t.at.as_ref(), &scope)? {
                    None => {}
                    Some(Val::Str(s)) => {
                        if let Some(entry) = groups.get_mut(s.as_ref()) {
                            if entry.1 != pi {
                                return Err(err(
                                    "D1009",
                                    k.pos,
                                    &format!("Multiple key definitions evaluate to same key: {s}"),
                                ));
                            }
                            entry.0.push(t.clone());
                        } else {
                            groups.insert(s.to_string(), (vec![t.clone()], pi));
                        }
                    }
                    Some(other) => {
                        return Err(err(
                            "T1003",
                            k.pos,
                            &format!(
                                "Key in object structure must evaluate to a string; got: {}",
                                stringify(&other, false)
                            ),
                        ));
                    }
                }
            }
        }
        let mut out = IndexMap::new();
        for (key, (data, pi)) in groups {
            // jsonata-js `reduceTupleStream`: every binding appended across the group
            let mut merged = data[0].clone();
            for t in &data[1..] {
                merged.at = append(merged.at.take(), t.at.clone());
                for (k, v) in &t.binds {
                    let old = merged.get(k);
                    merged.set(k, append(old, v.clone()));
                }
            }
            let scope = self.tuple_env(env, &merged);
            if let Some(v) = self.eval(&pairs[pi].1, merged.at.as_ref(), &scope)? {
                out.insert(key, v);
            }
        }
        Ok(Val::Obj(Rc::new(out)))
    }

    fn first_constructor_step(&self, step: &Expr, input: Option<&Val>, env: &Env) -> Res<Val> {
        let mut res = self.eval(step, input, env)?;
        res = self.stages(step, res, env)?;
        Ok(match res {
            Some(a @ Val::Arr(..)) => a,
            Some(v) => Val::seq(vec![v]),
            None => Val::seq(Vec::new()),
        })
    }

    fn step(&self, step: &Expr, input: &[Option<Val>], env: &Env, last: bool) -> Res<Val> {
        if let Kind::Sort(terms) = &step.kind {
            let items: Vec<Val> = input.iter().flatten().cloned().collect();
            let result = Some(self.sort(step, terms, items, env)?);
            let result = self.stages(step, result, env)?;
            return Ok(result.unwrap_or_else(|| Val::seq(Vec::new())));
        }
        let mut results: Vec<Val> = Vec::new();
        for item in input {
            let res = self.eval(step, item.as_ref(), env)?;
            let res = self.stages(step, res, env)?;
            if let Some(r) = res {
                results.push(r);
            }
        }
        if last
            && results.len() == 1
            && let Val::Arr(_, f) = &results[0]
            && !f.seq
        {
            return Ok(results.pop().expect("one result"));
        }
        let mut out = Vec::new();
        for r in results {
            match r {
                Val::Arr(a, f) if !f.cons => {
                    self.spend(a.len() as u64, step.pos)?;
                    out.extend(a.iter().cloned())
                }
                v => out.push(v),
            }
        }
        Ok(Val::seq(out))
    }

    /// Applies a step's filters outside a tuple stream.
    fn stages(&self, step: &Expr, mut res: Option<Val>, env: &Env) -> Res<Option<Val>> {
        for stage in &step.stages {
            if let Stage::Filter(p) = stage {
                res = Some(self.filter(p, res, env)?);
            }
        }
        Ok(res)
    }

    /// Applies a predicate `[...]` to a value: index or filter.
    fn filter(&self, pred: &Expr, input: Option<Val>, env: &Env) -> Res<Val> {
        let items: Vec<Val> = match input {
            None => {
                // jsonata-js evaluates the predicate once with no context (its errors show).
                if !matches!(pred.kind, Kind::Num(_)) {
                    self.eval(pred, None, env)?;
                }
                return Ok(Val::seq(Vec::new()));
            }
            Some(Val::Arr(a, _)) => a.as_ref().clone(),
            Some(v) => vec![v],
        };
        let mut out = Vec::new();
        if let (Kind::Num(n), true) = (&pred.kind, pred.predicates.is_empty()) {
            let mut idx = n.floor();
            if idx < 0.0 {
                idx += items.len() as f64;
            }
            if idx >= 0.0
                && let Some(item) = items.get(idx as usize)
            {
                if let Val::Arr(..) = item {
                    return Ok(item.clone());
                }
                out.push(item.clone());
            }
            return Ok(Val::seq(out));
        }
        let len = items.len() as f64;
        for (index, item) in items.iter().enumerate() {
            let res = self.eval(pred, Some(item), env)?;
            if keeps(&res, index, len) {
                out.push(item.clone());
            }
        }
        Ok(Val::seq(out))
    }

    /// Object constructor / grouping: `{key: value, ...}` over the input items.
    fn group(&self, pairs: &[(Expr, Expr)], input: Option<Val>, env: &Env) -> Res<Val> {
        let items: Vec<Option<Val>> = match input {
            Some(Val::Arr(a, _)) => {
                if a.is_empty() {
                    vec![None]
                } else {
                    a.iter().cloned().map(Some).collect()
                }
            }
            v => vec![v],
        };
        let mut groups: IndexMap<String, (Option<Val>, usize)> = IndexMap::new();
        for item in &items {
            for (pi, (k, _)) in pairs.iter().enumerate() {
                let key = self.eval(k, item.as_ref(), env)?;
                match key {
                    None => {}
                    Some(Val::Str(s)) => {
                        if let Some(entry) = groups.get_mut(s.as_ref()) {
                            if entry.1 != pi {
                                return Err(err(
                                    "D1009",
                                    k.pos,
                                    &format!("Multiple key definitions evaluate to same key: {s}"),
                                ));
                            }
                            entry.0 = append(entry.0.take(), item.clone());
                        } else {
                            groups.insert(s.to_string(), (item.clone(), pi));
                        }
                    }
                    Some(other) => {
                        return Err(err(
                            "T1003",
                            k.pos,
                            &format!(
                                "Key in object structure must evaluate to a string; got: {}",
                                stringify(&other, false)
                            ),
                        ));
                    }
                }
            }
        }
        let mut out = IndexMap::new();
        for (key, (data, pi)) in groups {
            if let Some(v) = self.eval(&pairs[pi].1, data.as_ref(), env)? {
                out.insert(key, v);
            }
        }
        Ok(Val::Obj(Rc::new(out)))
    }

    fn sort(&self, step: &Expr, terms: &[(Expr, bool)], items: Vec<Val>, env: &Env) -> Res<Val> {
        let perm = self.sort_perm(step, terms, items.len(), &|i, t| {
            self.eval(t, Some(&items[i]), env)
        })?;
        Ok(Val::seq(
            perm.into_iter().map(|i| items[i].clone()).collect(),
        ))
    }

    /// The stable order of `n` items by the order-by `terms`; `key(i, term)` evaluates a
    /// term for item `i`.
    fn sort_perm(
        &self,
        step: &Expr,
        terms: &[(Expr, bool)],
        n: usize,
        key: &dyn Fn(usize, &Expr) -> Res<Option<Val>>,
    ) -> Res<Vec<usize>> {
        let mut keys: Vec<Vec<Option<Val>>> = Vec::with_capacity(n);
        for item in 0..n {
            let mut k = Vec::with_capacity(terms.len());
            for (t, _) in terms {
                let v = key(item, t)?;
                if let Some(v) = &v
                    && !matches!(v, Val::Num(_) | Val::Str(_))
                {
                    return Err(err(
                        "T2008",
                        step.pos,
                        "The expressions within an order-by clause must evaluate to numeric or string values",
                    ));
                }
                k.push(v);
            }
            keys.push(k);
        }
        for ti in 0..terms.len() {
            let mut kind: Option<(&str, &Val)> = None;
            for k in &keys {
                if let Some(v) = &k[ti] {
                    match kind {
                        None => kind = Some((v.type_name(), v)),
                        Some((t, first)) if t != v.type_name() => {
                            return Err(err(
                                "T2007",
                                step.pos,
                                &format!(
                                    "Type mismatch when comparing values {} and {} in order-by clause",
                                    stringify(first, false),
                                    stringify(v, false)
                                ),
                            ));
                        }
                        _ => {}
                    }
                }
            }
        }
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by(|&a, &b| {
            for (ti, (_, desc)) in terms.iter().enumerate() {
                let ord = match (&keys[a][ti], &keys[b][ti]) {
                    (None, None) => continue,
                    (None, Some(_)) => return std::cmp::Ordering::Greater,
                    (Some(_), None) => return std::cmp::Ordering::Less,
                    (Some(x), Some(y)) => compare_vals(x, y),
                };
                if ord != std::cmp::Ordering::Equal {
                    return if *desc { ord.reverse() } else { ord };
                }
            }
            std::cmp::Ordering::Equal
        });
        Ok(idx)
    }

    fn binary(
        &self,
        e: &Expr,
        op: BinOp,
        l: &Expr,
        r: &Expr,
        input: Option<&Val>,
        env: &Env,
    ) -> Res<Option<Val>> {
        match op {
            BinOp::And => {
                let lv = self.eval(l, input, env)?;
                if !truthy(lv.as_ref()) {
                    return Ok(Some(Val::Bool(false)));
                }
                let rv = self.eval(r, input, env)?;
                return Ok(Some(Val::Bool(truthy(rv.as_ref()))));
            }
            BinOp::Or => {
                let lv = self.eval(l, input, env)?;
                if truthy(lv.as_ref()) {
                    return Ok(Some(Val::Bool(true)));
                }
                let rv = self.eval(r, input, env)?;
                return Ok(Some(Val::Bool(truthy(rv.as_ref()))));
            }
            BinOp::Coalesce => {
                let lv = self.eval(l, input, env)?;
                return if lv.is_some() {
                    Ok(lv)
                } else {
                    self.eval(r, input, env)
                };
            }
            BinOp::Default => {
                let lv = self.eval(l, input, env)?;
                return if truthy(lv.as_ref()) {
                    Ok(lv)
                } else {
                    self.eval(r, input, env)
                };
            }
            _ => {}
        }
        let lv = self.eval(l, input, env)?;
        let rv = self.eval(r, input, env)?;
        let sym = op.symbol();
        match op {
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                let ln = match &lv {
                    None => None,
                    Some(Val::Num(n)) => Some(*n),
                    Some(_) => {
                        return Err(err(
                            "T2001",
                            e.pos,
                            &format!(
                                "The left side of the {sym} operator must evaluate to a number"
                            ),
                        ));
                    }
                };
                let rn = match &rv {
                    None => None,
                    Some(Val::Num(n)) => Some(*n),
                    Some(_) => {
                        return Err(err(
                            "T2002",
                            e.pos,
                            &format!(
                                "The right side of the {sym} operator must evaluate to a number"
                            ),
                        ));
                    }
                };
                let (Some(a), Some(b)) = (ln, rn) else {
                    return Ok(None);
                };
                let v = match op {
                    BinOp::Add => a + b,
                    BinOp::Sub => a - b,
                    BinOp::Mul => a * b,
                    BinOp::Div => a / b,
                    _ => a % b,
                };
                if !v.is_finite() {
                    return Err(err(
                        "D1001",
                        e.pos,
                        &format!("Number out of range: {}", crate::value::format_number(v)),
                    ));
                }
                Ok(Some(Val::Num(v)))
            }
            BinOp::Eq | BinOp::Ne => {
                let (Some(a), Some(b)) = (&lv, &rv) else {
                    return Ok(Some(Val::Bool(false)));
                };
                let eq = deep_equal(a, b);
                Ok(Some(Val::Bool(if op == BinOp::Eq { eq } else { !eq })))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let comparable =
                    |v: &Option<Val>| matches!(v, None | Some(Val::Num(_) | Val::Str(_)));
                if !comparable(&lv) || !comparable(&rv) {
                    return Err(err(
                        "T2010",
                        e.pos,
                        &format!(
                            "The expressions either side of operator {sym} must evaluate to numeric or string values"
                        ),
                    ));
                }
                let (Some(a), Some(b)) = (&lv, &rv) else {
                    return Ok(None);
                };
                if a.type_name() != b.type_name() {
                    return Err(err(
                        "T2009",
                        e.pos,
                        &format!(
                            "The values {} and {} either side of operator {sym} must be of the same data type",
                            stringify(a, false),
                            stringify(b, false)
                        ),
                    ));
                }
                let ord = compare_vals(a, b);
                use std::cmp::Ordering::*;
                let res = match op {
                    BinOp::Lt => ord == Less,
                    BinOp::Le => ord != Greater,
                    BinOp::Gt => ord == Greater,
                    _ => ord != Less,
                };
                Ok(Some(Val::Bool(res)))
            }
            BinOp::In => {
                let (Some(a), Some(b)) = (&lv, &rv) else {
                    return Ok(Some(Val::Bool(false)));
                };
                let found = match b {
                    Val::Arr(items, _) => items.iter().any(|x| deep_equal(a, x)),
                    x => deep_equal(a, x),
                };
                Ok(Some(Val::Bool(found)))
            }
            BinOp::Concat => {
                let s = |v: &Option<Val>| -> Res<String> {
                    match v {
                        None => Ok(String::new()),
                        Some(v) => functions::to_string(v),
                    }
                };
                let (l, r) = (s(&lv)?, s(&rv)?);
                if l.len() + r.len() > MAX_STRING_BYTES {
                    return Err(string_too_long(e.pos, "`&`"));
                }
                Ok(Some(Val::str(&format!("{l}{r}"))))
            }
            BinOp::Range => {
                let int = |v: &Option<Val>, code: &str, side: &str| -> Res<Option<i64>> {
                    match v {
                        None => Ok(None),
                        Some(Val::Num(n)) if n.fract() == 0.0 => Ok(Some(*n as i64)),
                        Some(_) => Err(err(
                            code,
                            e.pos,
                            &format!(
                                "The {side} side of the range operator (..) must evaluate to an integer"
                            ),
                        )),
                    }
                };
                let a = int(&lv, "T2003", "left")?;
                let b = int(&rv, "T2004", "right")?;
                let (Some(a), Some(b)) = (a, b) else {
                    return Ok(None);
                };
                if a > b {
                    return Ok(None);
                }
                let size = b - a + 1;
                if size > 10_000_000 {
                    return Err(err(
                        "D2014",
                        e.pos,
                        &format!(
                            "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate {size}."
                        ),
                    ));
                }
                self.spend(size.max(0) as u64, e.pos)?;
                Ok(Some(Val::seq(
                    (a..=b).map(|n| Val::Num(n as f64)).collect(),
                )))
            }
            _ => unreachable!("handled above"),
        }
    }

    fn call(
        &self,
        e: &Expr,
        func: &Expr,
        args: &[Expr],
        input: Option<&Val>,
        env: &Env,
        applyto: Option<Option<Val>>,
    ) -> Res<Option<Val>> {
        let proc = self.eval(func, input, env)?;
        let mut vals = Vec::with_capacity(args.len() + 1);
        if let Some(ctx) = applyto {
            vals.push(ctx);
        }
        for a in args {
            vals.push(self.eval(a, input, env)?);
        }
        let Some(f @ Val::Func(_)) = proc else {
            if let Kind::Path { steps, .. } = &func.kind
                && let Some(Kind::Name(n)) = steps.first().map(|s| &s.kind)
                && env.lookup(n).is_some()
            {
                return Err(err(
                    "T1005",
                    e.pos,
                    &format!("Attempted to invoke a non-function. Did you mean ${n}?"),
                ));
            }
            return Err(err("T1006", e.pos, "Attempted to invoke a non-function"));
        };
        self.apply(&f, vals, input, e.pos).map_err(|mut er| {
            if er.position.is_none() {
                er.position = Some(e.pos);
            }
            er
        })
    }

    fn partial(
        &self,
        e: &Expr,
        func: &Expr,
        args: &[Expr],
        input: Option<&Val>,
        env: &Env,
    ) -> Res<Val> {
        let proc = self.eval(func, input, env)?;
        let Some(f @ Val::Func(_)) = proc else {
            return Err(err(
                "T1008",
                e.pos,
                "Attempted to partially apply a non-function",
            ));
        };
        let mut pargs = Vec::new();
        for a in args {
            if matches!(a.kind, Kind::Placeholder) {
                pargs.push(PArg::Hole);
            } else {
                pargs.push(PArg::Val(self.eval(a, input, env)?));
            }
        }
        Ok(Val::Func(Rc::new(Func::Partial {
            func: f,
            args: pargs,
        })))
    }

    /// Calls a function value with arguments; `input` is the caller's context (used by
    /// built-ins that default their first argument to the context).
    pub fn apply(
        &self,
        f: &Val,
        args: Vec<Option<Val>>,
        input: Option<&Val>,
        pos: usize,
    ) -> Res<Option<Val>> {
        let Val::Func(func) = f else {
            return Err(err("T1006", pos, "Attempted to invoke a non-function"));
        };
        match func.as_ref() {
            Func::Lambda {
                params,
                body,
                env,
                input: captured,
                signature,
            } => {
                let args = match signature {
                    Some(sig) => sig.validate("lambda", args, input)?,
                    None => args,
                };
                let scope = child(env);
                for (i, p) in params.iter().enumerate() {
                    scope.bind(p, args.get(i).cloned().flatten());
                }
                self.eval_tail(body, captured.as_ref(), &scope)
            }
            Func::Builtin(name) => functions::call(self, name, args, input),
            Func::Partial { func, args: pargs } => {
                let mut supplied = args.into_iter();
                let full: Vec<Option<Val>> = pargs
                    .iter()
                    .map(|p| match p {
                        PArg::Hole => supplied.next().flatten(),
                        PArg::Val(v) => v.clone(),
                    })
                    .collect();
                self.apply(func, full, input, pos)
            }
            Func::Compose(g, h) => {
                let inner = self.apply(g, args, input, pos)?;
                self.apply(h, vec![inner], input, pos)
            }
            Func::Transform {
                pattern,
                update,
                delete,
                env,
            } => self.transform(pattern, update, delete.as_deref(), env, args, pos),
            Func::Regex(re) => {
                let s = match args.first() {
                    Some(Some(Val::Str(s))) => s.clone(),
                    _ => return Ok(None),
                };
                Ok(functions::regex_match_object(re, &s, 0))
            }
        }
    }

    /// Applies a transform to its argument: a copy of it, with the update merged into (and
    /// the deletions removed from) every object the pattern selects in the copy.
    fn transform(
        &self,
        pattern: &Expr,
        update: &Expr,
        delete: Option<&Expr>,
        env: &Env,
        args: Vec<Option<Val>>,
        pos: usize,
    ) -> Res<Option<Val>> {
        let obj = match args.into_iter().next().flatten() {
            None => return Ok(None),
            Some(v @ (Val::Obj(_) | Val::Arr(..))) => v,
            Some(_) => return Err(functions::bad_arg("transform", 1)),
        };
        let result = crate::value::deep_clone(&obj);
        let matches = match self.eval(pattern, Some(&result), env)? {
            None => Vec::new(),
            Some(Val::Arr(a, _)) => a.as_ref().clone(),
            Some(v) => vec![v],
        };
        // The changes for each selected object, by identity, in the order selected.
        let mut changes: Vec<(*const IndexMap<String, Val>, Changes)> = Vec::new();
        for m in &matches {
            let upd = self.eval(update, Some(m), env)?;
            let upd = match upd {
                None => None,
                Some(Val::Obj(o)) => Some(o),
                Some(v) => {
                    return Err(err(
                        "T2011",
                        pos,
                        &format!(
                            "The insert/update clause of the transform expression must evaluate to an object: {}",
                            stringify(&v, false)
                        ),
                    ));
                }
            };
            let mut dels = Vec::new();
            if let Some(d) = delete
                && let Some(dv) = self.eval(d, Some(m), env)?
            {
                for item in dv.items() {
                    match item {
                        Val::Str(s) => dels.push(s.to_string()),
                        _ => {
                            return Err(err(
                                "T2012",
                                pos,
                                &format!(
                                    "The delete clause of the transform expression must evaluate to a string or array of strings: {}",
                                    stringify(&dv, false)
                                ),
                            ));
                        }
                    }
                }
            }
            if let Val::Obj(o) = m {
                changes.push((Rc::as_ptr(o), (upd, dels)));
            }
        }
        if changes.is_empty() {
            return Ok(Some(result));
        }
        Ok(Some(rebuild(&result, &changes)))
    }

    /// The number of parameters a function value declares (for `$map` and friends).
    pub fn arity(&self, f: &Val) -> usize {
        match f {
            Val::Func(func) => match func.as_ref() {
                Func::Lambda { params, .. } => params.len(),
                Func::Builtin(name) => functions::arity(name),
                Func::Partial { args, .. } => {
                    args.iter().filter(|a| matches!(a, PArg::Hole)).count()
                }
                Func::Compose(g, _) => self.arity(g),
                Func::Regex(_) | Func::Transform { .. } => 1,
            },
            _ => 0,
        }
    }
}

/// The update object and the deletions a transform makes to one object.
type Changes = (Option<Rc<IndexMap<String, Val>>>, Vec<String>);

/// A copy of `v` with `changes` applied to the objects they name (by identity).
fn rebuild(v: &Val, changes: &[(*const IndexMap<String, Val>, Changes)]) -> Val {
    match v {
        Val::Arr(a, f) => Val::Arr(Rc::new(a.iter().map(|x| rebuild(x, changes)).collect()), *f),
        Val::Obj(o) => {
            let mut m: IndexMap<String, Val> = o
                .iter()
                .map(|(k, x)| (k.clone(), rebuild(x, changes)))
                .collect();
            let me = Rc::as_ptr(o);
            for (ptr, (upd, dels)) in changes {
                if *ptr == me {
                    if let Some(u) = upd {
                        for (k, x) in u.iter() {
                            m.insert(k.clone(), x.clone());
                        }
                    }
                    for d in dels {
                        m.shift_remove(d);
                    }
                }
            }
            Val::Obj(Rc::new(m))
        }
        v => v.clone(),
    }
}

/// One item of a tuple stream: the context item and the variables bound with it.
#[derive(Debug, Clone)]
pub(crate) struct Tuple {
    at: Option<Val>,
    binds: Vec<(String, Option<Val>)>,
}

impl Tuple {
    fn set(&mut self, name: &str, v: Option<Val>) {
        match self.binds.iter_mut().find(|(k, _)| k == name) {
            Some(slot) => slot.1 = v,
            None => self.binds.push((name.to_string(), v)),
        }
    }

    fn get(&self, name: &str) -> Option<Val> {
        self.binds
            .iter()
            .find(|(k, _)| k == name)
            .and_then(|(_, v)| v.clone())
    }
}

/// Whether a predicate's result keeps item `index` of `len`: numbers (or an array of
/// numbers) select by position, anything else by truthiness.
fn keeps(res: &Option<Val>, index: usize, len: f64) -> bool {
    let nums: Option<Vec<f64>> = match res {
        Some(Val::Num(n)) => Some(vec![*n]),
        Some(Val::Arr(a, _)) if !a.is_empty() => a
            .iter()
            .map(|x| if let Val::Num(n) = x { Some(*n) } else { None })
            .collect(),
        _ => None,
    };
    match nums {
        Some(nums) => nums.into_iter().any(|n| {
            let mut ii = n.floor();
            if ii < 0.0 {
                ii += len;
            }
            ii == index as f64
        }),
        None => truthy(res.as_ref()),
    }
}

/// JSONata's post-processing of a result: empty sequences are undefined and singleton
/// sequences unwrap to their item (unless marked to be kept).
fn normalize(result: Option<Val>, keep_array: bool) -> Option<Val> {
    match result {
        Some(Val::Arr(a, f)) if f.seq && !f.tuples => {
            let f = Flags {
                keep: f.keep || keep_array,
                ..f
            };
            if a.is_empty() {
                None
            } else if a.len() == 1 && !f.keep {
                Some(a[0].clone())
            } else {
                Some(Val::Arr(a, f))
            }
        }
        r => r,
    }
}

/// Orders two numbers or two strings.
pub(crate) fn compare_vals(a: &Val, b: &Val) -> std::cmp::Ordering {
    match (a, b) {
        (Val::Num(x), Val::Num(y)) => x.partial_cmp(y).unwrap_or(std::cmp::Ordering::Equal),
        (Val::Str(x), Val::Str(y)) => {
            // JavaScript compares strings by UTF-16 code units.
            x.encode_utf16().cmp(y.encode_utf16())
        }
        _ => std::cmp::Ordering::Equal,
    }
}

/// A field of an object, mapped over arrays (one level of flattening).
fn lookup(input: &Val, key: &str) -> Option<Val> {
    match input {
        Val::Arr(a, _) => {
            let mut out = Vec::new();
            for item in a.iter() {
                match lookup(item, key) {
                    Some(Val::Arr(inner, _)) => out.extend(inner.iter().cloned()),
                    Some(v) => out.push(v),
                    None => {}
                }
            }
            Some(Val::seq(out))
        }
        Val::Obj(o) => o.get(key).cloned(),
        _ => None,
    }
}

fn flatten_into(v: &Val, out: &mut Vec<Val>) {
    match v {
        Val::Arr(a, _) => a.iter().for_each(|x| flatten_into(x, out)),
        v => out.push(v.clone()),
    }
}

fn wildcard(input: Option<&Val>) -> Val {
    let mut out = Vec::new();
    let input = match input {
        Some(Val::Arr(a, f)) if f.outer && !a.is_empty() => Some(&a[0]),
        i => i,
    };
    match input {
        Some(Val::Obj(o)) => {
            for v in o.values() {
                flatten_into(v, &mut out);
            }
        }
        Some(Val::Arr(a, _)) => {
            for v in a.iter() {
                flatten_into(v, &mut out);
            }
        }
        _ => {}
    }
    Val::seq(out)
}

fn descendants(input: Option<&Val>) -> Option<Val> {
    let input = input?;
    let mut out = Vec::new();
    fn rec(v: &Val, out: &mut Vec<Val>) {
        match v {
            Val::Arr(a, _) => a.iter().for_each(|x| rec(x, out)),
            Val::Obj(o) => {
                out.push(v.clone());
                o.values().for_each(|x| rec(x, out));
            }
            v => out.push(v.clone()),
        }
    }
    rec(input, &mut out);
    if out.len() == 1 {
        out.pop()
    } else {
        Some(Val::seq(out))
    }
}
