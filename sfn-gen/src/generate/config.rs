//! The generator's settings: [`GeneratorConfig`], read from `sfn-gen.json` at the
//! workspace root (see `cmd_generate::read_config`), with their range checks.

use anyhow::bail;
use asl::{MachineType, QueryLanguage};
use protocol::agent::LoopConfig;
use protocol::manifest::{Architecture, limits};
use serde::{Deserialize, Serialize};

/// The project's generator settings (`sfn-gen.json` at the workspace root; every field is
/// optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields, default)]
pub struct GeneratorConfig {
    /// The run fails with `Agent.TurnLimit` after this many turns.
    pub max_turns: u32,
    /// Consecutive failures of one tool before `Agent.CircuitOpen`.
    pub failure_threshold: u32,
    /// Turns per execution before a continue-as-new hand-off.
    pub turns_per_execution: u32,
    /// Parallel tool calls at once (the Map's MaxConcurrency; 0 = no limit).
    pub map_concurrency: u32,
    /// Standard or Express.
    #[serde(rename = "type")]
    pub machine_type: MachineType,
    /// `JSONPath` or `JSONata`.
    pub query_language: QueryLanguage,
    /// The agent Task's timeout (and the agent Lambda's, which the CDK app reads here).
    pub agent_timeout_seconds: u32,
    /// The agent Lambda's memory in MB (read by the CDK app).
    pub agent_memory_mb: u32,
    /// The instruction set the agent Lambda is built for and deployed on (read by the CDK
    /// app and `scripts/build-lambdas.sh`).
    pub agent_architecture: Architecture,
}

impl Default for GeneratorConfig {
    fn default() -> Self {
        let limits = LoopConfig::default();
        Self {
            max_turns: limits.max_turns,
            failure_threshold: limits.failure_threshold,
            turns_per_execution: limits.turns_per_execution,
            map_concurrency: 10,
            machine_type: MachineType::Standard,
            query_language: QueryLanguage::JsonPath,
            agent_timeout_seconds: 120,
            agent_memory_mb: 512,
            agent_architecture: Architecture::Arm64,
        }
    }
}

impl GeneratorConfig {
    /// Checks the settings' ranges.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.max_turns == 0 {
            bail!("maxTurns must be at least 1");
        }
        if self.failure_threshold == 0 {
            bail!("failureThreshold must be at least 1");
        }
        if self.turns_per_execution == 0 {
            bail!("turnsPerExecution must be at least 1");
        }
        // The agent Task's timeout is also its Lambda's, which AWS caps at 900 seconds.
        if !(1..=limits::MAX_TIMEOUT_SECONDS).contains(&self.agent_timeout_seconds) {
            bail!(
                "agentTimeoutSeconds {} is outside 1..={} (the Lambda timeout limit)",
                self.agent_timeout_seconds,
                limits::MAX_TIMEOUT_SECONDS
            );
        }
        if !(limits::MIN_MEMORY_MB..=limits::MAX_MEMORY_MB).contains(&self.agent_memory_mb) {
            bail!(
                "agentMemoryMb {} is outside {}..={} (what AWS Lambda accepts)",
                self.agent_memory_mb,
                limits::MIN_MEMORY_MB,
                limits::MAX_MEMORY_MB
            );
        }
        // Each single-call turn writes about 13 history events (3 states entered and
        // exited, the two tasks' scheduled/started/succeeded); stay well under 25,000.
        if self.machine_type == MachineType::Standard && self.turns_per_execution > 1_500 {
            bail!(
                "turnsPerExecution {} would pass the 25,000-event history limit of a Standard execution; use at most 1500",
                self.turns_per_execution
            );
        }
        Ok(())
    }

    /// The loop limits the agent Task's payload carries, so that the agent and the
    /// machine's guards agree.
    pub fn loop_config(&self) -> LoopConfig {
        LoopConfig {
            max_turns: self.max_turns,
            failure_threshold: self.failure_threshold,
            turns_per_execution: self.turns_per_execution,
        }
    }

    /// The execution's own timeout: a day for Standard, Express's 5-minute maximum.
    pub fn machine_timeout_seconds(&self) -> u64 {
        match self.machine_type {
            MachineType::Standard => 86_400,
            MachineType::Express => 300,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_limits_and_long_standard_executions_are_refused() {
        assert!(GeneratorConfig::default().check().is_ok());
        for config in [
            GeneratorConfig {
                max_turns: 0,
                ..GeneratorConfig::default()
            },
            GeneratorConfig {
                turns_per_execution: 1_501,
                ..GeneratorConfig::default()
            },
            GeneratorConfig {
                agent_timeout_seconds: 901,
                ..GeneratorConfig::default()
            },
            GeneratorConfig {
                agent_memory_mb: 64,
                ..GeneratorConfig::default()
            },
        ] {
            assert!(config.check().is_err(), "{config:?}");
        }
        let express = GeneratorConfig {
            machine_type: MachineType::Express,
            turns_per_execution: 1_501,
            ..GeneratorConfig::default()
        };
        assert!(express.check().is_ok());
    }
}
