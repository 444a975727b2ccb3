//! Test helpers for tool crates.

use std::path::Path;

use crate::{Tool, manifest, manifest_json};

/// Asserts that `<crate_dir>/tool.json` equals the manifest the tool's binary prints with
/// `--manifest`, and that the manifest follows the contract (name pattern, object input
/// schema, a description on every input property). With `UPDATE_MANIFESTS=1` the file is
/// rewritten instead.
pub fn assert_manifest_matches<T: Tool>(crate_dir: &str) {
    let path = Path::new(crate_dir).join("tool.json");
    let expected = manifest_json::<T>();
    if std::env::var_os("UPDATE_MANIFESTS").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "{} is stale; run `UPDATE_MANIFESTS=1 cargo test -p {}` and commit it",
        path.display(),
        T::NAME
    );
    assert_manifest_follows_the_contract::<T>();
}

/// The contract every manifest keeps: everything `sfn-gen generate` checks
/// ([`protocol::ToolManifest::check`]: the name pattern, ASL and Lambda ranges in `x-sfn`,
/// the description cap; schemas that compile), an object input schema that refuses
/// unknown fields, and a description on the tool and on every input property.
pub fn assert_manifest_follows_the_contract<T: Tool>() {
    let m = manifest::<T>();
    let problems: Vec<String> = m.check().iter().map(ToString::to_string).collect();
    assert!(
        problems.is_empty(),
        "`sfn-gen generate` would refuse the manifest of `{}`; fix `Tool::config()` or the \
         constants:\n  {}",
        m.name,
        problems.join("\n  ")
    );
    for (at, schema) in [
        ("inputSchema", Some(&m.input_schema)),
        ("outputSchema", m.output_schema.as_ref()),
    ] {
        if let Some(schema) = schema
            && let Err(e) = jsonschema::validator_for(schema)
        {
            panic!(
                "{at} is not a valid JSON Schema at `{}`: {e}",
                e.instance_path()
            );
        }
    }
    assert!(
        !m.description.trim().is_empty(),
        "the tool needs a description"
    );
    let schema = &m.input_schema;
    assert_eq!(
        schema["type"], "object",
        "inputSchema must be an object schema: {schema}"
    );
    assert_eq!(
        schema["additionalProperties"], false,
        "inputSchema must refuse unknown fields (#[serde(deny_unknown_fields)])"
    );
    let props = schema["properties"]
        .as_object()
        .expect("inputSchema has properties");
    for (name, prop) in props {
        let described = prop
            .get("description")
            .is_some_and(|d| d.as_str().is_some_and(|s| !s.is_empty()))
            || prop.get("$ref").is_some();
        assert!(
            described,
            "input property `{name}` has no description (add a doc comment)"
        );
    }
}
