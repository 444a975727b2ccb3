//! Compile once, run many times: every JSONPath path, intrinsic function call and JSONata
//! expression of a definition is parsed a single time, before the execution starts, into a
//! [`Program`]; running the states looks the parsed form up by its text and never parses.
//!
//! The interpreter installs the program for the duration of a run (on every thread the run
//! uses, Map and Parallel workers included) and the data-flow stages reach it through
//! [`select`], [`set`], [`intrinsic`] and [`jsonata`]. A text the program does not hold
//! (which only a definition changed after compilation could produce) is parsed on the spot
//! and counted in [`Program::misses`], so tests can prove that a run parsed nothing.
//!
//! This is the first stage of the typed engine (issue 8): the program is keyed by text
//! because the interpreter still walks the definition's JSON; once it runs a typed
//! `Machine`, each state will hold its compiled paths and expressions directly.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use asl_jsonata::{Expression, JsonataError};
use serde_json::{Map, Value};

use super::dataflow::jsonata_expression;
use asl::intrinsics::{self, Intrinsic, IntrinsicError};
use asl::jsonpath::{self, Path, PathError, Scope};

/// The parsed paths, intrinsic calls and JSONata expressions of one definition.
#[derive(Debug, Default)]
pub struct Program {
    paths: HashMap<String, Path>,
    intrinsics: HashMap<String, Intrinsic>,
    jsonata: HashMap<String, Expression>,
    misses: AtomicU64,
}

impl Program {
    /// Parses every path (`$...`), intrinsic call (`States.X(...)`) and JSONata expression
    /// (`{% ... %}`) that appears as a string value anywhere in `definition`. Texts that do
    /// not parse are left out: evaluating them reports the parse error, as before.
    pub fn compile(definition: &Value) -> Self {
        let mut program = Program::default();
        program.collect(definition);
        program
    }

    fn collect(&mut self, value: &Value) {
        match value {
            Value::String(text) => self.add(text),
            Value::Array(items) => items.iter().for_each(|item| self.collect(item)),
            Value::Object(fields) => fields.values().for_each(|field| self.collect(field)),
            _ => {}
        }
    }

    fn add(&mut self, text: &str) {
        if let Some(inner) = jsonata_expression(text) {
            let inner = inner.trim();
            if !self.jsonata.contains_key(inner)
                && let Ok(expression) = Expression::compile(inner)
            {
                self.jsonata.insert(inner.to_owned(), expression);
            }
        } else if intrinsics::is_intrinsic(text) {
            if !self.intrinsics.contains_key(text)
                && let Ok(call) = Intrinsic::compile(text)
            {
                self.intrinsics.insert(text.to_owned(), call);
            }
        } else if text.starts_with('$')
            && !self.paths.contains_key(text)
            && let Ok(path) = jsonpath::parse(text)
        {
            self.paths.insert(text.to_owned(), path);
        }
    }

    /// How many texts were parsed at run time because the program did not hold them.
    pub fn misses(&self) -> u64 {
        self.misses.load(Ordering::Relaxed)
    }

    /// How many parsed forms the program holds (paths, intrinsic calls, JSONata).
    pub fn len(&self) -> (usize, usize, usize) {
        (self.paths.len(), self.intrinsics.len(), self.jsonata.len())
    }

    /// Whether the program holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == (0, 0, 0)
    }

    fn miss(&self) {
        self.misses.fetch_add(1, Ordering::Relaxed);
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Program>>> = const { RefCell::new(None) };
}

