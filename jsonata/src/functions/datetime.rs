//! `$formatInteger`, `$parseInteger`, `$fromMillis` and `$toMillis` with XPath pictures,
//! following jsonata-js 2.0.6's `datetime.js` (its algorithms, quirks included, so that
//! results agree): integer pictures (decimal digits of any Unicode digit family, grouping
//! separators, `#` optional digits, ordinals `;o`, words `w`/`W`/`Ww`, roman `i`/`I`,
//! letters `a`/`A`), and date/time pictures (`[Y0001]`, `[MNn,3-3]`, `[D1o]`, `[FNn]`,
//! `[W]`, `[w]`, `[X]`, `[x]`, `[H01]`, `[h]`, `[P]`, `[m01]`, `[s01]`, `[f001]`, `[Z]`,
//! `[z]`, `[C]`, `[E]`, with width modifiers).

use crate::errors::{Res, err_np};

const FEW: [&str; 20] = [
    "Zero",
    "One",
    "Two",
    "Three",
    "Four",
    "Five",
    "Six",
    "Seven",
    "Eight",
    "Nine",
    "Ten",
    "Eleven",
    "Twelve",
    "Thirteen",
    "Fourteen",
    "Fifteen",
    "Sixteen",
    "Seventeen",
    "Eighteen",
    "Nineteen",
];
const ORDINALS: [&str; 20] = [
    "Zeroth",
    "First",
    "Second",
    "Third",
    "Fourth",
    "Fifth",
    "Sixth",
    "Seventh",
    "Eighth",
    "Ninth",
    "Tenth",
    "Eleventh",
    "Twelfth",
    "Thirteenth",
    "Fourteenth",
    "Fifteenth",
    "Sixteenth",
    "Seventeenth",
    "Eighteenth",
    "Nineteenth",
];
const DECADES: [&str; 9] = [
    "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety", "Hundred",
];
const MAGNITUDES: [&str; 4] = ["Thousand", "Million", "Billion", "Trillion"];
const DAYS: [&str; 8] = [
    "",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DECIMAL_GROUPS: [u32; 37] = [
    0x30, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6,
    0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80,
    0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0,
    0xFF10,
];
const DAY_MS: f64 = 86_400_000.0;

fn code(c: &str, message: &str) -> crate::JsonataError {
    err_np(c, message)
}

fn number_to_words(value: f64, ordinal: bool) -> String {
    fn lookup(num: f64, prev: bool, ord: bool) -> String {
        if num <= 19.0 {
            let n = num as usize;
            format!(
                "{}{}",
                if prev { " and " } else { "" },
                if ord { ORDINALS[n] } else { FEW[n] }
            )
        } else if num < 100.0 {
            let tens = (num / 10.0).floor() as usize;
            let rem = num % 10.0;
            let mut w = format!("{}{}", if prev { " and " } else { "" }, DECADES[tens - 2]);
            if rem > 0.0 {
                w.push('-');
                w.push_str(&lookup(rem, false, ord));
            } else if ord {
                w.pop();
                w.push_str("ieth");
            }
            w
        } else if num < 1000.0 {
            let hundreds = (num / 100.0).floor() as usize;
            let rem = num % 100.0;
            let mut w = format!("{}{} Hundred", if prev { ", " } else { "" }, FEW[hundreds]);
            if rem > 0.0 {
                w.push_str(&lookup(rem, true, ord));
            } else if ord {
                w.push_str("th");
            }
            w
        } else {
            let mut mag = (num.log10() / 3.0).floor() as usize;
            if mag > MAGNITUDES.len() {
                mag = MAGNITUDES.len();
            }
            let factor = 10f64.powi(mag as i32 * 3);
            let mant = (num / factor).floor();
            let rem = num - mant * factor;
            let mut w = format!(
                "{}{} {}",
                if prev { ", " } else { "" },
                lookup(mant, false, false),
                MAGNITUDES[mag - 1]
            );
            if rem > 0.0 {
                w.push_str(&lookup(rem, true, ord));
            } else if ord {
                w.push_str("th");
            }
            w
        }
    }
    lookup(value, false, ordinal)
}

fn word_values() -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    let mut put = |k: String, v: f64| match out.iter_mut().find(|(x, _)| *x == k) {
        Some(e) => e.1 = v,
        None => out.push((k, v)),
    };
    for (i, w) in FEW.iter().enumerate() {
        put(w.to_lowercase(), i as f64);
    }
    for (i, w) in ORDINALS.iter().enumerate() {
        put(w.to_lowercase(), i as f64);
    }
    for (i, w) in DECADES.iter().enumerate() {
        let l = w.to_lowercase();
        let v = ((i + 2) * 10) as f64;
        put(l.clone(), v);
        put(format!("{}ieth", &l[..l.len() - 1]), v);
    }
    put("hundredth".into(), 100.0);
    for (i, w) in MAGNITUDES.iter().enumerate() {
        let l = w.to_lowercase();
        let v = 10f64.powi((i as i32 + 1) * 3);
        put(l.clone(), v);
        put(format!("{l}th"), v);
    }
    out
}

