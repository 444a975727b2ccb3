//! One invocation: the event in, `tools/call` to the server, the mapped result out.

use std::time::{Duration, SystemTime};

use protocol::{ToolInvocation, ToolResult};
use serde_json::Value;
use toolkit::{InputValidator, ToolError};

use crate::config::ProxyConfig;
use crate::connection::Connection;
use crate::outcome::map_result;

/// What a warm process keeps: the configuration, the compiled original input schema, the
/// offload store and the server connection (opened on the first call).
pub struct Proxy {
    config: ProxyConfig,
    validator: InputValidator,
    store: offload::Store,
    connection: Connection,
}

impl Proxy {
    /// Prepares the proxy; nothing touches the network until the first call.
    pub fn new(config: ProxyConfig, store: offload::Store) -> Result<Self, ToolError> {
        let validator = InputValidator::new(&config.binding.input_schema).map_err(|e| {
            ToolError::fatal(format!(
                "the server's original inputSchema of `{}` (x-sfn.mcp.inputSchema) does not \
                 compile: {}; re-import the server with `sfn-gen import-mcp`",
                config.manifest.name, e.message
            ))
        })?;
        let connection = Connection::new(config.binding.transport.clone(), config.headers.clone());
        Ok(Self {
            config,
            validator,
            store,
            connection,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &ProxyConfig {
        &self.config
    }

    /// The server connection.
    pub fn connection(&self) -> &Connection {
        &self.connection
    }
}

/// Handles one event. `deadline` is the Lambda's (the call is cut short before it, so that
/// the error is `ToolError.Timeout` rather than the Task's own timeout).
#[tracing::instrument(skip_all, fields(tool = %proxy.config.manifest.name))]
pub async fn handle(
    proxy: &Proxy,
    event: Value,
    deadline: Option<SystemTime>,
) -> Result<Value, ToolError> {
    let invocation: ToolInvocation = serde_path_to_error::deserialize(event).map_err(|e| {
        ToolError::invalid_input(format!(
            "the event is not a tool invocation ({{\"call\": {{\"call_id\", \"tool\", \"input\"}}, \"execution\": {{\"id\", \"name\"}}}}): at `{}`: {}",
            e.path(),
            e.inner()
        ))
    })?;
    let ToolInvocation { call, execution } = invocation;
    let name = &proxy.config.manifest.name;
    if &call.tool != name {
        return Err(ToolError::invalid_input(format!(
            "this Lambda is the tool `{name}`, but the call names `{}`",
            call.tool
        )));
    }
    let store = proxy.store.for_execution(&execution);
    let input = toolkit::resolve_pointers(&store, call.input).await?;
    let arguments = match input {
        Value::Object(map) => map,
        Value::Null => serde_json::Map::new(),
        other => {
            return Err(ToolError::invalid_input(format!(
                "the input of `{name}` must be a JSON object, got `{other}`"
            )));
        }
    };
    proxy.validator.check(&Value::Object(arguments.clone()))?;
    let mut timeout = proxy.config.timeout;
    if let Some(deadline) = deadline
        && let Ok(left) = deadline.duration_since(SystemTime::now())
    {
        timeout = timeout.min(left.saturating_sub(Duration::from_millis(200)));
    }
    let server_tool = &proxy.config.binding.tool;
    tracing::info!(server_tool = %server_tool, call_id = %call.call_id, "calling MCP tool");
    let result = proxy
        .connection
        .call(server_tool, arguments, timeout)
        .await?;
    let output = map_result(result, server_tool, &store).await?;
    let output = store.offload_if_large(output).await?;
    let result = ToolResult {
        call_id: call.call_id,
        tool: call.tool,
        output,
    };
    Ok(serde_json::to_value(result).expect("a tool result serializes"))
}
