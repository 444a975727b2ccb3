//! Reading JSON objects field by field with a JSON pointer at hand, so that every
//! [`ModelError`] says where. A [`Fields`] remembers which keys were read; whatever is
//! left when it is [`finish`](Fields::finish)ed is an unknown field.

use serde_json::{Map, Number, Value};

use super::dynamic::{Dynamic, NullablePath};
use super::error::ModelError;
use super::query_language::QueryLanguage;
use super::template::{JsonataExpr, Template};

// JSON pointers and type names are spelled as the validator spells them.
pub(crate) use crate::validate::{child, type_name};

pub(crate) fn wrong_type(pointer: String, expected: &'static str, found: &Value) -> ModelError {
    ModelError::WrongType {
        pointer,
        expected,
        found: type_name(found),
    }
}

/// The object at `pointer`, or an error naming it.
pub(crate) fn object<'a>(
    v: &'a Value,
    pointer: &str,
    expected: &'static str,
) -> Result<&'a Map<String, Value>, ModelError> {
    v.as_object()
        .ok_or_else(|| wrong_type(pointer.to_owned(), expected, v))
}

/// The array at `pointer`, or an error naming it.
pub(crate) fn array<'a>(
    v: &'a Value,
    pointer: &str,
    expected: &'static str,
) -> Result<&'a [Value], ModelError> {
    v.as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| wrong_type(pointer.to_owned(), expected, v))
}

/// The fields of one JSON object, read once each.
pub(crate) struct Fields<'a> {
    map: &'a Map<String, Value>,
    pointer: String,
    read: Vec<&'a str>,
}

impl<'a> Fields<'a> {
    /// Opens the object at `pointer` (`expected` describes it if it is not an object).
    pub fn new(v: &'a Value, pointer: &str, expected: &'static str) -> Result<Self, ModelError> {
        Ok(Fields {
            map: object(v, pointer, expected)?,
            pointer: pointer.to_owned(),
            read: Vec::new(),
        })
    }

    /// The object's own pointer.
    pub fn pointer(&self) -> &str {
        &self.pointer
    }

    /// The pointer of field `key`.
    pub fn at(&self, key: &str) -> String {
        child(&self.pointer, key)
    }

