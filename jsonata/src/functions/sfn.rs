//! Date/time functions, `$error`/`$assert`/`$eval`, and the functions Step Functions
//! adds to JSONata: `$partition`, `$range`, `$hash`, `$random(seed)`, `$uuid`, `$parse`.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use md5::Digest;

use super::Args;
use crate::errors::{Res, err_np};
use crate::eval::Evaluator;
use crate::value::{Val, format_number};

fn offset_of(tz: Option<&str>) -> Res<FixedOffset> {
    let Some(tz) = tz else {
        return Ok(FixedOffset::east_opt(0).expect("zero offset"));
    };
    let t = tz.trim();
    let (sign, rest) = match t.chars().next() {
        Some('-') => (-1, &t[1..]),
        Some('+') => (1, &t[1..]),
        _ => (1, t),
    };
    let digits: String = rest.chars().filter(|c| c.is_ascii_digit()).collect();
    let (h, m) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().unwrap_or(0), 0),
        3 | 4 => {
            let split = digits.len() - 2;
            (
                digits[..split].parse().unwrap_or(0),
                digits[split..].parse().unwrap_or(0),
            )
        }
        _ => (0, 0),
    };
    FixedOffset::east_opt(sign * (h * 3600 + m * 60))
        .ok_or_else(|| err_np("D3134", &format!("Invalid timezone: {tz}")))
}

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
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

fn name_case(name: &str, modifier: &str) -> String {
    let (case, width) = match modifier.split_once(',') {
        Some((c, w)) => (c, w.split('-').next().and_then(|w| w.parse::<usize>().ok())),
        None => (modifier, None),
    };
    let mut s = match case {
        "N" => name.to_uppercase(),
        "n" => name.to_lowercase(),
        _ => name.to_string(),
    };
    if let Some(w) = width {
        s = s.chars().take(w).collect();
    }
    s
}

fn number_mod(n: i64, modifier: &str) -> String {
    let digits = modifier.split(',').next().unwrap_or("");
    let width = digits.chars().filter(|c| c.is_ascii_digit()).count();
    if width > 1 {
        format!("{n:0width$}")
    } else {
        n.to_string()
    }
}