fn words_to_number(text: &str) -> f64 {
    let values = word_values();
    let split = fancy_regex::Regex::new(r",\s|\sand\s|[\s\\-]").expect("valid");
    let mut parts = Vec::new();
    let mut last = 0;
    for m in split.find_iter(text).flatten() {
        parts.push(&text[last..m.start()]);
        last = m.end();
    }
    parts.push(&text[last..]);
    let mut segs = vec![0.0];
    for p in parts {
        let value = values
            .iter()
            .find(|(k, _)| k == p)
            .map(|(_, v)| *v)
            .unwrap_or(f64::NAN);
        if value < 100.0 {
            let mut top = segs.pop().unwrap_or(0.0);
            if top >= 1000.0 {
                segs.push(top);
                top = 0.0;
            }
            segs.push(top + value);
        } else {
            let top = segs.pop().unwrap_or(0.0);
            segs.push(top * value);
        }
    }
    segs.iter().sum()
}

const ROMAN: [(u64, &str); 13] = [
    (1000, "m"),
    (900, "cm"),
    (500, "d"),
    (400, "cd"),
    (100, "c"),
    (90, "xc"),
    (50, "l"),
    (40, "xl"),
    (10, "x"),
    (9, "ix"),
    (5, "v"),
    (4, "iv"),
    (1, "i"),
];

fn decimal_to_roman(mut value: u64) -> String {
    let mut out = String::new();
    'outer: while value > 0 {
        for (n, s) in ROMAN {
            if value >= n {
                out.push_str(s);
                value -= n;
                continue 'outer;
            }
        }
    }
    out
}

fn roman_to_decimal(roman: &str) -> f64 {
    let val = |c: char| match c {
        'M' => 1000.0,
        'D' => 500.0,
        'C' => 100.0,
        'L' => 50.0,
        'X' => 10.0,
        'V' => 5.0,
        'I' => 1.0,
        _ => f64::NAN,
    };
    let (mut decimal, mut max) = (0.0, 1.0);
    for c in roman.chars().rev() {
        let v = val(c);
        if v < max {
            decimal -= v;
        } else {
            max = v;
            decimal += v;
        }
    }
    decimal
}

fn decimal_to_letters(mut value: f64, a: char) -> String {
    let mut letters = Vec::new();
    while value > 0.0 {
        let c = ((value - 1.0) % 26.0) as u32 + a as u32;
        letters.push(char::from_u32(c).unwrap_or('?'));
        value = ((value - 1.0) / 26.0).floor();
    }
    letters.iter().rev().collect()
}

