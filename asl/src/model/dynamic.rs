//! Fields whose value is given directly, read from a path, or computed by JSONata:
//! [`Dynamic`] (`TimeoutSeconds` / `TimeoutSecondsPath` / `"{% ... %}"`, and the same for
//! `HeartbeatSeconds`, `Seconds`, `Timestamp`, `MaxConcurrency`, the tolerated failures and
//! Fail's `Error` and `Cause`), and [`NullablePath`] (`InputPath`, `OutputPath`,
//! `ResultPath`, which may be `null`).

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use super::template::JsonataExpr;

/// A value written in one of three ways. JSONPath states use the literal field or its
/// `...Path` twin (a reference path or, for `ErrorPath`/`CausePath`, an intrinsic call);
/// JSONata states use the literal field, which may hold a `{% ... %}` expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Dynamic<T> {
    /// The value itself, e.g. `"TimeoutSeconds": 30`.
    Literal(T),
    /// A path read from the input, e.g. `"TimeoutSecondsPath": "$.timeout"`.
    Path(String),
    /// A JSONata expression, e.g. `"TimeoutSeconds": "{% $states.input.timeout %}"`.
    Jsonata(JsonataExpr),
}

impl<T: Serialize> Dynamic<T> {
    /// Writes the field under `literal` (values, expressions) or `path` (paths).
    pub(crate) fn write<M: SerializeMap>(
        &self,
        m: &mut M,
        literal: &str,
        path: &str,
    ) -> Result<(), M::Error> {
        match self {
            Dynamic::Literal(v) => m.serialize_entry(literal, v),
            Dynamic::Path(p) => m.serialize_entry(path, p),
            Dynamic::Jsonata(e) => m.serialize_entry(literal, e),
        }
    }
}

/// `InputPath`, `OutputPath` or `ResultPath`. The ASL spec ("Filters") gives `null` a
/// meaning of its own: `InputPath: null` hands the state `{}`, `ResultPath: null` discards
/// the result (the state's input passes through), `OutputPath: null` outputs `{}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NullablePath {
    /// `null`.
    Null,
    /// A path, e.g. `$.result`.
    Path(String),
}

impl NullablePath {
    /// The path, `None` for `null`.
    pub fn as_path(&self) -> Option<&str> {
        match self {
            NullablePath::Null => None,
            NullablePath::Path(p) => Some(p),
        }
    }
}

impl Serialize for NullablePath {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            NullablePath::Null => s.serialize_unit(),
            NullablePath::Path(p) => s.serialize_str(p),
        }
    }
}
