//! AWS Step Functions limits the model, the validator and the engine live inside.
//!
//! Unless noted, each comes from the developer guide's quota page,
//! <https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html>, where it is a
//! hard quota (AWS does not raise it on request).

/// The largest definition AWS accepts, in bytes of UTF-8 ("Maximum size of state machine
/// definition: 1 MB", quotas related to accounts; defined in [`crate::language`]).
pub use crate::language::MAX_DEFINITION_BYTES;

/// The largest input or output of a task, state or execution, in bytes of UTF-8 ("256 KiB
/// of data as a UTF-8 encoded string", quotas related to task executions; the API
/// reference gives every input and output field a maximum length of 262144). Going past
/// it fails the execution with `States.DataLimitExceeded`, which `States.ALL` does not
/// catch.
pub const MAX_PAYLOAD_BYTES: usize = 262_144;

/// The most events a Standard execution's history may hold ("Maximum execution history
/// size: 25,000 events", quotas related to state machine executions); the execution fails
/// when it would exceed it.
pub const MAX_HISTORY_EVENTS: usize = 25_000;

/// The longest a Standard execution may run, in seconds ("Maximum execution time: 1
/// year", counted here as 365 days); past it the execution fails with `States.Timeout`.
pub const MAX_STANDARD_DURATION_SECONDS: u64 = 365 * 24 * 60 * 60;

/// The longest an Express execution may run, in seconds ("Maximum execution duration: 5
/// minutes").
pub const MAX_EXPRESS_DURATION_SECONDS: u64 = 5 * 60;

/// The longest state name, in characters: the API reference gives the `name` of
/// `StateEnteredEventDetails` and `StateExitedEventDetails` a maximum length of 80, and the
/// quota page the same limit for state machine, execution and activity names.
pub const MAX_STATE_NAME_CHARS: usize = 80;

/// The longest Map `Label`, in characters. AWS rejects longer ones with "Label cannot
/// exceed 40 characters" (recorded in the conformance corpus, `invalid/`).
pub const MAX_MAP_LABEL_CHARS: usize = 40;