fn letters_to_decimal(letters: &str, a: char) -> f64 {
    let chars: Vec<char> = letters.chars().collect();
    let mut d = 0.0;
    for i in 0..chars.len() {
        let c = chars[chars.len() - i - 1];
        d += (c as i64 - a as i64 + 1) as f64 * 26f64.powi(i as i32);
    }
    d
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Primary {
    Decimal,
    Letters,
    Roman,
    Words,
    Sequence,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Case {
    Upper,
    Lower,
    Title,
}

#[derive(Debug, Clone)]
struct IntFormat {
    primary: Primary,
    case: Case,
    ordinal: bool,
    zero: u32,
    mandatory: usize,
    optional: usize,
    regular: bool,
    /// (position, character); when regular, the one repeating separator.
    separators: Vec<(usize, char)>,
    token: String,
    /// Digits to match when parsing (date/time components).
    n: i64,
}

fn analyse_integer_picture(picture: &str) -> Res<IntFormat> {
    let mut f = IntFormat {
        primary: Primary::Decimal,
        case: Case::Lower,
        ordinal: false,
        zero: 0x30,
        mandatory: 0,
        optional: 0,
        regular: false,
        separators: Vec::new(),
        token: String::new(),
        n: -1,
    };
    let primary = match picture.rfind(';') {
        None => picture,
        Some(i) => {
            if picture[i + 1..].starts_with('o') {
                f.ordinal = true;
            }
            &picture[..i]
        }
    };
    match primary {
        "A" => {
            f.case = Case::Upper;
            f.primary = Primary::Letters;
        }
        "a" => f.primary = Primary::Letters,
        "I" => {
            f.case = Case::Upper;
            f.primary = Primary::Roman;
        }
        "i" => f.primary = Primary::Roman,
        "W" => {
            f.case = Case::Upper;
            f.primary = Primary::Words;
        }
        "Ww" => {
            f.case = Case::Title;
            f.primary = Primary::Words;
        }
        "w" => f.primary = Primary::Words,
        _ => {
            let mut zero: Option<u32> = None;
            let mut pos = 0usize;
            let mut seps = Vec::new();
            for c in primary.chars().rev() {
                let cp = c as u32;
                if let Some(g) = DECIMAL_GROUPS.iter().find(|g| cp >= **g && cp <= **g + 9) {
                    f.mandatory += 1;
                    pos += 1;
                    match zero {
                        None => zero = Some(*g),
                        Some(z) if z != *g => {
                            return Err(code(
                                "D3131",
                                "In a decimal digit pattern, all digits must be from the same decimal group",
                            ));
                        }
                        _ => {}
                    }
                } else if c == '#' {
                    pos += 1;
                    f.optional += 1;
                } else {
                    seps.push((pos, c));
                }
            }
            if f.mandatory > 0 {
                f.zero = zero.unwrap_or(0x30);
                let regular = regular_repeat(&seps);
                if regular > 0 {
                    f.regular = true;
                    f.separators = vec![(regular, seps[0].1)];
                } else {
                    f.separators = seps;
                }
            } else {
                f.primary = Primary::Sequence;
                f.token = primary.to_string();
            }
        }
    }
    Ok(f)
}

fn gcd(a: usize, b: usize) -> usize {
    if b == 0 { a } else { gcd(b, a % b) }
}

fn regular_repeat(seps: &[(usize, char)]) -> usize {
    if seps.is_empty() || seps.iter().any(|s| s.1 != seps[0].1) {
        return 0;
    }
    let factor = seps.iter().map(|s| s.0).reduce(gcd).unwrap_or(0);
    for i in 1..=seps.len() {
        if !seps.iter().any(|s| s.0 == i * factor) {
            return 0;
        }
    }
    factor
}

/// JavaScript `substr(0, pos) + sep + substr(pos)` on characters.
fn insert_at(s: &str, pos: i64, sep: char) -> String {
    let chars: Vec<char> = s.chars().collect();
    let len = chars.len() as i64;
    let head: String = if pos > 0 {
        chars[..pos.min(len) as usize].iter().collect()
    } else {
        String::new()
    };
    let start = if pos < 0 {
        (len + pos).max(0)
    } else {
        pos.min(len)
    };
    let tail: String = chars[start as usize..].iter().collect();
    format!("{head}{sep}{tail}")
}

fn format_int(value: f64, f: &IntFormat) -> Res<String> {
    let negative = value < 0.0;
    let value = value.abs();
    let mut out = match f.primary {
        Primary::Letters => {
            decimal_to_letters(value, if f.case == Case::Upper { 'A' } else { 'a' })
        }
        Primary::Roman => {
            let r = decimal_to_roman(value as u64);
            if f.case == Case::Upper {
                r.to_uppercase()
            } else {
                r
            }
        }
        Primary::Words => {
            let w = number_to_words(value, f.ordinal);
            match f.case {
                Case::Upper => w.to_uppercase(),
                Case::Lower => w.to_lowercase(),
                Case::Title => w,
            }
        }
        Primary::Decimal => {
            let mut s = crate::value::format_number(value);
            let len = s.chars().count();
            if f.mandatory > len {
                s = format!("{}{s}", "0".repeat(f.mandatory - len));
            }
            if f.zero != 0x30 {
                s = s
                    .chars()
                    .map(|c| char::from_u32(c as u32 + f.zero - 0x30).unwrap_or(c))
                    .collect();
            }
            if f.regular {
                let (size, sep) = f.separators[0];
                let len = s.chars().count();
                let n = (len.saturating_sub(1)) / size;
                for ii in (1..=n).rev() {
                    let len = s.chars().count() as i64;
                    s = insert_at(&s, len - (ii * size) as i64, sep);
                }
            } else {
                for (p, sep) in f.separators.iter().rev() {
                    let len = s.chars().count() as i64;
                    s = insert_at(&s, len - *p as i64, *sep);
                }
            }
            if f.ordinal {
                let chars: Vec<char> = s.chars().collect();
                let last = chars.last().copied().unwrap_or(' ');
                let mut suffix = match last {
                    '1' => "st",
                    '2' => "nd",
                    '3' => "rd",
                    _ => "th",
                };
                if chars.len() > 1 && chars[chars.len() - 2] == '1' {
                    suffix = "th";
                }
                s.push_str(suffix);
            }
            s
        }
        Primary::Sequence => {
            return Err(code(
                "D3130",
                &format!(
                    "Formatting or parsing an integer as a sequence starting with {} is not supported by this implementation",
                    f.token
                ),
            ));
        }
    };
    if negative {
        out.insert(0, '-');
    }
    Ok(out)
}

/// `$formatInteger(number, picture)`.
pub(crate) fn format_integer(value: f64, picture: &str) -> Res<String> {
    let f = analyse_integer_picture(picture)?;
    format_int(value.floor(), &f)
}

/// JavaScript `parseInt(s)` (base 10).
fn parse_int(s: &str) -> f64 {
    let t = s.trim_start();
    let (sign, rest) = match t.chars().next() {
        Some('-') => (-1.0, &t[1..]),
        Some('+') => (1.0, &t[1..]),
        _ => (1.0, t),
    };
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return f64::NAN;
    }
    sign * digits.parse::<f64>().unwrap_or(f64::NAN)
}

/// The regex and parser of one integer format (jsonata-js `generateRegex`).
fn integer_regex(f: &IntFormat) -> Res<String> {
    let upper = f.case == Case::Upper;
    let occurrences = if f.n > 0 {
        if f.optional == 0 {
            format!("{{{}}}", f.n)
        } else {
            format!("{{{},{}}}", f.n - f.optional as i64, f.n)
        }
    } else {
        "+".to_string()
    };
    Ok(match f.primary {
        Primary::Letters => (if upper { "[A-Z]+" } else { "[a-z]+" }).to_string(),
        Primary::Roman => (if upper { "[MDCLXVI]+" } else { "[mdclxvi]+" }).to_string(),
        Primary::Words => {
            let mut alts: Vec<String> = word_values().into_iter().map(|(k, _)| k).collect();
            alts.push("and".into());
            alts.push("[\\-, ]".into());
            format!("(?:{})+", alts.join("|"))
        }
        Primary::Decimal => {
            let mut r = format!("[0-9]{occurrences}");
            if f.ordinal {
                r.push_str("(?:th|st|nd|rd)");
            }
            r
        }
        Primary::Sequence => {
            return Err(code(
                "D3130",
                &format!(
                    "Formatting or parsing an integer as a sequence starting with {} is not supported by this implementation",
                    f.token
                ),
            ));
        }
    })
}

fn parse_with(f: &IntFormat, value: &str) -> f64 {
    let upper = f.case == Case::Upper;
    match f.primary {
        Primary::Letters => letters_to_decimal(value, if upper { 'A' } else { 'a' }),
        Primary::Roman => roman_to_decimal(&if upper {
            value.to_string()
        } else {
            value.to_uppercase()
        }),
        Primary::Words => words_to_number(&value.to_lowercase()),
        Primary::Decimal => {
            let mut digits: String = value.to_string();
            if f.ordinal {
                let n = digits.chars().count();
                digits = digits.chars().take(n.saturating_sub(2)).collect();
            }
            if f.regular {
                digits = digits.replace(',', "");
            } else {
                for (_, sep) in &f.separators {
                    digits = digits.replace(*sep, "");
                }
            }
            if f.zero != 0x30 {
                digits = digits
                    .chars()
                    .map(|c| char::from_u32((c as u32).wrapping_sub(f.zero) + 0x30).unwrap_or(c))
                    .collect();
            }
            parse_int(&digits)
        }
        Primary::Sequence => f64::NAN,
    }
}

/// `$parseInteger(string, picture)`.
pub(crate) fn parse_integer(value: &str, picture: &str) -> Res<f64> {
    let f = analyse_integer_picture(picture)?;
    integer_regex(&f)?;
    Ok(parse_with(&f, value))
}

#[derive(Debug, Clone)]
struct Marker {
    component: char,
    width: Option<(Option<usize>, Option<usize>)>,
    presentation1: String,
    presentation2: Option<char>,
    names: Option<Case>,
    int: Option<IntFormat>,
    n: i64,
}

#[derive(Debug, Clone)]
enum Part {
    Literal(String),
    Marker(Box<Marker>),
}

fn default_modifier(c: char) -> Option<&'static str> {
    Some(match c {
        'Y' | 'M' | 'D' | 'd' | 'W' | 'w' | 'X' | 'x' | 'H' | 'h' | 'f' => "1",
        'F' | 'P' | 'C' | 'E' => "n",
        'm' | 's' => "01",
        'Z' | 'z' => "01:01",
        _ => return None,
    })
}

