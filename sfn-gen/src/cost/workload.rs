//! The workload `sfn-gen cost --compare` prices: how many turns and calls a request makes,
//! how long and how large each agent step and tool call is, how many requests a month, and
//! how the container patterns (P4, P2's worker) are sized.
//!
//! A request makes `turns` tool turns of `calls` tool calls each, then one answering turn:
//! `turns + 1` agent steps and `turns x calls` tool calls. Its wall time, unless given, is
//! `(turns + 1) x agent_ms + turns x tool_ms` (a turn's parallel calls overlap, so a turn
//! waits for one call's duration).
//!
//! Container sizing (P4 and P2's worker): the load keeps `requests x run_seconds /
//! seconds_per_month` runs in flight on average (Little's law); peaks are `peak_factor`
//! times that; one task serves `runs_per_task` runs at once (the agent step mostly waits on
//! the model and the tools, so a small task holds many runs). Tasks, always on:
//! `max(min_tasks, ceil(average x peak_factor / runs_per_task))`.

use super::prices::Architecture;

/// The Temporal Cloud plan P2 is priced on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TemporalPlanName {
    /// No base fee; 10% of usage for support.
    Developer,
    /// $500 a month minimum (or 10% of usage), 2.5M Actions included, volume tiers.
    Business,
}

impl TemporalPlanName {
    /// The name the price table and the output use.
    pub fn name(self) -> &'static str {
        match self {
            TemporalPlanName::Developer => "developer",
            TemporalPlanName::Business => "business",
        }
    }
}

/// How the always-on container tasks of P4 (and P2's worker) are sized.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSizing {
    /// vCPU per task.
    pub vcpu: f64,
    /// Memory per task, GB.
    pub memory_gb: f64,
    /// Runs one task serves at once.
    pub runs_per_task: f64,
    /// Peak concurrency over the average.
    pub peak_factor: f64,
    /// Tasks that always run, whatever the load.
    pub min_tasks: u64,
}

/// One workload.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Tool turns per request (the answering turn comes on top).
    pub turns: u64,
    /// Tool calls per tool turn (run in parallel).
    pub calls_per_turn: u64,
    /// Duration of one agent step, ms.
    pub agent_ms: u64,
    /// Memory of the agent Lambda, MB.
    pub agent_memory_mb: u64,
    /// Duration of one tool call, ms.
    pub tool_ms: u64,
    /// Memory of a tool Lambda, MB.
    pub tool_memory_mb: u64,
    /// Requests (runs) a month.
    pub requests_per_month: f64,
    /// Wall time of a run, if given; else derived (see the module docs).
    pub run_seconds: Option<f64>,
    /// Where the Lambdas and tasks run.
    pub architecture: Architecture,
    /// Express workflows' memory, MB (billed in 64 MB chunks).
    pub express_memory_mb: u64,
    /// Container sizing for P4 and P2.
    pub tasks: TaskSizing,
    /// The Temporal Cloud plan of P2.
    pub temporal_plan: TemporalPlanName,
}

impl Workload {
    /// Agent steps per request: each tool turn and the answering turn.
    pub fn agent_steps(&self) -> u64 {
        self.turns + 1
    }

    /// Tool calls per request.
    pub fn tool_calls(&self) -> u64 {
        self.turns * self.calls_per_turn
    }

    /// The wall time of one run in seconds: given, or derived (see the module docs).
    pub fn run_seconds(&self) -> f64 {
        self.run_seconds.unwrap_or_else(|| {
            (self.agent_steps() * self.agent_ms + self.turns * self.tool_ms) as f64 / 1000.0
        })
    }

    /// The always-on tasks the load needs (see the module docs).
    pub fn tasks_needed(&self, hours_per_month: f64) -> u64 {
        let average = self.requests_per_month * self.run_seconds() / (hours_per_month * 3600.0);
        let needed = (average * self.tasks.peak_factor / self.tasks.runs_per_task).ceil() as u64;
        needed.max(self.tasks.min_tasks)
    }

