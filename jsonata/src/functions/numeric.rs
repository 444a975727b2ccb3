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

/// A basic XPath `format-number` picture: digits `0`/`#`, grouping `,`, decimal `.`,
/// `%`/`‰` suffixes, an optional negative sub-picture after `;`.
fn format_number_picture(n: f64, picture: &str) -> Res<String> {
    let parts: Vec<&str> = picture.split(';').collect();
    if parts.len() > 2 {
        return Err(err_np(
            "D3080",
            "The picture string must only contain a maximum of two sub-pictures",
        ));
    }
    let (pic, neg_pic) = if n < 0.0 && parts.len() == 2 {
        (parts[1], true)
    } else {
        (parts[0], false)
    };
    let is_active = |c: char| c.is_ascii_digit() || c == '#' || c == ',' || c == '.' || c == 'e';
    let first = pic
        .find(|c: char| c.is_ascii_digit() || c == '#' || c == '.')
        .unwrap_or(pic.len());
    let last = pic
        .rfind(|c: char| c.is_ascii_digit() || c == '#' || c == '.')
        .map(|i| i + 1)
        .unwrap_or(first);
    let prefix = &pic[..first];
    let mut suffix = &pic[last..];
    let mut body = &pic[first..last];
    let _ = is_active;
    let mut value = n.abs();
    if pic.contains('%') {
        value *= 100.0;
    } else if pic.contains('‰') {
        value *= 1000.0;
    }
    // exponent
    let mut exp_part: Option<usize> = None;
    if let Some(epos) = suffix.find('e') {
        let digits = suffix[epos + 1..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .count();
        if digits > 0 {
            exp_part = Some(digits);
            suffix = &suffix[epos + 1 + digits..];
        }
    }
    if let Some(epos) = body.find('e') {
        exp_part = Some(body.len() - epos - 1);
        body = &body[..epos];
    }
    let (int_pic, frac_pic) = match body.split_once('.') {
        Some((i, f)) => (i, f),
        None => (body, ""),
    };
    let min_int = int_pic.chars().filter(|c| c.is_ascii_digit()).count();
    let min_frac = frac_pic.chars().filter(|c| c.is_ascii_digit()).count();
    let max_frac = frac_pic
        .chars()
        .filter(|c| c.is_ascii_digit() || *c == '#')
        .count();
    let mut exponent = 0i32;
    if exp_part.is_some() && value != 0.0 {
        let int_digits = min_int.max(1) as i32;
        exponent = value.log10().floor() as i32 + 1 - int_digits;
        value = shift(value, -exponent);
    }
    let rounded = round(value, max_frac as i32);
    let s = format!("{:.*}", max_frac, rounded);
    let (mut int_s, mut frac_s) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), f.to_string()),
        None => (s.clone(), String::new()),
    };
    while frac_s.len() > min_frac && frac_s.ends_with('0') {
        frac_s.pop();
    }
    if int_s == "0" && min_int == 0 && !(frac_s.is_empty()) {
        int_s.clear();
    }
    while int_s.len() < min_int {
        int_s.insert(0, '0');
    }
    // grouping (regular, from the rightmost separator)
    if let Some(gpos) = int_pic.rfind(',') {
        let size = int_pic[gpos + 1..].chars().count();
        if size > 0 {
            let chars: Vec<char> = int_s.chars().collect();
            let mut out = String::new();
            for (i, c) in chars.iter().enumerate() {
                if i > 0 && (chars.len() - i).is_multiple_of(size) {
                    out.push(',');
                }
                out.push(*c);
            }
            int_s = out;
        }
    }
    let mut out = String::new();
    if n < 0.0 && !neg_pic {
        out.push('-');
    }
    out.push_str(prefix);
    out.push_str(&int_s);
    if !frac_s.is_empty() {
        out.push('.');
        out.push_str(&frac_s);
    }
    if let Some(ed) = exp_part {
        let e = format!("{:0width$}", exponent.abs(), width = ed);
        out.push('e');
        if exponent < 0 {
            out.push('-');
        }
        out.push_str(&e);
    }
    out.push_str(suffix);
    Ok(out)
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
            Ok(Some(Val::str(&format_number_picture(n, &pic)?)))
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
