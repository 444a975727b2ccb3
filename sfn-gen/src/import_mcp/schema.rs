//! Input schemas normalized so that Bedrock's `toolSpec` and AgentCore Gateway's strict
//! validation accept them. The server's original schema is kept beside the normalized one
//! (`x-sfn.mcp.inputSchema`) and the proxy validates arguments against the original.
//!
//! Each rule is one function of [`normalize`], with its own test:
//!
//! | rule | why |
//! | --- | --- |
//! | local `$ref` inlined, `$defs`/`definitions` removed, recursion cut at [`MAX_REF_DEPTH`] | Bedrock and Gateway resolve no references |
//! | `anyOf`/`oneOf` with a `null` member, and `type: [T, "null"]`, become the non-null schema | optional is expressed by `required`; `null` unions are refused |
//! | an empty `items` (`{}` or `true`) is removed | it says nothing, and strict validators refuse a typeless `items` |
//! | `default: null` is removed | a `null` default contradicts a non-null type |
//! | `$schema`, `$id`, `$anchor`, `$comment` are removed | meta keywords are refused inside tool schemas |
//! | `const: v` becomes `enum: [v]` | `const` is not in the accepted subset |
//! | an `allOf` of one schema is merged | single-member combinators are noise the subset lacks |
//! | `required` keeps only declared properties | a required property that is not declared is refused |
//! | the top level is an object schema with `properties` | Bedrock requires `type: object` at the root |

use serde_json::{Map, Value, json};

/// How many times one `$ref` may be expanded inside itself before the recursion is cut
/// (a recursive type such as a tree becomes a typed leaf at that depth).
pub const MAX_REF_DEPTH: usize = 2;

