//! Pass, Succeed, Fail, Choice and Wait: the states that run no task.

use super::*;

impl Runner<'_> {
    // ---- Pass -------------------------------------------------------------------------

    pub(super) fn pass(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let next = Self::next_of(cx.state);
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let assign = self.assign_jsonata(cx.state.get("Assign"), &bindings)?;
            let output = match cx.state.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => input,
            };
            self.commit_assign(cx, assign);
            return Ok(Step { output, next });
        }
        let scope = cx.scope(&context);
        let effective = apply_path(cx.state.get("InputPath"), input.clone(), &scope)?;
        let result = if let Some(result) = cx.state.get("Result") {
            result.clone()
        } else if let Some(parameters) = cx.state.get("Parameters") {
            payload_template(parameters, &effective, &scope)?
        } else {
            effective
        };
        let assign = self.assign_jsonpath(cx, cx.state.get("Assign"), &result, &context)?;
        let combined = apply_result_path(cx.state.get("ResultPath"), input, result)?;
        let output = apply_path(cx.state.get("OutputPath"), combined, &scope)?;
        self.commit_assign(cx, assign);
        Ok(Step { output, next })
    }

    // ---- Succeed and Fail ---------------------------------------------------------------

    pub(super) fn succeed(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let output = match cx.state.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => input,
            };
            return Ok(Step { output, next: None });
        }
        let scope = cx.scope(&context);
        let effective = apply_path(cx.state.get("InputPath"), input, &scope)?;
        let output = apply_path(cx.state.get("OutputPath"), effective, &scope)?;
        Ok(Step { output, next: None })
    }

    pub(super) fn fail(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let (error, cause) = if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let field = |name: &str| -> Result<Option<String>, DataError> {
                match cx.state.get(name) {
                    None => Ok(None),
                    Some(template) => match jsonata_template(template, name, &bindings)? {
                        Value::String(s) => Ok(Some(s)),
                        other => Ok(Some(compact(&other))),
                    },
                }
            };
            (field("Error")?, field("Cause")?)
        } else {
            let scope = cx.scope(&context);
            let field = |literal: &str, path_field: &str| -> Result<Option<String>, DataError> {
                if let Some(value) = cx.state.get(literal) {
                    return Ok(value.as_str().map(str::to_owned));
                }
                let Some(path) = cx.state.get(path_field).and_then(Value::as_str) else {
                    return Ok(None);
                };
                let value = evaluate_value(path, &input, &scope).map_err(
                    |e| match e {
                        asl::intrinsics::ValueError::Path(PathError::NoResults { .. })
                        | asl::intrinsics::ValueError::Path(
                            PathError::UndefinedVariable { .. },
                        ) => DataError::runtime(format!(
                            "The JSONPath '{path}' specified for the field '{path_field}' could not be found in the input '{}'",
                            compact(&input)
                        )),
                        other => DataError::runtime(other.to_string()),
                    },
                )?;
                Ok(Some(match value {
                    Value::String(s) => s,
                    other => compact(&other),
                }))
            };
            (field("Error", "ErrorPath")?, field("Cause", "CausePath")?)
        };
        let mut details = Map::new();
        if let Some(error) = &error {
            details.insert("error".into(), Value::from(error.clone()));
        }
        if let Some(cause) = &cause {
            details.insert("cause".into(), Value::from(cause.clone()));
        }
        Err(StateError::Failed(Failure { error, cause }))
    }

    // ---- Choice -----------------------------------------------------------------------

    pub(super) fn choice(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let rules = cx
            .state
            .get("Choices")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let mut chosen: Option<&Value> = None;
            for rule in &rules {
                let condition = rule.get("Condition").cloned().unwrap_or(Value::Bool(false));
                let verdict = match &condition {
                    Value::Bool(b) => *b,
                    Value::String(s) => match dataflow::jsonata_expression(s) {
                        Some(expression) => {
                            match dataflow::evaluate_jsonata(expression, "Condition", &bindings)? {
                                Some(Value::Bool(b)) => b,
                                other => {
                                    return Err(DataError::query(format!(
                                        "The JSONata expression '{}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was {}",
                                        expression.trim(),
                                        other.map(|v| compact(&v)).unwrap_or_else(|| "undefined".into())
                                    ))
                                    .into());
                                }
                            }
                        }
                        None => {
                            return Err(
                                kind_error(cx.name, "Condition", "a boolean", &condition).into()
                            );
                        }
                    },
                    other => {
                        return Err(kind_error(cx.name, "Condition", "a boolean", other).into());
                    }
                };
                if verdict {
                    chosen = Some(rule);
                    break;
                }
            }
            let (holder, next) = match chosen {
                Some(rule) => (rule, rule.get("Next").and_then(Value::as_str)),
                None => (
                    &Value::Null,
                    cx.state.get("Default").and_then(Value::as_str),
                ),
            };
            let Some(next) = next else {
                return Err(Failure::new("States.NoChoiceMatched", "No Matches!").into());
            };
            let (assign_field, output_field) = match chosen {
                Some(_) => (holder.get("Assign"), holder.get("Output")),
                None => (cx.state.get("Assign"), cx.state.get("Output")),
            };
            let assign = self.assign_jsonata(assign_field, &bindings)?;
            let output = match output_field {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => input,
            };
            self.commit_assign(cx, assign);
            return Ok(Step {
                output,
                next: Some(next.to_owned()),
            });
        }
        let scope = cx.scope(&context);
        let effective = apply_path(cx.state.get("InputPath"), input.clone(), &scope)?;
        let mut chosen = None;
        for rule in &rules {
            if choice::evaluate_rule(rule, &effective, &scope)? {
                chosen = Some(rule);
                break;
            }
        }
        let (next, assign_field) = match chosen {
            Some(rule) => (rule.get("Next").and_then(Value::as_str), rule.get("Assign")),
            None => (
                cx.state.get("Default").and_then(Value::as_str),
                cx.state.get("Assign"),
            ),
        };
        let Some(next) = next else {
            return Err(Failure::new("States.NoChoiceMatched", "No Matches!").into());
        };
        let assign = self.assign_jsonpath(cx, assign_field, &effective, &context)?;
        let output = apply_path(cx.state.get("OutputPath"), effective, &scope)?;
        self.commit_assign(cx, assign);
        Ok(Step {
            output,
            next: Some(next.to_owned()),
        })
    }

    // ---- Wait -------------------------------------------------------------------------

    pub(super) fn wait(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let next = Self::next_of(cx.state);
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            if let Some(seconds) = cx.state.get("Seconds") {
                let value = jsonata_template(seconds, "Seconds", &bindings)?;
                let seconds = value
                    .as_f64()
                    .filter(|s| *s >= 0.0 && s.fract() == 0.0)
                    .ok_or_else(|| {
                        DataError::query(format!(
                            "The Seconds field must be a non-negative integer, found {}",
                            compact(&value)
                        ))
                    })?;
                self.sleep(seconds);
            } else if let Some(timestamp) = cx.state.get("Timestamp") {
                let value = jsonata_template(timestamp, "Timestamp", &bindings)?;
                let text = value
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| compact(&value));
                let when = parse_timestamp(&text).ok_or_else(|| {
                    DataError::query(format!(
                        "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"
                    ))
                })?;
                self.wait_until(when.with_timezone(&Utc));
            }
            let assign = self.assign_jsonata(cx.state.get("Assign"), &bindings)?;
            let output = match cx.state.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => input,
            };
            self.commit_assign(cx, assign);
            return Ok(Step { output, next });
        }
        let scope = cx.scope(&context);
        let effective = apply_path(cx.state.get("InputPath"), input, &scope)?;
        if let Some(seconds) = cx.state.get("Seconds").and_then(Value::as_f64) {
            self.sleep(seconds);
        } else if let Some(timestamp) = cx.state.get("Timestamp").and_then(Value::as_str) {
            if let Some(when) = parse_timestamp(timestamp) {
                self.wait_until(when.with_timezone(&Utc));
            }
        } else if let Some(path) = cx.state.get("SecondsPath").and_then(Value::as_str) {
            let value = dataflow::select(path, &effective, &scope).map_err(|_| {
                DataError::runtime(format!(
                    "The SecondsPath parameter does not reference an input value: {path}"
                ))
            })?;
            let seconds = match value.as_i64() {
                Some(s) if s >= 0 => s,
                Some(_) => {
                    return Err(DataError::runtime(format!(
                        "The SecondsPath parameter references a negative value: {path} == {}",
                        compact(&value)
                    ))
                    .into());
                }
                None => {
                    return Err(DataError::runtime(format!(
                        "The SecondsPath parameter cannot be parsed as a long value: {path} == {}",
                        compact(&value)
                    ))
                    .into());
                }
            };
            self.sleep(seconds as f64);
        } else if let Some(path) = cx.state.get("TimestampPath").and_then(Value::as_str) {
            let value = dataflow::select(path, &effective, &scope).map_err(|_| {
                DataError::runtime(format!(
                    "The TimestampPath parameter does not reference an input value: {path}"
                ))
            })?;
            let text = value
                .as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| compact(&value));
            let when = parse_timestamp(&text).ok_or_else(|| {
                DataError::runtime(format!(
                    "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {path} == {text}"
                ))
            })?;
            self.wait_until(when.with_timezone(&Utc));
        }
        let assign = self.assign_jsonpath(cx, cx.state.get("Assign"), &effective, &context)?;
        let output = apply_path(cx.state.get("OutputPath"), effective, &scope)?;
        self.commit_assign(cx, assign);
        Ok(Step { output, next })
    }

    pub(super) fn wait_until(&self, when: DateTime<Utc>) {
        let now = match self.options.clock {
            Clock::Virtual => self.now(),
            Clock::Real => Utc::now(),
        };
        let seconds = (when - now).num_milliseconds() as f64 / 1000.0;
        self.sleep(seconds);
    }
}

/// A `.$` value (an intrinsic call or a path) through the compiled program.
fn evaluate_value(
    text: &str,
    input: &Value,
    scope: &asl::jsonpath::Scope<'_>,
) -> Result<Value, asl::intrinsics::ValueError> {
    if asl::intrinsics::is_intrinsic(text) {
        Ok(super::super::program::intrinsic(text, input, scope)?)
    } else {
        Ok(super::super::program::select(text, input, scope)?)
    }
}
