//! Parallel and Map: child state machines, run one at a time or on threads, with
//! MaxConcurrency, tolerated failures and item batching.

use super::super::program;
use super::*;

impl Runner<'_> {
    // ---- Parallel ---------------------------------------------------------------------

    pub(super) fn parallel(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let next = Self::next_of(cx.state);
        let branches = cx
            .state
            .get("Branches")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let (branch_input, effective) = if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
            let arguments = match cx.state.get("Arguments") {
                Some(template) => jsonata_template(template, "Arguments", &bindings)?,
                None => input.clone(),
            };
            (arguments, Value::Null)
        } else {
            let scope = cx.scope(&context);
            let effective = apply_path(cx.state.get("InputPath"), input.clone(), &scope)?;
            let parameters = match cx.state.get("Parameters") {
                Some(template) => payload_template(template, &effective, &scope)?,
                None => effective.clone(),
            };
            (parameters, effective)
        };
        let _ = effective;
        self.record("ParallelStateStarted", Map::new());
        let jobs: Vec<(usize, Value)> = (0..branches.len())
            .map(|i| (i, branch_input.clone()))
            .collect();
        let results = self.run_children(cx, jobs, branches.len(), |index, item| {
            let machine = branches[index].as_object().cloned().unwrap_or_default();
            let frame = Frame {
                vars: VarScope::child(&cx.frame.vars),
                query_language: cx.frame.query_language,
            };
            self.run_machine(&machine, item, &frame)
        });
        let results = match results {
            Ok(results) => results,
            Err(failure) => {
                let mut details = Map::new();
                if let Some(e) = &failure.error {
                    details.insert("error".into(), Value::from(e.clone()));
                }
                if let Some(c) = &failure.cause {
                    details.insert("cause".into(), Value::from(c.clone()));
                }
                self.record("ParallelStateFailed", details);
                return Err(failure.into());
            }
        };
        self.record("ParallelStateSucceeded", Map::new());
        self.finish_composite(cx, input, Value::Array(results), &context, next)
    }

    /// ResultSelector, ResultPath, OutputPath and Assign (JSONPath), or Output and Assign
    /// (JSONata), for Map and Parallel.
    pub(super) fn finish_composite(
        &self,
        cx: &StateCx<'_>,
        input: Value,
        result: Value,
        context: &Value,
        next: Option<String>,
    ) -> Result<Step, StateError> {
        if cx.jsonata {
            let bindings = self.jsonata_bindings(cx, &input, context, &[("result", &result)]);
            let assign = self.assign_jsonata(cx.state.get("Assign"), &bindings)?;
            let output = match cx.state.get("Output") {
                Some(template) => jsonata_template(template, "Output", &bindings)?,
                None => result,
            };
            self.commit_assign(cx, assign);
            return Ok(Step { output, next });
        }
        let scope = cx.scope(context);
        let result = match cx.state.get("ResultSelector") {
            Some(template) => payload_template(template, &result, &scope)?,
            None => result,
        };
        let assign = self.assign_jsonpath(cx, cx.state.get("Assign"), &result, context)?;
        let combined = apply_result_path(cx.state.get("ResultPath"), input, result)?;
        let output = apply_path(cx.state.get("OutputPath"), combined, &scope)?;
        self.commit_assign(cx, assign);
        Ok(Step { output, next })
    }

    /// Runs `jobs` (index, input) with at most `concurrency` at once (0: all), on threads
    /// when the run is concurrent; results in job order. The first failure wins.
    pub(super) fn run_children<F>(
        &self,
        _cx: &StateCx<'_>,
        jobs: Vec<(usize, Value)>,
        concurrency: usize,
        work: F,
    ) -> Result<Vec<Value>, Failure>
    where
        F: Fn(usize, Value) -> Result<Value, Failure> + Sync,
    {
        let outcomes = self.run_children_all(jobs, concurrency, &work);
        outcomes.into_iter().collect()
    }

    /// Like [`Self::run_children`] but keeps every outcome.
    pub(super) fn run_children_all<F>(
        &self,
        jobs: Vec<(usize, Value)>,
        concurrency: usize,
        work: &F,
    ) -> Vec<Result<Value, Failure>>
    where
        F: Fn(usize, Value) -> Result<Value, Failure> + Sync,
    {
        let count = jobs.len();
        if !self.options.concurrent || count <= 1 || concurrency == 1 {
            let mut outcomes = Vec::with_capacity(count);
            for (index, item) in jobs {
                let outcome = work(index, item);
                outcomes.push(outcome);
            }
            return outcomes;
        }
        let width = if concurrency == 0 { count } else { concurrency }.min(64);
        let queue = Mutex::new(jobs.into_iter().enumerate().collect::<Vec<_>>().into_iter());
        let slots: Vec<Mutex<Option<Result<Value, Failure>>>> =
            (0..count).map(|_| Mutex::new(None)).collect();
        // The workers evaluate with the run's compiled program too.
        let program = program::current();
        std::thread::scope(|scope| {
            for _ in 0..width.min(count) {
                scope.spawn(|| {
                    let drain = || {
                        loop {
                            let job = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                            let Some((slot, (index, item))) = job else {
                                break;
                            };
                            let outcome = work(index, item);
                            *slots[slot].lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
                        }
                    };
                    match &program {
                        Some(program) => program::installed(program, drain),
                        None => drain(),
                    }
                });
            }
        });
        slots
            .into_iter()
            .map(|slot| {
                slot.into_inner()
                    .unwrap_or_else(|e| e.into_inner())
                    .unwrap_or_else(|| Err(Failure::new("States.Runtime", "a branch did not run")))
            })
            .collect()
    }

    // ---- Map --------------------------------------------------------------------------

    pub(super) fn map(&self, cx: &StateCx<'_>, input: Value) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let next = Self::next_of(cx.state);
        let processor = cx
            .state
            .get("ItemProcessor")
            .or_else(|| cx.state.get("Iterator"))
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        let scope = cx.scope(&context);
        let bindings = self.jsonata_bindings(cx, &input, &context, &[]);
        // Items and the input the selector sees.
        let (items, effective) = if cx.jsonata {
            let items = match cx.state.get("Items") {
                Some(template) => {
                    let value = jsonata_template(template, "Items", &bindings)?;
                    match value {
                        Value::Array(items) => items,
                        other => {
                            let expression = template
                                .as_str()
                                .and_then(dataflow::jsonata_expression)
                                .map(str::trim)
                                .map(str::to_owned);
                            return Err(DataError::query(match expression {
                                Some(expression) => format!(
                                    "The JSONata expression '{expression}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {}",
                                    type_name(&other),
                                    compact(&other)
                                ),
                                None => format!(
                                    "Map state input must be an array but was: {}",
                                    compact(&other)
                                ),
                            })
                            .into());
                        }
                    }
                }
                None => match &input {
                    Value::Array(items) => items.clone(),
                    other => {
                        return Err(DataError::query(format!(
                            "Map state input must be an array but was: {}",
                            compact(other)
                        ))
                        .into());
                    }
                },
            };
            (items, input.clone())
        } else {
            let effective = apply_path(cx.state.get("InputPath"), input.clone(), &scope)?;
            let items_value = match cx.state.get("ItemsPath").and_then(Value::as_str) {
                Some(path) => dataflow::select(path, &effective, &scope).map_err(|e| match e {
                    PathError::NoResults { .. } => DataError::runtime(format!(
                        "Invalid path '{path}' : {}",
                        dataflow::missing_path_explanation(path, &effective, &scope)
                    )),
                    other => DataError::runtime(other.to_string()),
                })?,
                None => effective.clone(),
            };
            match items_value {
                Value::Array(items) => (items, effective),
                other => {
                    return Err(DataError::runtime(format!(
                        "Map state input must be an array but was: {}",
                        compact(&other)
                    ))
                    .into());
                }
            }
        };
        let max_concurrency =
            self.map_number(cx, &effective, &scope, &bindings, "MaxConcurrency", false)?;
        let tolerated_count = self.map_number(
            cx,
            &effective,
            &scope,
            &bindings,
            "ToleratedFailureCount",
            false,
        )?;
        let tolerated_percentage = self.map_number(
            cx,
            &effective,
            &scope,
            &bindings,
            "ToleratedFailurePercentage",
            true,
        )?;
        if let Some(count) = tolerated_count
            && count < 0.0
        {
            {
                return Err(DataError::runtime("ToleratedFailureCount cannot be negative.").into());
            }
        }
        if let Some(percentage) = tolerated_percentage
            && !(0.0..=100.0).contains(&percentage)
        {
            {
                return Err(DataError::runtime(
                    "ToleratedFailurePercentage must be between 0 and 100.",
                )
                .into());
            }
        }
        // Batching (ItemBatcher) groups items as {"Items": [...], "BatchInput": ...}.
        let items = self.batch_items(cx, items, &effective, &scope)?;
        let selector = cx
            .state
            .get("ItemSelector")
            .or_else(|| cx.state.get("Parameters"))
            .cloned();
        let mut jobs = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let iteration_input = match &selector {
                None => item,
                Some(template) => {
                    let item_context = context::for_state(
                        &self.context_base,
                        cx.name,
                        cx.entered_time,
                        None,
                        Some(&(index, item.clone())),
                    );
                    if cx.jsonata {
                        let bindings = self.jsonata_bindings(cx, &input, &item_context, &[]);
                        jsonata_template(template, "ItemSelector", &bindings)?
                    } else {
                        let scope = cx.scope(&item_context);
                        payload_template(template, &effective, &scope)?
                    }
                }
            };
            jobs.push((index, iteration_input));
        }
        let total = jobs.len();
        let mut details = Map::new();
        details.insert("length".into(), Value::from(total));
        self.record("MapStateStarted", details);
        let processor_language =
            QueryLanguage::of_field(processor.get("QueryLanguage"), cx.frame.query_language);
        let work = |index: usize, item: Value| {
            let mut details = Map::new();
            details.insert("name".into(), Value::from(cx.name));
            details.insert("index".into(), Value::from(index));
            self.record("MapIterationStarted", details.clone());
            let frame = Frame {
                vars: VarScope::child(&cx.frame.vars),
                query_language: processor_language,
            };
            let outcome = self.run_machine(&processor, item, &frame);
            match &outcome {
                Ok(_) => self.record("MapIterationSucceeded", details),
                Err(_) => self.record("MapIterationFailed", details),
            };
            outcome
        };
        let concurrency = max_concurrency.map(|c| c as usize).unwrap_or(0);
        let tolerant = tolerated_count.is_some() || tolerated_percentage.is_some();
        let outcomes = if tolerant {
            self.run_children_all(jobs, concurrency, &work)
        } else {
            match self.run_children(cx, jobs, concurrency, work) {
                Ok(results) => results.into_iter().map(Ok).collect(),
                Err(failure) => {
                    self.record_map_failed(&failure);
                    return Err(failure.into());
                }
            }
        };
        let failures = outcomes.iter().filter(|o| o.is_err()).count();
        if failures > 0 {
            if let Some(Err(failure)) = outcomes.iter().find(|o| o.is_err())
                && failure.error_name() == TRANSITION_LIMIT_ERROR
            {
                {
                    return Err(failure.clone().into());
                }
            }
            let within_count = tolerated_count.is_some_and(|c| failures as f64 <= c);
            let within_percentage = tolerated_percentage
                .is_some_and(|p| total > 0 && (failures as f64 * 100.0 / total as f64) <= p);
            if !(within_count || within_percentage) {
                let failure = Failure::new(
                    "States.ExceedToleratedFailureThreshold",
                    "The specified tolerated failure threshold was exceeded",
                );
                self.record_map_failed(&failure);
                return Err(failure.into());
            }
        }
        let results: Vec<Value> = outcomes
            .into_iter()
            .map(|o| match o {
                Ok(v) => v,
                Err(f) => json!({"Error": f.error, "Cause": f.cause}),
            })
            .collect();
        self.record("MapStateSucceeded", Map::new());
        self.finish_composite(cx, input, Value::Array(results), &context, next)
    }

    pub(super) fn record_map_failed(&self, failure: &Failure) {
        let mut details = Map::new();
        if let Some(e) = &failure.error {
            details.insert("error".into(), Value::from(e.clone()));
        }
        if let Some(c) = &failure.cause {
            details.insert("cause".into(), Value::from(c.clone()));
        }
        self.record("MapStateFailed", details);
    }

    pub(super) fn batch_items(
        &self,
        cx: &StateCx<'_>,
        items: Vec<Value>,
        effective: &Value,
        scope: &Scope<'_>,
    ) -> Result<Vec<Value>, DataError> {
        let Some(batcher) = cx.state.get("ItemBatcher").and_then(Value::as_object) else {
            return Ok(items);
        };
        let per_batch = batcher
            .get("MaxItemsPerBatch")
            .and_then(Value::as_u64)
            .unwrap_or(items.len().max(1) as u64)
            .max(1) as usize;
        let batch_input = match batcher.get("BatchInput") {
            Some(template) if !cx.jsonata => Some(payload_template(template, effective, scope)?),
            Some(template) => Some(template.clone()),
            None => None,
        };
        Ok(items
            .chunks(per_batch)
            .map(|chunk| {
                let mut batch = Map::new();
                if let Some(batch_input) = &batch_input {
                    batch.insert("BatchInput".into(), batch_input.clone());
                }
                batch.insert("Items".into(), Value::Array(chunk.to_vec()));
                Value::Object(batch)
            })
            .collect())
    }

    /// Reads `MaxConcurrency`, `ToleratedFailureCount` or `ToleratedFailurePercentage`
    /// (or its `Path` form, or a JSONata expression).
    pub(super) fn map_number(
        &self,
        cx: &StateCx<'_>,
        effective: &Value,
        scope: &Scope<'_>,
        bindings: &Map<String, Value>,
        field: &str,
        float: bool,
    ) -> Result<Option<f64>, DataError> {
        if let Some(value) = cx.state.get(field) {
            let value = if cx.jsonata {
                jsonata_template(value, field, bindings)?
            } else {
                value.clone()
            };
            return match value.as_f64() {
                Some(n) => Ok(Some(n)),
                None => Err(DataError::runtime(format!(
                    "The {field} field must be a number, found {}",
                    compact(&value)
                ))),
            };
        }
        let path_field = format!("{field}Path");
        let Some(path) = cx.state.get(&path_field).and_then(Value::as_str) else {
            return Ok(None);
        };
        let value = dataflow::select(path, effective, scope)
            .map_err(|e| DataError::runtime(e.to_string()))?;
        let kind = if float { "float" } else { "integer" };
        // A numeric string is accepted too (corpus: MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH).
        let number = match (&value, float) {
            (Value::String(s), true) => s.trim().parse::<f64>().ok(),
            (Value::String(s), false) => s.trim().parse::<i64>().ok().map(|n| n as f64),
            (_, true) => value.as_f64(),
            (_, false) => value.as_i64().map(|n| n as f64),
        };
        number.map(Some).ok_or_else(|| {
            let shown = match &value {
                Value::String(s) => s.clone(),
                other => compact(other),
            };
            DataError::runtime(format!(
                "The {path_field} field refers to value \"{shown}\" which is not a valid {kind}: {path}"
            ))
        })
    }
}
