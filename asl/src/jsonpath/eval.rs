//! Evaluation of parsed paths, following Jayway's rules for definite and indefinite paths.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::filter::matches;

/// The budget of one path evaluation: nodes visited plus matches produced. A deep scan
/// after a deep scan (`$..*..*..*..*`) grows with the power of the document's depth; this
/// bound (a million, a fraction of a second) ends it with a "path budget" cause instead of
/// taking the machine's memory. Ordinary paths over a 256 KiB state visit far fewer nodes.
pub const MAX_PATH_NODES: u64 = 1_000_000;
use super::syntax::{Parsed, Segment, render};

/// Evaluates `parsed` on `doc` (already resolved from the path's root). A definite path
/// yields its value or Jayway's "not found" message; an indefinite one yields an array.
pub(crate) fn evaluate(parsed: &Parsed, doc: &Value) -> Result<Value, String> {
    let (segments, function) = split_function(&parsed.segments);
    if let Some(name) = function.filter(|name| AGGREGATES.contains(name)) {
        // Step Functions accepts a definition with `$.Jobs.sum()` but the execution fails
        // with "The JSONPath '$.Jobs.sum()' ... could not be found in the input" (re:Post,
        // "AWS StepFunctions: sum() function returns error about not finding path",
        // repost.aws/questions/QUYiQKP0XfThWEc_ahsMnLOA). Jayway's numeric aggregations
        // (avg, stddev, sum, min, max: one class, AbstractAggregation) fail the same way.
        return Err(format!(
            "Function {name}() is not evaluated by Step Functions: a path ending in a \
             numeric aggregation is reported as not found"
        ));
    }
    let definite = parsed.is_definite();
    let mut walker = Walker {
        root: doc,
        segments,
        strict: definite,
        out: Vec::new(),
        visited: 0,
    };
    walker.walk(doc, 0, "$".to_owned())?;
    if definite {
        let result = match walker.out.into_iter().next() {
            Some(v) => v.into_owned(),
            None => return Err(format!("No results for path: {}", render(segments))),
        };
        return match function {
            Some(name) => apply_function(name, result),
            None => Ok(result),
        };
    }
    let matches: Vec<Value> = walker.out.into_iter().map(Cow::into_owned).collect();
    match function {
        None => Ok(Value::Array(matches)),
        Some(name) => Ok(apply_to_matches(name, segments, matches)),
    }
}

/// Jayway's numeric aggregation functions.
const AGGREGATES: &[&str] = &["avg", "stddev", "sum", "min", "max"];

/// A function after an indefinite path. As in Jayway: after a leading deep scan
/// (`$..book.length()`) it applies to all the matches together (`length()` counting their
/// children); otherwise to each match, yielding the array of the results.
fn apply_to_matches(name: &str, segments: &[Segment], matches: Vec<Value>) -> Value {
    if segments.first() == Some(&Segment::Scan) {
        let result = if matches!(name, "length" | "size") {
            let count: usize = matches
                .iter()
                .map(|m| match m {
                    Value::Array(a) => a.len(),
                    Value::Object(o) => o.len(),
                    _ => 0,
                })
                .sum();
            Ok(Value::from(count))
        } else {
            apply_function(name, Value::Array(matches))
        };
        return result.unwrap_or(Value::Null);
    }
    Value::Array(
        matches
            .into_iter()
            .filter_map(|m| apply_function(name, m).ok())
            .collect(),
    )
}

/// Evaluates a path inside a filter (`@...` on `base`, `$...` on `root`): `None` when a
/// definite path matches nothing.
pub(crate) fn evaluate_relative(parsed: &Parsed, base: &Value, root: &Value) -> Option<Value> {
    let (segments, function) = split_function(&parsed.segments);
    let definite = parsed.is_definite();
    let mut walker = Walker {
        root,
        segments,
        strict: false,
        out: Vec::new(),
        visited: 0,
    };
    walker.walk(base, 0, "@".to_owned()).ok()?;
    let result = if definite {
        walker.out.into_iter().next()?.into_owned()
    } else {
        Value::Array(walker.out.into_iter().map(Cow::into_owned).collect())
    };
    match function {
        Some(name) => apply_function(name, result).ok(),
        None => Some(result),
    }
}

fn split_function(segments: &[Segment]) -> (&[Segment], Option<&str>) {
    match segments.split_last() {
        Some((Segment::Function(name), rest)) => (rest, Some(name.as_str())),
        _ => (segments, None),
    }
}

struct Walker<'v, 's> {
    root: &'v Value,
    segments: &'s [Segment],
    /// Report Jayway's errors (only for definite paths; indefinite ones just skip).
    strict: bool,
    out: Vec<Cow<'v, Value>>,
    /// Nodes visited and matches produced so far (see [`MAX_PATH_NODES`]).
    visited: u64,
}

