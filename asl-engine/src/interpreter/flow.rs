//! Pass, Succeed, Fail, Choice and Wait: the states that run no task.

use super::*;
use crate::dataflow::{Dyn, DynError};
use crate::program::{ChoiceProgram, PassResult, RuleTest, WaitProgram};
use asl::intrinsics::ValueError;
use asl::jsonpath::PathError;

impl Runner<'_> {
    // ---- Pass -------------------------------------------------------------------------

    pub(super) fn pass(
        &self,
        cx: &StateCx<'_>,
        pass: &PassResult,
        input: Value,
    ) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let io = cx.io(&context);
        let flow = &cx.state.flow;
        let mut effective = flow.effective(&io, &input)?;
        let produced = match pass {
            PassResult::Literal(result) => Produced::Result(result.clone()),
            PassResult::Parameters(parameters) => Produced::Result(parameters.evaluate(
                &io,
                &input,
                effective.as_ref().unwrap_or(&input),
            )?),
            // `finish` reads the effective input only when nothing was produced.
            PassResult::Effective => {
                Produced::Result(effective.take().unwrap_or_else(|| input.clone()))
            }
            PassResult::Nothing => Produced::Nothing,
        };
        let finished = flow.finish(&io, input, effective, produced)?;
        Ok(self.commit(cx, finished, cx.state.next))
    }

    // ---- Succeed and Fail ---------------------------------------------------------------

    pub(super) fn succeed(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let io = cx.io(&context);
        let flow = &cx.state.flow;
        let effective = flow.effective(&io, &input)?;
        let finished = flow.finish(&io, input, effective, Produced::Nothing)?;
        Ok(self.commit(cx, finished, None))
    }

    pub(super) fn fail(
        &self,
        cx: &StateCx<'_>,
        error: Option<&Dyn>,
        cause: Option<&Dyn>,
        input: Value,
    ) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let io = cx.io(&context);
        let field = |value: Option<&Dyn>, path_field: &str| -> Result<Option<String>, DataError> {
            let Some(value) = value else {
                return Ok(None);
            };
            let value = value.evaluate(&io, &input).map_err(|e| match e {
                DynError::Data(data) => data,
                DynError::Path(
                    ValueError::Path(PathError::NoResults { .. })
                    | ValueError::Path(PathError::UndefinedVariable { .. }),
                ) => DataError::runtime(format!(
                    "The JSONPath '{}' specified for the field '{path_field}' could not be found in the input '{}'",
                    value.path_text(),
                    compact(&input)
                )),
                DynError::Path(other) => DataError::runtime(other.to_string()),
            })?;
            Ok(Some(match value {
                Value::String(s) => s,
                other => compact(&other),
            }))
        };
        let error = field(error, "ErrorPath")?;
        let cause = field(cause, "CausePath")?;
        Err(StateError::Failed(Failure { error, cause }))
    }

    // ---- Choice -----------------------------------------------------------------------

    pub(super) fn choice(
        &self,
        cx: &StateCx<'_>,
        choice: &ChoiceProgram,
        input: Value,
    ) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let io = cx.io(&context);
        let effective = cx.state.flow.effective(&io, &input)?;
        // JSONata conditions share one set of bindings, built at the first one.
        let mut bindings = None;
        let mut chosen = None;
        for rule in &choice.rules {
            let verdict = match &rule.test {
                RuleTest::Rule(test) => {
                    test.evaluate(effective.as_ref().unwrap_or(&input), &io.scope())?
                }
                RuleTest::Literal(verdict) => *verdict,
                RuleTest::Condition(condition) => {
                    let bindings = bindings.get_or_insert_with(|| io.bindings(&input, None));
                    match condition.evaluate(&input, bindings)? {
                        Some(Value::Bool(b)) => b,
                        other => {
                            return Err(DataError::query(format!(
                                "The JSONata expression '{}' specified for the field 'Condition' returned an unexpected result type. Expected 'boolean', but was {}",
                                condition.text,
                                other.map(|v| compact(&v)).unwrap_or_else(|| "undefined".into())
                            ))
                            .into());
                        }
                    }
                }
            };
            if verdict {
                chosen = Some(rule);
                break;
            }
        }
        let (flow, next) = match chosen {
            Some(rule) => (&rule.flow, Some(rule.next)),
            None => (&cx.state.flow, choice.default),
        };
        let Some(next) = next else {
            return Err(Failure::new("States.NoChoiceMatched", "No Matches!").into());
        };
        let finished = flow.finish_with(&io, input, effective, Produced::Nothing, bindings)?;
        Ok(self.commit(cx, finished, Some(next)))
    }

    // ---- Wait -------------------------------------------------------------------------

    pub(super) fn wait(
        &self,
        cx: &StateCx<'_>,
        wait: &WaitProgram,
        input: Value,
    ) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let io = cx.io(&context);
        let flow = &cx.state.flow;
        let effective = flow.effective(&io, &input)?;
        let literal = |value: &Dyn| match value.evaluate(&io, &input) {
            Ok(value) => Ok(value),
            Err(DynError::Data(data)) => Err(data),
            Err(DynError::Path(other)) => Err(DataError::runtime(other.to_string())),
        };
        match wait {
            WaitProgram::Seconds(seconds) => {
                let value = literal(seconds)?;
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
            }
            WaitProgram::Timestamp { value, strict } => {
                let value = literal(value)?;
                let text = value
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| compact(&value));
                match parse_timestamp(&text) {
                    Some(when) => self.wait_until(when.with_timezone(&Utc)),
                    None if *strict => {
                        return Err(DataError::query(format!(
                            "The Timestamp field cannot be parsed as an ISO-8601 extended offset date-time format string: {text}"
                        ))
                        .into());
                    }
                    None => {}
                }
            }
            WaitProgram::SecondsPath(path) => {
                let value = path
                    .select(effective.as_ref().unwrap_or(&input), &io.scope())
                    .map_err(|_| {
                        DataError::runtime(format!(
                            "The SecondsPath parameter does not reference an input value: {}",
                            path.text
                        ))
                    })?;
                let seconds = match value.as_i64() {
                    Some(s) if s >= 0 => s,
                    Some(_) => {
                        return Err(DataError::runtime(format!(
                            "The SecondsPath parameter references a negative value: {} == {}",
                            path.text,
                            compact(&value)
                        ))
                        .into());
                    }
                    None => {
                        return Err(DataError::runtime(format!(
                            "The SecondsPath parameter cannot be parsed as a long value: {} == {}",
                            path.text,
                            compact(&value)
                        ))
                        .into());
                    }
                };
                self.sleep(seconds as f64);
            }
            WaitProgram::TimestampPath(path) => {
                let value = path
                    .select(effective.as_ref().unwrap_or(&input), &io.scope())
                    .map_err(|_| {
                        DataError::runtime(format!(
                            "The TimestampPath parameter does not reference an input value: {}",
                            path.text
                        ))
                    })?;
                let text = value
                    .as_str()
                    .map(str::to_owned)
                    .unwrap_or_else(|| compact(&value));
                let when = parse_timestamp(&text).ok_or_else(|| {
                    DataError::runtime(format!(
                        "The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: {} == {text}",
                        path.text
                    ))
                })?;
                self.wait_until(when.with_timezone(&Utc));
            }
        }
        let finished = flow.finish(&io, input, effective, Produced::Nothing)?;
        Ok(self.commit(cx, finished, cx.state.next))
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
