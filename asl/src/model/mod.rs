//! A typed model of a state machine definition, mirroring the Amazon States Language
//! specification (<https://states-language.net/spec.html>) and the Step Functions
//! developer guide: one module per concept.
//!
//! | module | concept |
//! | --- | --- |
//! | `machine` | [`Machine`], [`StateGraph`] (shared by branches and Map processors), [`States`] |
//! | `state` | [`State`]: [`Common`] fields, [`Transition`], [`StateKind`] |
//! | [`states`] | the fields of each state type |
//! | `choice` | Choice rules: [`ChoiceRule`], [`Expr`], [`Comparison`], JSONata [`Condition`] |
//! | `retry` | [`Retrier`], [`Catcher`], error-name matching |
//! | `template`, `dynamic` | [`Template`]s kept as written, [`Dynamic`] fields, [`NullablePath`] |
//! | `query_language` | resolving [`QueryLanguage`] (defined with [`MachineType`] in [`crate::language`]) |
//! | [`limits`] | AWS's limits as constants |
//!
//! The model sits between validation and compilation: [`Machine::from_value`] reads a
//! definition that [`validate`](crate::validate) accepted (any other document gets a
//! [`ModelError`] naming a JSON pointer, never a panic), and serializing a [`Machine`]
//! gives the document back: same keys, same values, `States` in the same order.
//!
//! Unknown fields are rejected, not carried: the validator rejects every field outside
//! the spec (outside templates, which the model keeps whole), so there is nothing for an
//! extra-fields map to hold.

mod choice;
mod dynamic;
mod error;
pub mod limits;
mod machine;
mod query_language;
mod read;
mod retry;
mod state;
pub mod states;
mod template;

pub use crate::language::{MachineType, QueryLanguage};
pub use choice::{
    ChoiceRule, Comparison, Condition, Expr, NestedRule, Operand, OperandKind, Operator, Test,
};
pub use dynamic::{Dynamic, NullablePath};
pub use error::ModelError;
pub use machine::{Machine, StateGraph, States};
pub use retry::{
    Catcher, DEFAULT_BACKOFF_RATE, DEFAULT_INTERVAL_SECONDS, DEFAULT_MAX_ATTEMPTS, JitterStrategy,
    Retrier, RetryPolicy, STATES_ALL, STATES_DATA_LIMIT_EXCEEDED, STATES_RUNTIME,
    STATES_TASK_FAILED, STATES_TIMEOUT, error_matches,
};
pub use state::{Common, State, StateKind, StateType, Transition, UnknownStateType};
pub use template::{JsonataExpr, Template};