impl<'v> Walker<'v, '_> {
    fn walk(&mut self, node: &'v Value, i: usize, path: String) -> Result<(), String> {
        self.visited += 1;
        if self.visited > MAX_PATH_NODES {
            return Err(format!(
                "The path visits more than {MAX_PATH_NODES} nodes, the evaluation budget of one path; narrow it (a deep scan `..` after another multiplies the nodes visited)"
            ));
        }
        let Some(segment) = self.segments.get(i) else {
            self.out.push(Cow::Borrowed(node));
            return Ok(());
        };
        let leaf = i + 1 == self.segments.len();
        match segment {
            Segment::Names(names) if names.len() == 1 || leaf => {
                let Value::Object(map) = node else {
                    if self.strict {
                        let shown = render_names(names);
                        return Err(format!(
                            "Expected to find an object with property {shown} in path {path} but found '{}'. This is not a json object according to the JsonProvider: 'com.jayway.jsonpath.spi.json.JacksonJsonNodeJsonProvider'.",
                            java_type(node)
                        ));
                    }
                    return Ok(());
                };
                if names.len() > 1 {
                    // Jayway: several names at the end of a path select an object of them.
                    let merged: Map<String, Value> = names
                        .iter()
                        .filter_map(|n| map.get(n).map(|v| (n.clone(), v.clone())))
                        .collect();
                    self.out.push(Cow::Owned(Value::Object(merged)));
                    return Ok(());
                }
                let name = &names[0];
                let next_path = format!("{path}['{name}']");
                match map.get(name) {
                    Some(child) => self.walk(child, i + 1, next_path),
                    None if leaf || !self.strict => Ok(()),
                    None => Err(format!("Missing property in path {next_path}")),
                }
            }
            Segment::Names(names) => {
                if let Value::Object(map) = node {
                    for name in names {
                        if let Some(child) = map.get(name) {
                            self.walk(child, i + 1, format!("{path}['{name}']"))?;
                        }
                    }
                }
                Ok(())
            }
            Segment::Indexes(indexes) => {
                let Value::Array(items) = node else {
                    if self.strict {
                        return Err(match node {
                            Value::Null => format!("The path {path} is null"),
                            other => format!(
                                "Filter: [{}] can only be applied to arrays. Current context is: {other}",
                                indexes
                                    .iter()
                                    .map(i64::to_string)
                                    .collect::<Vec<_>>()
                                    .join(",")
                            ),
                        });
                    }
                    return Ok(());
                };
                let len = items.len() as i64;
                for &index in indexes {
                    let effective = if index < 0 { len + index } else { index };
                    if (0..len).contains(&effective) {
                        self.walk(
                            &items[effective as usize],
                            i + 1,
                            format!("{path}[{effective}]"),
                        )?;
                    }
                }
                Ok(())
            }
            Segment::Wildcard => {
                match node {
                    Value::Object(map) => {
                        for (name, child) in map {
                            self.walk(child, i + 1, format!("{path}['{name}']"))?;
                        }
                    }
                    Value::Array(items) => {
                        for (n, child) in items.iter().enumerate() {
                            self.walk(child, i + 1, format!("{path}[{n}]"))?;
                        }
                    }
                    _ => {}
                }
                Ok(())
            }
            Segment::Slice(start, end, step) => {
                if let Value::Array(items) = node {
                    for n in slice_indexes(items.len(), *start, *end, *step) {
                        self.walk(&items[n], i + 1, format!("{path}[{n}]"))?;
                    }
                }
                Ok(())
            }
            Segment::Filter(expr) => {
                match node {
                    Value::Array(items) => {
                        for (n, child) in items.iter().enumerate() {
                            // AWS: "The @ operator, matching the current node being
                            // processed in a filter, does not match scalar values. It only
                            // matches objects." (developer guide, "Reference Paths").
                            if child.is_object() && matches(expr, child, self.root) {
                                self.walk(child, i + 1, format!("{path}[{n}]"))?;
                            }
                        }
                    }
                    Value::Object(_) if matches(expr, node, self.root) => {
                        self.walk(node, i + 1, path)?;
                    }
                    _ => {}
                }
                Ok(())
            }
            Segment::Scan => {
                let mut nodes = Vec::new();
                collect_subtree(node, path, &mut nodes);
                self.visited += nodes.len() as u64;
                for (child, child_path) in nodes {
                    self.walk(child, i + 1, child_path)?;
                }
                Ok(())
            }
            Segment::Function(_) => {
                // Functions are split off before walking; a function elsewhere is a syntax
                // error.
                Ok(())
            }
        }
    }
}

fn render_names(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    format!("[{}]", quoted.join(","))
}