    /// Whether the object has `key` (without reading it).
    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    /// Reads field `key`.
    pub fn take(&mut self, key: &str) -> Option<&'a Value> {
        let (k, v) = self.map.get_key_value(key)?;
        self.read.push(k.as_str());
        Some(v)
    }

    /// Reads a required field.
    pub fn require(
        &mut self,
        key: &'static str,
        hint: &'static str,
    ) -> Result<&'a Value, ModelError> {
        self.take(key).ok_or_else(|| ModelError::MissingField {
            pointer: self.pointer.clone(),
            field: key,
            hint,
        })
    }

    /// Reads an optional string.
    pub fn string(&mut self, key: &str) -> Result<Option<String>, ModelError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(v) => Err(wrong_type(self.at(key), "a string", v)),
        }
    }

    /// Reads a required string.
    pub fn required_string(
        &mut self,
        key: &'static str,
        hint: &'static str,
    ) -> Result<String, ModelError> {
        let v = self.require(key, hint)?;
        v.as_str()
            .map(str::to_owned)
            .ok_or_else(|| wrong_type(self.at(key), "a string", v))
    }

    /// Reads an optional non-negative integer.
    pub fn integer(&mut self, key: &str) -> Result<Option<u64>, ModelError> {
        match self.take(key) {
            None => Ok(None),
            Some(v) => v
                .as_u64()
                .map(Some)
                .ok_or_else(|| wrong_type(self.at(key), "a non-negative integer", v)),
        }
    }

    /// Reads an optional number, as written (`2` and `2.0` stay apart).
    pub fn number(&mut self, key: &str) -> Result<Option<Number>, ModelError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(Some(n.clone())),
            Some(v) => Err(wrong_type(self.at(key), "a number", v)),
        }
    }

    /// Reads an optional boolean.
    pub fn boolean(&mut self, key: &str) -> Result<Option<bool>, ModelError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(wrong_type(self.at(key), "true or false", v)),
        }
    }

    /// Reads an optional template (any JSON value).
    pub fn template(&mut self, key: &str) -> Option<Template> {
        self.take(key).map(|v| Template(v.clone()))
    }

    /// Reads an optional template that must be an object (`Assign`).
    pub fn object_template(&mut self, key: &str) -> Result<Option<Template>, ModelError> {
        match self.take(key) {
            None => Ok(None),
            Some(v @ Value::Object(_)) => Ok(Some(Template(v.clone()))),
            Some(v) => Err(wrong_type(self.at(key), "an object", v)),
        }
    }

    /// Reads an optional `InputPath`, `OutputPath` or `ResultPath`.
    pub fn nullable_path(&mut self, key: &str) -> Result<Option<NullablePath>, ModelError> {
        match self.take(key) {
            None => Ok(None),
            Some(Value::Null) => Ok(Some(NullablePath::Null)),
            Some(Value::String(s)) => Ok(Some(NullablePath::Path(s.clone()))),
            Some(v) => Err(wrong_type(self.at(key), "a path string or null", v)),
        }
    }

    /// Reads a [`Dynamic`] field: `literal` (a value read by `parse`, or in JSONata a
    /// `{% ... %}` string) or, in JSONPath, `path`. In JSONata the `path` field is left
    /// unread, so [`finish`](Fields::finish) reports it.
    pub fn dynamic<T>(
        &mut self,
        literal: &str,
        path: &str,
        ql: QueryLanguage,
        expected: &'static str,
        parse: impl Fn(&Value) -> Option<T>,
    ) -> Result<Option<Dynamic<T>>, ModelError> {
        let path_value = if ql == QueryLanguage::Jsonata {
            None
        } else {
            self.take(path)
        };
        let literal_value = self.take(literal);
        match (literal_value, path_value) {
            (Some(_), Some(_)) => Err(ModelError::Conflict {
                pointer: self.at(path),
                message: format!("use either `{literal}` or `{path}`, not both; remove one"),
            }),
            (None, None) => Ok(None),
            (None, Some(p)) => match p.as_str() {
                Some(s) => Ok(Some(Dynamic::Path(s.to_owned()))),
                None => Err(wrong_type(self.at(path), "a path string", p)),
            },
            (Some(v), None) => {
                if ql == QueryLanguage::Jsonata
                    && let Some(s) = v.as_str().filter(|s| s.starts_with("{%"))
                {
                    return jsonata(s, self.at(literal)).map(|e| Some(Dynamic::Jsonata(e)));
                }
                parse(v)
                    .map(|t| Some(Dynamic::Literal(t)))
                    .ok_or_else(|| wrong_type(self.at(literal), expected, v))
            }
        }
    }

    /// Fails on the first field that was not read; `place` names the object for the
    /// message (e.g. `a Task state (JSONata)`).
    pub fn finish(self, place: impl FnOnce() -> String) -> Result<(), ModelError> {
        match self.map.keys().find(|k| !self.read.contains(&k.as_str())) {
            None => Ok(()),
            Some(k) => Err(ModelError::UnknownField {
                pointer: child(&self.pointer, k),
                field: k.clone(),
                place: place(),
            }),
        }
    }
}

/// A `{% ... %}` string as a [`JsonataExpr`], or an error naming `pointer`.
pub(crate) fn jsonata(text: &str, pointer: String) -> Result<JsonataExpr, ModelError> {
    JsonataExpr::parse(text).ok_or_else(|| ModelError::InvalidValue {
        pointer,
        value: text.to_owned(),
        expected: "a JSONata expression: it starts with `{%` and must end with `%}`".to_owned(),
    })
}