fn analyse_datetime_picture(picture: &str) -> Res<Vec<Part>> {
    let chars: Vec<char> = picture.chars().collect();
    let mut spec = Vec::new();
    let add_literal = |spec: &mut Vec<Part>, start: usize, end: usize| {
        if end > start {
            let lit: String = chars[start..end].iter().collect();
            spec.push(Part::Literal(lit.replace("]]", "]")));
        }
    };
    let (mut start, mut pos) = (0, 0);
    while pos < chars.len() {
        if chars[pos] == '[' {
            if chars.get(pos + 1) == Some(&'[') {
                add_literal(&mut spec, start, pos);
                spec.push(Part::Literal("[".into()));
                pos += 2;
                start = pos;
                continue;
            }
            add_literal(&mut spec, start, pos);
            start = pos;
            let Some(close) = chars[start..].iter().position(|c| *c == ']') else {
                return Err(code(
                    "D3135",
                    "No matching closing bracket ']' in date/time picture string",
                ));
            };
            pos = start + close;
            let marker: String = chars[start + 1..pos]
                .iter()
                .filter(|c| !c.is_whitespace())
                .collect();
            let mchars: Vec<char> = marker.chars().collect();
            let component = mchars.first().copied().unwrap_or(' ');
            let comma = mchars.iter().rposition(|c| *c == ',');
            let (pres, width): (String, _) = match comma {
                Some(ci) => {
                    let wm: String = mchars[ci + 1..].iter().collect();
                    let parse_w = |w: Option<&str>| match w {
                        None | Some("*") => None,
                        Some(w) => {
                            let n = parse_int(w);
                            if n.is_nan() { None } else { Some(n as usize) }
                        }
                    };
                    let (min, max) = match wm.find('-') {
                        None => (Some(wm.as_str()), None),
                        Some(d) => (Some(&wm[..d]), Some(&wm[d + 1..])),
                    };
                    (
                        mchars[1.min(ci)..ci].iter().collect(),
                        Some((parse_w(min), parse_w(max))),
                    )
                }
                None => (mchars.iter().skip(1).collect(), None),
            };
            let mut m = Marker {
                component,
                width,
                presentation1: String::new(),
                presentation2: None,
                names: None,
                int: None,
                n: -1,
            };
            let pc: Vec<char> = pres.chars().collect();
            if pc.len() == 1 {
                m.presentation1 = pres.clone();
            } else if pc.len() > 1 {
                let last = pc[pc.len() - 1];
                if "atco".contains(last) {
                    m.presentation2 = Some(last);
                    m.presentation1 = pc[..pc.len() - 1].iter().collect();
                } else {
                    m.presentation1 = pres.clone();
                }
            } else {
                match default_modifier(component) {
                    Some(d) => m.presentation1 = d.to_string(),
                    None => {
                        return Err(code(
                            "D3132",
                            &format!(
                                "Unknown component specifier {component} in date/time picture string"
                            ),
                        ));
                    }
                }
            }
            let p1: Vec<char> = m.presentation1.chars().collect();
            if p1.first() == Some(&'n') {
                m.names = Some(Case::Lower);
            } else if p1.first() == Some(&'N') {
                m.names = Some(if p1.get(1) == Some(&'n') {
                    Case::Title
                } else {
                    Case::Upper
                });
            } else if "YMDdFWwXxHhmsf".contains(component) {
                let mut pattern = m.presentation1.clone();
                if let Some(p2) = m.presentation2 {
                    pattern.push(';');
                    pattern.push(p2);
                }
                let mut f = analyse_integer_picture(&pattern)?;
                if let Some((Some(min), _)) = m.width
                    && f.mandatory < min
                {
                    f.mandatory = min;
                }
                if "YMD".contains(component) {
                    m.n = -1;
                    if let Some((_, Some(max))) = m.width {
                        m.n = max as i64;
                        f.mandatory = max;
                    } else {
                        let w = f.mandatory + f.optional;
                        if w >= 2 {
                            m.n = w as i64;
                        }
                    }
                }
                m.int = Some(f);
            }
            if component == 'Z' || component == 'z' {
                m.int = Some(analyse_integer_picture(&m.presentation1)?);
            }
            spec.push(Part::Marker(Box::new(m)));
            start = pos + 1;
        }
        pos += 1;
    }
    add_literal(&mut spec, start, pos);
    Ok(spec)
}

