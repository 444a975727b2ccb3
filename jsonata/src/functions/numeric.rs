//! Numeric functions: `$number`, `$round`, `$power`, `$sum`, `$formatNumber`, ...

use rand::{Rng, SeedableRng};

use super::Args;
use crate::errors::{Res, err_np};
use crate::value::{Val, format_number, stringify};

fn check(n: f64) -> Res<Option<Val>> {
    if n.is_finite() {
        Ok(Some(Val::Num(n)))
    } else {
        Err(err_np(
            "D1001",
            &format!("Number out of range: {}", format_number(n)),
        ))
    }
}

/// `$number` of a string: JSON number syntax, or `0x`/`0o`/`0b` integers.
fn parse_number(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return i64::from_str_radix(rest, radix).ok().map(|n| n as f64);
        }
    }
    let b = s.as_bytes();
    let mut i = 0;
    if b.first() == Some(&b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    // jsonata-js: /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/, so leading zeros are fine
    if i == int_start {
        return None;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let f = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == f {
            return None;
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let e = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == e {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Shifts the decimal point of `n` by `places` (exact, through the decimal string).
fn shift(n: f64, places: i32) -> f64 {
    let s = format!("{n:e}");
    let (m, e) = s.split_once('e').unwrap_or((&s, "0"));
    let e: i32 = e.parse().unwrap_or(0);
    format!("{m}e{}", e + places).parse().unwrap_or(n)
}

/// JSONata's `$round`: half to even, at `precision` decimal places.
pub(crate) fn round(n: f64, precision: i32) -> f64 {
    let x = if precision != 0 {
        shift(n, precision)
    } else {
        n
    };
    let mut r = (x + 0.5).floor();
    let diff = r - x;
    if diff.abs() == 0.5 && (r % 2.0).abs() == 1.0 {
        r -= 1.0;
    }
    if precision != 0 {
        r = shift(r, -precision);
    }
    if r == 0.0 { 0.0 } else { r }
}

fn to_radix(mut n: i64, radix: u32) -> String {
    let neg = n < 0;
    n = n.abs();
    let mut digits = Vec::new();
    loop {
        let d = (n % radix as i64) as u32;
        digits.push(std::char::from_digit(d, radix).unwrap_or('0'));
        n /= radix as i64;
        if n == 0 {
            break;
        }
    }
    if neg {
        digits.push('-');
    }
    digits.iter().rev().collect()
}

/// JavaScript `slice(start, end)` on characters (negative indexes count from the end).
fn js_slice(s: &[char], start: i64, end: Option<i64>) -> Vec<char> {
    let len = s.len() as i64;
    let norm = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let (a, b) = (norm(start), norm(end.unwrap_or(len)));
    if a >= b {
        Vec::new()
    } else {
        s[a as usize..b as usize].to_vec()
    }
}

fn index_of(s: &[char], c: char, from: usize) -> Option<usize> {
    s.iter().skip(from).position(|x| *x == c).map(|i| i + from)
}

fn contains_str(s: &[char], needle: &str) -> bool {
    let hay: String = s.iter().collect();
    hay.contains(needle)
}

fn count_str(s: &[char], needle: &str) -> usize {
    let hay: String = s.iter().collect();
    if needle.is_empty() {
        0
    } else {
        hay.matches(needle).count()
    }
}

/// The properties of a `$formatNumber` picture (XPath's decimal format), with the
/// options object's overrides.
struct NumProps {
    decimal: char,
    grouping: char,
    exponent: char,
    minus: String,
    percent: String,
    per_mille: String,
    zero: char,
    digit: char,
    pattern: char,
}

struct SubPicture {
    prefix: Vec<char>,
    suffix: Vec<char>,
    active: Vec<char>,
    mantissa: Vec<char>,
    exponent: Option<Vec<char>>,
    integer: Vec<char>,
    fractional: Vec<char>,
    picture: Vec<char>,
}

struct PicVars {
    int_grouping: Vec<usize>,
    regular: usize,
    min_int: usize,
    scaling: i32,
    prefix: Vec<char>,
    frac_grouping: Vec<usize>,
    min_frac: usize,
    max_frac: usize,
    min_exp: usize,
    suffix: Vec<char>,
    picture: Vec<char>,
}

/// `$formatNumber(number, picture, options?)`: jsonata-js 2.0.6's algorithm (XPath
/// `format-number`), with its picture errors D3080-D3093.
fn format_number_picture_with(
    value: f64,
    picture: &str,
    options: Option<&indexmap::IndexMap<String, Val>>,
) -> Res<String> {
    let opt = |k: &str, d: &str| -> String {
        match options.and_then(|o| o.get(k)) {
            Some(Val::Str(s)) => s.to_string(),
            _ => d.to_string(),
        }
    };
    let first = |s: String, d: char| s.chars().next().unwrap_or(d);
    let p = NumProps {
        decimal: first(opt("decimal-separator", "."), '.'),
        grouping: first(opt("grouping-separator", ","), ','),
        exponent: first(opt("exponent-separator", "e"), 'e'),
        minus: opt("minus-sign", "-"),
        percent: opt("percent", "%"),
        per_mille: opt("per-mille", "\u{2030}"),
        zero: first(opt("zero-digit", "0"), '0'),
        digit: first(opt("digit", "#"), '#'),
        pattern: first(opt("pattern-separator", ";"), ';'),
    };
    let family: Vec<char> = (0..10)
        .filter_map(|i| char::from_u32(p.zero as u32 + i))
        .collect();
    let is_digit = |c: char| family.contains(&c);
    let active = |c: char| {
        is_digit(c)
            || c == p.decimal
            || c == p.exponent
            || c == p.grouping
            || c == p.digit
            || c == p.pattern
    };
    let subs: Vec<Vec<char>> = picture
        .split(p.pattern)
        .map(|s| s.chars().collect())
        .collect();
    if subs.len() > 2 {
        return Err(err_np(
            "D3080",
            "The format-number picture string must not contain more than one pattern-separator",
        ));
    }
    let mut parts = Vec::new();
    for sub in &subs {
        let start = sub.iter().position(|c| active(*c) && *c != p.exponent);
        let Some(start) = start else {
            return Err(err_np(
                "D3085",
                "The format-number picture string must contain at least one digit",
            ));
        };
        let end = sub
            .iter()
            .rposition(|c| active(*c) && *c != p.exponent)
            .map(|i| i + 1)
            .unwrap_or(sub.len());
        let prefix = sub[..start].to_vec();
        let suffix = sub[end..].to_vec();
        let active_part = sub[start..end].to_vec();
        let exp_pos = index_of(sub, p.exponent, prefix.len());
        let (mantissa, exponent) = match exp_pos {
            Some(e) if e <= sub.len() - suffix.len() => (
                js_slice(&active_part, 0, Some(e as i64)),
                Some(js_slice(&active_part, e as i64 + 1, None)),
            ),
            _ => (active_part.clone(), None),
        };
        let (integer, fractional) = match index_of(&mantissa, p.decimal, 0) {
            None => (mantissa.clone(), suffix.clone()),
            Some(d) => (mantissa[..d].to_vec(), mantissa[d + 1..].to_vec()),
        };
        parts.push(SubPicture {
            prefix,
            suffix,
            active: active_part,
            mantissa,
            exponent,
            integer,
            fractional,
            picture: sub.clone(),
        });
    }
    for part in &parts {
        validate_picture(part, &p, &is_digit, &active)?;
    }
    let mut vars: Vec<PicVars> = parts
        .iter()
        .map(|part| analyse_picture(part, &p, &is_digit))
        .collect();
    if vars.len() == 1 {
        let v = &vars[0];
        let mut neg_prefix: Vec<char> = p.minus.chars().collect();
        neg_prefix.extend(v.prefix.iter());
        vars.push(PicVars {
            int_grouping: v.int_grouping.clone(),
            regular: v.regular,
            min_int: v.min_int,
            scaling: v.scaling,
            prefix: neg_prefix,
            frac_grouping: v.frac_grouping.clone(),
            min_frac: v.min_frac,
            max_frac: v.max_frac,
            min_exp: v.min_exp,
            suffix: v.suffix.clone(),
            picture: v.picture.clone(),
        });
    }
    let pic = if value >= 0.0 { &vars[0] } else { &vars[1] };
    let adjusted = if contains_str(&pic.picture, &p.percent) {
        value * 100.0
    } else if contains_str(&pic.picture, &p.per_mille) {
        value * 1000.0
    } else {
        value
    };
    let (mantissa, exponent) = if pic.min_exp == 0 {
        (adjusted, None)
    } else {
        let max_m = 10f64.powi(pic.scaling);
        let min_m = 10f64.powi(pic.scaling - 1);
        // (jsonata-js loops forever on 0 and on negative numbers here)
        let mut m = adjusted.abs();
        let mut e = 0i32;
        if m != 0.0 && m.is_finite() {
            while m < min_m {
                m *= 10.0;
                e -= 1;
            }
            while m > max_m {
                m /= 10.0;
                e += 1;
            }
        }
        (m, Some(e))
    };
    let rounded = round(mantissa, pic.max_frac as i32);
    let make_string = |v: f64, dp: usize| -> Vec<char> {
        let s = if v.abs() >= 1e21 {
            format_number(v.abs())
        } else {
            format!("{:.*}", dp, v.abs())
        };
        s.chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    family[(c as u32 - 48) as usize]
                } else {
                    c
                }
            })
            .collect()
    };
    let mut sv = make_string(rounded, pic.max_frac);
    match sv.iter().position(|c| *c == '.') {
        None => sv.push(p.decimal),
        Some(i) => sv[i] = p.decimal,
    }
    while sv.first() == Some(&p.zero) {
        sv.remove(0);
    }
    while sv.last() == Some(&p.zero) {
        sv.pop();
    }
    let dp = index_of(&sv, p.decimal, 0).unwrap_or(sv.len()) as i64;
    let pad_left = pic.min_int as i64 - dp;
    let pad_right = pic.min_frac as i64 - (sv.len() as i64 - dp - 1);
    if pad_left > 0 {
        let mut v = vec![p.zero; pad_left as usize];
        v.extend(sv);
        sv = v;
    }
    if pad_right > 0 {
        sv.extend(std::iter::repeat_n(p.zero, pad_right as usize));
    }
    let mut dp = index_of(&sv, p.decimal, 0).unwrap_or(sv.len()) as i64;
    let insert = |sv: &[char], at: i64| -> Vec<char> {
        let mut v = js_slice(sv, 0, Some(at));
        v.push(p.grouping);
        v.extend(js_slice(sv, at, None));
        v
    };
    if pic.regular > 0 {
        let count = (dp - 1).div_euclid(pic.regular as i64);
        for group in 1..=count.max(0) {
            sv = insert(&sv, dp - group * pic.regular as i64);
        }
    } else {
        for pos in &pic.int_grouping {
            sv = insert(&sv, dp - *pos as i64);
            dp += 1;
        }
    }
    let dp = index_of(&sv, p.decimal, 0).unwrap_or(sv.len()) as i64;
    for pos in &pic.frac_grouping {
        sv = insert(&sv, *pos as i64 + dp + 1);
    }
    let dp = index_of(&sv, p.decimal, 0).map(|d| d as i64).unwrap_or(-1);
    if !pic.picture.contains(&p.decimal) || dp == sv.len() as i64 - 1 {
        sv.pop();
    }
    if let Some(e) = exponent {
        let mut se = make_string(e as f64, 0);
        let pad = pic.min_exp as i64 - se.len() as i64;
        if pad > 0 {
            let mut v = vec![p.zero; pad as usize];
            v.extend(se);
            se = v;
        }
        sv.push(p.exponent);
        if e < 0 {
            sv.extend(p.minus.chars());
        }
        sv.extend(se);
    }
    let mut out: String = pic.prefix.iter().collect();
    out.extend(sv.iter());
    out.extend(pic.suffix.iter());
    Ok(out)
}

fn validate_picture(
    part: &SubPicture,
    p: &NumProps,
    is_digit: &dyn Fn(char) -> bool,
    active: &dyn Fn(char) -> bool,
) -> Res<()> {
    let sub = &part.picture;
    let mut error: Option<(&str, &str)> = None;
    let dec_first = sub.iter().position(|c| *c == p.decimal);
    let dec_last = sub.iter().rposition(|c| *c == p.decimal);
    if dec_first != dec_last {
        error = Some((
            "D3081",
            "A sub-picture must not contain more than one decimal-separator",
        ));
    }
    if count_str(sub, &p.percent) > 1 {
        error = Some((
            "D3082",
            "A sub-picture must not contain more than one percent character",
        ));
    }
    if count_str(sub, &p.per_mille) > 1 {
        error = Some((
            "D3083",
            "A sub-picture must not contain more than one per-mille character",
        ));
    }
    if contains_str(sub, &p.percent) && contains_str(sub, &p.per_mille) {
        error = Some((
            "D3084",
            "A sub-picture cannot contain both a percent and a per-mille character",
        ));
    }
    if !part.mantissa.iter().any(|c| is_digit(*c) || *c == p.digit) {
        error = Some((
            "D3085",
            "A sub-picture must contain at least one character that is an optional-digit character or a member of the decimal-digit-family",
        ));
    }
    if part.active.iter().any(|c| !active(*c)) {
        error = Some((
            "D3086",
            "A sub-picture cannot contain a passive character that is preceded by an active character and that is followed by another active character",
        ));
    }
    if let Some(d) = dec_first {
        if (d > 0 && sub[d - 1] == p.grouping) || sub.get(d + 1) == Some(&p.grouping) {
            error = Some((
                "D3087",
                "A group-separator cannot be adjacent to a decimal-separator",
            ));
        }
    } else if part.integer.last() == Some(&p.grouping) {
        error = Some((
            "D3088",
            "The integer part of a sub-picture cannot end with a group-separator",
        ));
    }
    if sub
        .windows(2)
        .any(|w| w[0] == p.grouping && w[1] == p.grouping)
    {
        error = Some((
            "D3089",
            "A sub-picture cannot contain adjacent group-separators",
        ));
    }
    if let Some(o) = part.integer.iter().position(|c| *c == p.digit)
        && part.integer[..o].iter().any(|c| is_digit(*c))
    {
        error = Some((
            "D3090",
            "The integer part of a sub-picture cannot contain a member of the decimal-digit-family that is followed by an instance of the optional-digit-character",
        ));
    }
    if let Some(o) = part.fractional.iter().rposition(|c| *c == p.digit)
        && part.fractional[o..].iter().any(|c| is_digit(*c))
    {
        error = Some((
            "D3091",
            "The fractional part of a sub-picture cannot contain an instance of the optional-digit-character that is followed by a member of the decimal-digit-family",
        ));
    }
    if let Some(e) = &part.exponent {
        if !e.is_empty() && (contains_str(sub, &p.percent) || contains_str(sub, &p.per_mille)) {
            error = Some((
                "D3092",
                "A sub-picture that contains a percent or per-mille character cannot contain a character treated as an exponent-separator",
            ));
        }
        if e.is_empty() || e.iter().any(|c| !is_digit(*c)) {
            error = Some((
                "D3093",
                "The exponent part of the sub-picture must comprise only of one or more characters that are members of the decimal digit family",
            ));
        }
    }
    match error {
        Some((c, m)) => Err(err_np(c, m)),
        None => Ok(()),
    }
}

fn analyse_picture(part: &SubPicture, p: &NumProps, is_digit: &dyn Fn(char) -> bool) -> PicVars {
    let grouping_positions = |chars: &[char], to_left: bool| -> Vec<usize> {
        let mut positions = Vec::new();
        let mut gp = index_of(chars, p.grouping, 0);
        while let Some(g) = gp {
            let side = if to_left { &chars[..g] } else { &chars[g..] };
            positions.push(
                side.iter()
                    .filter(|c| is_digit(**c) || **c == p.digit)
                    .count(),
            );
            // (jsonata-js looks for the next separator in the integer part, for both parts)
            gp = index_of(&part.integer, p.grouping, g + 1);
        }
        positions
    };
    let int_grouping = grouping_positions(&part.integer, false);
    let regular = {
        if int_grouping.is_empty() {
            0
        } else {
            let factor = int_grouping.iter().copied().reduce(gcd_usize).unwrap_or(0);
            if (1..=int_grouping.len()).all(|i| int_grouping.contains(&(i * factor))) {
                factor
            } else {
                0
            }
        }
    };
    let frac_grouping = grouping_positions(&part.fractional, true);
    let mut min_int = part.integer.iter().filter(|c| is_digit(**c)).count();
    let scaling = min_int as i32;
    let mut min_frac = part.fractional.iter().filter(|c| is_digit(**c)).count();
    let mut max_frac = part
        .fractional
        .iter()
        .filter(|c| is_digit(**c) || **c == p.digit)
        .count();
    let exp = part.exponent.is_some();
    if min_int == 0 && max_frac == 0 {
        if exp {
            min_frac = 1;
            max_frac = 1;
        } else {
            min_int = 1;
        }
    }
    if exp && min_int == 0 && part.integer.contains(&p.digit) {
        min_int = 1;
    }
    if min_int == 0 && min_frac == 0 {
        min_frac = 1;
    }
    let min_exp = part
        .exponent
        .as_ref()
        .map(|e| e.iter().filter(|c| is_digit(**c)).count())
        .unwrap_or(0);
    PicVars {
        int_grouping,
        regular,
        min_int,
        scaling,
        prefix: part.prefix.clone(),
        frac_grouping,
        min_frac,
        max_frac,
        min_exp,
        suffix: part.suffix.clone(),
        picture: part.picture.clone(),
    }
}

fn gcd_usize(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd_usize(b, a % b) }
}

