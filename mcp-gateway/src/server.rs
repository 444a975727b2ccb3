//! The MCP server ([`Gateway`], an rmcp `ServerHandler`): `tools/list` from the catalog and
//! the agent tools, `tools/call` of a tool (its Lambda, retried as the machine retries it)
//! or of the agent, and the Tasks extension's `tasks/get` / `tasks/cancel` over Step
//! Functions executions. The handler holds no per-client state: every request carries what
//! it needs (the task id names its execution), so any instance answers any request.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use aws_smithy_types::date_time::Format;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, CancelTaskParams, ContentBlock,
    CreateTaskResult, DetailedTask, GetTaskParams, GetTaskResult, Implementation, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, ServerConfig, Task, TaskPayload, TaskStatus,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{Value, json};

use crate::agent::{self, Described, GET_AGENT_RUN, RUN_AGENT, RunState};
use crate::catalog::Catalog;
use crate::invoke::{self, FunctionNames};
use crate::schema::{InputValidator, Violation};
use crate::task_id::{TaskKey, UnknownTask};

/// Who is calling, as the HTTP front authenticated them (the IAM principal or JWT subject
/// on Lambda, `local` on loopback). Task ids are bound to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller(pub String);

/// How long Step Functions keeps a closed execution (90 days), hence a task.
pub const TASK_TTL_MS: u64 = 90 * 24 * 60 * 60 * 1000;
/// The polling interval tasks suggest.
pub const POLL_INTERVAL_MS: u64 = 1000;
/// How long `run_agent` waits for the answer for a client without Tasks, by default: under
/// API Gateway's 29 s integration limit.
pub const DEFAULT_SYNC_WAIT: Duration = Duration::from_secs(25);

/// Everything the gateway needs.
pub struct GatewayConfig {
    /// The tools.
    pub catalog: Catalog,
    /// Which function serves each tool.
    pub functions: FunctionNames,
    /// The agent machine's ARN.
    pub state_machine_arn: String,
    /// The key task ids are sealed with.
    pub task_key: TaskKey,
    /// How long `run_agent` waits without Tasks ([`DEFAULT_SYNC_WAIT`]).
    pub sync_wait: Duration,
    /// The Lambda client (tools).
    pub lambda: aws_sdk_lambda::Client,
    /// The Step Functions client (the agent).
    pub sfn: aws_sdk_sfn::Client,
}

/// The MCP server; cheap to clone (one per request in stateless HTTP).
#[derive(Clone)]
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    config: GatewayConfig,
    run_agent: InputValidator,
    get_agent_run: InputValidator,
    agent_tools: Vec<rmcp::model::Tool>,
}

impl Gateway {
    /// A gateway over `config`.
    pub fn new(config: GatewayConfig) -> Self {
        let agent_tools = agent::agent_tools();
        let validator = |tool: &rmcp::model::Tool| {
            InputValidator::new(&Value::Object((*tool.input_schema).clone()))
                .expect("the agent tools' schemas compile")
        };
        Self {
            inner: Arc::new(Inner {
                run_agent: validator(&agent_tools[0]),
                get_agent_run: validator(&agent_tools[1]),
                agent_tools,
                config,
            }),
        }
    }

    fn config(&self) -> &GatewayConfig {
        &self.inner.config
    }
}

/// The caller of a request: the [`Caller`] the HTTP front put on it, else `local` (stdio).
fn caller(context: &RequestContext<RoleServer>) -> String {
    context
        .extensions
        .get::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Caller>())
        .or_else(|| context.extensions.get::<Caller>())
        .map(|c| c.0.clone())
        .unwrap_or_else(|| "local".to_owned())
}

fn client_has_tasks(context: &RequestContext<RoleServer>) -> bool {
    context
        .client_capabilities()
        .is_some_and(|caps| caps.supports_tasks())
}

/// A schema violation as a tool error the model can act on (MCP: input validation errors
/// are tool execution errors, not protocol errors).
fn invalid_arguments(tool: &str, problems: &[Violation]) -> CallToolResult {
    let listed: Vec<String> = problems
        .iter()
        .map(|p| {
            let at = if p.pointer.is_empty() {
                "/"
            } else {
                &p.pointer
            };
            format!("at `{at}`: {}", p.message)
        })
        .collect();
    let mut result = CallToolResult::error(vec![ContentBlock::text(format!(
        "the arguments do not match `{tool}`'s inputSchema: {}",
        listed.join("; ")
    ))]);
    // Error details ride in `_meta`, not `structuredContent`: clients check
    // `structuredContent` against the tool's outputSchema even on errors.
    result.meta = Some(gateway_meta(json!({
        "error": protocol::ErrorName::InvalidInput.as_str(),
        "problems": problems.iter().map(Violation::to_json).collect::<Vec<_>>(),
    })));
    result
}

