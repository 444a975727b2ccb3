//! Task states: Retry and Catch, the Lambda integrations (`lambda:invoke` and plain
//! function ARNs) and `states:startExecution`.

use super::*;

impl Runner<'_> {
    // ---- Retry and Catch --------------------------------------------------------------

    pub(super) fn with_retry_and_catch(
        &self,
        cx: &StateCx<'_>,
        kind: &str,
        input: Value,
    ) -> Result<Step, StateError> {
        let retriers = cx
            .state
            .get("Retry")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut attempts = vec![0u64; retriers.len()];
        let mut retry_count = 0u32;
        loop {
            let attempt = match kind {
                "Task" => self.task(cx, input.clone(), retry_count),
                "Map" => self.map(cx, input.clone()),
                _ => self.parallel(cx, input.clone()),
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
                .position(|r| error_matches(r.get("ErrorEquals"), failure.error_name()));
            if let Some(i) = matching {
                let retrier = Retrier::from_json(&retriers[i]);
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
        let catchers = cx.state.get("Catch").and_then(Value::as_array);
        let Some(catcher) = catchers.and_then(|catchers| {
            catchers
                .iter()
                .find(|c| error_matches(c.get("ErrorEquals"), failure.error_name()))
        }) else {
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
        let next = catcher
            .get("Next")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let context = self.context_for(cx, None);
        if cx.jsonata {
            let bindings =
                self.jsonata_bindings(cx, &input, &context, &[("errorOutput", &error_output)]);
            let assign = self.assign_jsonata(catcher.get("Assign"), &bindings)?;
            let output = match catcher.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => error_output,
            };
            self.commit_assign(cx, assign);
            return Ok(Step { output, next });
        }
        let assign = self.assign_jsonpath(cx, catcher.get("Assign"), &error_output, &context)?;
        let output = apply_result_path(catcher.get("ResultPath"), input, error_output)?;
        self.commit_assign(cx, assign);
        Ok(Step { output, next })
    }

    // ---- Task -------------------------------------------------------------------------

    pub(super) fn task(
        &self,
        cx: &StateCx<'_>,
        input: Value,
        retry_count: u32,
    ) -> Result<Step, StateError> {
        let mut context = self.context_for(cx, Some(retry_count));
        let next = Self::next_of(cx.state);
        let resource = cx
            .state
            .get("Resource")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        // `.waitForTaskToken`: the integration runs with a token, and the Task's result is
        // whatever answers the token (Step Functions developer guide, "Wait for a Callback
        // with Task Token").
        let callback = resource
            .strip_suffix(".waitForTaskToken")
            .map(|base| (base.to_owned(), task_token()));
        if let (Some((_, token)), Value::Object(object)) = (&callback, &mut context) {
            object.insert("Task".into(), json!({"Token": token}));
        }
        let timeout = self.task_seconds(cx, "TimeoutSeconds", &input, &context)?;
        let heartbeat = self.task_seconds(cx, "HeartbeatSeconds", &input, &context)?;
        let run = |parameters: Value| match &callback {
            Some((base, token)) => {
                self.invoke_with_callback(cx, base, parameters, timeout, heartbeat, token)
            }
            None => self.invoke(cx, &resource, parameters, timeout, false),
        };
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let arguments = match cx.state.get("Arguments") {
                Some(template) => jsonata_template(template, "Arguments", &bindings)?,
                None => input.clone(),
            };
            let result = run(arguments)?;
            let bindings = self.jsonata_bindings(cx, &input, &context, &[("result", &result)]);
            let assign = self.assign_jsonata(cx.state.get("Assign"), &bindings)?;
            let output = match cx.state.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => result,
            };
            self.commit_assign(cx, assign);
            return Ok(Step { output, next });
        }
        let scope = cx.scope(&context);
        let effective = apply_path(cx.state.get("InputPath"), input.clone(), &scope)?;
        let parameters = match cx.state.get("Parameters") {
            Some(template) => payload_template(template, &effective, &scope)?,
            None => effective,
        };
        let result = run(parameters)?;
        let result = match cx.state.get("ResultSelector") {
            Some(template) => payload_template(template, &result, &scope)?,
            None => result,
        };
        let assign = self.assign_jsonpath(cx, cx.state.get("Assign"), &result, &context)?;
        let combined = apply_result_path(cx.state.get("ResultPath"), input, result)?;
        let output = apply_path(cx.state.get("OutputPath"), combined, &scope)?;
        self.commit_assign(cx, assign);
        Ok(Step { output, next })
    }

    /// `TimeoutSeconds` or `HeartbeatSeconds` (`field`), or its `...Path` form.
    pub(super) fn task_seconds(
        &self,
        cx: &StateCx<'_>,
        field: &str,
        input: &Value,
        context: &Value,
    ) -> Result<Option<Duration>, DataError> {
        if let Some(seconds) = cx.state.get(field) {
            let value = if cx.jsonata {
                let bindings = self.jsonata_bindings(cx, input, context, &[]);
                jsonata_template(seconds, field, &bindings)?
            } else {
                seconds.clone()
            };
            return Ok(value.as_f64().map(Duration::from_secs_f64));
        }
        if let Some(path) = cx
            .state
            .get(&format!("{field}Path"))
            .and_then(Value::as_str)
        {
            let scope = cx.scope(context);
            let value = dataflow::select(path, input, &scope)
                .map_err(|e| DataError::runtime(e.to_string()))?;
            return Ok(value.as_f64().map(Duration::from_secs_f64));
        }
        Ok(None)
    }

    /// Runs a Task's resource and returns its result (the task result, before
    /// `ResultSelector`).
    /// With `submitted`, a success is recorded as `TaskSubmitted` (a callback Task's
    /// integration ran; its result comes later).
    pub(super) fn invoke(
        &self,
        cx: &StateCx<'_>,
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
                        cx.name,
                        if cx.jsonata {
                            "Arguments"
                        } else {
                            "Parameters"
                        }
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
                if json_size(&result) > PAYLOAD_LIMIT_BYTES {
                    return Err(Failure::new(
                        "States.DataLimitExceeded",
                        format!(
                            "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
                            cx.name
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
                    cx.name
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
        resource: &str,
        parameters: Value,
        timeout: Option<Duration>,
        heartbeat: Option<Duration>,
        token: &str,
    ) -> Result<Value, StateError> {
        let Some(callbacks) = self.options.callbacks.clone() else {
            return Err(Failure::new(
                "States.Runtime",
                format!(
                    "the state '{}' waits for a task token (`{resource}.waitForTaskToken`), and this run has nothing to answer it: run the machine under `sfn-gen serve`, whose SendTaskSuccess/SendTaskFailure answer tokens",
                    cx.name
                ),
            )
            .into());
        };
        self.invoke(cx, resource, parameters, timeout, true)?;
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

/// A fresh task token: 256 random bits, hex (AWS's tokens are opaque strings too).
fn task_token() -> String {
    (0..4)
        .map(|_| format!("{:016x}", rand::random::<u64>()))
        .collect()
}
