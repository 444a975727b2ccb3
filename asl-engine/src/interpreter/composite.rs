//! Parallel and Map: child state machines, run one at a time or on threads, with
//! MaxConcurrency, tolerated failures and item batching.

use super::*;
use crate::dataflow::{Dyn, DynError};
use crate::program::{BatchInput, Batcher, Items, MapProgram, ParallelProgram};

impl Runner<'_> {
    // ---- Parallel ---------------------------------------------------------------------

    pub(super) fn parallel(
        &self,
        cx: &StateCx<'_>,
        parallel: &ParallelProgram,
        input: Value,
    ) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let io = cx.io(&context);
        let effective = cx.state.flow.effective(&io, &input)?;
        let branch_input = match (&parallel.arguments, effective) {
            (Some(template), effective) => {
                template.evaluate(&io, &input, effective.as_ref().unwrap_or(&input))?
            }
            (None, Some(effective)) => effective,
            (None, None) => input.clone(),
        };
        self.record("ParallelStateStarted", Map::new());
        let branches = &parallel.branches;
        let jobs: Vec<(usize, Value)> = (0..branches.len())
            .map(|i| (i, branch_input.clone()))
            .collect();
        let results = self.run_children(jobs, branches.len(), |index, item| {
            let frame = Frame {
                vars: VarScope::child(&cx.frame.vars),
            };
            self.run_machine(&branches[index], item, &frame)
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
        let finished =
            cx.state
                .flow
                .finish(&io, input, None, Produced::Result(Value::Array(results)))?;
        Ok(self.commit(cx, finished, cx.state.next))
    }

    /// Runs `jobs` (index, input) with at most `concurrency` at once (0: all), on threads
    /// when the run is concurrent; results in job order. The first failure wins.
    pub(super) fn run_children<F>(
        &self,
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
                    // What a worker parses counts as parsed at run time too.
                    let before = dataflow::parses();
                    drain();
                    self.worker_parses
                        .fetch_add(dataflow::parses() - before, Ordering::Relaxed);
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

    pub(super) fn map(
        &self,
        cx: &StateCx<'_>,
        map: &MapProgram,
        input: Value,
    ) -> Result<Step, StateError> {
        let context = self.context_for(cx, None);
        let io = cx.io(&context);
        let effective = match cx.state.flow.effective(&io, &input)? {
            Some(effective) => effective,
            None => input.clone(),
        };
        let items = self.map_items(&io, &map.items, &input, &effective)?;
        let max_concurrency = map_number(
            &io,
            map.max_concurrency.as_ref(),
            &input,
            &effective,
            "MaxConcurrency",
            false,
        )?;
        let tolerated_count = map_number(
            &io,
            map.tolerated_count.as_ref(),
            &input,
            &effective,
            "ToleratedFailureCount",
            false,
        )?;
        let tolerated_percentage = map_number(
            &io,
            map.tolerated_percentage.as_ref(),
            &input,
            &effective,
            "ToleratedFailurePercentage",
            true,
        )?;
        if let Some(count) = tolerated_count
            && count < 0.0
        {
            return Err(DataError::runtime("ToleratedFailureCount cannot be negative.").into());
        }
        if let Some(percentage) = tolerated_percentage
            && !(0.0..=100.0).contains(&percentage)
        {
            return Err(DataError::runtime(
                "ToleratedFailurePercentage must be between 0 and 100.",
            )
            .into());
        }
        // Batching (ItemBatcher) groups items as {"Items": [...], "BatchInput": ...}.
        let items = batch_items(&io, map.batcher.as_ref(), items, &effective)?;
        let mut jobs = Vec::with_capacity(items.len());
        for (index, item) in items.into_iter().enumerate() {
            let iteration_input = match &map.selector {
                None => item,
                Some(template) => {
                    let item_context = context::for_state(
                        &self.context_base,
                        &cx.state.name,
                        cx.entered_time,
                        None,
                        Some(&(index, item.clone())),
                    );
                    template.evaluate(&cx.io(&item_context), &input, &effective)?
                }
            };
            jobs.push((index, iteration_input));
        }
        let total = jobs.len();
        let mut details = Map::new();
        details.insert("length".into(), Value::from(total));
        self.record("MapStateStarted", details);
        let work = |index: usize, item: Value| {
            let mut details = Map::new();
            details.insert("name".into(), Value::from(cx.state.name.as_str()));
            details.insert("index".into(), Value::from(index));
            self.record("MapIterationStarted", details.clone());
            let frame = Frame {
                vars: VarScope::child(&cx.frame.vars),
            };
            let outcome = self.run_machine(&map.processor, item, &frame);
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
            match self.run_children(jobs, concurrency, work) {
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
                return Err(failure.clone().into());
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
        let finished =
            cx.state
                .flow
                .finish(&io, input, None, Produced::Result(Value::Array(results)))?;
        Ok(self.commit(cx, finished, cx.state.next))
    }

    /// The items: `ItemsPath` of the effective input (JSONPath), `Items` or the input
    /// (JSONata).
    fn map_items(
        &self,
        io: &Io<'_>,
        items: &Items,
        input: &Value,
        effective: &Value,
    ) -> Result<Vec<Value>, DataError> {
        match items {
            Items::Jsonata(Some(template)) => {
                match template.evaluate(input, &io.bindings(input, None))? {
                    Value::Array(items) => Ok(items),
                    other => Err(DataError::query(match template.expression() {
                        Some(expression) => format!(
                            "The JSONata expression '{}' specified for the field 'Items' returned an unexpected result type. Expected 'array', but was '{}' for value: {}",
                            expression.text,
                            type_name(&other),
                            compact(&other)
                        ),
                        None => format!(
                            "Map state input must be an array but was: {}",
                            compact(&other)
                        ),
                    })),
                }
            }
            Items::Jsonata(None) => match input {
                Value::Array(items) => Ok(items.clone()),
                other => Err(DataError::query(format!(
                    "Map state input must be an array but was: {}",
                    compact(other)
                ))),
            },
            Items::JsonPath(path) => {
                let value = match path {
                    Some(path) => path.select_or_invalid(effective, &io.scope())?,
                    None => effective.clone(),
                };
                match value {
                    Value::Array(items) => Ok(items),
                    other => Err(DataError::runtime(format!(
                        "Map state input must be an array but was: {}",
                        compact(&other)
                    ))),
                }
            }
        }
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
}

/// Groups items into batches (`ItemBatcher`).
fn batch_items(
    io: &Io<'_>,
    batcher: Option<&Batcher>,
    items: Vec<Value>,
    effective: &Value,
) -> Result<Vec<Value>, DataError> {
    let Some(batcher) = batcher else {
        return Ok(items);
    };
    let per_batch = batcher
        .max_items_per_batch
        .unwrap_or(items.len().max(1) as u64)
        .max(1) as usize;
    let batch_input = match &batcher.batch_input {
        Some(BatchInput::Template(template)) => Some(template.evaluate(effective, &io.scope())?),
        Some(BatchInput::Constant(value)) => Some(value.clone()),
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

/// Reads `MaxConcurrency`, `ToleratedFailureCount` or `ToleratedFailurePercentage` (`field`):
/// a literal, a JSONata expression, or its `Path` form read from the effective input.
fn map_number(
    io: &Io<'_>,
    value: Option<&Dyn>,
    input: &Value,
    effective: &Value,
    field: &str,
    float: bool,
) -> Result<Option<f64>, DataError> {
    let Some(value) = value else {
        return Ok(None);
    };
    if let Dyn::Path(path) = value {
        let path_field = format!("{field}Path");
        let found = path
            .evaluate(effective, &io.scope())
            .map_err(|e| DataError::runtime(e.to_string()))?;
        let kind = if float { "float" } else { "integer" };
        // A numeric string is accepted too (corpus: MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH).
        let number = match (&found, float) {
            (Value::String(s), true) => s.trim().parse::<f64>().ok(),
            (Value::String(s), false) => s.trim().parse::<i64>().ok().map(|n| n as f64),
            (_, true) => found.as_f64(),
            (_, false) => found.as_i64().map(|n| n as f64),
        };
        return number.map(Some).ok_or_else(|| {
            let shown = match &found {
                Value::String(s) => s.clone(),
                other => compact(other),
            };
            DataError::runtime(format!(
                "The {path_field} field refers to value \"{shown}\" which is not a valid {kind}: {}",
                path.text()
            ))
        });
    }
    let found = value.evaluate(io, input).map_err(|e| match e {
        DynError::Data(data) => data,
        DynError::Path(path) => DataError::runtime(path.to_string()),
    })?;
    match found.as_f64() {
        Some(n) => Ok(Some(n)),
        None => Err(DataError::runtime(format!(
            "The {field} field must be a number, found {}",
            compact(&found)
        ))),
    }
}