/// `$formatNumber` without options.
#[cfg(test)]
fn format_number_picture(n: f64, picture: &str) -> Res<String> {
    format_number_picture_with(n, picture, None)
}

pub(super) fn call(a: Args) -> Res<Option<Val>> {
    let name = a.name;
    match name {
        "number" => match a.get(0) {
            None => Ok(None),
            Some(Val::Num(n)) => Ok(Some(Val::Num(*n))),
            Some(Val::Bool(b)) => Ok(Some(Val::Num(if *b { 1.0 } else { 0.0 }))),
            Some(Val::Str(s)) => match parse_number(s) {
                Some(n) => Ok(Some(Val::Num(n))),
                None => Err(err_np(
                    "D3030",
                    &format!(
                        "Unable to cast value to a number: {}",
                        stringify(&Val::Str(s.clone()), false)
                    ),
                )),
            },
            Some(v) => Err(err_np(
                "D3030",
                &format!("Unable to cast value to a number: {}", stringify(v, false)),
            )),
        },
        "abs" => Ok(a.num(0)?.map(|n| Val::Num(n.abs()))),
        "floor" => Ok(a.num(0)?.map(|n| Val::Num(n.floor()))),
        "ceil" => Ok(a.num(0)?.map(|n| Val::Num(n.ceil()))),
        "round" => {
            let Some(n) = a.num(0)? else { return Ok(None) };
            let p = a.num(1)?.unwrap_or(0.0) as i32;
            Ok(Some(Val::Num(round(n, p))))
        }
        "power" => {
            let Some(b) = a.num(0)? else { return Ok(None) };
            let e = a.num(1)?.ok_or_else(|| a.err(1))?;
            let r = b.powf(e);
            if !r.is_finite() {
                return Err(err_np(
                    "D3061",
                    &format!(
                        "The power function has resulted in a value that cannot be represented as a JSON number: base={}, exponent={}",
                        format_number(b),
                        format_number(e)
                    ),
                ));
            }
            Ok(Some(Val::Num(r)))
        }
        "sqrt" => {
            let Some(n) = a.num(0)? else { return Ok(None) };
            if n < 0.0 {
                return Err(err_np(
                    "D3060",
                    &format!(
                        "The sqrt function cannot be applied to a negative number: {}",
                        format_number(n)
                    ),
                ));
            }
            Ok(Some(Val::Num(n.sqrt())))
        }
        "random" => {
            let v: f64 = match a.get(0) {
                None => rand::rng().random(),
                Some(Val::Num(seed)) => rand::rngs::StdRng::seed_from_u64(seed.to_bits()).random(),
                Some(Val::Str(seed)) => {
                    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
                    for b in seed.bytes() {
                        h = (h ^ b as u64).wrapping_mul(0x0100_0000_01b3);
                    }
                    rand::rngs::StdRng::seed_from_u64(h).random()
                }
                Some(_) => return Err(a.err(0)),
            };
            Ok(Some(Val::Num(v)))
        }
        "formatNumber" => {
            let Some(n) = a.num(0)? else { return Ok(None) };
            let pic = a.str(1)?.ok_or_else(|| a.err(1))?;
            let options = a.obj(2)?;
            Ok(Some(Val::str(&format_number_picture_with(
                n,
                &pic,
                options.as_deref(),
            )?)))
        }
        "formatInteger" => {
            let Some(n) = a.num(0)? else { return Ok(None) };
            let pic = a.str(1)?.ok_or_else(|| a.err(1))?;
            Ok(Some(Val::str(&super::datetime::format_integer(n, &pic)?)))
        }
        "parseInteger" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            let pic = a.str(1)?.ok_or_else(|| a.err(1))?;
            let n = super::datetime::parse_integer(&s, &pic)?;
            Ok(n.is_finite().then_some(Val::Num(n)))
        }
        "formatBase" => {
            let Some(n) = a.num(0)? else { return Ok(None) };
            let radix = a.num(1)?.unwrap_or(10.0);
            if !(2.0..=36.0).contains(&radix) {
                return Err(err_np(
                    "D3100",
                    &format!(
                        "The radix of the formatBase function must be between 2 and 36.  It was given {}",
                        format_number(radix)
                    ),
                ));
            }
            Ok(Some(Val::str(&to_radix(round(n, 0) as i64, radix as u32))))
        }
        "sum" => match a.nums(0)? {
            None => Ok(None),
            Some(v) => check(v.iter().sum()),
        },
        "max" => match a.nums(0)? {
            Some(v) if !v.is_empty() => {
                Ok(Some(Val::Num(v.iter().cloned().fold(f64::MIN, f64::max))))
            }
            _ => Ok(None),
        },
        "min" => match a.nums(0)? {
            Some(v) if !v.is_empty() => {
                Ok(Some(Val::Num(v.iter().cloned().fold(f64::MAX, f64::min))))
            }
            _ => Ok(None),
        },
        "average" => match a.nums(0)? {
            Some(v) if !v.is_empty() => check(v.iter().sum::<f64>() / v.len() as f64),
            _ => Ok(None),
        },
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values from the JSONata documentation (numeric functions).
    #[test]
    fn round_half_to_even() {
        assert_eq!(round(123.456, 0), 123.0);
        assert_eq!(round(123.456, 2), 123.46);
        assert_eq!(round(123.456, -1), 120.0);
        assert_eq!(round(123.456, -2), 100.0);
        assert_eq!(round(11.5, 0), 12.0);
        assert_eq!(round(12.5, 0), 12.0);
        assert_eq!(round(125.0, -1), 120.0);
    }

    #[test]
    fn format_number_pictures() {
        assert_eq!(
            format_number_picture(12345.6, "#,###.00").unwrap(),
            "12,345.60"
        );
        assert_eq!(
            format_number_picture(1234.5678, "00.000").unwrap(),
            "1234.568"
        );
        assert_eq!(format_number_picture(0.14, "01%").unwrap(), "14%");
        assert_eq!(format_number_picture(-6.0, "000").unwrap(), "-006");
    }

    #[test]
    fn radix() {
        assert_eq!(to_radix(100, 2), "1100100");
        assert_eq!(to_radix(2555, 16), "9fb");
    }
}
