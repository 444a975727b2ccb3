//! Step Functions JSONPath: reference paths and query paths.
//!
//! API contract (owned by the JSONPath/intrinsics work; the interpreter calls only this):
//! - [`select`] evaluates a path (`$...` on the input, `$$...` on the Context Object,
//!   `$name...` on a variable) as Step Functions does: a definite path yields its value, an
//!   indefinite one (wildcards, filters, slices, unions, deep scan) yields an array.
//! - [`set`] applies a `ResultPath` (a reference path) to the state input.
//! - [`parse`] checks syntax only (for the validator), reporting where it went wrong.
//!
//! Step Functions evaluates JSONPath with the Jayway library (2.x), so this module follows
//! its dialect, where AWS documents or was recorded doing otherwise, AWS's:
//! - `$.name`, `$['name']` (several names in one bracket at the end of a path select an
//!   object holding those that exist), `[n]` and `[-n]`, `[*]`, `.*`, `..` (deep scan),
//!   index unions `[0,1]`, and a dot before any bracket (`$.[0]`, `$.a.['b']`,
//!   `$.[?(...)]` are `$[0]`, `$.a['b']`, `$[?(...)]`, as Jayway's PathCompiler reads them).
//! - Slices as Jayway's ArraySliceToken: `[a:]`, `[:b]`, `[a:b]`; a step is read and
//!   ignored; `[:]` and `[::n]` are refused.
//! - Filters `[?(...)]` with Jayway's operators and evaluators (`==` converts between
//!   numbers and strings, `===` does not; `=~ /re/flags` matches the whole value; `in`,
//!   `nin`, `subsetof`, `anyof`, `noneof`, `contains`, `size`, `empty`; `&&`, `||`, `!`).
//!   An unquoted word on the right of a comparison is a string (`[?(@.Name==Receipt)]`).
//!   As AWS documents, `@` matches only objects: array elements that are not objects are
//!   never selected by a filter.
//! - Functions (`length()`, `sum()`, `concat(...)`, ...) are Jayway's inside filters; at the
//!   end of a path the path is reported as not found, as AWS did for `$.Jobs.sum()`.
//!
//! A definite path (only names and single indexes) that matches nothing is an error
//! ([`PathError::NoResults`], see [`not_found_message`] for AWS's text); an indefinite one
//! yields the array of its matches, possibly empty. Parsing bounds nesting and length, and
//! evaluation bounds the nodes visited, so that no path can exhaust the stack or memory.

mod eval;
mod filter;
mod syntax;

use serde_json::{Map, Value};

pub(crate) use syntax::{Parsed, Root, Segment};

/// JSON equality where numbers compare by value (`1 == 1.0`), as Step Functions compares
/// values in filters and `States.ArrayContains`/`States.ArrayUnique`.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    eval::values_equal(a, b)
}

/// What a path is evaluated against besides the input.
pub struct Scope<'a> {
    /// The Context Object (`$$`).
    pub context: &'a Value,
    /// Variables (`$name`), as set by `Assign`; `None` when undefined.
    pub variables: &'a dyn Fn(&str) -> Option<Value>,
}

/// Why a path could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// The path is not valid syntax.
    #[error("invalid path `{path}`: {reason}")]
    Syntax {
        /// The path.
        path: String,
        /// What is wrong.
        reason: String,
    },
    /// A definite path matched nothing (AWS: "No results for path").
    #[error("no results for path `{path}`")]
    NoResults {
        /// The path.
        path: String,
    },
    /// The path refers to an undefined variable.
    #[error("undefined variable in path `{path}`")]
    UndefinedVariable {
        /// The path.
        path: String,
    },
}

/// A parsed path: parse once with [`parse`], then [`Path::select`] or [`Path::set`] as
/// often as needed without parsing again.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// The source text.
    pub text: String,
    parsed: Parsed,
}

impl Path {
    /// Whether the path is definite (only names and single indexes, no wildcard, filter,
    /// slice, union, deep scan or function), i.e. a reference path that yields one value.
    pub fn is_definite(&self) -> bool {
        self.parsed.is_definite()
    }

    /// Whether the path reads the Context Object (`$$...`).
    pub fn is_context(&self) -> bool {
        self.parsed.root == Root::Context
    }

    /// The variable the path reads (`$name...`), if it reads one.
    pub fn variable(&self) -> Option<String> {
        match &self.parsed.root {
            Root::Variable(name) => Some(name.clone()),
            _ => None,
        }
    }

    /// Evaluates the path against `input` (see the module docs).
    pub fn select(&self, input: &Value, scope: &Scope<'_>) -> Result<Value, PathError> {
        select_parsed(&self.text, &self.parsed, input, scope).map_err(|(e, _)| e)
    }

    /// See [`not_found_message`].
    pub fn not_found_message(&self, input: &Value, scope: &Scope<'_>) -> Option<String> {
        match select_parsed(&self.text, &self.parsed, input, scope) {
            Err((PathError::NoResults { .. }, reason)) => reason,
            _ => None,
        }
    }

    /// See [`set`].
    pub fn set(&self, input: Value, value: Value) -> Result<Value, PathError> {
        set_parsed(input, &self.text, &self.parsed, value)
    }
}

