//! A tool for the toolkit's own tests, served by `toolkit::run` on the real
//! `lambda_runtime` (see `tests/runtime_api.rs`): it measures the document it is given,
//! and panics when the document is the string `"panic"`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use toolkit::{Tool, ToolContext, ToolError};

/// Input of the `doc` tool.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Input {
    /// Any JSON document.
    doc: Value,
}

/// Output of the `doc` tool.
#[derive(Serialize, JsonSchema)]
struct Output {
    /// Length of the document, serialized.
    len: usize,
}

struct Doc;

impl Tool for Doc {
    type Input = Input;
    type Output = Output;
    const NAME: &'static str = "doc";
    const DESCRIPTION: &'static str = "Measures a JSON document.";

    async fn call(&self, input: Input, _ctx: &ToolContext) -> Result<Output, ToolError> {
        assert!(input.doc != "panic", "asked to panic");
        Ok(Output {
            len: input.doc.to_string().len(),
        })
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    toolkit::run(Doc).await
}
