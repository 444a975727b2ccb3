//! Array, object, boolean and higher-order functions: `$count`, `$sort`, `$keys`,
//! `$merge`, `$map`, `$filter`, `$reduce`, ...

use std::rc::Rc;

use indexmap::IndexMap;
use rand::seq::SliceRandom;

use super::{Args, call_hof};
use crate::errors::{Res, err_np};
use crate::eval::{Evaluator, compare_vals};
use crate::value::{Val, deep_equal, truthy};

fn merge_sort(items: Vec<Val>, after: &mut dyn FnMut(&Val, &Val) -> Res<bool>) -> Res<Vec<Val>> {
    if items.len() <= 1 {
        return Ok(items);
    }
    let mid = items.len() / 2;
    let mut right = items;
    let left = right.drain(..mid).collect::<Vec<_>>();
    let left = merge_sort(left, after)?;
    let right = merge_sort(right, after)?;
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut i, mut j) = (0, 0);
    while i < left.len() && j < right.len() {
        if after(&left[i], &right[j])? {
            out.push(right[j].clone());
            j += 1;
        } else {
            out.push(left[i].clone());
            i += 1;
        }
    }
    out.extend_from_slice(&left[i..]);
    out.extend_from_slice(&right[j..]);
    Ok(out)
}

fn hof_args(item: &Val, index: usize, all: &Val) -> Vec<Option<Val>> {
    vec![
        Some(item.clone()),
        Some(Val::Num(index as f64)),
        Some(all.clone()),
    ]
}