    /// The same workload with `turns` tool turns and a derived wall time (for the sweep).
    pub fn with_turns(&self, turns: u64) -> Workload {
        Workload {
            turns,
            run_seconds: None,
            ..self.clone()
        }
    }

    /// Refuses figures no pattern can price, saying which flag to fix.
    pub fn check(&self) -> anyhow::Result<()> {
        let mut problems = Vec::new();
        for (flag, mb) in [
            ("--agent-memory-mb", self.agent_memory_mb),
            ("--tool-memory-mb", self.tool_memory_mb),
        ] {
            if !(128..=10240).contains(&mb) {
                problems.push(format!("`{flag} {mb}`: Lambda memory is 128 to 10240 MB"));
            }
        }
        if self.calls_per_turn == 0 {
            problems.push("`--calls 0`: a tool turn makes at least one call".to_owned());
        }
        for (flag, value) in [
            ("--requests-per-month", self.requests_per_month),
            ("--task-vcpu", self.tasks.vcpu),
            ("--task-memory-gb", self.tasks.memory_gb),
            ("--runs-per-task", self.tasks.runs_per_task),
            ("--peak-factor", self.tasks.peak_factor),
        ] {
            if !(value.is_finite() && value > 0.0) {
                problems.push(format!("`{flag} {value}`: give a number above 0"));
            }
        }
        if let Some(seconds) = self.run_seconds
            && !(seconds.is_finite() && seconds > 0.0)
        {
            problems.push(format!("`--run-seconds {seconds}`: give a number above 0"));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("cannot price this workload:\n  {}", problems.join("\n  "))
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The workload most tests price: 5 single-call turns, 100,000 requests a month.
    pub(crate) fn chat() -> Workload {
        Workload {
            turns: 5,
            calls_per_turn: 1,
            agent_ms: 2000,
            agent_memory_mb: 512,
            tool_ms: 300,
            tool_memory_mb: 256,
            requests_per_month: 100_000.0,
            run_seconds: None,
            architecture: Architecture::Arm64,
            express_memory_mb: 64,
            tasks: TaskSizing {
                vcpu: 0.25,
                memory_gb: 0.5,
                runs_per_task: 50.0,
                peak_factor: 2.0,
                min_tasks: 1,
            },
            temporal_plan: TemporalPlanName::Developer,
        }
    }

    #[test]
    fn a_run_waits_for_each_step_and_one_call_per_turn() {
        let w = chat();
        assert_eq!((w.agent_steps(), w.tool_calls()), (6, 5));
        // 6 steps x 2 s + 5 turns x 0.3 s = 13.5 s.
        assert_eq!(w.run_seconds(), 13.5);
        // 3 parallel calls per turn wait as long as one: the same 13.5 s, 15 calls.
        let parallel = Workload {
            calls_per_turn: 3,
            ..chat()
        };
        assert_eq!((parallel.run_seconds(), parallel.tool_calls()), (13.5, 15));
    }

    #[test]
    fn tasks_follow_the_concurrency_the_load_needs() {
        // 100,000 x 13.5 s / 2,628,000 s = 0.51 runs in flight; x 2 peak / 50 = 0.02: 1 task.
        assert_eq!(chat().tasks_needed(730.0), 1);
        // 100x the requests: 51.4 in flight x 2 / 50 = 2.05: 3 tasks.
        let busy = Workload {
            requests_per_month: 10_000_000.0,
            ..chat()
        };
        assert_eq!(busy.tasks_needed(730.0), 3);
    }

    #[test]
    fn bad_figures_name_their_flag() {
        let bad = Workload {
            agent_memory_mb: 64,
            requests_per_month: 0.0,
            ..chat()
        };
        let message = bad.check().unwrap_err().to_string();
        assert!(message.contains("`--agent-memory-mb 64`"), "{message}");
        assert!(message.contains("`--requests-per-month 0`"), "{message}");
    }
}
