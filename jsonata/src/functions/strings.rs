//! String functions: `$string`, `$substring`, `$split`, `$replace`, `$match`, ...

use std::rc::Rc;

use base64::Engine;
use indexmap::IndexMap;

use super::{Args, call_hof};
use crate::errors::{Res, err_np};
use crate::eval::Evaluator;
use crate::value::{Func, Val, stringify};

/// `$string(v)`: strings unchanged, functions empty, everything else as JSON.
pub(crate) fn to_string(v: &Val) -> Res<String> {
    Ok(match v {
        Val::Str(s) => s.to_string(),
        Val::Func(_) => String::new(),
        Val::Num(n) if !n.is_finite() => {
            return Err(err_np(
                "D3001",
                "Attempting to invoke string function on Infinity or NaN",
            ));
        }
        v => stringify(v, false),
    })
}

/// One regular-expression match, with character (not byte) offsets.
struct Found {
    start: usize,
    end: usize,
    byte_start: usize,
    byte_end: usize,
    text: String,
    groups: Vec<Option<String>>,
}

fn find_all(re: &fancy_regex::Regex, s: &str, limit: Option<usize>) -> Res<Vec<Found>> {
    let mut out = Vec::new();
    for caps in re.captures_iter(s) {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        let caps = caps.map_err(|e| err_np("D1004", &format!("Regular expression error: {e}")))?;
        let m = caps.get(0).expect("group 0 always matches");
        if m.as_str().is_empty() {
            return Err(err_np(
                "D1004",
                "Regular expression matches zero length string",
            ));
        }
        out.push(Found {
            start: s[..m.start()].chars().count(),
            end: s[..m.end()].chars().count(),
            byte_start: m.start(),
            byte_end: m.end(),
            text: m.as_str().to_string(),
            groups: (1..caps.len())
                .map(|i| caps.get(i).map(|g| g.as_str().to_string()))
                .collect(),
        });
    }
    Ok(out)
}

fn match_obj(f: &Found, with_end: bool) -> Val {
    let mut o = IndexMap::new();
    o.insert("match".to_string(), Val::str(&f.text));
    if with_end {
        o.insert("start".to_string(), Val::Num(f.start as f64));
        o.insert("end".to_string(), Val::Num(f.end as f64));
    } else {
        o.insert("index".to_string(), Val::Num(f.start as f64));
    }
    o.insert(
        "groups".to_string(),
        Val::array(
            f.groups
                .iter()
                .map(|g| Val::str(g.as_deref().unwrap_or("")))
                .collect(),
        ),
    );
    Val::Obj(Rc::new(o))
}

/// Calling a regex value as a function: the first match object, or undefined.
pub(crate) fn regex_match_object(re: &fancy_regex::Regex, s: &str, _from: usize) -> Option<Val> {
    let found = find_all(re, s, Some(1)).ok()?;
    found.first().map(|f| match_obj(f, true))
}