/// Formats `dt` with an XPath date/time picture (common components only).
fn format_picture(dt: &DateTime<FixedOffset>, picture: &str) -> Res<String> {
    let mut out = String::new();
    let chars: Vec<char> = picture.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '[' {
            if chars.get(i + 1) == Some(&'[') {
                out.push('[');
                i += 2;
                continue;
            }
            let Some(end) = chars[i..].iter().position(|&x| x == ']') else {
                return Err(err_np(
                    "D3135",
                    "No matching closing bracket ']' in date/time picture string",
                ));
            };
            let marker: String = chars[i + 1..i + end]
                .iter()
                .filter(|c| !c.is_whitespace())
                .collect();
            i += end + 1;
            let mut mc = marker.chars();
            let comp = mc.next().unwrap_or(' ');
            let modifier: String = mc.collect();
            let text = match comp {
                'Y' => {
                    let y = dt.year() as i64;
                    if modifier.starts_with("01")
                        && modifier.chars().filter(|c| c.is_ascii_digit()).count() == 2
                    {
                        format!("{:02}", y % 100)
                    } else {
                        number_mod(y, &modifier)
                    }
                }
                'M' if modifier.starts_with('N') || modifier.starts_with('n') => {
                    name_case(MONTHS[dt.month0() as usize], &modifier)
                }
                'M' => number_mod(dt.month() as i64, &modifier),
                'D' => number_mod(dt.day() as i64, &modifier),
                'd' => number_mod(dt.ordinal() as i64, &modifier),
                'F' if modifier.is_empty()
                    || modifier.starts_with('N')
                    || modifier.starts_with('n') =>
                {
                    name_case(
                        DAYS[dt.weekday().num_days_from_monday() as usize],
                        if modifier.is_empty() { "n" } else { &modifier },
                    )
                }
                'F' => number_mod(dt.weekday().number_from_monday() as i64, &modifier),
                'H' => number_mod(dt.hour() as i64, &modifier),
                'h' => {
                    let h = dt.hour() % 12;
                    number_mod(if h == 0 { 12 } else { h } as i64, &modifier)
                }
                'P' => {
                    let s = if dt.hour() < 12 { "am" } else { "pm" };
                    if modifier.starts_with('N') {
                        s.to_uppercase()
                    } else {
                        s.to_string()
                    }
                }
                'm' => number_mod(
                    dt.minute() as i64,
                    if modifier.is_empty() { "01" } else { &modifier },
                ),
                's' => number_mod(
                    dt.second() as i64,
                    if modifier.is_empty() { "01" } else { &modifier },
                ),
                'f' => {
                    let ms = dt.timestamp_subsec_millis() as i64;
                    let w = modifier
                        .chars()
                        .filter(|c| c.is_ascii_digit())
                        .count()
                        .max(1);
                    let s = format!("{ms:03}");
                    if w <= 3 {
                        s[..w].to_string()
                    } else {
                        format!("{s:0<w$}")
                    }
                }
                'Z' | 'z' => {
                    let secs = dt.offset().local_minus_utc();
                    if secs == 0 && modifier.contains('t') {
                        "Z".to_string()
                    } else {
                        let sign = if secs < 0 { '-' } else { '+' };
                        let (h, m) = (secs.abs() / 3600, (secs.abs() % 3600) / 60);
                        let body = if modifier.contains(':') || modifier.is_empty() {
                            format!("{sign}{h:02}:{m:02}")
                        } else {
                            format!("{sign}{h:02}{m:02}")
                        };
                        if comp == 'z' {
                            format!("GMT{body}")
                        } else {
                            body
                        }
                    }
                }
                _ => {
                    return Err(err_np(
                        "D3137",
                        &format!("Unsupported date/time component: [{marker}]"),
                    ));
                }
            };
            out.push_str(&text);
        } else if c == ']' && chars.get(i + 1) == Some(&']') {
            out.push(']');
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
    Ok(out)
}

fn from_millis(ms: f64, picture: Option<&str>, tz: Option<&str>) -> Res<String> {
    let utc = Utc
        .timestamp_millis_opt(ms.floor() as i64)
        .single()
        .ok_or_else(|| {
            err_np(
                "D3137",
                &format!("Invalid timestamp: {}", format_number(ms)),
            )
        })?;
    match picture {
        None if tz.is_none() => Ok(utc.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()),
        picture => {
            let dt = utc.with_timezone(&offset_of(tz)?);
            format_picture(
                &dt,
                picture.unwrap_or("[Y0001]-[M01]-[D01]T[H01]:[m01]:[s01].[f001][Z01:01t]"),
            )
        }
    }
}

/// Parses an ISO 8601 timestamp (full or partial) into milliseconds since the epoch.
fn to_millis(s: &str) -> Option<i64> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%dT%H:%M:%S%z",
        "%Y-%m-%dT%H:%M%z",
    ] {
        if let Ok(dt) = DateTime::parse_from_str(s, f) {
            return Some(dt.timestamp_millis());
        }
    }
    for f in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|dt| dt.and_utc().timestamp_millis());
    }
    if s.len() == 7
        && let Ok(d) = NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
    {
        return d
            .and_hms_opt(0, 0, 0)
            .map(|dt| dt.and_utc().timestamp_millis());
    }
    if s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()) {
        let d = NaiveDate::from_ymd_opt(s.parse().ok()?, 1, 1)?;
        return d
            .and_hms_opt(0, 0, 0)
            .map(|dt| dt.and_utc().timestamp_millis());
    }
    None
}

fn hex_digest<D: Digest>(data: &[u8]) -> String {
    hex::encode(D::digest(data))
}