fn java_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "com.fasterxml.jackson.databind.node.BooleanNode",
        Value::Number(n) if n.is_f64() => "com.fasterxml.jackson.databind.node.DoubleNode",
        Value::Number(_) => "com.fasterxml.jackson.databind.node.IntNode",
        Value::String(_) => "com.fasterxml.jackson.databind.node.TextNode",
        Value::Array(_) => "com.fasterxml.jackson.databind.node.ArrayNode",
        Value::Object(_) => "com.fasterxml.jackson.databind.node.ObjectNode",
    }
}

fn collect_subtree<'v>(node: &'v Value, path: String, out: &mut Vec<(&'v Value, String)>) {
    out.push((node, path.clone()));
    match node {
        Value::Object(map) => {
            for (name, child) in map {
                collect_subtree(child, format!("{path}['{name}']"), out);
            }
        }
        Value::Array(items) => {
            for (n, child) in items.iter().enumerate() {
                collect_subtree(child, format!("{path}[{n}]"), out);
            }
        }
        _ => {}
    }
}

/// Python-style slice indexes (negative bounds count from the end; out-of-range bounds are
/// clamped).
fn slice_indexes(
    len: usize,
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
) -> Vec<usize> {
    let len = len as i64;
    let step = step.unwrap_or(1);
    let norm = |v: i64| if v < 0 { v + len } else { v };
    let mut out = Vec::new();
    if step > 0 {
        let s = start.map(norm).unwrap_or(0).clamp(0, len);
        let e = end.map(norm).unwrap_or(len).clamp(0, len);
        let mut k = s;
        while k < e {
            out.push(k as usize);
            k += step;
        }
    } else if step < 0 {
        let s = start.map(norm).unwrap_or(len - 1).clamp(-1, len - 1);
        let e = end.map(norm).unwrap_or(-1).clamp(-1, len - 1);
        let mut k = s;
        while k > e {
            out.push(k as usize);
            k += step;
        }
    }
    out
}

fn numbers(value: &Value) -> Vec<f64> {
    match value {
        Value::Array(items) => items.iter().filter_map(Value::as_f64).collect(),
        Value::Number(n) => n.as_f64().into_iter().collect(),
        _ => Vec::new(),
    }
}

fn float(v: f64) -> Result<Value, String> {
    serde_json::Number::from_f64(v)
        .map(Value::Number)
        .ok_or_else(|| "Function result is not a finite number".to_owned())
}

fn apply_function(name: &str, value: Value) -> Result<Value, String> {
    let aggregate = |values: Vec<f64>| {
        if values.is_empty() {
            Err("Aggregation function attempted to calculate value using empty array".to_owned())
        } else {
            Ok(values)
        }
    };
    match name {
        "length" | "size" => match &value {
            Value::Array(a) => Ok(Value::from(a.len())),
            Value::Object(m) => Ok(Value::from(m.len())),
            Value::String(s) => Ok(Value::from(s.chars().count())),
            _ => Err(format!("Function {name}() can only be applied to an array")),
        },
        "sum" => float(aggregate(numbers(&value))?.iter().sum()),
        "avg" => {
            let v = aggregate(numbers(&value))?;
            float(v.iter().sum::<f64>() / v.len() as f64)
        }
        "min" => float(
            aggregate(numbers(&value))?
                .into_iter()
                .fold(f64::INFINITY, f64::min),
        ),
        "max" => float(
            aggregate(numbers(&value))?
                .into_iter()
                .fold(f64::NEG_INFINITY, f64::max),
        ),
        "stddev" => {
            let v = aggregate(numbers(&value))?;
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let var = v.iter().map(|x| x * x).sum::<f64>() / n - mean * mean;
            float(var.max(0.0).sqrt())
        }
        "keys" => match value {
            Value::Object(m) => Ok(Value::Array(m.keys().cloned().map(Value::String).collect())),
            _ => Err("Function keys() can only be applied to an object".to_owned()),
        },
        "first" | "last" => match value {
            Value::Array(a) => {
                let item = if name == "first" { a.first() } else { a.last() };
                item.cloned()
                    .ok_or_else(|| format!("Function {name}() applied to an empty array"))
            }
            _ => Err(format!("Function {name}() can only be applied to an array")),
        },
        other => Err(format!("unknown function {other}()")),
    }
}

/// JSON equality where numbers compare by value (`1 == 1.0`).
pub(crate) fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(i), Some(j)) => i == j,
            _ => match (x.as_u64(), y.as_u64()) {
                (Some(i), Some(j)) => i == j,
                _ => x.as_f64() == y.as_f64(),
            },
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| values_equal(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| values_equal(v, w)))
        }
        _ => a == b,
    }
}
