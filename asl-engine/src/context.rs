//! The execution's identity and the Context Object (`$$` in JSONPath,
//! `$states.context` in JSONata).
//!
//! Shape, per the Step Functions developer guide ("Accessing execution data from the
//! Context object"): `Execution` (`Id`, `Input`, `Name`, `RoleArn`, `StartTime`,
//! `RedriveCount`), `State` (`EnteredTime`, `Name`, and `RetryCount` in Task states),
//! `StateMachine` (`Id`, `Name`) and, inside a Map iteration, `Map.Item` (`Index`, `Value`).

use serde::Deserialize;
use serde_json::{Map, Value, json};

/// Names and ARNs of one execution. Defaults follow the conformance corpus's conventions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ExecutionIdentity {
    /// State machine name.
    pub state_machine_name: String,
    /// State machine ARN.
    pub state_machine_arn: String,
    /// Execution name.
    pub execution_name: String,
    /// Execution ARN.
    pub execution_arn: String,
    /// The role the execution runs as.
    pub role_arn: String,
    /// Account id.
    pub account_id: String,
    /// Region.
    pub region: String,
    /// Partition.
    pub partition: String,
    /// Start time (ISO 8601, UTC, milliseconds).
    pub start_time: String,
    /// Started with `StartSyncExecution` (Express): no `RedriveCount` in the Context Object.
    pub synchronous: bool,
    /// The execution's input when a run resumes part-way (`$$.Execution.Input`); the run's
    /// own input is then the resumed state's.
    pub original_input: Option<Value>,
}

impl Default for ExecutionIdentity {
    fn default() -> Self {
        Self::named("local", "local-execution")
    }
}

impl ExecutionIdentity {
    /// An identity in account `123456789012`, `us-east-1`.
    pub fn named(state_machine: &str, execution: &str) -> Self {
        let (partition, region, account) = ("aws", "us-east-1", "123456789012");
        Self {
            state_machine_name: state_machine.to_owned(),
            state_machine_arn: format!(
                "arn:{partition}:states:{region}:{account}:stateMachine:{state_machine}"
            ),
            execution_name: execution.to_owned(),
            execution_arn: format!(
                "arn:{partition}:states:{region}:{account}:execution:{state_machine}:{execution}"
            ),
            role_arn: format!("arn:{partition}:iam::{account}:role/{state_machine}-role"),
            account_id: account.to_owned(),
            region: region.to_owned(),
            partition: partition.to_owned(),
            start_time: now_iso(),
            synchronous: false,
            original_input: None,
        }
    }

    /// Whether the execution is an Express one (its ARN has `:express:`).
    pub fn is_express(&self) -> bool {
        self.execution_arn.contains(":express:")
    }

    /// The `Execution` and `StateMachine` parts of the Context Object.
    pub(crate) fn context_base(&self, input: &Value) -> Map<String, Value> {
        let mut context = Map::new();
        let mut execution = json!({
            "Id": self.execution_arn,
            "Input": input,
            "StartTime": self.start_time,
            "Name": self.execution_name,
            "RoleArn": self.role_arn,
        });
        // Synchronous Express executions cannot be redriven and carry no RedriveCount
        // (corpus: test_express_sync__*test_query_runtime_memory; async ones do).
        if !self.synchronous {
            execution["RedriveCount"] = json!(0);
        }
        context.insert("Execution".into(), execution);
        context.insert(
            "StateMachine".into(),
            json!({"Id": self.state_machine_arn, "Name": self.state_machine_name}),
        );
        context
    }
}

/// The current time as AWS prints it in the Context Object (`2024-01-01T00:00:00.000Z`).
pub fn now_iso() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

/// Builds the Context Object for one state.
pub(crate) fn for_state(
    base: &Map<String, Value>,
    state_name: &str,
    entered_time: &str,
    retry_count: Option<u32>,
    map_item: Option<&(usize, Value)>,
) -> Value {
    let mut context = base.clone();
    let mut state = Map::new();
    state.insert("Name".into(), Value::from(state_name));
    state.insert("EnteredTime".into(), Value::from(entered_time));
    if let Some(count) = retry_count {
        state.insert("RetryCount".into(), Value::from(count));
    }
    context.insert("State".into(), Value::Object(state));
    if let Some((index, value)) = map_item {
        context.insert(
            "Map".into(),
            json!({"Item": {"Index": index, "Value": value}}),
        );
    }
    Value::Object(context)
}
