//! The type-specific fields of each state type, one module per type, as the ASL spec
//! describes them ("Pass State", "Task State", ...). Each type reads its fields from the
//! state object (the common ones are read by [`State`](super::State)) and writes them
//! back.

mod choice;
mod fail;
mod map;
mod parallel;
mod pass;
mod task;
mod wait;

pub use choice::Choice;
pub use fail::Fail;
pub use map::{Map, Processor, ProcessorConfig, ProcessorMode};
pub use parallel::Parallel;
pub use pass::Pass;
pub use task::Task;
pub use wait::Wait;
