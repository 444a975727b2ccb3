//! Date/time functions, `$error`/`$assert`/`$eval`, and the functions Step Functions
//! adds to JSONata: `$partition`, `$range`, `$hash`, `$random(seed)`, `$uuid`, `$parse`.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use md5::Digest;

use super::Args;
use crate::errors::{Res, err_np};
use crate::eval::Evaluator;
use crate::value::Val;

fn from_millis(ms: f64, picture: Option<&str>, tz: Option<&str>) -> Res<String> {
    super::datetime::from_millis(ms, picture, tz)
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
            if let Some(pic) = a.str(1)? {
                return Ok(
                    super::datetime::parse_datetime(&s, &pic, ev.now_millis as f64)?.map(Val::Num),
                );
            }
            let iso = fancy_regex::Regex::new(
                r"^\d{4}(-[01]\d)*(-[0-3]\d)*(T[0-2]\d:[0-5]\d:[0-5]\d)*(\.\d+)?([+-][0-2]\d:?[0-5]\d|Z)?$",
            )
            .expect("valid");
            let parsed = if iso.is_match(s.as_ref()).unwrap_or(false) {
                to_millis(&s)
            } else {
                None
            };
            match parsed {
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
