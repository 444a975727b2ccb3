//! The Lambda adapter: from a [`protocol::ToolInvocation`] event to a
//! [`protocol::ToolResult`], and the `main` of every tool binary.

use std::sync::Arc;

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use protocol::{OffloadPointer, ToolInvocation, ToolResult};
use serde_json::Value;

use crate::event::Event;
use crate::manifest::schema_of;
use crate::validate::InputValidator;
use crate::{Tool, ToolContext, ToolError, manifest_json};

/// A tool ready to serve: the compiled input schema and the offload store, built once per
/// cold start (neither touches the network).
pub struct Runner<T: Tool> {
    tool: T,
    validator: InputValidator,
    store: offload::Store,
}

impl<T: Tool> Runner<T> {
    /// Prepares `tool` with the given store.
    pub fn new(tool: T, store: offload::Store) -> Result<Self, ToolError> {
        Ok(Self {
            tool,
            validator: InputValidator::new(&schema_of::<T::Input>())?,
            store,
        })
    }
}

/// Handles one event: what the Lambda does per invocation, callable from tests.
pub async fn handle<T: Tool>(runner: &Runner<T>, event: Value) -> Result<Value, ToolError> {
    let invocation: ToolInvocation = serde_path_to_error::deserialize(event).map_err(|e| {
        ToolError::invalid_input(format!(
            "the event is not a tool invocation ({{\"call\": {{\"call_id\", \"tool\", \"input\"}}, \"execution\": {{\"id\", \"name\"}}}}): at `{}`: {}",
            e.path(),
            e.inner()
        ))
    })?;
    let ToolInvocation { call, execution } = invocation;
    if call.tool != T::NAME {
        return Err(ToolError::invalid_input(format!(
            "this Lambda is the tool `{}`, but the call names `{}`",
            T::NAME,
            call.tool
        )));
    }
    // The store is bound to the execution named by the invocation (the Context Object),
    // never to anything in the model's input.
    let ctx = ToolContext {
        call_id: call.call_id.clone(),
        store: runner.store.for_execution(&execution),
        execution,
    };
    let input = resolve_pointers(&ctx.store, call.input).await?;
    runner.validator.check(&input)?;
    let typed: T::Input = serde_path_to_error::deserialize(input).map_err(|e| {
        ToolError::invalid_input(format!(
            "at `/{}`: {}",
            e.path().to_string().replace('.', "/"),
            e.inner()
        ))
    })?;
    tracing::info!(tool = T::NAME, call_id = %ctx.call_id, "calling tool");
    let output = runner.tool.call(typed, &ctx).await?;
    let output = serde_json::to_value(output)
        .map_err(|e| ToolError::fatal(format!("the tool's output does not serialize: {e}")))?;
    let output = ctx.store.offload_if_large(output).await?;
    let result = ToolResult {
        call_id: call.call_id,
        tool: call.tool,
        output,
    };
    Ok(serde_json::to_value(result).expect("a tool result serializes"))
}

/// Replaces every offload pointer in `value` by the value it names (verified, and only
/// from this execution's folder).
pub async fn resolve_pointers(
    store: &offload::ExecutionStore,
    value: Value,
) -> Result<Value, ToolError> {
    if !contains_pointer(&value) {
        return Ok(value);
    }
    fn rebuild<'a>(
        store: &'a offload::ExecutionStore,
        value: Value,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Value, ToolError>> + Send + 'a>>
    {
        Box::pin(async move {
            if OffloadPointer::is_pointer(&value) {
                return Ok(store.resolve(value).await?);
            }
            Ok(match value {
                Value::Array(items) => {
                    let mut out = Vec::with_capacity(items.len());
                    for item in items {
                        out.push(rebuild(store, item).await?);
                    }
                    Value::Array(out)
                }
                Value::Object(map) => {
                    let mut out = serde_json::Map::with_capacity(map.len());
                    for (k, v) in map {
                        out.insert(k, rebuild(store, v).await?);
                    }
                    Value::Object(out)
                }
                other => other,
            })
        })
    }
    rebuild(store, value).await
}

fn contains_pointer(value: &Value) -> bool {
    match value {
        Value::Object(map) => {
            map.contains_key(protocol::pointer::POINTER_MARKER)
                || map.values().any(contains_pointer)
        }
        Value::Array(items) => items.iter().any(contains_pointer),
        _ => false,
    }
}

/// The whole `main` of a tool Lambda: `--manifest` prints `tool.json`; otherwise serve
/// invocations through `lambda_runtime`.
///
/// Every failure leaves with a stable `errorType`, never one `lambda_runtime` derives from
/// a Rust type name: an event the runtime could not parse (too deep, not JSON) is
/// `ToolError.InvalidInput` (see `event.rs`), and a panicking tool is `ToolError.Fatal`
/// (in debug builds; release builds abort on panic, which Lambda reports as
/// `Runtime.ExitError`).
pub async fn run<T: Tool>(tool: T) -> Result<(), lambda_runtime::Error> {
    if std::env::args().skip(1).any(|a| a == "--manifest") {
        print!("{}", manifest_json::<T>());
        return Ok(());
    }
    lambda_runtime::tracing::init_default_subscriber();
    let store = offload::Store::from_env().map_err(|e| Box::new(e) as lambda_runtime::Error)?;
    let runner =
        Arc::new(Runner::new(tool, store).map_err(|e| Box::new(e) as lambda_runtime::Error)?);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| {
        let runner = runner.clone();
        async move {
            let event = event.payload.into_value().map_err(Diagnostic::from)?;
            // On a task of its own so that a panic comes back as a `JoinError`.
            let outcome = tokio::spawn(async move { handle(&runner, event).await }).await;
            outcome
                .unwrap_or_else(|err| Err(panicked(err)))
                .map_err(Diagnostic::from)
        }
    }))
    .await
}

/// `ToolError.Fatal` for a tool task that panicked (or was cancelled).
fn panicked(err: tokio::task::JoinError) -> ToolError {
    if !err.is_panic() {
        return ToolError::fatal(format!("the tool's task ended early: {err}"));
    }
    let payload = err.into_panic();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".to_owned());
    ToolError::fatal(format!(
        "the tool panicked: {message}; this is a bug in the tool, not in the call"
    ))
}
