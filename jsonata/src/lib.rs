//! A JSONata evaluator for Step Functions' JSONata query language.
//!
//! API contract (the interpreter and the validator call only this):
//! [`Expression::compile`] parses an expression once (and [`parse`] only checks it);
//! [`Expression::evaluate`] runs it against an input with variable bindings (`$states`, and
//! the state machine's variables), as many times as needed; [`evaluate`] does both.
//!
//! The implementation follows JSONata 2.0.6, the version Step Functions runs (the
//! reference jsonata-js semantics for sequences, paths, predicates, the tuple-stream
//! operators `%`, `@$v` and `#$i`, the transform operator, function signatures and the
//! function library, `$eval` excepted) plus the functions Step Functions adds
//! (`$partition`, `$range`, `$hash`, `$random(seed)`, `$uuid`, `$parse`).
//! `jsonata/differential/run.sh` compares it with jsonata-js 2.0.6 case by case.
//! Internal modules: `lexer` (tokens), `parser` and `ast` (syntax tree), `eval`
//! (evaluator), `functions` (library), `value` (runtime values).

mod ast;
mod errors;
mod eval;
mod functions;
mod lexer;
mod parser;
mod value;

pub use parser::{MAX_NESTING, NESTING_CODE};
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::value::{Flags, Val, child};

/// The error code [`evaluate`] reports when an expression's result is a function, which
/// has no JSON form (Step Functions reports "returned an unsupported result type").
pub const FUNCTION_RESULT_CODE: &str = "SFN_FUNCTION_RESULT";

/// A JSONata error: `code` is JSONata's error code (`S0201`, `T2001`, ...) when there is
/// one, `message` a readable text, `position` the character offset in the expression.
///
/// Its `Display` text always starts with the code (`T2001: The left side ...`), as the
/// reference implementation's errors are reported (the engine puts this text in the cause
/// of `States.QueryEvaluationError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", code_prefix(.code))]
pub struct JsonataError {
    /// JSONata error code, e.g. `T2001`.
    pub code: Option<String>,
    /// Readable message.
    pub message: String,
    /// Character offset in the expression.
    pub position: Option<usize>,
}

fn code_prefix(code: &Option<String>) -> String {
    code.as_deref()
        .map(|c| format!("{c}: "))
        .unwrap_or_default()
}

/// Checks the syntax of `expression`.
pub fn parse(expression: &str) -> Result<(), JsonataError> {
    Expression::compile(expression).map(|_| ())
}

/// Evaluates `expression` against `input` with `bindings` (names without `$`): parses it,
/// then runs [`Expression::evaluate`]. To run one expression many times, compile it once.
pub fn evaluate(
    expression: &str,
    input: &Value,
    bindings: &Map<String, Value>,
) -> Result<Option<Value>, JsonataError> {
    Expression::compile(expression)?.evaluate(input, bindings)
}

/// A parsed expression: compile once, evaluate many times (from any thread).
#[derive(Debug, Clone)]
pub struct Expression {
    ast: Arc<ast::Expr>,
}

impl Expression {
    /// Parses `expression` (the text inside `{% %}`, without the delimiters).
    pub fn compile(expression: &str) -> Result<Self, JsonataError> {
        Ok(Self {
            ast: Arc::new(parser::parse(expression)?),
        })
    }

    /// Runs the expression against `input` with `bindings` (names without `$`).
    /// `Ok(None)` is JSONata's "undefined" (no result).
    ///
    /// A result that is a function is an error with code [`FUNCTION_RESULT_CODE`].
    /// Whole numbers in the result are JSON integers (`3`, not `3.0`).
    pub fn evaluate(
        &self,
        input: &Value,
        bindings: &Map<String, Value>,
    ) -> Result<Option<Value>, JsonataError> {
        let ast = &*self.ast;
        let now = chrono::Utc::now().timestamp_millis();
        // Most expressions nest shallowly: run them on the caller's stack with a small
        // depth limit, and re-run deep ones (recursive functions) on a thread with a large
        // stack.
        match run(ast, input, bindings, now, SHALLOW_DEPTH) {
            Err(e) if e.code.as_deref() == Some(eval::DEPTH_CODE) => std::thread::scope(|s| {
                std::thread::Builder::new()
                    .name("jsonata-deep".into())
                    .stack_size(DEEP_STACK_BYTES)
                    .spawn_scoped(s, || run(ast, input, bindings, now, DEEP_DEPTH))
                    .map_err(|e| JsonataError {
                        code: Some(eval::DEPTH_CODE.to_string()),
                        message: format!("cannot start a deep-evaluation thread: {e}"),
                        position: None,
                    })?
                    .join()
                    .unwrap_or_else(|_| {
                        Err(JsonataError {
                            code: Some(eval::DEPTH_CODE.to_string()),
                            message: "deep evaluation panicked".into(),
                            position: None,
                        })
                    })
            }),
            r => r,
        }
    }
}

/// Nesting allowed on the caller's stack (safe within a 2 MiB thread stack).
const SHALLOW_DEPTH: usize = 80;
/// Nesting allowed on the large-stack thread.
const DEEP_DEPTH: usize = 12_000;
/// Stack size of the large-stack thread (reserved, touched only as used).
const DEEP_STACK_BYTES: usize = 512 * 1024 * 1024;

fn run(
    ast: &ast::Expr,
    input: &Value,
    bindings: &Map<String, Value>,
    now: i64,
    max_depth: usize,
) -> Result<Option<Value>, JsonataError> {
    let env = child(&functions::builtins_env());
    for (name, value) in bindings {
        env.bind(name, Some(Val::from_json(value)));
    }
    let root = Val::from_json(input);
    env.bind("$", Some(root.clone()));
    // An array input document is wrapped so that paths treat it as one value.
    let input = match root {
        Val::Arr(..) => Val::Arr(
            std::rc::Rc::new(vec![root]),
            Flags {
                seq: true,
                outer: true,
                ..Flags::default()
            },
        ),
        v => v,
    };
    let ev = eval::Evaluator::new(now, max_depth);
    let result = ev.eval(ast, Some(&input), &env)?;
    match result {
        None => Ok(None),
        Some(Val::Func(_)) => Err(JsonataError {
            code: Some(FUNCTION_RESULT_CODE.to_string()),
            message: "The expression evaluated to a function, which has no JSON value".into(),
            position: None,
        }),
        Some(v) => v.to_json().map(Some),
    }
}
