//! Evaluation of parsed paths, following Jayway's rules for definite and indefinite paths.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::filter::matches;

/// The budget of one path evaluation: nodes visited plus matches produced. A deep scan
/// after a deep scan (`$..*..*..*..*`) grows with the power of the document's depth; this
/// bound (a million, a fraction of a second) ends it with a "path budget" cause instead of
/// taking the machine's memory. Ordinary paths over a 256 KiB state visit far fewer nodes.
pub const MAX_PATH_NODES: u64 = 1_000_000;
use super::syntax::{FunctionArg, Parsed, Segment, render};

/// Evaluates `parsed` on `doc` (already resolved from the path's root). A definite path
/// yields its value or Jayway's "not found" message; an indefinite one yields an array.
///
/// A path that ends in a function (`$.Jobs.sum()`, `$.items.length()`) is reported as not
/// found. Step Functions accepts such a definition, but its execution fails with "The
/// JSONPath '$.Jobs.sum()' specified for the field 'Jobs.$' could not be found in the input"
/// (re:Post, "AWS StepFunctions: sum() function returns error about not finding path",
/// repost.aws/questions/QUYiQKP0XfThWEc_ahsMnLOA), and the developer guide says "Functions
/// such as length() aren't supported" ("Reference Paths"). Inside a filter
/// (`[?(@.v.length() > 1)]`) functions are Jayway's (see [`evaluate_relative`]).
pub(crate) fn evaluate(parsed: &Parsed, doc: &Value) -> Result<Value, String> {
    if let Some(Segment::Function(name, _)) = parsed.segments.last() {
        return Err(format!(
            "Step Functions does not evaluate the function {name}() at the end of a path: \
             the path is reported as not found"
        ));
    }
    let segments = &parsed.segments[..];
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
        return match walker.out.into_iter().next() {
            Some(v) => Ok(v.into_owned()),
            None => Err(format!("No results for path: {}", render(segments))),
        };
    }
    Ok(Value::Array(
        walker.out.into_iter().map(Cow::into_owned).collect(),
    ))
}

/// Evaluates a path inside a filter (`@...` on `base`, `$...` on `root`): `None` when a
/// definite path matches nothing, or a function cannot apply (Jayway's "undefined").
pub(crate) fn evaluate_relative(parsed: &Parsed, base: &Value, root: &Value) -> Option<Value> {
    let (segments, function) = match parsed.segments.split_last() {
        Some((Segment::Function(name, args), rest)) => (rest, Some((name.as_str(), args))),
        _ => (&parsed.segments[..], None),
    };
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
    let Some((name, args)) = function else {
        return Some(result);
    };
    let mut values = Vec::with_capacity(args.len());
    for arg in args {
        values.push(match arg {
            FunctionArg::Value(v) => v.clone(),
            FunctionArg::Path(p, relative) => {
                evaluate_relative(p, if *relative { base } else { root }, root)?
            }
        });
    }
    apply_function(name, result, &values).ok()
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

/// One step still to take: a node, the index of the segment to apply to it, and its path.
type Pending<'v> = (&'v Value, usize, String);

