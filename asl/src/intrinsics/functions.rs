//! The intrinsic functions themselves.

use base64::Engine as _;
use rand::{Rng as _, SeedableRng as _};
use serde_json::{Map, Value};

use super::parser::{Arg, Call};
use super::{IntrinsicError, failure};
use crate::jsonpath::{self, PathError, Scope};

/// Largest array `States.ArrayRange` may produce.
const MAX_RANGE_ITEMS: usize = 1000;
/// Largest input (in characters) for the encoding and hash functions.
const MAX_TEXT_CHARS: usize = 10_000;

/// An evaluated argument: its value and, for string literals, which characters were
/// escaped (so `States.Format` can tell `\{\}` from a placeholder).
struct Evaluated {
    value: Value,
    escaped: Option<Vec<bool>>,
}

/// Evaluates a parsed call.
pub(crate) fn call(call: &Call, input: &Value, scope: &Scope<'_>) -> Result<Value, IntrinsicError> {
    let mut args = Vec::with_capacity(call.args.len());
    for arg in &call.args {
        args.push(evaluate_arg(arg, input, scope)?);
    }
    let f = Func {
        name: &call.name,
        args: &args,
    };
    match call.name.as_str() {
        "Format" => f.format(),
        "StringToJson" => f.string_to_json(),
        "JsonToString" => Ok(Value::String(
            serde_json::to_string(f.value(0)).unwrap_or_default(),
        )),
        "Array" => Ok(Value::Array(args.into_iter().map(|a| a.value).collect())),
        "ArrayPartition" => f.array_partition(),
        "ArrayContains" => {
            let array = f.array(0)?;
            let needle = f.value(1);
            Ok(Value::Bool(
                array.iter().any(|x| jsonpath::values_equal(x, needle)),
            ))
        }
        "ArrayRange" => f.array_range(),
        "ArrayGetItem" => f.array_get_item(),
        "ArrayLength" => Ok(Value::from(f.array(0)?.len())),
        "ArrayUnique" => {
            let mut unique: Vec<Value> = Vec::new();
            for item in f.array(0)? {
                if !unique.iter().any(|u| jsonpath::values_equal(u, item)) {
                    unique.push(item.clone());
                }
            }
            Ok(Value::Array(unique))
        }
        "Base64Encode" => {
            let text = f.limited_string(0)?;
            Ok(Value::String(
                base64::engine::general_purpose::STANDARD.encode(text.as_bytes()),
            ))
        }
        "Base64Decode" => f.base64_decode(),
        "Hash" => f.hash(),
        "JsonMerge" => f.json_merge(),
        "MathRandom" => f.math_random(),
        "MathAdd" => {
            let a = f.rounded(0)?;
            let b = f.rounded(1)?;
            a.checked_add(b)
                .map(Value::from)
                .ok_or_else(|| failure("The result of States.MathAdd is out of range"))
        }
        "StringSplit" => {
            let text = f.string(0)?;
            let delimiters: Vec<char> = f.string(1)?.chars().collect();
            Ok(Value::Array(
                text.split(|c| delimiters.contains(&c))
                    .filter(|s| !s.is_empty())
                    .map(|s| Value::String(s.to_owned()))
                    .collect(),
            ))
        }
        "UUID" => Ok(Value::String(uuid::Uuid::new_v4().to_string())),
        other => Err(failure(format!(
            "Unknown intrinsic function States.{other}"
        ))),
    }
}

fn evaluate_arg(arg: &Arg, input: &Value, scope: &Scope<'_>) -> Result<Evaluated, IntrinsicError> {
    Ok(match arg {
        Arg::Str { value, escaped } => Evaluated {
            value: Value::String(value.clone()),
            escaped: Some(escaped.clone()),
        },
        Arg::Literal(v) => Evaluated {
            value: v.clone(),
            escaped: None,
        },
        Arg::Path(path) => Evaluated {
            value: path
                .select(input, scope)
                .map_err(|e| path_error(&path.text, &e))?,
            escaped: None,
        },
        Arg::Call(inner) => Evaluated {
            value: call(inner, input, scope)?,
            escaped: None,
        },
    })
}

fn path_error(path: &str, error: &PathError) -> IntrinsicError {
    let cause = match error {
        PathError::NoResults { .. } => {
            format!("The JSONPath '{path}' could not be found in the input")
        }
        PathError::UndefinedVariable { .. } => {
            format!("The JSONPath '{path}' refers to an undefined variable")
        }
        PathError::Syntax { reason, .. } => format!("Invalid path '{path}' : {reason}"),
    };
    IntrinsicError {
        error: "States.Runtime".to_owned(),
        cause,
    }
}

struct Func<'a> {
    name: &'a str,
    args: &'a [Evaluated],
}

