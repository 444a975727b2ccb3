//! The `mcp-proxy` Lambda: wires the configuration, the store and the handler.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use mcp_proxy::{Proxy, ProxyConfig, handle};
use toolkit::{Event, ToolError};

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let mut config = ProxyConfig::from_env().map_err(|e| Box::new(e) as lambda_runtime::Error)?;
    if std::env::args().skip(1).any(|a| a == "--manifest") {
        let text = serde_json::to_string_pretty(&config.manifest).expect("manifests serialize");
        println!("{text}");
        return Ok(());
    }
    lambda_runtime::tracing::init_default_subscriber();
    mcp_proxy::secret::resolve(&mut config)
        .await
        .map_err(|e| Box::new(e) as lambda_runtime::Error)?;
    let store = offload::Store::from_env().map_err(|e| Box::new(e) as lambda_runtime::Error)?;
    let proxy =
        Arc::new(Proxy::new(config, store).map_err(|e| Box::new(e) as lambda_runtime::Error)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let proxy = proxy.clone();
        async move {
            let deadline = UNIX_EPOCH + Duration::from_millis(event.context.deadline);
            let payload = event.payload.into_value().map_err(Diagnostic::from)?;
            let outcome =
                tokio::spawn(async move { handle(&proxy, payload, Some(deadline)).await }).await;
            outcome
                .unwrap_or_else(|err| {
                    Err(ToolError::fatal(format!(
                        "the proxy's task ended early: {err}"
                    )))
                })
                .map_err(Diagnostic::from)
        }
    }))
    .await
}
