//! Map: runs a processor (a state graph) once per item of an array and outputs the array
//! of results, in item order.
//!
//! From the developer guide ("Map state", "Distributed Map state"): the items come from
//! `ItemsPath` (JSONPath, default `$`) or `Items` (JSONata), or for a distributed Map from
//! `ItemReader`; `ItemSelector` (formerly `Parameters`) shapes each item's input;
//! `ItemProcessor` (formerly `Iterator`) holds the states and a `ProcessorConfig` whose
//! `Mode` is `INLINE` (the default) or `DISTRIBUTED`. `MaxConcurrency` 0 means no limit.
//! `ItemReader`, `ItemBatcher` and `ResultWriter` are kept as templates.

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};

use crate::language::MachineType;
use crate::model::dynamic::Dynamic;
use crate::model::error::ModelError;
use crate::model::machine::{GraphKind, StateGraph};
use crate::model::query_language::QueryLanguage;
use crate::model::read::Fields;
use crate::model::state::entry;
use crate::model::template::Template;

/// A Map state's own fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    /// The states run for each item.
    pub processor: Processor,
    /// Where the items are in the effective input (JSONPath).
    pub items_path: Option<String>,
    /// The items (JSONata: an array or an expression).
    pub items: Option<Template>,
    /// Each item's input.
    pub item_selector: Option<Template>,
    /// Each item's input, under its pre-2023 name (JSONPath).
    pub parameters: Option<Template>,
    /// Reshapes the array of results before `ResultPath` (JSONPath).
    pub result_selector: Option<Template>,
    /// Where a distributed Map reads its items (S3).
    pub item_reader: Option<Template>,
    /// How a distributed Map groups items into batches.
    pub item_batcher: Option<Template>,
    /// Where a distributed Map writes its results (S3).
    pub result_writer: Option<Template>,
    /// Iterations run at once at most (0: no limit).
    pub max_concurrency: Option<Dynamic<u64>>,
    /// The share of failed items (0 to 100) a distributed Map tolerates.
    pub tolerated_failure_percentage: Option<Dynamic<Number>>,
    /// The number of failed items a distributed Map tolerates.
    pub tolerated_failure_count: Option<Dynamic<u64>>,
    /// The name of a distributed Map's map runs.
    pub label: Option<String>,
}

/// `ItemProcessor` (or `Iterator`): the states run per item.
#[derive(Debug, Clone, PartialEq)]
pub struct Processor {
    /// The states.
    pub graph: StateGraph,
    /// Inline or distributed.
    pub config: Option<ProcessorConfig>,
    /// Written as the pre-2023 `Iterator` field rather than `ItemProcessor`.
    pub legacy_iterator: bool,
}

/// `ProcessorConfig`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ProcessorConfig {
    /// Inline or distributed (default inline).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<ProcessorMode>,
    /// The type of a distributed Map's child executions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub execution_type: Option<MachineType>,
}

/// `ProcessorConfig.Mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ProcessorMode {
    /// Iterations run inside this execution (at most 40 at once).
    #[default]
    Inline,
    /// Iterations run as child executions (a map run).
    Distributed,
}

impl ProcessorConfig {
    fn read(v: &Value, pointer: &str) -> Result<Self, ModelError> {
        let mut f = Fields::new(v, pointer, "a ProcessorConfig object")?;
        let mode = match f.take("Mode") {
            None => None,
            Some(Value::String(s)) if s == "INLINE" => Some(ProcessorMode::Inline),
            Some(Value::String(s)) if s == "DISTRIBUTED" => Some(ProcessorMode::Distributed),
            Some(other) => {
                return Err(ModelError::InvalidValue {
                    pointer: f.at("Mode"),
                    value: other.to_string(),
                    expected: "one of \"INLINE\", \"DISTRIBUTED\"".to_owned(),
                });
            }
        };
        let execution_type = match f.take("ExecutionType") {
            None => None,
            Some(Value::String(s)) if s == "STANDARD" => Some(MachineType::Standard),
            Some(Value::String(s)) if s == "EXPRESS" => Some(MachineType::Express),
            Some(other) => {
                return Err(ModelError::InvalidValue {
                    pointer: f.at("ExecutionType"),
                    value: other.to_string(),
                    expected: "one of \"STANDARD\", \"EXPRESS\"".to_owned(),
                });
            }
        };
        f.finish(|| "ProcessorConfig".to_owned())?;
        Ok(ProcessorConfig {
            mode,
            execution_type,
        })
    }
}