fn sdk_error(what: &str, e: impl std::error::Error + 'static) -> McpError {
    McpError::internal_error(
        format!(
            "{what}: {}",
            aws_smithy_types::error::display::DisplayErrorContext(e)
        ),
        None,
    )
}

fn unknown_task(e: UnknownTask) -> McpError {
    McpError::invalid_params(e.to_string(), None)
}

impl Gateway {
    async fn describe(&self, arn: &str) -> Result<(Described, Task), McpError> {
        let out = self
            .config()
            .sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .map_err(|e| sdk_error("cannot describe the agent run", e))?;
        let created = out.start_date.fmt(Format::DateTime).unwrap_or_default();
        let updated = out
            .stop_date
            .and_then(|d| d.fmt(Format::DateTime).ok())
            .unwrap_or_else(|| {
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            });
        let described = Described {
            arn: arn.to_owned(),
            status: out.status,
            output: out.output,
            error: out.error,
            cause: out.cause,
        };
        let task = Task::new(String::new(), TaskStatus::Working, created, updated)
            .with_ttl_ms(TASK_TTL_MS)
            .with_poll_interval_ms(POLL_INTERVAL_MS);
        Ok((described, task))
    }

    /// Where a running execution is (best effort: an unreadable history says "running").
    async fn where_now(&self, arn: &str) -> String {
        let history = self
            .config()
            .sfn
            .get_execution_history()
            .execution_arn(arn)
            .reverse_order(true)
            .max_results(20)
            .include_execution_data(true)
            .send()
            .await;
        match history {
            Ok(h) => agent::position(&h.events),
            Err(_) => "running".to_owned(),
        }
    }

    async fn state_of(&self, arn: &str) -> Result<(RunState, Task), McpError> {
        let (described, task) = self.describe(arn).await?;
        let position = if described.status == ExecutionStatus::Running {
            self.where_now(arn).await
        } else {
            String::new()
        };
        Ok((agent::run_state(&described, || position), task))
    }

    async fn start_run(&self, arguments: &Value) -> Result<(String, String), McpError> {
        let started = self
            .config()
            .sfn
            .start_execution()
            .state_machine_arn(&self.config().state_machine_arn)
            .name(uuid::Uuid::new_v4().to_string())
            .input(agent::start_input(arguments).to_string())
            .send()
            .await
            .map_err(|e| sdk_error("cannot start the agent run", e))?;
        let created = started.start_date.fmt(Format::DateTime).unwrap_or_default();
        Ok((started.execution_arn, created))
    }

    async fn run_agent(
        &self,
        arguments: Value,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let problems = self.inner.run_agent.check(&arguments);
        if !problems.is_empty() {
            return Ok(invalid_arguments(RUN_AGENT, &problems).into());
        }
        let (arn, created) = self.start_run(&arguments).await?;
        let handle = self.config().task_key.seal(&caller(context), &arn);
        if client_has_tasks(context) {
            let task = Task::new(handle, TaskStatus::Working, created.clone(), created)
                .with_status_message("started")
                .with_ttl_ms(TASK_TTL_MS)
                .with_poll_interval_ms(POLL_INTERVAL_MS);
            return Ok(CallToolResponse::Task(CreateTaskResult::new(task)));
        }
        let deadline = tokio::time::Instant::now() + self.config().sync_wait;
        let mut pause = Duration::from_millis(50);
        loop {
            let (state, _) = self.state_of(&arn).await?;
            match state {
                RunState::Completed(result) => return Ok(result.into()),
                RunState::Cancelled => return Ok(cancelled_result(&handle).into()),
                RunState::Working(message) => {
                    let now = tokio::time::Instant::now();
                    if now >= deadline {
                        return Ok(still_working(&handle, &message).into());
                    }
                    tokio::time::sleep(pause.min(deadline - now)).await;
                    pause = (pause * 2).min(Duration::from_millis(POLL_INTERVAL_MS));
                }
            }
        }
    }

    async fn get_agent_run(
        &self,
        arguments: Value,
        context: &RequestContext<RoleServer>,
    ) -> Result<CallToolResult, McpError> {
        let problems = self.inner.get_agent_run.check(&arguments);
        if !problems.is_empty() {
            return Ok(invalid_arguments(GET_AGENT_RUN, &problems));
        }
        let handle = arguments["handle"].as_str().unwrap_or_default();
        let arn = match self.config().task_key.open(&caller(context), handle) {
            Ok(arn) => arn,
            Err(e) => {
                let mut result = CallToolResult::error(vec![ContentBlock::text(e.to_string())]);
                result.structured_content = Some(json!({"error": "UnknownHandle"}));
                return Ok(result);
            }
        };
        Ok(match self.state_of(&arn).await?.0 {
            RunState::Completed(result) => result,
            RunState::Cancelled => cancelled_result(handle),
            RunState::Working(message) => still_working(handle, &message),
        })
    }

