//! Task states: Retry and Catch, the Lambda integrations (`lambda:invoke` and plain
//! function ARNs) and `states:startExecution`.

use super::*;
use crate::dataflow::{Dyn, DynError};
use crate::program::TaskProgram;
use crate::retry::error_matches;

impl Runner<'_> {
    // ---- Retry and Catch --------------------------------------------------------------

    pub(super) fn with_retry_and_catch(
        &self,
        cx: &StateCx<'_>,
        input: Value,
    ) -> Result<Step, StateError> {
        let retriers = &cx.state.retry;
        let mut attempts = vec![0u64; retriers.len()];
        let mut retry_count = 0u32;
        loop {
            let attempt = match &cx.state.body {
                Body::Task(task) => self.task(cx, task, input.clone(), retry_count),
                Body::Map(map) => self.map(cx, map, input.clone()),
                Body::Parallel(parallel) => self.parallel(cx, parallel, input.clone()),
                _ => unreachable!("only Task, Map and Parallel states retry"),
            };
            let error = match attempt {
                Ok(step) => return Ok(step),
                Err(error) => error,
            };
            // Data-flow errors carry AWS's prefix; turn them into failures first.
            let failure = match error {
                StateError::Failed(f) => f,
                StateError::Data(data) => return Err(StateError::Data(data)),
            };
            // A stopped run is neither retried nor caught.
            if failure.error_name() == TRANSITION_LIMIT_ERROR
                || self.aborted.load(Ordering::Relaxed)
            {
                return Err(failure.into());
            }
            let matching = retriers
                .iter()
                .position(|r| r.matches(failure.error_name()));
            if let Some(i) = matching {
                let retrier = &retriers[i];
                if attempts[i] < retrier.max_attempts {
                    self.sleep(retrier.jittered_delay_seconds(attempts[i]));
                    attempts[i] += 1;
                    retry_count += 1;
                    self.count_transition()?;
                    continue;
                }
            }
            return self.catch(cx, input, failure);
        }
    }

    pub(super) fn catch(
        &self,
        cx: &StateCx<'_>,
        input: Value,
        failure: Failure,
    ) -> Result<Step, StateError> {
        let Some(catcher) = cx
            .state
            .catch
            .iter()
            .find(|c| error_matches(&c.error_equals, failure.error_name()))
        else {
            return Err(failure.into());
        };
        let mut error_output = Map::new();
        error_output.insert(
            "Error".into(),
            Value::from(failure.error.clone().unwrap_or_default()),
        );
        error_output.insert(
            "Cause".into(),
            Value::from(failure.cause.clone().unwrap_or_default()),
        );
        let error_output = Value::Object(error_output);
        let context = self.context_for(cx, None);
        let io = cx.io(&context);
        let finished =
            catcher
                .flow
                .finish(&io, input, None, Produced::ErrorOutput(error_output))?;
        Ok(self.commit(cx, finished, Some(catcher.next)))
    }

    // ---- Task -------------------------------------------------------------------------

    pub(super) fn task(
        &self,
        cx: &StateCx<'_>,
        task: &TaskProgram,
        input: Value,
        retry_count: u32,
    ) -> Result<Step, StateError> {
        let mut context = self.context_for(cx, Some(retry_count));
        // `.waitForTaskToken`: the integration runs with a token, and the Task's result is
        // whatever answers the token (Step Functions developer guide, "Wait for a Callback
        // with Task Token").
        let token = task.callback.then(task_token);
        if let (Some(token), Value::Object(object)) = (&token, &mut context) {
            object.insert("Task".into(), json!({"Token": token}));
        }
        let io = cx.io(&context);
        let timeout = task_seconds(&io, task.timeout.as_ref(), &input)?;
        let heartbeat = task_seconds(&io, task.heartbeat.as_ref(), &input)?;
        let flow = &cx.state.flow;
        let effective = flow.effective(&io, &input)?;
        let arguments = match (&task.arguments, effective) {
            (Some(template), effective) => {
                template.evaluate(&io, &input, effective.as_ref().unwrap_or(&input))?
            }
            (None, Some(effective)) => effective,
            (None, None) => input.clone(),
        };
        let result = match &token {
            Some(token) => {
                self.invoke_with_callback(cx, task, arguments, timeout, heartbeat, token)?
            }
            None => self.invoke(cx, task, &task.resource, arguments, timeout, false)?,
        };
        let finished = flow.finish(&io, input, None, Produced::Result(result))?;
        Ok(self.commit(cx, finished, cx.state.next))
    }

    /// Runs a Task's resource and returns its result (the task result, before
    /// `ResultSelector`).
    /// With `submitted`, a success is recorded as `TaskSubmitted` (a callback Task's
    /// integration ran; its result comes later).
    pub(super) fn invoke(
        &self,
        cx: &StateCx<'_>,
        task: &TaskProgram,
        resource: &str,
        parameters: Value,
        timeout: Option<Duration>,
        submitted: bool,
    ) -> Result<Value, StateError> {
        let region = self.options.identity.region.clone();
        if resource == "arn:aws:states:::states:startExecution" {
            return self.start_execution(&parameters);
        }
        let optimized = resource.starts_with("arn:aws:states:::lambda:invoke");
        let (function, payload, prefix) = if optimized {
            let function = parameters
                .get("FunctionName")
                .and_then(Value::as_str)
                .map(function_name)
                .ok_or_else(|| {
                    DataError::runtime(format!(
                        "the state '{}' calls lambda:invoke without a FunctionName in its {}",
                        cx.state.name, task.arguments_field
                    ))
                })?;
            // The Payload is the request body: a string is sent as its text (so a string
            // holding JSON arrives parsed) and a missing or null one as `{}` (corpus:
            // test_lambda_task_service__*test_invoke_json_values*).
            let payload = match parameters.get("Payload") {
                None | Some(Value::Null) => json!({}),
                Some(Value::String(text)) => {
                    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone()))
                }
                Some(other) => other.clone(),
            };
            let mut details = Map::new();
            details.insert("resourceType".into(), Value::from("lambda"));
            details.insert("resource".into(), Value::from("invoke"));
            details.insert("region".into(), Value::from(region));
            details.insert("parameters".into(), text(&parameters));
            if let Some(t) = timeout {
                details.insert("timeoutInSeconds".into(), Value::from(t.as_secs()));
            }
            self.record("TaskScheduled", details);
            let mut details = Map::new();
            details.insert("resourceType".into(), Value::from("lambda"));
            details.insert("resource".into(), Value::from("invoke"));
            self.record("TaskStarted", details);
            (function, payload, "Task")
        } else if resource.contains(":function:")
            || (resource.starts_with("${") && resource.ends_with('}'))
        {
            let mut details = Map::new();
            details.insert("resource".into(), Value::from(resource));
            details.insert("input".into(), text(&parameters));
            if let Some(t) = timeout {
                details.insert("timeoutInSeconds".into(), Value::from(t.as_secs()));
            }
            self.record("LambdaFunctionScheduled", details);
            self.record("LambdaFunctionStarted", Map::new());
            (function_name(resource), parameters, "LambdaFunction")
        } else {
            return self.other_resource(cx, resource, &parameters, submitted);
        };
        let answer = self.options.invoker.invoke(InvokeRequest {
            function: &function,
            payload: &payload,
            timeout,
        });
        let success_kind = if submitted {
            "TaskSubmitted".to_owned()
        } else {
            format!("{prefix}Succeeded")
        };
        let failure_kind = format!("{prefix}Failed");
        let timeout_kind = format!("{prefix}TimedOut");
        let with_type = |mut details: Map<String, Value>| {
            if optimized {
                details.insert("resourceType".into(), Value::from("lambda"));
                details.insert("resource".into(), Value::from("invoke"));
            }
            details
        };
        match answer {
            Ok(result) => {
                let result = if optimized {
                    let mut envelope = self
                        .options
                        .lambda_invoke_envelope
                        .as_object()
                        .cloned()
                        .unwrap_or_default();
                    crate::mocks::fit_envelope(&mut envelope, &result);
                    envelope.insert("Payload".into(), result);
                    Value::Object(envelope)
                } else {
                    result
                };
                if exceeds_payload_limit(&result) {
                    return Err(Failure::new(
                        "States.DataLimitExceeded",
                        format!(
                            "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                            cx.state.name
                        ),
                    )
                    .into());
                }
                let mut details = Map::new();
                details.insert("output".into(), text(&result));
                details.insert("outputDetails".into(), json!({"truncated": false}));
                self.record(&success_kind, with_type(details));
                Ok(result)
            }
            Err(InvokeError::Failed { error, cause }) => {
                // The optimized integration re-serializes a JSON error payload compactly.
                let cause = if optimized {
                    serde_json::from_str::<Value>(&cause)
                        .map(|v| compact(&v))
                        .unwrap_or(cause)
                } else {
                    cause
                };
                let mut details = Map::new();
                details.insert("error".into(), Value::from(error.clone()));
                details.insert("cause".into(), Value::from(cause.clone()));
                self.record(&failure_kind, with_type(details));
                Err(Failure::new(error, cause).into())
            }
            Err(InvokeError::TimedOut) => {
                let mut details = Map::new();
                details.insert("error".into(), Value::from("States.Timeout"));
                self.record(&timeout_kind, with_type(details));
                Err(Failure {
                    error: Some("States.Timeout".into()),
                    cause: None,
                }
                .into())
            }
        }
    }

    /// Any other service integration: served by the invoker when it can (mocks keyed by
    /// resource), with AWS's Task events.
    pub(super) fn other_resource(
        &self,
        cx: &StateCx<'_>,
        resource: &str,
        parameters: &Value,
        submitted: bool,
    ) -> Result<Value, StateError> {
        let Some(answer) = self.options.invoker.run_resource(resource, parameters) else {
            return Err(Failure::new(
                "States.Runtime",
                format!(
                    "The local engine cannot run the resource '{resource}' of state '{}': it runs Lambda functions (a function ARN, `arn:aws:states:::lambda:invoke`, or a `${{...}}` placeholder) and `states:startExecution`; mock any other integration with `--mocks '{{\"tasks\": {{\"{resource}\": {{\"return\": ...}}}}}}'`.",
                    cx.state.name
                ),
            )
            .into());
        };
        // `arn:aws:states:::dynamodb:putItem` → resourceType `dynamodb`, resource `putItem`.
        let tail = resource.rsplit(":::").next().unwrap_or(resource);
        let (resource_type, action) = tail.split_once(':').unwrap_or((tail, ""));
        let typed = |mut details: Map<String, Value>| {
            details.insert("resourceType".into(), Value::from(resource_type));
            details.insert("resource".into(), Value::from(action));
            details
        };
        let mut details = Map::new();
        details.insert(
            "region".into(),
            Value::from(self.options.identity.region.clone()),
        );
        details.insert("parameters".into(), text(parameters));
        self.record("TaskScheduled", typed(details));
        self.record("TaskStarted", typed(Map::new()));
        match answer {
            Ok(result) => {
                let mut details = Map::new();
                details.insert("output".into(), text(&result));
                let kind = if submitted {
                    "TaskSubmitted"
                } else {
                    "TaskSucceeded"
                };
                self.record(kind, typed(details));
                Ok(result)
            }
            Err(InvokeError::Failed { error, cause }) => {
                let mut details = Map::new();
                details.insert("error".into(), Value::from(error.clone()));
                details.insert("cause".into(), Value::from(cause.clone()));
                self.record("TaskFailed", typed(details));
                Err(Failure::new(error, cause).into())
            }
            Err(InvokeError::TimedOut) => {
                self.record("TaskTimedOut", typed(Map::new()));
                Err(Failure {
                    error: Some("States.Timeout".into()),
                    cause: None,
                }
                .into())
            }
        }
    }

    /// A `.waitForTaskToken` Task: runs the integration `resource` (without the suffix),
    /// then waits for the token's answer through [`crate::RunOptions::callbacks`].
    pub(super) fn invoke_with_callback(
        &self,
        cx: &StateCx<'_>,
        task: &TaskProgram,
        parameters: Value,
        timeout: Option<Duration>,
        heartbeat: Option<Duration>,
        token: &str,
    ) -> Result<Value, StateError> {
        let resource = task.resource.as_str();
        let Some(callbacks) = self.options.callbacks.clone() else {
            return Err(Failure::new(
                "States.Runtime",
                format!(
                    "the state '{}' waits for a task token (`{resource}.waitForTaskToken`), and this run has nothing to answer it: run the machine under `sfn-gen serve`, whose SendTaskSuccess/SendTaskFailure answer tokens",
                    cx.state.name
                ),
            )
            .into());
        };
        self.invoke(cx, task, resource, parameters, timeout, true)?;
        let tail = resource.rsplit(":::").next().unwrap_or(resource);
        let (resource_type, action) = tail.split_once(':').unwrap_or((tail, ""));
        let typed = |mut details: Map<String, Value>| {
            details.insert("resourceType".into(), Value::from(resource_type));
            details.insert("resource".into(), Value::from(action));
            details
        };
        match callbacks.wait(token, heartbeat, timeout) {
            Ok(result) => {
                let mut details = Map::new();
                details.insert("output".into(), text(&result));
                details.insert("outputDetails".into(), json!({"truncated": false}));
                self.record("TaskSucceeded", typed(details));
                Ok(result)
            }
            Err(InvokeError::Failed { error, cause }) => {
                let mut details = Map::new();
                details.insert("error".into(), Value::from(error.clone()));
                details.insert("cause".into(), Value::from(cause.clone()));
                let kind = if error == "States.HeartbeatTimeout" {
                    "TaskTimedOut"
                } else {
                    "TaskFailed"
                };
                self.record(kind, typed(details));
                Err(Failure::new(error, cause).into())
            }
            Err(InvokeError::TimedOut) => {
                let mut details = Map::new();
                details.insert("error".into(), Value::from("States.Timeout"));
                self.record("TaskTimedOut", typed(details));
                Err(Failure {
                    error: Some("States.Timeout".into()),
                    cause: None,
                }
                .into())
            }
        }
    }

    /// `states:startExecution` (fire and forget): handed to the run's
    /// [`crate::StartExecution`] hook, which `sfn-gen run` uses for continue-as-new.
    pub(super) fn start_execution(&self, parameters: &Value) -> Result<Value, StateError> {
        let Some(hook) = &self.options.start_execution else {
            return Err(Failure::new(
                "States.Runtime",
                "this run has no way to start executions (states:startExecution); `sfn-gen run` provides one",
            )
            .into());
        };
        let mut details = Map::new();
        details.insert("resourceType".into(), Value::from("states"));
        details.insert("resource".into(), Value::from("startExecution"));
        details.insert("parameters".into(), text(parameters));
        self.record("TaskScheduled", details);
        match hook(parameters) {
            Ok(result) => {
                let mut details = Map::new();
                details.insert("resourceType".into(), Value::from("states"));
                details.insert("resource".into(), Value::from("startExecution"));
                details.insert("output".into(), text(&result));
                self.record("TaskSucceeded", details);
                Ok(result)
            }
            Err(failure) => Err(failure.into()),
        }
    }
}

/// `TimeoutSeconds` or `HeartbeatSeconds`: a literal, a JSONata expression, or its
/// `...Path` form read from the state's input.
fn task_seconds(
    io: &Io<'_>,
    field: Option<&Dyn>,
    input: &Value,
) -> Result<Option<Duration>, DataError> {
    let Some(field) = field else {
        return Ok(None);
    };
    let value = field.evaluate(io, input).map_err(|e| match e {
        DynError::Data(data) => data,
        DynError::Path(path) => DataError::runtime(path.to_string()),
    })?;
    Ok(value.as_f64().map(Duration::from_secs_f64))
}

/// A fresh task token: 256 random bits, hex (AWS's tokens are opaque strings too).
fn task_token() -> String {
    (0..4)
        .map(|_| format!("{:016x}", rand::random::<u64>()))
        .collect()
}