impl Processor {
    /// The processor's `Mode`, default applied.
    pub fn mode(&self) -> ProcessorMode {
        self.config.and_then(|c| c.mode).unwrap_or_default()
    }

    fn read(f: &mut Fields<'_>, ql: QueryLanguage) -> Result<Self, ModelError> {
        let (key, legacy_iterator) = match (f.has("ItemProcessor"), f.has("Iterator")) {
            (true, true) => {
                return Err(ModelError::Conflict {
                    pointer: f.at("Iterator"),
                    message: "a Map state has `ItemProcessor` or the older `Iterator`, not both; \
                              keep ItemProcessor"
                        .to_owned(),
                });
            }
            (false, false) => {
                return Err(ModelError::MissingField {
                    pointer: f.pointer().to_owned(),
                    field: "ItemProcessor",
                    hint: "add the states to run per item: {\"StartAt\": ..., \"States\": {...}}",
                });
            }
            (true, false) => ("ItemProcessor", false),
            (false, true) => ("Iterator", true),
        };
        let pointer = f.at(key);
        let v = f.take(key).unwrap_or(&Value::Null);
        let mut pf = Fields::new(v, &pointer, "a processor object with StartAt and States")?;
        let graph = StateGraph::read_from(&mut pf, ql)?;
        let config = match pf.take("ProcessorConfig") {
            Some(c) => Some(ProcessorConfig::read(c, &pf.at("ProcessorConfig"))?),
            None => None,
        };
        pf.finish(|| GraphKind::Processor.describe().to_owned())?;
        Ok(Processor {
            graph,
            config,
            legacy_iterator,
        })
    }
}

impl Serialize for Processor {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        entry(&mut m, "ProcessorConfig", &self.config)?;
        self.graph.write_fields(&mut m)?;
        m.end()
    }
}

impl Map {
    pub(crate) fn read(f: &mut Fields<'_>, ql: QueryLanguage) -> Result<Self, ModelError> {
        let processor = Processor::read(f, ql)?;
        let (items_path, items, parameters, result_selector) = match ql {
            QueryLanguage::JsonPath => (
                f.string("ItemsPath")?,
                None,
                f.template("Parameters"),
                f.template("ResultSelector"),
            ),
            QueryLanguage::Jsonata => (None, f.template("Items"), None, None),
        };
        Ok(Map {
            processor,
            items_path,
            items,
            item_selector: f.template("ItemSelector"),
            parameters,
            result_selector,
            item_reader: f.object_template("ItemReader")?,
            item_batcher: f.object_template("ItemBatcher")?,
            result_writer: f.object_template("ResultWriter")?,
            max_concurrency: f.dynamic(
                "MaxConcurrency",
                "MaxConcurrencyPath",
                ql,
                "a non-negative integer",
                Value::as_u64,
            )?,
            tolerated_failure_percentage: f.dynamic(
                "ToleratedFailurePercentage",
                "ToleratedFailurePercentagePath",
                ql,
                "a number from 0 to 100",
                |v| v.as_number().cloned(),
            )?,
            tolerated_failure_count: f.dynamic(
                "ToleratedFailureCount",
                "ToleratedFailureCountPath",
                ql,
                "a non-negative integer",
                Value::as_u64,
            )?,
            label: f.string("Label")?,
        })
    }

    pub(crate) fn write<M: SerializeMap>(&self, m: &mut M) -> Result<(), M::Error> {
        let key = if self.processor.legacy_iterator {
            "Iterator"
        } else {
            "ItemProcessor"
        };
        m.serialize_entry(key, &self.processor)?;
        entry(m, "ItemsPath", &self.items_path)?;
        entry(m, "Items", &self.items)?;
        entry(m, "ItemSelector", &self.item_selector)?;
        entry(m, "Parameters", &self.parameters)?;
        entry(m, "ResultSelector", &self.result_selector)?;
        entry(m, "ItemReader", &self.item_reader)?;
        entry(m, "ItemBatcher", &self.item_batcher)?;
        entry(m, "ResultWriter", &self.result_writer)?;
        if let Some(v) = &self.max_concurrency {
            v.write(m, "MaxConcurrency", "MaxConcurrencyPath")?;
        }
        if let Some(v) = &self.tolerated_failure_percentage {
            v.write(
                m,
                "ToleratedFailurePercentage",
                "ToleratedFailurePercentagePath",
            )?;
        }
        if let Some(v) = &self.tolerated_failure_count {
            v.write(m, "ToleratedFailureCount", "ToleratedFailureCountPath")?;
        }
        entry(m, "Label", &self.label)
    }
}
