//! JSON Schemas of the contract types, for tools written in other languages.
//!
//! [`all`] returns them by file name; `protocol/schemas/` holds the committed copies and a
//! test fails when they drift (run `UPDATE_SCHEMAS=1 cargo test -p protocol` to rewrite).

use schemars::schema_for;
use serde_json::Value;

use crate::agent::{AgentStepInput, AgentStepOutput, ContinueInput};
use crate::call::{ToolInvocation, ToolResult};
use crate::errors::ErrorName;
use crate::manifest::ToolManifest;
use crate::pointer::OffloadPointer;

/// Every published schema as `(file name, schema)`, in a stable order.
pub fn all() -> Vec<(&'static str, Value)> {
    fn json(schema: schemars::Schema) -> Value {
        serde_json::to_value(schema).expect("schemas serialize")
    }
    vec![
        ("tool-manifest.schema.json", json(schema_for!(ToolManifest))),
        (
            "tool-invocation.schema.json",
            json(schema_for!(ToolInvocation)),
        ),
        ("tool-result.schema.json", json(schema_for!(ToolResult))),
        (
            "agent-step-input.schema.json",
            json(schema_for!(AgentStepInput)),
        ),
        (
            "agent-step-output.schema.json",
            json(schema_for!(AgentStepOutput)),
        ),
        (
            "continue-input.schema.json",
            json(schema_for!(ContinueInput)),
        ),
        (
            "offload-pointer.schema.json",
            json(schema_for!(OffloadPointer)),
        ),
        ("error-name.schema.json", json(schema_for!(ErrorName))),
    ]
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn committed_schemas_match_the_types() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
        let mut stale = Vec::new();
        for (name, schema) in super::all() {
            let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
            let path = dir.join(name);
            if update {
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(name);
            }
        }
        assert!(
            stale.is_empty(),
            "protocol/schemas is stale for {stale:?}; run `UPDATE_SCHEMAS=1 cargo test -p protocol`"
        );
    }
}
