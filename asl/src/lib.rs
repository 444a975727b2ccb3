//! Amazon States Language, the language itself: the typed model, JSONPath, intrinsic
//! functions and the validator. Running a definition is the `asl-engine` crate's job.

pub mod intrinsics;
pub mod jsonpath;
pub mod language;
pub mod model;
pub mod validate;

pub use language::{MAX_DEFINITION_BYTES, MachineType, QueryLanguage};
