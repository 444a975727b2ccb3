//! The agent Lambda: only wiring; the step logic is in the library.
// rustc computes the layout of `main`'s future (the runtime's service over the reasoners'
// SDK and HTTP clients) more than 128 queries deep ("queries overflow the depth limit!");
// the tool binaries stay under the default and do not raise it.
#![recursion_limit = "256"]

use std::sync::Arc;

use agent_lambda::Agent;
use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use protocol::ErrorName;
use protocol::agent::AgentStepInput;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    lambda_runtime::tracing::init_default_subscriber();
    // Cheap at init: no network; clients are built on first use.
    let agent = Arc::new(Agent::from_env()?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let agent = agent.clone();
        async move {
            let input: AgentStepInput =
                serde_json::from_value(event.payload).map_err(|e| Diagnostic {
                    error_type: ErrorName::InvalidStart.as_str().to_owned(),
                    error_message: format!("the agent's input does not match AgentStepInput: {e}"),
                })?;
            let output = agent.step(input).await.map_err(Diagnostic::from)?;
            serde_json::to_value(output).map_err(|e| Diagnostic {
                error_type: ErrorName::ReasonerError.as_str().to_owned(),
                error_message: e.to_string(),
            })
        }
    }))
    .await
}