    async fn call_catalog_tool(
        &self,
        name: &str,
        arguments: Value,
    ) -> Result<CallToolResult, McpError> {
        let Some(tool) = self.config().catalog.get(name) else {
            return Err(McpError::invalid_params(
                format!("unknown tool `{name}`; `tools/list` names the tools this gateway serves"),
                Some(json!({"tool": name})),
            ));
        };
        let problems = tool.validator.check(&arguments);
        if !problems.is_empty() {
            return Ok(invalid_arguments(name, &problems));
        }
        let function = self.config().functions.function(name);
        let retried = invoke::call_tool(&self.config().lambda, &function, tool, arguments).await;
        Ok(match retried.result {
            Ok(output) => {
                let mut result = CallToolResult::structured(output);
                result.meta = Some(gateway_meta(json!({"attempts": retried.attempts})));
                result
            }
            Err(e) => {
                let message = invoke::cause_message(&e.cause);
                let mut result = CallToolResult::error(vec![ContentBlock::text(format!(
                    "`{name}` failed with `{}`: {message}",
                    e.error
                ))]);
                result.meta = Some(gateway_meta(json!({
                    "error": e.error,
                    "cause": message,
                    "attempts": retried.attempts,
                })));
                result
            }
        })
    }
}

/// `value` under the gateway's reverse-DNS `_meta` key.
fn gateway_meta(value: Value) -> rmcp::model::MetaObject {
    let mut meta = serde_json::Map::new();
    meta.insert(crate::catalog::META_KEY.to_owned(), value);
    rmcp::model::MetaObject(meta)
}

fn still_working(handle: &str, message: &str) -> CallToolResult {
    CallToolResult::structured(json!({
        "status": "working",
        "handle": handle,
        "message": format!("the agent is still running ({message}); call `{GET_AGENT_RUN}` with this handle for its answer"),
    }))
}

fn cancelled_result(handle: &str) -> CallToolResult {
    let mut result = CallToolResult::error(vec![ContentBlock::text("the agent run was cancelled")]);
    result.structured_content = Some(json!({"status": "cancelled", "handle": handle}));
    result
}

impl ServerHandler for Gateway {
    fn get_info(&self) -> ServerConfig {
        let mut info = ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_tasks()
                .build(),
        );
        info.server_info = Implementation::new("mcp-gateway", env!("CARGO_PKG_VERSION"));
        info.instructions = Some(format!(
            "Every tool runs as its own Lambda with the agent machine's retry policy. `{RUN_AGENT}` runs the whole agent as a durable Step Functions execution (an MCP task when the client declares the tasks extension)."
        ));
        info
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let mut tools: Vec<rmcp::model::Tool> = self
            .config()
            .catalog
            .iter()
            .map(|t| t.listed.clone())
            .collect();
        tools.extend(self.inner.agent_tools.iter().cloned());
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let arguments = Value::Object(request.arguments.unwrap_or_default());
        match request.name.as_ref() {
            RUN_AGENT => self.run_agent(arguments, &context).await,
            GET_AGENT_RUN => self
                .get_agent_run(arguments, &context)
                .await
                .map(Into::into),
            name => self
                .call_catalog_tool(name, arguments)
                .await
                .map(Into::into),
        }
    }

    async fn get_task(
        &self,
        request: GetTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<GetTaskResult, McpError> {
        let arn = self
            .config()
            .task_key
            .open(&caller(&context), &request.task_id)
            .map_err(unknown_task)?;
        let (state, mut task) = self.state_of(&arn).await?;
        task.task_id = request.task_id;
        let payload = match state {
            RunState::Working(message) => {
                task.status_message = Some(message);
                TaskPayload::Working
            }
            RunState::Completed(result) => {
                let Value::Object(result) = serde_json::to_value(&result)
                    .map_err(|e| McpError::internal_error(e.to_string(), None))?
                else {
                    unreachable!("a CallToolResult serializes as an object")
                };
                TaskPayload::Completed { result }
            }
            RunState::Cancelled => TaskPayload::Cancelled,
        };
        Ok(GetTaskResult::new(DetailedTask::new(task, payload)))
    }

    async fn cancel_task(
        &self,
        request: CancelTaskParams,
        context: RequestContext<RoleServer>,
    ) -> Result<(), McpError> {
        let arn = self
            .config()
            .task_key
            .open(&caller(&context), &request.task_id)
            .map_err(unknown_task)?;
        let (described, _) = self.describe(&arn).await?;
        if described.status != ExecutionStatus::Running {
            return Err(McpError::invalid_params(
                format!(
                    "the task has already ended (execution status {}); only a working task can be cancelled",
                    described.status.as_str()
                ),
                None,
            ));
        }
        self.config()
            .sfn
            .stop_execution()
            .execution_arn(&arn)
            .error("MCP.Cancelled")
            .cause("cancelled by the MCP client (tasks/cancel)")
            .send()
            .await
            .map_err(|e| sdk_error("cannot stop the agent run", e))?;
        Ok(())
    }
}
