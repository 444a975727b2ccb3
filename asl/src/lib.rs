//! Amazon States Language: the model, JSONPath, intrinsic functions, the validator and the
//! local interpreter (the engine behind `sfn-gen run`).

pub mod engine;
pub mod intrinsics;
pub mod jsonpath;
pub mod language;
pub mod model;
pub mod task;
pub mod validate;

pub use language::{MAX_DEFINITION_BYTES, MachineType, QueryLanguage};