fn ordinal(i: usize) -> &'static str {
    ["first", "second", "third", "fourth"]
        .get(i)
        .copied()
        .unwrap_or("next")
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl<'a> Func<'a> {
    fn value(&self, i: usize) -> &'a Value {
        &self.args[i].value
    }

    fn wrong_type(&self, i: usize, expected: &str) -> IntrinsicError {
        let v = self.value(i);
        failure(format!(
            "The {} argument of States.{} must be {expected}, but was {}: {}",
            ordinal(i),
            self.name,
            type_name(v),
            serde_json::to_string(v).unwrap_or_default()
        ))
    }

    fn string(&self, i: usize) -> Result<&'a str, IntrinsicError> {
        self.value(i)
            .as_str()
            .ok_or_else(|| self.wrong_type(i, "a string"))
    }

    fn limited_string(&self, i: usize) -> Result<&'a str, IntrinsicError> {
        let s = self.string(i)?;
        if s.chars().count() > MAX_TEXT_CHARS {
            return Err(failure(format!(
                "The {} argument of States.{} must not exceed {MAX_TEXT_CHARS} characters",
                ordinal(i),
                self.name
            )));
        }
        Ok(s)
    }

    fn array(&self, i: usize) -> Result<&'a Vec<Value>, IntrinsicError> {
        self.value(i)
            .as_array()
            .ok_or_else(|| self.wrong_type(i, "an array"))
    }

    fn object(&self, i: usize) -> Result<&'a Map<String, Value>, IntrinsicError> {
        self.value(i)
            .as_object()
            .ok_or_else(|| self.wrong_type(i, "an object"))
    }

    /// An integer argument (a number with no fractional part).
    fn integer(&self, i: usize) -> Result<i64, IntrinsicError> {
        let v = self.value(i);
        if let Some(n) = v.as_i64() {
            return Ok(n);
        }
        match v.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(f as i64),
            _ => Err(self.wrong_type(i, "an integer")),
        }
    }

    /// A number rounded as Java's `Math.round` does (half up), as `States.MathAdd` does.
    fn rounded(&self, i: usize) -> Result<i64, IntrinsicError> {
        let v = self.value(i);
        if let Some(n) = v.as_i64() {
            return Ok(n);
        }
        match v.as_f64() {
            Some(f) if f.is_finite() && f.abs() < 9.0e18 => Ok((f + 0.5).floor() as i64),
            _ => Err(self.wrong_type(i, "a number")),
        }
    }

    fn format(&self) -> Result<Value, IntrinsicError> {
        let template = self.string(0)?;
        let escaped = self.args[0].escaped.clone().unwrap_or_default();
        let chars: Vec<char> = template.chars().collect();
        let is_escaped = |k: usize| escaped.get(k).copied().unwrap_or(false);
        let mut placeholders = 0;
        let mut k = 0;
        while k < chars.len() {
            if chars[k] == '{'
                && !is_escaped(k)
                && chars.get(k + 1) == Some(&'}')
                && !is_escaped(k + 1)
            {
                placeholders += 1;
                k += 2;
            } else {
                k += 1;
            }
        }
        let values = &self.args[1..];
        if placeholders != values.len() {
            return Err(failure(format!(
                "Number of arguments in States.Format does not match the number of placeholders: the format string has {placeholders} '{{}}' but {} argument(s) were given",
                values.len()
            )));
        }
        let mut out = String::new();
        let mut next = values.iter();
        let mut k = 0;
        while k < chars.len() {
            if chars[k] == '{'
                && !is_escaped(k)
                && chars.get(k + 1) == Some(&'}')
                && !is_escaped(k + 1)
            {
                if let Some(arg) = next.next() {
                    out.push_str(&java_string(&arg.value));
                }
                k += 2;
            } else {
                out.push(chars[k]);
                k += 1;
            }
        }
        Ok(Value::String(out))
    }

    fn string_to_json(&self) -> Result<Value, IntrinsicError> {
        let text = self.string(0)?;
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Ok(Value::Null);
        }
        let value: Value = serde_json::from_str(trimmed).map_err(|e| {
            failure(format!(
                "The argument of States.StringToJson is not valid JSON: {text} ({e})"
            ))
        })?;
        // `-0` parses as a float; AWS (Jackson) gives the integer 0.
        Ok(match &value {
            Value::Number(n) if n.as_f64() == Some(0.0) && !trimmed.contains(['.', 'e', 'E']) => {
                Value::from(0)
            }
            _ => value,
        })
    }

    fn array_partition(&self) -> Result<Value, IntrinsicError> {
        let array = self.array(0)?;
        let size = self.integer(1)?;
        if size <= 0 {
            return Err(failure(format!(
                "The chunk size of States.ArrayPartition must be greater than 0, but was {size}"
            )));
        }
        Ok(Value::Array(
            array
                .chunks(size as usize)
                .map(|c| Value::Array(c.to_vec()))
                .collect(),
        ))
    }

    fn array_range(&self) -> Result<Value, IntrinsicError> {
        let start = self.integer(0)?;
        let end = self.integer(1)?;
        let step = self.integer(2)?;
        if step == 0 {
            return Err(failure("The step of States.ArrayRange must not be 0"));
        }
        let count = if (step > 0 && end < start) || (step < 0 && end > start) {
            0
        } else {
            (end as i128 - start as i128) / step as i128 + 1
        };
        if count > MAX_RANGE_ITEMS as i128 {
            return Err(failure(format!(
                "States.ArrayRange would produce {count} items, more than the maximum of {MAX_RANGE_ITEMS}"
            )));
        }
        Ok(Value::Array(
            (0..count as i64)
                .map(|k| Value::from(start + k * step))
                .collect(),
        ))
    }

    fn array_get_item(&self) -> Result<Value, IntrinsicError> {
        let array = self.array(0)?;
        let index = self.integer(1)?;
        if index < 0 || index as usize >= array.len() {
            return Err(failure(format!(
                "The index {index} is out of bounds for States.ArrayGetItem on an array of length {}",
                array.len()
            )));
        }
        Ok(array[index as usize].clone())
    }

    fn base64_decode(&self) -> Result<Value, IntrinsicError> {
        let text = self.limited_string(0)?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| {
                failure(format!(
                    "The argument of States.Base64Decode is not valid base64: {text} ({e})"
                ))
            })?;
        String::from_utf8(bytes)
            .map(Value::String)
            .map_err(|_| failure("The decoded value of States.Base64Decode is not valid UTF-8"))
    }

    fn hash(&self) -> Result<Value, IntrinsicError> {
        use sha2::Digest as _;
        let data = self.limited_string(0)?.as_bytes();
        let algorithm = self.string(1)?;
        let digest = match algorithm {
            "MD5" => md5::Md5::digest(data).to_vec(),
            "SHA-1" => sha1::Sha1::digest(data).to_vec(),
            "SHA-256" => sha2::Sha256::digest(data).to_vec(),
            "SHA-384" => sha2::Sha384::digest(data).to_vec(),
            "SHA-512" => sha2::Sha512::digest(data).to_vec(),
            other => {
                return Err(failure(format!(
                    "The hashing algorithm '{other}' is not supported by States.Hash; use one of MD5, SHA-1, SHA-256, SHA-384, SHA-512"
                )));
            }
        };
        Ok(Value::String(hex::encode(digest)))
    }

    fn json_merge(&self) -> Result<Value, IntrinsicError> {
        let first = self.object(0)?;
        let second = self.object(1)?;
        let deep = self
            .value(2)
            .as_bool()
            .ok_or_else(|| self.wrong_type(2, "a boolean"))?;
        if deep {
            return Err(failure(
                "States.JsonMerge supports only a shallow merge: its third argument must be false",
            ));
        }
        let mut merged = first.clone();
        for (k, v) in second {
            merged.insert(k.clone(), v.clone());
        }
        Ok(Value::Object(merged))
    }

    fn math_random(&self) -> Result<Value, IntrinsicError> {
        let start = self.rounded(0)?;
        let end = self.rounded(1)?;
        if start >= end {
            return Err(failure(format!(
                "The start ({start}) of States.MathRandom must be less than its end ({end})"
            )));
        }
        let n = if self.args.len() == 3 {
            let seed = self.rounded(2)?;
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed as u64);
            rng.random_range(start..end)
        } else {
            rand::rng().random_range(start..end)
        };
        Ok(Value::from(n))
    }
}

/// Java's `toString` of a JSON value (what `States.Format` inserts).
pub(crate) fn java_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::String(s) => s.clone(),
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() {
                n.to_string()
            } else {
                java_double(n.as_f64().unwrap_or(0.0))
            }
        }
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(java_string).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Object(map) => {
            let parts: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{k}={}", java_string(v)))
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

/// Java's `Double.toString`: plain notation in [1e-3, 1e7), scientific (`1.0E20`) outside,
/// always with a fractional part.
pub(crate) fn java_double(f: f64) -> String {
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.to_owned();
    }
    let abs = f.abs();
    if (1e-3..1e7).contains(&abs) {
        let s = format!("{f}");
        if s.contains('.') { s } else { format!("{s}.0") }
    } else {
        let s = format!("{f:e}");
        let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
        let mantissa = if mantissa.contains('.') {
            mantissa.to_owned()
        } else {
            format!("{mantissa}.0")
        };
        format!("{mantissa}E{exponent}")
    }
}
