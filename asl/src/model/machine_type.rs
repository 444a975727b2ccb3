//! [`MachineType`]: Standard or Express, the `type` a state machine is created with
//! (`CreateStateMachine`), also a distributed Map's `ProcessorConfig.ExecutionType`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::limits;

/// The type of a state machine (serialized as AWS spells it: `STANDARD`, `EXPRESS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MachineType {
    /// Standard workflows (the default): exactly-once, up to a year, billed per state
    /// transition.
    #[default]
    Standard,
    /// Express workflows: at-least-once, up to 5 minutes, billed per request and duration;
    /// no `.sync` or `.waitForTaskToken` integrations.
    Express,
}

impl MachineType {
    /// The name as AWS spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            MachineType::Standard => "STANDARD",
            MachineType::Express => "EXPRESS",
        }
    }

    /// The longest an execution of this type may run, in seconds.
    pub fn max_duration_seconds(self) -> u64 {
        match self {
            MachineType::Standard => limits::MAX_STANDARD_DURATION_SECONDS,
            MachineType::Express => limits::MAX_EXPRESS_DURATION_SECONDS,
        }
    }
}

impl fmt::Display for MachineType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is neither `STANDARD` nor `EXPRESS`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a state machine type; use \"STANDARD\" or \"EXPRESS\"")]
pub struct UnknownMachineType(pub String);

impl FromStr for MachineType {
    type Err = UnknownMachineType;

    /// Reads `STANDARD` or `EXPRESS`, in any case (command-line flags write `express`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("STANDARD") {
            Ok(MachineType::Standard)
        } else if s.eq_ignore_ascii_case("EXPRESS") {
            Ok(MachineType::Express)
        } else {
            Err(UnknownMachineType(s.to_owned()))
        }
    }
}
