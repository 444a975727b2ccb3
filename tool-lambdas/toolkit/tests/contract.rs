//! `testing::assert_manifest_follows_the_contract` refuses what `sfn-gen generate` refuses,
//! so a tool crate's own tests catch a bad `x-sfn` before the generator does.

use protocol::manifest::SfnConfig;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use toolkit::{Tool, ToolContext, ToolError};

/// Input.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Input {
    /// A word.
    word: String,
}

/// Output.
#[derive(Serialize, JsonSchema)]
struct Output {
    /// The word.
    word: String,
}

struct ZeroTimeout;

impl Tool for ZeroTimeout {
    type Input = Input;
    type Output = Output;
    const NAME: &'static str = "zero-timeout";
    const DESCRIPTION: &'static str = "Has a timeout no Task or Lambda accepts.";

    fn config() -> SfnConfig {
        SfnConfig {
            timeout_seconds: 0,
            ..SfnConfig::default()
        }
    }

    async fn call(&self, input: Input, _ctx: &ToolContext) -> Result<Output, ToolError> {
        Ok(Output { word: input.word })
    }
}

#[test]
fn the_contract_refuses_an_x_sfn_that_generate_refuses() {
    let panic = std::panic::catch_unwind(
        toolkit::testing::assert_manifest_follows_the_contract::<ZeroTimeout>,
    )
    .expect_err("a zero timeout breaks the contract");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(
        message.contains("/x-sfn/timeoutSeconds: must be between 1 and 900, got 0"),
        "{message}"
    );
}