/// Days from 1970-01-01 of a proleptic Gregorian date (month 1-12).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month 1-12, day) of days from 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// JavaScript `Date.UTC(y, m0, d, h, mi, s, ms)` (months and days may overflow; years
/// 0-99 are 1900-1999).
fn date_utc(y: f64, m0: f64, d: f64, h: f64, mi: f64, s: f64, ms: f64) -> f64 {
    let all = [y, m0, d, h, mi, s, ms];
    if all.iter().any(|v| !v.is_finite()) {
        return f64::NAN;
    }
    let mut y = y.trunc() as i64;
    if (0..=99).contains(&y) {
        y += 1900;
    }
    let m0 = m0.trunc() as i64;
    let y = y + m0.div_euclid(12);
    let m = m0.rem_euclid(12) + 1;
    let days = days_from_civil(y, m, 1) as f64 + d.trunc() - 1.0;
    days * DAY_MS
        + h.trunc() * 3_600_000.0
        + mi.trunc() * 60_000.0
        + s.trunc() * 1000.0
        + ms.trunc()
}

/// The UTC fields of a time in milliseconds.
#[derive(Debug, Clone, Copy)]
struct Fields {
    ms: f64,
    year: i64,
    month0: i64,
    day: i64,
    weekday: i64,
    hour: i64,
    minute: i64,
    second: i64,
    milli: i64,
}

fn fields(ms: f64) -> Fields {
    let days = (ms / DAY_MS).floor() as i64;
    let rem = (ms - days as f64 * DAY_MS) as i64;
    let (y, m, d) = civil_from_days(days);
    Fields {
        ms,
        year: y,
        month0: m - 1,
        day: d,
        weekday: (days + 4).rem_euclid(7),
        hour: rem / 3_600_000,
        minute: rem / 60_000 % 60,
        second: rem / 1000 % 60,
        milli: rem % 1000,
    }
}

fn start_of_first_week(year: i64, month0: i64) -> f64 {
    let jan1 = date_utc(year as f64, month0 as f64, 1.0, 0.0, 0.0, 0.0, 0.0);
    let mut day = fields(jan1).weekday;
    if day == 0 {
        day = 7;
    }
    if day > 4 {
        jan1 + (8 - day) as f64 * DAY_MS
    } else {
        jan1 - (day - 1) as f64 * DAY_MS
    }
}

fn delta_weeks(start: f64, end: f64) -> f64 {
    (end - start) / (DAY_MS * 7.0) + 1.0
}

fn next_month(y: i64, m: i64) -> (i64, i64) {
    if m == 11 { (y + 1, 0) } else { (y, m + 1) }
}

fn prev_month(y: i64, m: i64) -> (i64, i64) {
    if m == 0 { (y - 1, 11) } else { (y, m - 1) }
}