/// Runs `f` with `program` installed on this thread (restoring what was there after).
pub fn installed<R>(program: &Arc<Program>, f: impl FnOnce() -> R) -> R {
    struct Restore(Option<Arc<Program>>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let previous = CURRENT.with(|c| c.borrow_mut().replace(program.clone()));
    let _restore = Restore(previous);
    f()
}

/// The program installed on this thread, to install on the threads a run spawns.
pub fn current() -> Option<Arc<Program>> {
    CURRENT.with(|c| c.borrow().clone())
}

fn with_current<R>(f: impl FnOnce(Option<&Program>) -> R) -> R {
    CURRENT.with(|c| f(c.borrow().as_deref()))
}

/// [`jsonpath::select`] through the installed program.
pub fn select(text: &str, input: &Value, scope: &Scope<'_>) -> Result<Value, PathError> {
    with_current(|program| match program {
        Some(p) => match p.paths.get(text) {
            Some(path) => path.select(input, scope),
            None => {
                p.miss();
                jsonpath::select(text, input, scope)
            }
        },
        None => jsonpath::select(text, input, scope),
    })
}

/// [`jsonpath::not_found_message`] through the installed program.
pub fn not_found_message(text: &str, input: &Value, scope: &Scope<'_>) -> Option<String> {
    with_current(|program| match program.and_then(|p| p.paths.get(text)) {
        Some(path) => path.not_found_message(input, scope),
        None => jsonpath::not_found_message(text, input, scope),
    })
}

/// [`jsonpath::set`] through the installed program.
pub fn set(input: Value, text: &str, value: Value) -> Result<Value, PathError> {
    with_current(|program| match program {
        Some(p) => match p.paths.get(text) {
            Some(path) => path.set(input, value),
            None => {
                p.miss();
                jsonpath::set(input, text, value)
            }
        },
        None => jsonpath::set(input, text, value),
    })
}

/// [`intrinsics::evaluate`] through the installed program.
pub fn intrinsic(text: &str, input: &Value, scope: &Scope<'_>) -> Result<Value, IntrinsicError> {
    with_current(|program| match program {
        Some(p) => match p.intrinsics.get(text) {
            Some(call) => call.evaluate(input, scope),
            None => {
                p.miss();
                intrinsics::evaluate(text, input, scope)
            }
        },
        None => intrinsics::evaluate(text, input, scope),
    })
}

/// [`asl_jsonata::evaluate`] through the installed program (`expression` trimmed, without
/// the `{% %}` delimiters).
pub fn jsonata(
    expression: &str,
    input: &Value,
    bindings: &Map<String, Value>,
) -> Result<Option<Value>, JsonataError> {
    with_current(|program| match program {
        Some(p) => match p.jsonata.get(expression) {
            Some(compiled) => compiled.evaluate(input, bindings),
            None => {
                p.miss();
                asl_jsonata::evaluate(expression, input, bindings)
            }
        },
        None => asl_jsonata::evaluate(expression, input, bindings),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_kind_of_text_is_compiled_once_and_malformed_ones_are_left_out() {
        let program = Program::compile(&json!({
            "StartAt": "A",
            "States": {"A": {
                "Type": "Pass",
                "InputPath": "$.a",
                "Parameters": {"x.$": "States.MathAdd($.n, 1)", "y.$": "$$.Execution.Id", "z": "plain"},
                "Output": "{% $states.input.a + 1 %}",
                "Comment": "{% ( %}",
                "End": true
            }}
        }));
        // `$.a`, `$$.Execution.Id`; the intrinsic; the JSONata expression (the malformed
        // one and the plain strings are not held).
        assert_eq!(program.len(), (2, 1, 1));
        assert!(program.jsonata.contains_key("$states.input.a + 1"));
    }

    #[test]
    fn a_text_the_program_does_not_hold_is_parsed_and_counted() {
        let program = Arc::new(Program::compile(&json!({"InputPath": "$.a"})));
        let scope = Scope {
            context: &Value::Null,
            variables: &|_| None,
        };
        let input = json!({"a": 1, "b": 2});
        installed(&program, || {
            assert_eq!(select("$.a", &input, &scope), Ok(json!(1)));
            assert_eq!(program.misses(), 0);
            assert_eq!(select("$.b", &input, &scope), Ok(json!(2)));
        });
        assert_eq!(program.misses(), 1);
        assert!(
            current().is_none(),
            "the program is uninstalled after the run"
        );
    }
}