/// The matches of a matcher: a regex, or a custom matcher function, called with the string,
/// that returns `{match, start, end, groups, next}` (or undefined for no match), `next`
/// being called with no argument for the next match (jsonata-js `evaluateMatcher`).
fn matches_of(ev: &Evaluator, m: &Val, s: &str, limit: Option<usize>) -> Res<Vec<Found>> {
    if let Some(re) = regex_of(m) {
        return find_all(&re, s, limit);
    }
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    let byte_at = |ci: usize| chars.get(ci).map(|(b, _)| *b).unwrap_or(s.len());
    let mut out = Vec::new();
    let mut result = ev.apply(m, vec![Some(Val::str(s))], None, 0)?;
    while let Some(r) = result {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        let Val::Obj(o) = &r else {
            return Err(matcher_error());
        };
        let num = |k: &str| match o.get(k) {
            Some(Val::Num(n)) => Some(*n),
            _ => None,
        };
        let next = o.get("next").filter(|n| n.is_func()).cloned();
        let groups = match o.get("groups") {
            Some(Val::Arr(g, _)) => Some(g.clone()),
            _ => None,
        };
        if num("start").is_none() && groups.is_none() && next.is_none() {
            return Err(matcher_error());
        }
        let text = match o.get("match") {
            Some(Val::Str(t)) => t.to_string(),
            _ => String::new(),
        };
        let start = num("start").unwrap_or(0.0).max(0.0) as usize;
        let end = num("end")
            .map(|e| e.max(0.0) as usize)
            .unwrap_or(start + text.chars().count());
        out.push(Found {
            start,
            end,
            byte_start: byte_at(start),
            byte_end: byte_at(end.max(start)),
            text,
            groups: groups
                .map(|g| {
                    g.iter()
                        .map(|x| match x {
                            Val::Str(t) => Some(t.to_string()),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default(),
        });
        result = match next {
            Some(n) => ev.apply(&n, Vec::new(), None, 0)?,
            None => None,
        };
    }
    Ok(out)
}

fn matcher_error() -> crate::JsonataError {
    err_np(
        "T1010",
        "The matcher function argument passed to function match does not return the correct object structure",
    )
}

fn regex_of(v: &Val) -> Option<std::sync::Arc<fancy_regex::Regex>> {
    match v {
        Val::Func(f) => match f.as_ref() {
            Func::Regex(r) => Some(r.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn chars_slice(chars: &[char], start: i64, end: i64) -> String {
    let len = chars.len() as i64;
    let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let (s, e) = (norm(start), norm(end));
    if s >= e {
        String::new()
    } else {
        chars[s as usize..e as usize].iter().collect()
    }
}

fn substring(s: &str, start: f64, length: Option<f64>) -> String {
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    let mut start = start.trunc() as i64;
    if len + start < 0 {
        start = 0;
    }
    match length {
        Some(l) => {
            if l <= 0.0 {
                return String::new();
            }
            let l = l.trunc() as i64;
            let end = if start >= 0 {
                start + l
            } else {
                len + start + l
            };
            chars_slice(&chars, start, end)
        }
        None => chars_slice(&chars, start, len),
    }
}

fn replace_template(template: &str, f: &Found) -> String {
    let mut out = String::new();
    let t: Vec<char> = template.chars().collect();
    let mut i = 0;
    while i < t.len() {
        if t[i] != '$' {
            out.push(t[i]);
            i += 1;
            continue;
        }
        i += 1;
        match t.get(i) {
            Some('$') => {
                out.push('$');
                i += 1;
            }
            Some('0') => {
                out.push_str(&f.text);
                i += 1;
            }
            _ => {
                let ng = f.groups.len();
                let max_digits = if ng == 0 {
                    1
                } else {
                    (ng as f64).log10().floor() as usize + 1
                };
                let digits: String = t[i..]
                    .iter()
                    .take(max_digits)
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                let mut idx: Option<usize> = digits.parse().ok();
                let mut used = digits.len();
                if max_digits > 1 && idx.is_some_and(|x| x > ng) {
                    let shorter = &digits[..digits.len().saturating_sub(1)];
                    idx = shorter.parse().ok();
                    used = shorter.len();
                }
                match idx {
                    Some(n) => {
                        if ng > 0
                            && n >= 1
                            && let Some(Some(g)) = f.groups.get(n - 1)
                        {
                            out.push_str(g);
                        }
                        i += used;
                    }
                    None => out.push('$'),
                }
            }
        }
    }
    out
}

fn url_encode(s: &str, keep: &str) -> String {
    let mut out = String::new();
    for b in s.as_bytes() {
        let c = *b as char;
        if c.is_ascii_alphanumeric() || keep.contains(c) {
            out.push(c);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn url_decode(s: &str, name: &str) -> Res<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            let Some(b) = hex else {
                return Err(err_np(
                    "D3140",
                    &format!("Malformed URL passed to ${name}(): \"{s}\""),
                ));
            };
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| {
        err_np(
            "D3140",
            &format!("Malformed URL passed to ${name}(): \"{s}\""),
        )
    })
}

pub(super) fn call(ev: &Evaluator, a: Args) -> Res<Option<Val>> {
    let name = a.name;
    let r = match name {
        "string" => {
            let pretty = a.boolean(1)?.unwrap_or(false);
            match a.get(0) {
                None => None,
                Some(Val::Str(s)) => Some(Val::Str(s.clone())),
                Some(v) if pretty && !v.is_func() => {
                    if let Val::Num(n) = v
                        && !n.is_finite()
                    {
                        return Err(err_np(
                            "D3001",
                            "Attempting to invoke string function on Infinity or NaN",
                        ));
                    }
                    Some(Val::str(&stringify(v, true)))
                }
                Some(v) => Some(Val::str(&to_string(v)?)),
            }
        }
        "length" => a.str(0)?.map(|s| Val::Num(s.chars().count() as f64)),
        "substring" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            let start = a.num(1)?.ok_or_else(|| a.err(1))?;
            Some(Val::str(&substring(&s, start, a.num(2)?)))
        }
        "substringBefore" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            let Some(c) = a.str(1)? else {
                return Ok(Some(Val::Str(s)));
            };
            Some(match s.find(c.as_ref()) {
                Some(i) => Val::str(&s[..i]),
                None => Val::Str(s.clone()),
            })
        }
        "substringAfter" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            let Some(c) = a.str(1)? else {
                return Ok(Some(Val::Str(s)));
            };
            Some(match s.find(c.as_ref()) {
                Some(i) => Val::str(&s[i + c.len()..]),
                None => Val::Str(s.clone()),
            })
        }
        "uppercase" => a.str(0)?.map(|s| Val::str(&s.to_uppercase())),
        "lowercase" => a.str(0)?.map(|s| Val::str(&s.to_lowercase())),
        "trim" => a.str(0)?.map(|s| {
            let mut out = String::new();
            let mut in_ws = false;
            for c in s.chars() {
                if matches!(c, ' ' | '\t' | '\n' | '\r') {
                    if !in_ws {
                        out.push(' ');
                    }
                    in_ws = true;
                } else {
                    out.push(c);
                    in_ws = false;
                }
            }
            let out = out.strip_prefix(' ').unwrap_or(&out);
            let out = out.strip_suffix(' ').unwrap_or(out);
            Val::str(out)
        }),
        "pad" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            let width = a.num(1)?.ok_or_else(|| a.err(1))?;
            let pad_char = match a.str(2)? {
                Some(c) if !c.is_empty() => c.to_string(),
                _ => " ".to_string(),
            };
            let len = s.chars().count() as i64;
            let pad_len = width.abs().trunc() as i64 - len;
            if pad_len <= 0 {
                return Ok(Some(Val::Str(s)));
            }
            if (pad_len as u64).saturating_mul(pad_char.len() as u64)
                > crate::eval::MAX_STRING_BYTES as u64
            {
                return Err(crate::eval::string_too_long(0, "$pad"));
            }
            let padding: String = pad_char.chars().cycle().take(pad_len as usize).collect();
            Some(Val::str(&if width > 0.0 {
                format!("{s}{padding}")
            } else {
                format!("{padding}{s}")
            }))
        }
        "contains" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            match a.get(1) {
                Some(Val::Str(t)) => Some(Val::Bool(s.contains(t.as_ref()))),
                Some(v @ Val::Func(_)) => {
                    Some(Val::Bool(!matches_of(ev, v, &s, Some(1))?.is_empty()))
                }
                _ => return Err(a.err(1)),
            }
        }
        "split" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            let limit = match a.num(2)? {
                Some(l) if l < 0.0 => {
                    return Err(err_np(
                        "D3020",
                        "Third argument of split function must evaluate to a positive number",
                    ));
                }
                l => l.map(|l| l.floor() as usize),
            };
            let mut parts: Vec<String> = match a.get(1) {
                Some(Val::Str(sep)) => {
                    if sep.is_empty() {
                        s.chars().map(|c| c.to_string()).collect()
                    } else {
                        s.split(sep.as_ref()).map(str::to_string).collect()
                    }
                }
                Some(v @ Val::Func(_)) => {
                    let mut parts = Vec::new();
                    let mut last = 0;
                    for f in matches_of(ev, v, &s, limit)? {
                        parts.push(s[last..f.byte_start].to_string());
                        last = f.byte_end;
                    }
                    parts.push(s[last..].to_string());
                    parts
                }
                _ => return Err(a.err(1)),
            };
            if let Some(l) = limit {
                parts.truncate(l);
            }
            Some(Val::array(parts.iter().map(|p| Val::str(p)).collect()))
        }
        "join" => {
            let Some(items) = a.arr(0) else {
                return Ok(None);
            };
            let sep = a.str(1)?.map(|s| s.to_string()).unwrap_or_default();
            let mut strs = Vec::new();
            for v in &items {
                match v {
                    Val::Str(s) => strs.push(s.to_string()),
                    _ => {
                        return Err(err_np(
                            "T0412",
                            "Argument 1 of function join must be an array of strings",
                        ));
                    }
                }
            }
            Some(Val::str(&strs.join(&sep)))
        }
        "replace" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            let limit = match a.num(3)? {
                Some(l) if l < 0.0 => {
                    return Err(err_np(
                        "D3011",
                        "Fourth argument of replace function must evaluate to a positive number",
                    ));
                }
                l => l.map(|l| l.floor() as usize),
            };
            let replacement = match a.get(2) {
                Some(v @ (Val::Str(_) | Val::Func(_))) => v.clone(),
                _ => return Err(a.err(2)),
            };
            let found: Vec<Found> = match a.get(1) {
                Some(Val::Str(p)) => {
                    if p.is_empty() {
                        return Err(err_np(
                            "D3010",
                            "Second argument of replace function cannot be an empty string",
                        ));
                    }
                    s.match_indices(p.as_ref())
                        .take(limit.unwrap_or(usize::MAX))
                        .map(|(i, m)| Found {
                            start: s[..i].chars().count(),
                            end: s[..i + m.len()].chars().count(),
                            byte_start: i,
                            byte_end: i + m.len(),
                            text: m.to_string(),
                            groups: Vec::new(),
                        })
                        .collect()
                }
                Some(v @ Val::Func(_)) => matches_of(ev, v, &s, limit)?,
                _ => return Err(a.err(1)),
            };
            let literal = matches!(a.get(1), Some(Val::Str(_)));
            let mut out = String::new();
            let mut last = 0;
            for f in &found {
                out.push_str(&s[last..f.byte_start]);
                match &replacement {
                    Val::Str(t) if literal => out.push_str(t),
                    Val::Str(t) => out.push_str(&replace_template(t, f)),
                    func => match call_hof(ev, func, vec![Some(match_obj(f, false))])? {
                        Some(Val::Str(r)) => out.push_str(&r),
                        _ => {
                            return Err(err_np(
                                "D3012",
                                "Attempted to replace a matched string with a non-string value",
                            ));
                        }
                    },
                }
                last = f.byte_end;
            }
            out.push_str(&s[last..]);
            Some(Val::str(&out))
        }
        "match" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            let Some(matcher) = a.get(1).filter(|m| m.is_func()).cloned() else {
                return Err(a.err(1));
            };
            let limit = match a.num(2)? {
                Some(l) if l < 0.0 => {
                    return Err(err_np(
                        "D3040",
                        "Third argument of match function must evaluate to a positive number",
                    ));
                }
                l => l.map(|l| l.floor() as usize),
            };
            let found = matches_of(ev, &matcher, &s, limit)?;
            Some(Val::seq(
                found.iter().map(|f| match_obj(f, false)).collect(),
            ))
        }
        "base64encode" => a
            .str(0)?
            .map(|s| Val::str(&base64::engine::general_purpose::STANDARD.encode(s.as_bytes()))),
        "base64decode" => match a.str(0)? {
            None => None,
            Some(s) => {
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(s.as_bytes())
                    .or_else(|_| {
                        base64::engine::general_purpose::STANDARD_NO_PAD.decode(s.as_bytes())
                    })
                    .map_err(|e| err_np("D3137", &format!("Invalid base64 string: {e}")))?;
                Some(Val::str(&String::from_utf8_lossy(&bytes)))
            }
        },
        "encodeUrlComponent" | "encodeUrl" => match a.str(0)? {
            None => None,
            Some(s) if s.chars().any(crate::value::is_lone_surrogate) => {
                return Err(err_np(
                    "D3140",
                    &format!("Malformed URL passed to ${name}(): \"{s}\""),
                ));
            }
            Some(s) if name == "encodeUrl" => {
                Some(Val::str(&url_encode(&s, "-_.!~*'();/?:@&=+$,#[]")))
            }
            Some(s) => Some(Val::str(&url_encode(&s, "-_.!~*'()"))),
        },
        "decodeUrlComponent" | "decodeUrl" => match a.str(0)? {
            None => None,
            Some(s) => Some(Val::str(&url_decode(&s, name)?)),
        },
        _ => None,
    };
    Ok(r)
}