pub(super) fn call(ev: &Evaluator, a: Args, _input: Option<&Val>) -> Res<Option<Val>> {
    let name = a.name;
    let r = match name {
        "boolean" => a.get(0).map(|v| Val::Bool(truthy(Some(v)))),
        "not" => a.get(0).map(|v| Val::Bool(!truthy(Some(v)))),
        "exists" => Some(Val::Bool(a.get(0).is_some())),
        "type" => a.get(0).map(|v| Val::str(v.type_name())),
        "clone" => a.get(0).map(crate::value::deep_clone),
        "count" => Some(Val::Num(a.arr(0).map(|v| v.len()).unwrap_or(0) as f64)),
        "append" => crate::value::append(a.get(0).cloned(), a.get(1).cloned()),
        "reverse" => a.arr(0).map(|mut v| {
            v.reverse();
            Val::array(v)
        }),
        "shuffle" => a.arr(0).map(|mut v| {
            v.shuffle(&mut rand::rng());
            Val::array(v)
        }),
        "distinct" => match a.get(0) {
            Some(v @ Val::Arr(items, _)) if items.len() <= 1 => Some(v.clone()),
            Some(Val::Arr(items, flags)) => {
                let mut out: Vec<Val> = Vec::new();
                for it in items.iter() {
                    if !out.iter().any(|o| deep_equal(o, it)) {
                        out.push(it.clone());
                    }
                }
                // a sequence stays a sequence; an array stays an array, even of one item
                Some(if flags.seq {
                    Val::seq(out)
                } else {
                    Val::array(out)
                })
            }
            v => v.cloned(),
        },
        "sort" => {
            let Some(items) = a.arr(0) else {
                return Ok(None);
            };
            if items.len() <= 1 {
                return Ok(Some(Val::array(items)));
            }
            let sorted = match a.func(1)? {
                Some(f) => merge_sort(items, &mut |x, y| {
                    Ok(truthy(
                        call_hof(ev, &f, vec![Some(x.clone()), Some(y.clone())])?.as_ref(),
                    ))
                })?,
                None => {
                    let all_nums = items.iter().all(|v| matches!(v, Val::Num(_)));
                    let all_strs = items.iter().all(|v| matches!(v, Val::Str(_)));
                    if !all_nums && !all_strs {
                        return Err(err_np(
                            "D3070",
                            "The single argument form of the sort function can only be applied to an array of strings or numbers.  Use the second argument to specify a comparison function",
                        ));
                    }
                    merge_sort(items, &mut |x, y| {
                        Ok(compare_vals(x, y) == std::cmp::Ordering::Greater)
                    })?
                }
            };
            Some(Val::array(sorted))
        }
        "zip" => {
            let arrays: Vec<Vec<Val>> = a
                .args
                .iter()
                .map(|v| v.as_ref().map(Val::items).unwrap_or_default())
                .collect();
            let len = arrays.iter().map(Vec::len).min().unwrap_or(0);
            Some(Val::array(
                (0..len)
                    .map(|i| Val::array(arrays.iter().map(|v| v[i].clone()).collect()))
                    .collect(),
            ))
        }
        "keys" => match a.get(0) {
            Some(Val::Obj(o)) => Some(Val::seq(o.keys().map(|k| Val::str(k)).collect())),
            Some(Val::Arr(items, _)) => {
                let mut keys: IndexMap<String, ()> = IndexMap::new();
                for it in items.iter() {
                    if let Val::Obj(o) = it {
                        for k in o.keys() {
                            keys.insert(k.clone(), ());
                        }
                    }
                }
                Some(Val::seq(keys.keys().map(|k| Val::str(k)).collect()))
            }
            _ => None,
        },
        "lookup" => {
            let Some(key) = a.str(1)? else {
                return Ok(None);
            };
            match a.get(0) {
                Some(Val::Obj(o)) => o.get(key.as_ref()).cloned(),
                Some(Val::Arr(items, _)) => {
                    let mut out = Vec::new();
                    for it in items.iter() {
                        if let Val::Obj(o) = it {
                            match o.get(key.as_ref()) {
                                Some(Val::Arr(inner, _)) => out.extend(inner.iter().cloned()),
                                Some(v) => out.push(v.clone()),
                                None => {}
                            }
                        }
                    }
                    Some(Val::seq(out))
                }
                _ => None,
            }
        }
        "spread" => match a.get(0) {
            Some(Val::Obj(o)) => Some(Val::seq(
                o.iter()
                    .map(|(k, v)| {
                        let mut m = IndexMap::new();
                        m.insert(k.clone(), v.clone());
                        Val::Obj(Rc::new(m))
                    })
                    .collect(),
            )),
            Some(Val::Arr(items, _)) => {
                let mut out = Vec::new();
                for it in items.iter() {
                    match it {
                        Val::Obj(o) => {
                            for (k, v) in o.iter() {
                                let mut m = IndexMap::new();
                                m.insert(k.clone(), v.clone());
                                out.push(Val::Obj(Rc::new(m)));
                            }
                        }
                        v => out.push(v.clone()),
                    }
                }
                Some(Val::seq(out))
            }
            v => v.cloned(),
        },
        "merge" => {
            let Some(items) = a.arr(0) else {
                return Ok(None);
            };
            let mut out = IndexMap::new();
            for it in items {
                match it {
                    Val::Obj(o) => {
                        for (k, v) in o.iter() {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                    _ => {
                        return Err(err_np(
                            "T0412",
                            "Argument 1 of function merge must be an array of objects",
                        ));
                    }
                }
            }
            Some(Val::Obj(Rc::new(out)))
        }
        "each" => {
            let Some(o) = a.obj(0)? else { return Ok(None) };
            let f = a.func(1)?.ok_or_else(|| a.err(1))?;
            let whole = Val::Obj(o.clone());
            let mut out = Vec::new();
            for (k, v) in o.iter() {
                let args = vec![Some(v.clone()), Some(Val::str(k)), Some(whole.clone())];
                if let Some(r) = call_hof(ev, &f, args)? {
                    out.push(r);
                }
            }
            Some(Val::seq(out))
        }
        "sift" => {
            let Some(o) = a.obj(0)? else { return Ok(None) };
            let f = a.func(1)?.ok_or_else(|| a.err(1))?;
            let whole = Val::Obj(o.clone());
            let mut out = IndexMap::new();
            for (k, v) in o.iter() {
                let args = vec![Some(v.clone()), Some(Val::str(k)), Some(whole.clone())];
                if truthy(call_hof(ev, &f, args)?.as_ref()) {
                    out.insert(k.clone(), v.clone());
                }
            }
            if out.is_empty() {
                None
            } else {
                Some(Val::Obj(Rc::new(out)))
            }
        }
        "map" => {
            let Some(items) = a.arr(0) else {
                return Ok(None);
            };
            let f = a.func(1)?.ok_or_else(|| a.err(1))?;
            let whole = Val::array(items.clone());
            let mut out = Vec::new();
            for (i, it) in items.iter().enumerate() {
                if let Some(r) = call_hof(ev, &f, hof_args(it, i, &whole))? {
                    out.push(r);
                }
            }
            Some(Val::seq(out))
        }
        "filter" => {
            let Some(items) = a.arr(0) else {
                return Ok(None);
            };
            let f = a.func(1)?.ok_or_else(|| a.err(1))?;
            let whole = Val::array(items.clone());
            let mut out = Vec::new();
            for (i, it) in items.iter().enumerate() {
                if truthy(call_hof(ev, &f, hof_args(it, i, &whole))?.as_ref()) {
                    out.push(it.clone());
                }
            }
            Some(Val::seq(out))
        }
        "single" => {
            let Some(items) = a.arr(0) else {
                return Ok(None);
            };
            let f = a.func(1)?;
            let whole = Val::array(items.clone());
            let mut found: Option<Val> = None;
            for (i, it) in items.iter().enumerate() {
                let keep = match &f {
                    Some(f) => truthy(call_hof(ev, f, hof_args(it, i, &whole))?.as_ref()),
                    None => true,
                };
                if keep {
                    if found.is_some() {
                        return Err(err_np(
                            "D3138",
                            "The $single() function expected exactly 1 matching result.  Instead it matched more.",
                        ));
                    }
                    found = Some(it.clone());
                }
            }
            match found {
                Some(v) => Some(v),
                None => {
                    return Err(err_np(
                        "D3139",
                        "The $single() function expected exactly 1 matching result.  Instead it matched 0.",
                    ));
                }
            }
        }
        "reduce" => {
            let Some(items) = a.arr(0) else {
                return Ok(None);
            };
            let f = a.func(1)?.ok_or_else(|| a.err(1))?;
            if ev.arity(&f) < 2 {
                return Err(err_np(
                    "D3050",
                    "The second argument of reduce function must be a function with at least two arguments",
                ));
            }
            let whole = Val::array(items.clone());
            let mut iter = items.iter().enumerate();
            let mut acc = match a.get(2) {
                Some(init) => Some(init.clone()),
                None => iter.next().map(|(_, v)| v.clone()),
            };
            for (i, it) in iter {
                acc = call_hof(
                    ev,
                    &f,
                    vec![
                        acc,
                        Some(it.clone()),
                        Some(Val::Num(i as f64)),
                        Some(whole.clone()),
                    ],
                )?;
            }
            acc
        }
        _ => None,
    };
    Ok(r)
}