/// Keywords whose value is a map of schemas.
const SCHEMA_MAPS: &[&str] = &["properties", "patternProperties", "dependentSchemas"];
/// Keywords whose value is one schema.
const SCHEMA_ONE: &[&str] = &[
    "additionalProperties",
    "items",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: &[&str] = &["anyOf", "oneOf", "allOf", "prefixItems"];
/// Meta keywords removed everywhere.
const META: &[&str] = &["$schema", "$id", "$anchor", "$comment", "$dynamicAnchor"];

/// The normalized copy of `schema`.
pub fn normalize(schema: &Value) -> Value {
    let defs = definitions(schema);
    let mut out = walk(schema, &defs, &mut Vec::new());
    root_object(&mut out);
    out
}

/// `$defs` and `definitions` of the root, by the reference that names them.
fn definitions(schema: &Value) -> Map<String, Value> {
    let mut defs = Map::new();
    for key in ["$defs", "definitions"] {
        if let Some(Value::Object(map)) = schema.get(key) {
            for (name, def) in map {
                defs.insert(format!("#/{key}/{name}"), def.clone());
            }
        }
    }
    defs.insert("#".into(), schema.clone());
    defs
}

fn walk(schema: &Value, defs: &Map<String, Value>, stack: &mut Vec<String>) -> Value {
    let Value::Object(obj) = schema else {
        return schema.clone();
    };
    if let Some(Value::String(reference)) = obj.get("$ref") {
        return inline_ref(obj, reference, defs, stack);
    }
    let mut out = Map::new();
    for (key, value) in obj {
        let key = key.as_str();
        if META.contains(&key) || key == "$defs" || key == "definitions" {
            continue;
        }
        let value = if SCHEMA_MAPS.contains(&key) {
            match value {
                Value::Object(map) => Value::Object(
                    map.iter()
                        .map(|(k, v)| (k.clone(), walk(v, defs, stack)))
                        .collect(),
                ),
                other => other.clone(),
            }
        } else if SCHEMA_ONE.contains(&key) {
            walk(value, defs, stack)
        } else if SCHEMA_LISTS.contains(&key) {
            match value {
                Value::Array(items) => {
                    Value::Array(items.iter().map(|v| walk(v, defs, stack)).collect())
                }
                other => other.clone(),
            }
        } else {
            value.clone()
        };
        out.insert(key.to_owned(), value);
    }
    drop_default_null(&mut out);
    const_to_enum(&mut out);
    drop_empty_items(&mut out);
    let mut out = simplify_null_union(out);
    merge_single_all_of(&mut out);
    type_without_null(&mut out);
    required_declared(&mut out);
    Value::Object(out)
}

/// Rule: local `$ref` inlined (sibling keywords such as `description` win), with the
/// recursion cut after [`MAX_REF_DEPTH`] expansions of the same reference.
fn inline_ref(
    obj: &Map<String, Value>,
    reference: &str,
    defs: &Map<String, Value>,
    stack: &mut Vec<String>,
) -> Value {
    let siblings: Map<String, Value> = obj
        .iter()
        .filter(|(k, _)| k.as_str() != "$ref")
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let Some(target) = defs.get(reference) else {
        // A remote or unknown reference: nothing to inline; keep what the siblings say.
        let mut leaf = siblings;
        leaf.entry("description")
            .or_insert_with(|| json!(format!("(schema at `{reference}`)")));
        return walk(&Value::Object(leaf), defs, stack);
    };
    let depth = stack.iter().filter(|r| r.as_str() == reference).count();
    if depth >= MAX_REF_DEPTH {
        let mut leaf = Map::new();
        if let Some(t) = target.get("type") {
            leaf.insert("type".into(), t.clone());
        }
        leaf.insert(
            "description".into(),
            json!("(recursive; deeper levels are not described)"),
        );
        for (k, v) in siblings {
            leaf.insert(k, v);
        }
        return Value::Object(leaf);
    }
    stack.push(reference.to_owned());
    let mut merged = match walk(target, defs, stack) {
        Value::Object(map) => map,
        other => {
            stack.pop();
            return other;
        }
    };
    for (k, v) in siblings {
        merged.insert(k.clone(), walk(&v, defs, stack));
    }
    stack.pop();
    let mut fixed = Map::new();
    for (k, v) in merged {
        if k != "$defs" && k != "definitions" {
            fixed.insert(k, v);
        }
    }
    Value::Object(fixed)
}

/// Rule: `default: null` removed.
fn drop_default_null(obj: &mut Map<String, Value>) {
    if obj.get("default") == Some(&Value::Null) {
        obj.remove("default");
    }
}

/// Rule: `const: v` becomes `enum: [v]`.
fn const_to_enum(obj: &mut Map<String, Value>) {
    if let Some(v) = obj.remove("const") {
        obj.entry("enum").or_insert_with(|| json!([v]));
    }
}

/// Rule: an empty `items` removed.
fn drop_empty_items(obj: &mut Map<String, Value>) {
    let empty = match obj.get("items") {
        Some(Value::Bool(true)) => true,
        Some(Value::Object(m)) => m.is_empty(),
        _ => false,
    };
    if empty {
        obj.remove("items");
    }
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type").and_then(Value::as_str) == Some("null")
}

/// Rule: `anyOf`/`oneOf` with a `null` member lose it; one member left is merged into the
/// parent (the parent's own keywords, such as `description`, win).
fn simplify_null_union(mut obj: Map<String, Value>) -> Map<String, Value> {
    for key in ["anyOf", "oneOf"] {
        let Some(Value::Array(members)) = obj.get(key) else {
            continue;
        };
        if !members.iter().any(is_null_schema) {
            continue;
        }
        let rest: Vec<Value> = members
            .iter()
            .filter(|m| !is_null_schema(m))
            .cloned()
            .collect();
        obj.remove(key);
        match rest.len() {
            0 => {}
            1 => {
                if let Value::Object(only) = &rest[0] {
                    let mut merged = only.clone();
                    for (k, v) in obj {
                        merged.insert(k, v);
                    }
                    obj = merged;
                }
            }
            _ => {
                obj.insert(key.into(), Value::Array(rest));
            }
        }
    }
    obj
}

/// Rule: `type: [T, "null"]` becomes `type: T` (and a `null` left in a longer list goes).
fn type_without_null(obj: &mut Map<String, Value>) {
    if let Some(Value::Array(types)) = obj.get("type") {
        let rest: Vec<Value> = types.iter().filter(|t| *t != "null").cloned().collect();
        let new = match rest.len() {
            0 => return,
            1 => rest[0].clone(),
            _ => Value::Array(rest),
        };
        obj.insert("type".into(), new);
    }
}

/// Rule: an `allOf` of one schema is merged into the parent.
fn merge_single_all_of(obj: &mut Map<String, Value>) {
    let single = matches!(obj.get("allOf"), Some(Value::Array(a)) if a.len() == 1);
    if !single {
        return;
    }
    if let Some(Value::Array(mut members)) = obj.remove("allOf")
        && let Value::Object(only) = members.remove(0)
    {
        for (k, v) in only {
            obj.entry(k).or_insert(v);
        }
    }
}

/// Rule: `required` keeps only the properties the schema declares.
fn required_declared(obj: &mut Map<String, Value>) {
    let Some(Value::Object(props)) = obj.get("properties") else {
        return;
    };
    let props: Vec<String> = props.keys().cloned().collect();
    if let Some(Value::Array(required)) = obj.get_mut("required") {
        required.retain(|r| r.as_str().is_some_and(|r| props.iter().any(|p| p == r)));
        if required.is_empty() {
            obj.remove("required");
        }
    }
}

/// Rule: the top level is `{"type": "object", "properties": {...}}`.
fn root_object(schema: &mut Value) {
    if !schema.is_object() {
        *schema = json!({});
    }
    let obj = schema.as_object_mut().expect("made an object above");
    obj.insert("type".into(), json!("object"));
    obj.entry("properties").or_insert_with(|| json!({}));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_inlined_and_defs_removed() {
        let s = json!({
            "type": "object",
            "properties": {"when": {"$ref": "#/$defs/When", "description": "the time"}},
            "$defs": {"When": {"type": "string", "format": "date-time"}}
        });
        assert_eq!(
            normalize(&s),
            json!({"type": "object", "properties": {"when": {"type": "string", "format": "date-time", "description": "the time"}}})
        );
        let old = json!({"type": "object", "properties": {"a": {"$ref": "#/definitions/A"}}, "definitions": {"A": {"type": "integer"}}});
        assert_eq!(
            normalize(&old)["properties"]["a"],
            json!({"type": "integer"})
        );
    }

    #[test]
    fn recursive_refs_are_cut_at_the_depth_bound() {
        let s = json!({
            "type": "object",
            "properties": {"tree": {"$ref": "#/$defs/Node"}},
            "$defs": {"Node": {"type": "object", "properties": {
                "value": {"type": "integer"},
                "children": {"type": "array", "items": {"$ref": "#/$defs/Node"}}}}}
        });
        let n = normalize(&s);
        let level2 = &n["properties"]["tree"]["properties"]["children"]["items"];
        assert_eq!(level2["properties"]["value"], json!({"type": "integer"}));
        let leaf = &level2["properties"]["children"]["items"];
        assert_eq!(leaf["type"], "object");
        assert!(leaf["description"].as_str().unwrap().contains("recursive"));
        assert!(!n.to_string().contains("$ref"), "{n}");
    }

    #[test]
    fn any_of_with_null_becomes_the_other_schema() {
        let s = json!({"type": "object", "properties": {
            "tz": {"anyOf": [{"type": "string"}, {"type": "null"}], "description": "zone", "default": null},
            "n": {"oneOf": [{"type": "integer"}, {"type": "string"}, {"type": "null"}]}
        }});
        let n = normalize(&s);
        assert_eq!(
            n["properties"]["tz"],
            json!({"type": "string", "description": "zone"})
        );
        assert_eq!(
            n["properties"]["n"],
            json!({"oneOf": [{"type": "integer"}, {"type": "string"}]})
        );
    }

    #[test]
    fn type_lists_lose_null() {
        let s = json!({"type": "object", "properties": {"a": {"type": ["string", "null"]}}});
        assert_eq!(normalize(&s)["properties"]["a"], json!({"type": "string"}));
    }

    #[test]
    fn empty_items_are_removed() {
        let s = json!({"type": "object", "properties": {
            "a": {"type": "array", "items": {}}, "b": {"type": "array", "items": true},
            "c": {"type": "array", "items": {"type": "string"}}}});
        let n = normalize(&s);
        assert_eq!(n["properties"]["a"], json!({"type": "array"}));
        assert_eq!(n["properties"]["b"], json!({"type": "array"}));
        assert_eq!(n["properties"]["c"]["items"], json!({"type": "string"}));
    }

    #[test]
    fn default_null_is_dropped_and_other_defaults_kept() {
        let s = json!({"type": "object", "properties": {
            "a": {"type": "string", "default": null}, "b": {"type": "integer", "default": 3}}});
        let n = normalize(&s);
        assert_eq!(n["properties"]["a"], json!({"type": "string"}));
        assert_eq!(n["properties"]["b"]["default"], 3);
    }

    #[test]
    fn meta_keywords_are_removed() {
        let s = json!({"$schema": "http://json-schema.org/draft-07/schema#", "$id": "x", "type": "object",
            "properties": {"a": {"type": "string", "$comment": "c"}}});
        assert_eq!(
            normalize(&s),
            json!({"type": "object", "properties": {"a": {"type": "string"}}})
        );
    }

    #[test]
    fn const_becomes_a_one_value_enum_but_a_property_named_const_is_kept() {
        let s = json!({"type": "object", "properties": {
            "kind": {"const": "a"}, "const": {"type": "string"}}});
        let n = normalize(&s);
        assert_eq!(n["properties"]["kind"], json!({"enum": ["a"]}));
        assert_eq!(n["properties"]["const"], json!({"type": "string"}));
    }

    #[test]
    fn a_single_all_of_is_merged() {
        let s = json!({"type": "object", "properties": {
            "a": {"allOf": [{"type": "string", "minLength": 1}], "description": "d"}}});
        assert_eq!(
            normalize(&s)["properties"]["a"],
            json!({"description": "d", "type": "string", "minLength": 1})
        );
    }

    #[test]
    fn required_keeps_only_declared_properties() {
        let s = json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a", "ghost"]});
        assert_eq!(normalize(&s)["required"], json!(["a"]));
        let s = json!({"type": "object", "properties": {}, "required": ["ghost"]});
        assert_eq!(normalize(&s), json!({"type": "object", "properties": {}}));
    }

    #[test]
    fn the_root_is_an_object_schema_with_properties() {
        assert_eq!(
            normalize(&json!({})),
            json!({"type": "object", "properties": {}})
        );
        assert_eq!(
            normalize(&json!({"properties": {"a": {"type": "string"}}}))["type"],
            "object"
        );
    }

    #[test]
    fn normalizing_twice_changes_nothing() {
        let s = json!({"type": "object", "properties": {
            "tz": {"anyOf": [{"$ref": "#/$defs/Z"}, {"type": "null"}], "default": null}},
            "$defs": {"Z": {"type": "string", "const": "UTC"}}});
        let once = normalize(&s);
        assert_eq!(normalize(&once), once);
        assert_eq!(
            once["properties"]["tz"],
            json!({"type": "string", "enum": ["UTC"]})
        );
    }
}