/// Parses `path`, checking its syntax.
pub fn parse(path: &str) -> Result<Path, PathError> {
    syntax::parse(path).map(|parsed| Path {
        text: path.to_owned(),
        parsed,
    })
}

/// Whether `path` is a valid reference path (the form `ResultPath`, `InputPath`-like
/// fields of the spec and [`set`] accept): a definite path on the input, `$` included.
pub fn is_reference_path(path: &str) -> bool {
    syntax::parse(path).is_ok_and(|p| {
        p.root == Root::Input
            && p.segments.iter().all(|s| match s {
                Segment::Names(names) => names.len() == 1,
                Segment::Indexes(indexes) => indexes.len() == 1,
                _ => false,
            })
    })
}

/// Evaluates `path` against `input` (see the module docs).
pub fn select(path: &str, input: &Value, scope: &Scope<'_>) -> Result<Value, PathError> {
    parse(path)?.select(input, scope)
}

/// When [`select`] fails with [`PathError::NoResults`], the text AWS gives as the reason
/// (Jayway's message, e.g. `No results for path: $['x']` or
/// `Missing property in path $['a']`). AWS reports it as
/// `Invalid path '<path>' : <reason>` for `InputPath`/`OutputPath`. `None` when the path
/// does not fail that way.
pub fn not_found_message(path: &str, input: &Value, scope: &Scope<'_>) -> Option<String> {
    parse(path).ok()?.not_found_message(input, scope)
}

type SelectError = (PathError, Option<String>);

pub(crate) fn select_parsed(
    path: &str,
    parsed: &Parsed,
    input: &Value,
    scope: &Scope<'_>,
) -> Result<Value, SelectError> {
    let var_value;
    let root: &Value = match &parsed.root {
        Root::Input => input,
        Root::Context => scope.context,
        Root::Variable(name) => {
            var_value = (scope.variables)(name).ok_or_else(|| {
                (
                    PathError::UndefinedVariable {
                        path: path.to_owned(),
                    },
                    None,
                )
            })?;
            &var_value
        }
    };
    eval::evaluate(parsed, root).map_err(|reason| {
        (
            PathError::NoResults {
                path: path.to_owned(),
            },
            Some(reason),
        )
    })
}

/// Applies a `ResultPath` reference path: returns `input` with `value` placed at `path`
/// (`$` replaces the whole input; missing objects on the way are created).
///
/// The path must be a reference path on the input (names and single indexes). An index
/// must address an existing array element; a name on the way that holds something other
/// than an object (or `null`, which is replaced by an object) is an error.
pub fn set(input: Value, path: &str, value: Value) -> Result<Value, PathError> {
    parse(path)?.set(input, value)
}

fn set_parsed(input: Value, path: &str, parsed: &Parsed, value: Value) -> Result<Value, PathError> {
    let fail = |reason: String| PathError::Syntax {
        path: path.to_owned(),
        reason,
    };
    if parsed.root != Root::Input {
        return Err(fail(
            "a ResultPath must be a reference path on the state input (starting with `$`)"
                .to_owned(),
        ));
    }
    let mut steps = Vec::with_capacity(parsed.segments.len());
    for segment in &parsed.segments {
        match segment {
            Segment::Names(names) if names.len() == 1 => steps.push(Step::Name(&names[0])),
            Segment::Indexes(indexes) if indexes.len() == 1 => steps.push(Step::Index(indexes[0])),
            _ => {
                return Err(fail(
                    "a ResultPath must be a reference path (only names and single indexes)"
                        .to_owned(),
                ));
            }
        }
    }
    let mut input = input;
    place(&mut input, &steps, value, "$".to_owned()).map_err(fail)?;
    Ok(input)
}

enum Step<'a> {
    Name(&'a str),
    Index(i64),
}

fn place(target: &mut Value, steps: &[Step<'_>], value: Value, at: String) -> Result<(), String> {
    let Some((first, rest)) = steps.split_first() else {
        *target = value;
        return Ok(());
    };
    match first {
        Step::Name(name) => {
            if target.is_null() {
                *target = Value::Object(Map::new());
            }
            let Value::Object(map) = target else {
                return Err(format!(
                    "cannot set field '{name}' on {at}, which is {} and not an object",
                    crate::validate::type_name(target)
                ));
            };
            let next_at = format!("{at}['{name}']");
            if rest.is_empty() {
                map.insert((*name).to_owned(), value);
                return Ok(());
            }
            let slot = map.entry((*name).to_owned()).or_insert(Value::Null);
            place(slot, rest, value, next_at)
        }
        Step::Index(index) => {
            let Value::Array(items) = target else {
                return Err(format!(
                    "cannot set index [{index}] on {at}, which is {} and not an array",
                    crate::validate::type_name(target)
                ));
            };
            let len = items.len() as i64;
            let effective = if *index < 0 { len + index } else { *index };
            if effective < 0 || effective >= len {
                return Err(format!(
                    "index [{index}] is out of bounds for the array at {at} (length {len})"
                ));
            }
            let next_at = format!("{at}[{index}]");
            place(&mut items[effective as usize], rest, value, next_at)
        }
    }
}

#[cfg(test)]
mod tests;
