//! The `calculator` tool: evaluates arithmetic exactly, in decimal (0.1 + 0.2 is 0.3).
//!
//! Grammar: numbers (`12`, `0.5`, `1e3`), `+ - * / %`, `^` (integer exponents, right
//! associative), parentheses, unary minus, and the functions `abs(x)`, `round(x)`,
//! `round(x, places)`, `floor(x)`, `ceil(x)`, `min(a, b, ...)`, `max(a, b, ...)`, `sqrt(x)`.
//! Arithmetic uses `rust_decimal` (28 significant digits); a result that does not fit is an
//! error, never a silently rounded float.

mod eval;

use protocol::manifest::{Annotations, SfnConfig};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toolkit::{Tool, ToolContext, ToolError};

pub use eval::{EvalError, evaluate};

/// Input of `calculator`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Input {
    /// The arithmetic expression, for example `round((19.99 * 3) * 0.95, 2)`.
    /// Operators: + - * / % (remainder) ^ (integer power), parentheses; functions abs,
    /// round, floor, ceil, min, max, sqrt.
    pub expression: String,
}

/// Output of `calculator`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Output {
    /// The exact result as a decimal string (no float rounding), e.g. `"0.3"`.
    pub result: String,
}

/// The calculator tool.
pub struct Calculator;

impl Tool for Calculator {
    type Input = Input;
    type Output = Output;
    const NAME: &'static str = "calculator";
    const TITLE: Option<&'static str> = Some("Calculator");
    const DESCRIPTION: &'static str = "Evaluates an arithmetic expression exactly in decimal \
        (no floating-point surprises: 0.1 + 0.2 = 0.3). Supports + - * / % ^, parentheses and \
        abs, round, floor, ceil, min, max, sqrt. Returns the result as a decimal string.";

    fn annotations() -> Annotations {
        Annotations {
            title: Some("Calculator".into()),
            read_only_hint: Some(true),
            destructive_hint: Some(false),
            idempotent_hint: Some(true),
            open_world_hint: Some(false),
        }
    }

    fn config() -> SfnConfig {
        SfnConfig {
            timeout_seconds: 5,
            memory_mb: 128,
            ..SfnConfig::default()
        }
    }

    async fn call(&self, input: Input, _ctx: &ToolContext) -> Result<Output, ToolError> {
        let value =
            evaluate(&input.expression).map_err(|e| ToolError::invalid_input(e.to_string()))?;
        Ok(Output {
            result: value.normalize().to_string(),
        })
    }
}
