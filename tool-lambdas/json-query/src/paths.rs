//! Normalized paths (RFC 9535 section 2.7) of the matches returned, found after evaluation.
//!
//! A node's normalized path depends only on where it sits in the document, not on how the
//! query reached it, and every node of a `serde_json::Value` tree has its own address. So
//! evaluation keeps bare references, and one walk over the document (stopping once every
//! returned match is found) names the at most `limit` matches returned. The walk is no
//! costlier than parsing the document was; it checks the evaluation clock as it goes.
//!
//! Names are escaped as the RFC prescribes (`$['it\'s']`, `$['a\\b']`, `\u001f`);
//! `serde_json_path` 0.7 wrote them unescaped.

use std::collections::HashMap;

use serde_json::Value;

use crate::limits::{Budget, Exceeded};

/// The normalized path of each of `nodes` (all inside `root`), in the same order.
pub(crate) fn locate(
    root: &Value,
    nodes: &[&Value],
    budget: &Budget,
) -> Result<Vec<String>, Exceeded> {
    let address = |v: &Value| v as *const Value as usize;
    let mut found: HashMap<usize, Option<String>> =
        nodes.iter().map(|n| (address(n), None)).collect();
    let mut missing = found.len();
    let mut record = |node: &Value, path: &[Step<'_>]| {
        if let Some(slot @ None) = found.get_mut(&address(node)) {
            *slot = Some(format(path));
            missing -= 1;
        }
        missing == 0
    };
    let mut path: Vec<Step<'_>> = Vec::new();
    if !record(root, &path) {
        let mut stack = vec![children(root)];
        let mut walked = 0u32;
        'walk: while let Some(top) = stack.last_mut() {
            let Some((step, child)) = top.next() else {
                stack.pop();
                path.pop();
                continue;
            };
            walked = walked.wrapping_add(1);
            if walked & 0xfff == 0 {
                budget.check_time()?;
            }
            path.push(step);
            if record(child, &path) {
                break 'walk;
            }
            if matches!(child, Value::Array(_) | Value::Object(_)) {
                stack.push(children(child));
            } else {
                path.pop();
            }
        }
    }
    Ok(nodes
        .iter()
        .map(|n| found[&address(n)].clone().unwrap_or_default())
        .collect())
}

/// One step of a path.
#[derive(Clone, Copy)]
enum Step<'a> {
    Name(&'a str),
    Index(usize),
}

fn children(node: &Value) -> Box<dyn Iterator<Item = (Step<'_>, &Value)> + '_> {
    match node {
        Value::Array(items) => Box::new(items.iter().enumerate().map(|(i, v)| (Step::Index(i), v))),
        Value::Object(map) => Box::new(map.iter().map(|(k, v)| (Step::Name(k), v))),
        _ => Box::new(std::iter::empty()),
    }
}

/// `$['a'][0]`: names in single quotes, escaped as RFC 9535 section 2.7 prescribes.
fn format(path: &[Step<'_>]) -> String {
    let mut out = String::from("$");
    for step in path {
        match step {
            Step::Index(i) => out.push_str(&format!("[{i}]")),
            Step::Name(name) => {
                out.push_str("['");
                for c in name.chars() {
                    match c {
                        '\u{8}' => out.push_str("\\b"),
                        '\u{c}' => out.push_str("\\f"),
                        '\n' => out.push_str("\\n"),
                        '\r' => out.push_str("\\r"),
                        '\t' => out.push_str("\\t"),
                        '\'' => out.push_str("\\'"),
                        '\\' => out.push_str("\\\\"),
                        c if c < '\u{20}' => out.push_str(&format!("\\u{:04x}", c as u32)),
                        c => out.push(c),
                    }
                }
                out.push_str("']");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Limits;
    use serde_json::json;

    #[test]
    fn paths_are_normalized_and_escaped() {
        let doc = json!({"a": [1, {"b'\\\n\u{1f}": 2}], "c": 3});
        let budget = Budget::new(Limits::default());
        let nodes = [
            &doc["a"][1]["b'\\\n\u{1f}"],
            &doc,
            &doc["c"],
            &doc["a"][0],
            &doc["c"],
        ];
        let paths = locate(&doc, &nodes, &budget).unwrap();
        assert_eq!(
            paths,
            [
                r"$['a'][1]['b\'\\\n\u001f']",
                "$",
                "$['c']",
                "$['a'][0]",
                "$['c']"
            ]
        );
    }
}