pub(super) fn call(ev: &Evaluator, a: Args, _input: Option<&Val>) -> Res<Option<Val>> {
    let r = match a.name {
        "now" => {
            let pic = a.str(0)?;
            let tz = a.str(1)?;
            Some(Val::str(&from_millis(
                ev.now_millis as f64,
                pic.as_deref(),
                tz.as_deref(),
            )?))
        }
        "millis" => Some(Val::Num(ev.now_millis as f64)),
        "fromMillis" => {
            let Some(ms) = a.num(0)? else { return Ok(None) };
            let pic = a.str(1)?;
            let tz = a.str(2)?;
            Some(Val::str(&from_millis(ms, pic.as_deref(), tz.as_deref())?))
        }
        "toMillis" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            match to_millis(&s) {
                Some(ms) => Some(Val::Num(ms as f64)),
                None => {
                    return Err(err_np(
                        "D3110",
                        &format!(
                            "The argument of the toMillis function must be an ISO 8601 formatted timestamp. Given \"{s}\""
                        ),
                    ));
                }
            }
        }
        "uuid" => Some(Val::str(&uuid::Uuid::new_v4().to_string())),
        "partition" => {
            let Some(items) = a.arr(0) else {
                return Ok(None);
            };
            let size = a.num(1)?.ok_or_else(|| a.err(1))?;
            if size < 1.0 || size.fract() != 0.0 {
                return Err(err_np(
                    "D3137",
                    "The second argument of $partition must be a positive integer",
                ));
            }
            Some(Val::array(
                items
                    .chunks(size as usize)
                    .map(|c| Val::array(c.to_vec()))
                    .collect(),
            ))
        }
        "range" => {
            let start = a.num(0)?.ok_or_else(|| a.err(0))?;
            let end = a.num(1)?.ok_or_else(|| a.err(1))?;
            let step = a.num(2)?.ok_or_else(|| a.err(2))?;
            if step == 0.0 || !step.is_finite() {
                return Err(err_np("D3137", "The step of $range must not be zero"));
            }
            let count = ((end - start) / step).floor();
            if count > 1_000_000.0 {
                return Err(err_np(
                    "D3137",
                    "The $range function would produce too many items",
                ));
            }
            let mut out = Vec::new();
            let mut i = 0.0;
            while i <= count {
                out.push(Val::Num(start + i * step));
                i += 1.0;
            }
            Some(Val::seq(out))
        }
        "hash" => {
            let Some(data) = a.str(0)? else {
                return Ok(None);
            };
            let alg = a
                .str(1)?
                .map(|s| s.to_string())
                .unwrap_or_else(|| "SHA-256".into());
            let bytes = data.as_bytes();
            let h = match alg.as_str() {
                "MD5" => hex_digest::<md5::Md5>(bytes),
                "SHA-1" => hex_digest::<sha1::Sha1>(bytes),
                "SHA-256" => hex_digest::<sha2::Sha256>(bytes),
                "SHA-384" => hex_digest::<sha2::Sha384>(bytes),
                "SHA-512" => hex_digest::<sha2::Sha512>(bytes),
                other => {
                    return Err(err_np(
                        "D3137",
                        &format!(
                            "Unsupported hash algorithm: {other}. Supported: MD5, SHA-1, SHA-256, SHA-384, SHA-512"
                        ),
                    ));
                }
            };
            Some(Val::str(&h))
        }
        "parse" => {
            let Some(s) = a.str(0)? else { return Ok(None) };
            let v: serde_json::Value = serde_json::from_str(&s)
                .map_err(|e| err_np("D3137", &format!("Invalid JSON passed to $parse: {e}")))?;
            Some(Val::from_json(&v))
        }
        "error" => {
            let msg = a
                .str(0)?
                .map(|s| s.to_string())
                .unwrap_or_else(|| "$error() function evaluated".into());
            return Err(err_np("D3137", &msg));
        }
        "assert" => {
            let cond = a.boolean(0)?.ok_or_else(|| a.err(0))?;
            if !cond {
                let msg = a
                    .str(1)?
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| "$assert() statement failed".into());
                return Err(err_np("D3141", &msg));
            }
            None
        }
        // Step Functions offers every JSONata 2.0.6 function but `$eval` ("$eval is not
        // available; use $parse instead", AWS Step Functions developer guide, "Transforming
        // data with JSONata"): evaluating strings from the input would parse without bound.
        "eval" => {
            return Err(err_np(
                "T1006",
                "Attempted to invoke a non-function: $eval is not available in Step Functions; use $parse to read JSON from a string",
            ));
        }
        _ => None,
    };
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_round_trip() {
        // From the JSONata docs: $toMillis("2017-11-07T15:07:54.972Z") => 1510067274972
        assert_eq!(
            to_millis("2017-11-07T15:07:54.972Z"),
            Some(1_510_067_274_972)
        );
        assert_eq!(
            from_millis(1_510_067_274_972.0, None, None).unwrap(),
            "2017-11-07T15:07:54.972Z"
        );
    }

    #[test]
    fn pictures() {
        // From the JSONata docs: $fromMillis(1510067557121, '[M01]/[D01]/[Y0001] [h#1]:[m01][P]')
        assert_eq!(
            from_millis(
                1_510_067_557_121.0,
                Some("[M01]/[D01]/[Y0001] [h#1]:[m01][P]"),
                None
            )
            .unwrap(),
            "11/07/2017 3:12pm"
        );
        assert_eq!(
            from_millis(
                1_510_067_557_121.0,
                Some("[H01]:[m01]:[s01] [z]"),
                Some("-0500")
            )
            .unwrap(),
            "10:12:37 GMT-05:00"
        );
    }
}
