//! The tool's manifest (`tool.json`), built from its Rust types.

use protocol::ToolManifest;
use schemars::JsonSchema;
use serde_json::Value;

use crate::Tool;

/// The JSON Schema of a type, without the `$schema` and `title` keys (MCP and Bedrock
/// want the schema itself).
pub(crate) fn schema_of<T: JsonSchema>() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(T)).expect("schemas serialize");
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
        obj.remove("title");
    }
    schema
}

/// The manifest of a tool.
pub fn manifest<T: Tool>() -> ToolManifest {
    ToolManifest {
        name: T::NAME.to_owned(),
        title: T::TITLE.map(str::to_owned),
        description: T::DESCRIPTION.to_owned(),
        input_schema: schema_of::<T::Input>(),
        output_schema: Some(schema_of::<T::Output>()),
        annotations: T::annotations(),
        x_sfn: T::config(),
    }
}

/// The manifest as `tool.json` text: pretty, with a trailing newline.
pub fn manifest_json<T: Tool>() -> String {
    serde_json::to_string_pretty(&manifest::<T>()).expect("manifests serialize") + "\n"
}