impl<'v> Walker<'v, '_> {
    /// Applies the segments from `i` on to `node`, depth first in document order (Jayway's
    /// order). The walk keeps its own stack rather than recursing once per segment, so that
    /// a long path cannot exhaust the thread's stack.
    fn walk(&mut self, node: &'v Value, i: usize, path: String) -> Result<(), String> {
        let mut stack: Vec<Pending<'v>> = vec![(node, i, path)];
        let mut next: Vec<Pending<'v>> = Vec::new();
        while let Some((node, i, path)) = stack.pop() {
            self.visited += 1;
            if self.visited > MAX_PATH_NODES {
                return Err(format!(
                    "The path visits more than {MAX_PATH_NODES} nodes, the evaluation budget of one path; narrow it (a deep scan `..` after another multiplies the nodes visited)"
                ));
            }
            self.step(node, i, path, &mut next)?;
            stack.extend(next.drain(..).rev());
        }
        Ok(())
    }

    /// Applies segment `i` to `node`: the nodes it leads to go to `next`, in order.
    fn step(
        &mut self,
        node: &'v Value,
        i: usize,
        path: String,
        next: &mut Vec<Pending<'v>>,
    ) -> Result<(), String> {
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
                    Some(child) => {
                        next.push((child, i + 1, next_path));
                        Ok(())
                    }
                    None if leaf || !self.strict => Ok(()),
                    None => Err(format!("Missing property in path {next_path}")),
                }
            }
            Segment::Names(names) => {
                if let Value::Object(map) = node {
                    for name in names {
                        if let Some(child) = map.get(name) {
                            next.push((child, i + 1, format!("{path}['{name}']")));
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
                        next.push((
                            &items[effective as usize],
                            i + 1,
                            format!("{path}[{effective}]"),
                        ));
                    }
                }
                Ok(())
            }
            Segment::Wildcard => {
                match node {
                    Value::Object(map) => {
                        for (name, child) in map {
                            next.push((child, i + 1, format!("{path}['{name}']")));
                        }
                    }
                    Value::Array(items) => {
                        for (n, child) in items.iter().enumerate() {
                            next.push((child, i + 1, format!("{path}[{n}]")));
                        }
                    }
                    _ => {}
                }
                Ok(())
            }
            Segment::Slice(start, end, _step) => {
                if let Value::Array(items) = node {
                    for n in slice_indexes(items.len(), *start, *end) {
                        next.push((&items[n], i + 1, format!("{path}[{n}]")));
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
                                next.push((child, i + 1, format!("{path}[{n}]")));
                            }
                        }
                    }
                    Value::Object(_) if matches(expr, node, self.root) => {
                        next.push((node, i + 1, path));
                    }
                    _ => {}
                }
                Ok(())
            }
            Segment::Scan => {
                let mut nodes = Vec::new();
                collect_subtree(node, path, &mut nodes);
                self.visited += nodes.len() as u64;
                if let Some(Segment::Filter(expr)) = self.segments.get(i + 1) {
                    // Jayway's ScanPathToken tests a filter on every object of the subtree
                    // (the start included), each once: an object in an array is not also
                    // tested as an element of that array.
                    for (child, child_path) in nodes {
                        if child.is_object() && matches(expr, child, self.root) {
                            next.push((child, i + 2, child_path));
                        }
                    }
                    return Ok(());
                }
                for (child, child_path) in nodes {
                    next.push((child, i + 1, child_path));
                }
                Ok(())
            }
            Segment::Function(..) => {
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

/// The indexes Jayway 2.x's `ArraySliceToken` visits. Only the first two parts count (a step
/// is read and ignored, as `ArraySliceOperation.parse` reads two tokens):
/// - `[from:]`: a negative `from` counts from the end; `from..len`.
/// - `[:to]`: a negative `to` counts from the end; `0..min(to, len)`.
/// - `[from:to]`: neither is adjusted first; `from..min(to, len)` when `from < to`, and each
///   negative index in that range then counts from the end (`[-2:-1]` is the one before
///   last, `[1:-1]` is empty).
///
/// Indexes that still fall outside the array are skipped.
fn slice_indexes(len: usize, start: Option<i64>, end: Option<i64>) -> Vec<usize> {
    let len = len as i64;
    let range: Vec<i64> = match (start, end) {
        (Some(from), None) => {
            let from = if from < 0 { len + from } else { from }.max(0);
            (from..len).collect()
        }
        (None, Some(to)) => {
            let to = if to < 0 { len + to } else { to }.min(len);
            (0..to).collect()
        }
        (Some(from), Some(to)) => {
            let to = to.min(len);
            if from >= to {
                Vec::new()
            } else {
                (from..to)
                    .map(|k| if k < 0 { len + k } else { k })
                    .collect()
            }
        }
        (None, None) => Vec::new(),
    };
    range
        .into_iter()
        .filter(|k| (0..len).contains(k))
        .map(|k| k as usize)
        .collect()
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

/// Jayway's path functions on `value` (the result of the path before them), with their
/// arguments' values.
fn apply_function(name: &str, value: Value, args: &[Value]) -> Result<Value, String> {
    // Jayway's AbstractAggregation: the numbers of an array, then numeric arguments.
    let aggregate = |mut values: Vec<f64>| {
        values.extend(args.iter().filter_map(Value::as_f64));
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
        // Concatenate: the string elements of an array, then each argument.
        "concat" => {
            let mut out = String::new();
            if let Value::Array(items) = &value {
                for item in items {
                    if let Value::String(s) = item {
                        out.push_str(s);
                    }
                }
            }
            for arg in args {
                match arg {
                    Value::String(s) => out.push_str(s),
                    Value::Null => {}
                    other => out.push_str(&other.to_string()),
                }
            }
            Ok(Value::String(out))
        }
        // Append: each argument added to an array; anything else is left as it is.
        "append" => match value {
            Value::Array(mut items) => {
                items.extend(args.iter().cloned());
                Ok(Value::Array(items))
            }
            other => Ok(other),
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