enum Frag {
    Num(f64),
    Str(&'static str),
    None,
}

fn fragment(f: &Fields, component: char) -> Frag {
    let today = |y: i64, m: i64| date_utc(y as f64, m as f64, f.day as f64, 0.0, 0.0, 0.0, 0.0);
    Frag::Num(match component {
        'Y' => f.year as f64,
        'M' => (f.month0 + 1) as f64,
        'D' => f.day as f64,
        'd' => {
            let t = today(f.year, f.month0);
            let jan1 = date_utc(f.year as f64, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0);
            (t - jan1) / DAY_MS + 1.0
        }
        'F' => {
            if f.weekday == 0 {
                7.0
            } else {
                f.weekday as f64
            }
        }
        'W' => {
            let start = start_of_first_week(f.year, 0);
            let t = today(f.year, f.month0);
            let mut week = delta_weeks(start, t);
            if week > 52.0 {
                if t >= start_of_first_week(f.year + 1, 0) {
                    week = 1.0;
                }
            } else if week < 1.0 {
                week = delta_weeks(start_of_first_week(f.year - 1, 0), t);
            }
            week.floor()
        }
        'w' => {
            let start = start_of_first_week(f.year, f.month0);
            let t = today(f.year, f.month0);
            let mut week = delta_weeks(start, t);
            if week > 4.0 {
                let (ny, nm) = next_month(f.year, f.month0);
                if t >= start_of_first_week(ny, nm) {
                    week = 1.0;
                }
            } else if week < 1.0 {
                let (py, pm) = prev_month(f.year, f.month0);
                week = delta_weeks(start_of_first_week(py, pm), t);
            }
            week.floor()
        }
        'X' => {
            let start = start_of_first_week(f.year, 0);
            let end = start_of_first_week(f.year + 1, 0);
            if f.ms < start {
                (f.year - 1) as f64
            } else if f.ms >= end {
                (f.year + 1) as f64
            } else {
                f.year as f64
            }
        }
        'x' => {
            let start = start_of_first_week(f.year, f.month0);
            let (ny, nm) = next_month(f.year, f.month0);
            let end = start_of_first_week(ny, nm);
            if f.ms < start {
                (prev_month(f.year, f.month0).1 + 1) as f64
            } else if f.ms >= end {
                (nm + 1) as f64
            } else {
                (f.month0 + 1) as f64
            }
        }
        'H' => f.hour as f64,
        'h' => {
            let h = f.hour % 12;
            if h == 0 { 12.0 } else { h as f64 }
        }
        'P' => return Frag::Str(if f.hour >= 12 { "pm" } else { "am" }),
        'm' => f.minute as f64,
        's' => f.second as f64,
        'f' => f.milli as f64,
        'C' | 'E' => return Frag::Str("ISO"),
        _ => return Frag::None,
    })
}

fn format_component(f: &Fields, m: &Marker, off_h: i64, off_m: i64) -> Res<String> {
    let c = m.component;
    let frag = fragment(f, c);
    if "YMDdFWwXxHhms".contains(c) {
        let Frag::Num(mut v) = frag else {
            return Ok(String::new());
        };
        if c == 'Y' && m.n != -1 {
            v %= 10f64.powi(m.n as i32);
        }
        if let Some(names) = m.names {
            let name = match c {
                'M' | 'x' => MONTHS[(v as usize).saturating_sub(1) % 12],
                'F' => DAYS[(v as usize) % 8],
                _ => {
                    return Err(code(
                        "D3133",
                        &format!(
                            "The date/time picture component [{c}] cannot be represented as a name"
                        ),
                    ));
                }
            };
            let mut s = match names {
                Case::Upper => name.to_uppercase(),
                Case::Lower => name.to_lowercase(),
                Case::Title => name.to_string(),
            };
            if let Some((_, Some(max))) = m.width
                && s.chars().count() > max
            {
                s = s.chars().take(max).collect();
            }
            return Ok(s);
        }
        return match &m.int {
            Some(fmt) => format_int(v, fmt),
            None => Ok(crate::value::format_number(v)),
        };
    }
    match c {
        'f' => match (frag, &m.int) {
            (Frag::Num(v), Some(fmt)) => format_int(v, fmt),
            _ => Ok(String::new()),
        },
        'Z' | 'z' => {
            let fmt = m.int.as_ref().expect("Z and z have an integer format");
            let offset = off_h * 100 + off_m;
            let mut s = if fmt.regular {
                format_int(offset as f64, fmt)?
            } else {
                match fmt.mandatory {
                    1 | 2 => {
                        let mut s = format_int(off_h as f64, fmt)?;
                        if off_m != 0 {
                            s.push(':');
                            s.push_str(&format_integer(off_m as f64, "00")?);
                        }
                        s
                    }
                    3 | 4 => format_int(offset as f64, fmt)?,
                    n => {
                        return Err(code(
                            "D3134",
                            &format!(
                                "The timezone integer format specifier cannot have more than four digits: {n}"
                            ),
                        ));
                    }
                }
            };
            if offset >= 0 {
                s.insert(0, '+');
            }
            if c == 'z' {
                s.insert_str(0, "GMT");
            }
            if offset == 0 && m.presentation2 == Some('t') {
                s = "Z".into();
            }
            Ok(s)
        }
        'P' => match frag {
            Frag::Str(s) if m.names == Some(Case::Upper) => Ok(s.to_uppercase()),
            Frag::Str(s) => Ok(s.to_string()),
            _ => Ok(String::new()),
        },
        _ => match frag {
            Frag::Str(s) => Ok(s.to_string()),
            Frag::Num(n) => Ok(crate::value::format_number(n)),
            Frag::None => Ok(String::new()),
        },
    }
}

/// `$fromMillis(millis, picture?, timezone?)`.
pub(crate) fn from_millis(
    millis: f64,
    picture: Option<&str>,
    timezone: Option<&str>,
) -> Res<String> {
    let (mut off_h, mut off_m) = (0i64, 0i64);
    if let Some(tz) = timezone {
        let off = parse_int(tz);
        if off.is_finite() {
            let off = off as i64;
            off_h = off.div_euclid(100);
            // JavaScript's `%` keeps the dividend's sign
            off_m = off % 100;
        }
    }
    let spec = analyse_datetime_picture(
        picture.unwrap_or("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"),
    )?;
    let offset_ms = ((60 * off_h + off_m) * 60 * 1000) as f64;
    let f = fields(millis.trunc() + offset_ms);
    let mut out = String::new();
    for part in &spec {
        match part {
            Part::Literal(s) => out.push_str(s),
            Part::Marker(m) => out.push_str(&format_component(&f, m, off_h, off_m)?),
        }
    }
    Ok(out)
}

/// `$toMillis(timestamp, picture)` with a picture (jsonata-js `parseDateTime`); `now` is
/// the evaluation's time, whose fields fill the leading components the picture leaves out.
pub(crate) fn parse_datetime(timestamp: &str, picture: &str, now: f64) -> Res<Option<f64>> {
    let spec = analyse_datetime_picture(picture)?;
    enum P {
        None,
        Int(IntFormat),
        Names(Vec<(String, f64)>),
        Zone(char, Option<char>),
    }
    let mut regex = String::from("(?i)^");
    let mut parsers: Vec<(char, P)> = Vec::new();
    for part in &spec {
        match part {
            Part::Literal(s) => {
                regex.push('(');
                regex.push_str(&fancy_regex::escape(s));
                regex.push(')');
                parsers.push((' ', P::None));
            }
            Part::Marker(m) if m.component == 'Z' || m.component == 'z' => {
                let fmt = m.int.as_ref().expect("Z and z have an integer format");
                let sep = if fmt.regular {
                    fmt.separators.first().map(|s| s.1)
                } else {
                    None
                };
                let mut r = String::new();
                if m.component == 'z' {
                    r.push_str("GMT");
                }
                r.push_str("[-+][0-9]+");
                if let Some(s) = sep {
                    r.push_str(&fancy_regex::escape(&s.to_string()));
                    r.push_str("[0-9]+");
                }
                regex.push_str(&format!("({r})"));
                parsers.push((m.component, P::Zone(m.component, sep)));
            }
            Part::Marker(m) => {
                if let Some(fmt) = &m.int {
                    let mut fmt = fmt.clone();
                    fmt.n = m.n;
                    regex.push_str(&format!("({})", integer_regex(&fmt)?));
                    parsers.push((m.component, P::Int(fmt)));
                } else {
                    let max = m.width.and_then(|w| w.1).filter(|w| *w > 0);
                    let cut = |s: &str| match max {
                        Some(w) => s.chars().take(w).collect(),
                        None => s.to_string(),
                    };
                    let lookup: Vec<(String, f64)> = match m.component {
                        'M' | 'x' => MONTHS
                            .iter()
                            .enumerate()
                            .map(|(i, n)| (cut(n), (i + 1) as f64))
                            .collect(),
                        'F' => DAYS
                            .iter()
                            .enumerate()
                            .skip(1)
                            .map(|(i, n)| (cut(n), i as f64))
                            .collect(),
                        'P' => vec![
                            ("am".into(), 0.0),
                            ("AM".into(), 0.0),
                            ("pm".into(), 1.0),
                            ("PM".into(), 1.0),
                        ],
                        c => {
                            return Err(code(
                                "D3133",
                                &format!(
                                    "The date/time picture component [{c}] cannot be represented as a name"
                                ),
                            ));
                        }
                    };
                    regex.push_str("([a-zA-Z]+)");
                    parsers.push((m.component, P::Names(lookup)));
                }
            }
        }
    }
    regex.push('$');
    let re = fancy_regex::Regex::new(&regex)
        .map_err(|e| code("D3137", &format!("Invalid date/time picture: {e}")))?;
    let Ok(Some(caps)) = re.captures(timestamp) else {
        return Ok(None);
    };
    // A component parsed from the timestamp; `None` where a name was not recognised (it
    // counts as given, but undefined, as in jsonata-js).
    let mut comps: Vec<(char, Option<f64>)> = Vec::new();
    let set = |comps: &mut Vec<(char, Option<f64>)>, k: char, v: Option<f64>| match comps
        .iter_mut()
        .find(|(c, _)| *c == k)
    {
        Some(e) => e.1 = v,
        None => comps.push((k, v)),
    };
    for (i, (comp, p)) in parsers.iter().enumerate() {
        let text = caps.get(i + 1).map(|m| m.as_str()).unwrap_or("");
        let v = match p {
            P::None => continue,
            P::Int(f) => Some(parse_with(f, text)),
            P::Names(l) => l.iter().find(|(k, _)| k == text).map(|(_, v)| *v),
            P::Zone(c, sep) => {
                let v = if *c == 'z' {
                    &text[3.min(text.len())..]
                } else {
                    text
                };
                let (h, m) = match sep {
                    Some(s) => match v.find(*s) {
                        Some(i) => (parse_int(&v[..i]), parse_int(&v[i + s.len_utf8()..])),
                        None => (parse_int(v), f64::NAN),
                    },
                    None => {
                        let digits = v.chars().count() as i64 - 1;
                        if digits <= 2 {
                            (parse_int(v), 0.0)
                        } else {
                            (
                                parse_int(&v[..3.min(v.len())]),
                                parse_int(&v[3.min(v.len())..]),
                            )
                        }
                    }
                };
                Some(h * 60.0 + m)
            }
        };
        set(&mut comps, *comp, v);
    }
    if comps.is_empty() {
        return Ok(None);
    }
    let get = |comps: &Vec<(char, Option<f64>)>, k: char| {
        comps.iter().find(|(c, _)| *c == k).and_then(|(_, v)| *v)
    };
    let mut mask: u32 = 0;
    let shift = |mask: &mut u32, v: Option<f64>| {
        *mask <<= 1;
        // jsonata-js shifts in whether the component is truthy (0 and NaN are not)
        if v.is_some_and(|v| v != 0.0 && !v.is_nan()) {
            *mask += 1;
        }
    };
    for c in "YXMxWwdD".chars() {
        shift(&mut mask, get(&comps, c));
    }
    let is_type = |t: u32, mask: u32| (!t & mask) == 0 && (t & mask) != 0;
    let date_a = is_type(161, mask);
    let date_b = !date_a && is_type(130, mask);
    let date_c = is_type(84, mask);
    let date_d = !date_c && is_type(72, mask);
    mask = 0;
    for c in "PHhmsf".chars() {
        shift(&mut mask, get(&comps, c));
    }
    let time_a = is_type(23, mask);
    let time_b = !time_a && is_type(47, mask);
    let date_comps = if date_b {
        "YD"
    } else if date_c {
        "XxwF"
    } else if date_d {
        "XWF"
    } else {
        "YMD"
    };
    let time_comps = if time_b { "Phmsf" } else { "Hmsf" };
    let now_f = fields(now);
    let (mut start_spec, mut end_spec) = (false, false);
    for c in date_comps.chars().chain(time_comps.chars()) {
        if get(&comps, c).is_none() {
            if start_spec {
                set(
                    &mut comps,
                    c,
                    Some(if "MDd".contains(c) { 1.0 } else { 0.0 }),
                );
                end_spec = true;
            } else {
                let v = match fragment(&now_f, c) {
                    Frag::Num(n) => n,
                    _ => f64::NAN,
                };
                set(&mut comps, c, Some(v));
            }
        } else {
            start_spec = true;
            if end_spec {
                return Err(d3136());
            }
        }
    }
    let g = |comps: &Vec<(char, Option<f64>)>, k: char| get(comps, k).unwrap_or(f64::NAN);
    let mut month0 = match get(&comps, 'M') {
        Some(m) if m > 0.0 => m - 1.0,
        _ => 0.0,
    };
    let mut day = g(&comps, 'D');
    if date_b {
        let jan1 = date_utc(g(&comps, 'Y'), 0.0, 1.0, 0.0, 0.0, 0.0, 0.0);
        let derived = fields(jan1 + (g(&comps, 'd') - 1.0) * DAY_MS);
        month0 = derived.month0 as f64;
        day = derived.day as f64;
    }
    if date_c || date_d {
        return Err(d3136());
    }
    let mut hour = g(&comps, 'H');
    if time_b {
        let h = g(&comps, 'h');
        hour = if h == 12.0 { 0.0 } else { h };
        if get(&comps, 'P') == Some(1.0) {
            hour += 12.0;
        }
    }
    let mut millis = date_utc(
        g(&comps, 'Y'),
        month0,
        day,
        hour,
        g(&comps, 'm'),
        g(&comps, 's'),
        g(&comps, 'f'),
    );
    let zone = get(&comps, 'Z')
        .filter(|z| *z != 0.0 && !z.is_nan())
        .or_else(|| get(&comps, 'z').filter(|z| *z != 0.0 && !z.is_nan()));
    if let Some(z) = zone {
        millis -= z * 60.0 * 1000.0;
    }
    Ok(if millis.is_nan() { None } else { Some(millis) })
}

fn d3136() -> crate::JsonataError {
    code(
        "D3136",
        "The date/time picture string is missing specifiers required to parse the timestamp",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for days in [-800_000, -1, 0, 1, 17_477, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(
            date_utc(2017.0, 10.0, 7.0, 15.0, 7.0, 54.0, 972.0),
            1_510_067_274_972.0
        );
    }
}
