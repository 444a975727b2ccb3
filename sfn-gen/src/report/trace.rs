//! The path an execution took, read from its history events: how often each state was
//! entered, which edges were followed (a Catch told from a Next by the failure before the
//! state exited), how often each state retried, and which state each event belongs to.
//!
//! Events are read per *lane*: the thread that recorded them. The engine runs a state's
//! events, and each Map iteration and Parallel branch, on one thread, so within a lane the
//! events of a state come in order even when iterations run concurrently. Without lanes
//! (every event in lane 0) the reading is exact for sequential runs.

use std::collections::HashMap;

use asl::model::StateType;
use asl_engine::Event;
use serde_json::Value;

use crate::machine_graph::{EdgeKind, MachineGraph};

/// What the history says the execution did on the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathTaken {
    /// Per node: how many times the state was entered.
    pub entered: Vec<u64>,
    /// Per edge: how many times it was followed (for a Retry edge: retries).
    pub followed: Vec<u64>,
    /// Whether the top-level start state was entered.
    pub started: bool,
    /// Per event: the state it belongs to (`None` for the execution's own events).
    pub event_state: Vec<Option<usize>>,
}

/// A state entered and not yet exited in one lane.
#[derive(Debug)]
struct Open {
    node: usize,
    attempts: u64,
    failed: bool,
}

/// One lane's reading position.
#[derive(Debug, Default)]
struct Lane {
    open: Vec<Open>,
    /// Per group (`None`: top level): the state last exited there, and whether it failed.
    last_exit: HashMap<Option<usize>, (usize, bool)>,
}

/// The state name in an event's details, if it names one.
fn state_name(event: &Event) -> Option<&str> {
    event
        .details
        .values()
        .find_map(|d| d.get("name").and_then(Value::as_str))
}

/// Events that start one attempt of a Task (or of a retried Map or Parallel).
fn starts_attempt(kind: &str) -> bool {
    matches!(
        kind,
        "TaskScheduled" | "LambdaFunctionScheduled" | "ActivityScheduled"
    )
}

/// Events that end an attempt with an error.
fn fails_attempt(kind: &str) -> bool {
    !kind.starts_with("Execution")
        && !kind.starts_with("MapIteration")
        && (kind.ends_with("Failed") || kind.ends_with("TimedOut"))
}

/// Reads `events` (with `lanes[i]` the lane of `events[i]`) against `graph`.
pub fn trace(graph: &MachineGraph, events: &[Event], lanes: &[u64]) -> PathTaken {
    let mut path = PathTaken {
        entered: vec![0; graph.nodes.len()],
        followed: vec![0; graph.edges.len()],
        started: false,
        event_state: vec![None; events.len()],
    };
    let mut between: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
    let mut retry_edge = HashMap::new();
    for (i, edge) in graph.edges.iter().enumerate() {
        if edge.kind == EdgeKind::Retry {
            retry_edge.insert(edge.from, i);
        } else {
            between.entry((edge.from, edge.to)).or_default().push(i);
        }
    }
    let names: HashMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.name.as_str(), i))
        .collect();
    let inside = |node: usize, owner: usize| {
        let mut group = graph.nodes[node].group;
        while let Some(g) = group {
            if graph.groups[g].owner == owner {
                return true;
            }
            group = graph.nodes[graph.groups[g].owner].group;
        }
        false
    };
    let mut lane_states: HashMap<u64, Lane> = HashMap::new();
    for (i, event) in events.iter().enumerate() {
        let lane = lane_states
            .entry(lanes.get(i).copied().unwrap_or(0))
            .or_default();
        let kind = event.kind.as_str();
        let named = state_name(event).and_then(|n| names.get(n).copied());
        if kind.ends_with("StateEntered") {
            let Some(node) = named else { continue };
            path.event_state[i] = Some(node);
            path.entered[node] += 1;
            let group = graph.nodes[node].group;
            let mut arrived = false;
            if let Some((from, failed)) = lane.last_exit.remove(&group)
                && let Some(candidates) = between.get(&(from, node))
            {
                let is_catch = |e: &usize| graph.edges[*e].kind == EdgeKind::Catch;
                let chosen = candidates
                    .iter()
                    .find(|e| is_catch(e) == failed)
                    .or_else(|| candidates.first());
                if let Some(&edge) = chosen {
                    path.followed[edge] += 1;
                    arrived = true;
                }
            }
            if !arrived {
                match group {
                    Some(g) if graph.groups[g].start == Some(node) => {
                        let owner = graph.groups[g].owner;
                        if let Some(edges) = between.get(&(owner, node))
                            && let Some(&edge) = edges
                                .iter()
                                .find(|e| graph.edges[**e].kind == EdgeKind::Branch)
                        {
                            path.followed[edge] += 1;
                        }
                    }
                    None if graph.start == Some(node) => path.started = true,
                    _ => {}
                }
            }
            lane.open.push(Open {
                node,
                attempts: 0,
                failed: false,
            });
        } else if kind.ends_with("StateExited") {
            let Some(node) = named else { continue };
            path.event_state[i] = Some(node);
            let failed = match lane.open.iter().rposition(|o| o.node == node) {
                Some(at) => {
                    let failed = lane.open[at].failed;
                    lane.open.truncate(at);
                    failed
                }
                None => false,
            };
            lane.last_exit
                .insert(graph.nodes[node].group, (node, failed));
        } else if kind.starts_with("MapIteration") {
            let Some(map) = named else { continue };
            path.event_state[i] = Some(map);
            while lane.open.last().is_some_and(|o| inside(o.node, map)) {
                lane.open.pop();
            }
            for &group in &graph.nodes[map].children {
                lane.last_exit.remove(&Some(group));
            }
        } else if kind.starts_with("MapState") || kind.starts_with("ParallelState") {
            // The Map or Parallel itself: drop what its bodies left open in this lane.
            let wanted = if kind.starts_with("Map") {
                StateType::Map
            } else {
                StateType::Parallel
            };
            let Some(at) = lane
                .open
                .iter()
                .rposition(|o| graph.nodes[o.node].kind == wanted)
            else {
                continue;
            };
            lane.open.truncate(at + 1);
            let open = &mut lane.open[at];
            path.event_state[i] = Some(open.node);
            if kind.ends_with("Started") {
                note_attempt(open, &retry_edge, &mut path.followed);
            } else if fails_attempt(kind) {
                open.failed = true;
            } else if kind.ends_with("Succeeded") {
                open.failed = false;
            }
        } else if let Some(open) = lane.open.last_mut() {
            path.event_state[i] = Some(open.node);
            if starts_attempt(kind) {
                note_attempt(open, &retry_edge, &mut path.followed);
            } else if fails_attempt(kind) {
                open.failed = true;
            } else if kind.ends_with("Succeeded") {
                open.failed = false;
            }
        }
    }
    path
}

/// One more attempt of an open state: every attempt after the first is a retry.
fn note_attempt(open: &mut Open, retry_edge: &HashMap<usize, usize>, followed: &mut [u64]) {
    open.attempts += 1;
    open.failed = false;
    if open.attempts > 1
        && let Some(&edge) = retry_edge.get(&open.node)
    {
        followed[edge] += 1;
    }
}

#[cfg(test)]
mod tests {
    use asl::model::Machine;
    use asl_engine::mocks::MockInvoker;
    use asl_engine::{RunOptions, run};
    use serde_json::json;

    use super::*;

    fn followed(
        graph: &MachineGraph,
        path: &PathTaken,
    ) -> Vec<(String, String, &'static str, u64)> {
        graph
            .edges
            .iter()
            .zip(&path.followed)
            .filter(|(_, n)| **n > 0)
            .map(|(e, n)| {
                (
                    graph.nodes[e.from].name.clone(),
                    graph.nodes[e.to].name.clone(),
                    e.kind.as_str(),
                    *n,
                )
            })
            .collect()
    }

    #[test]
    fn a_retry_a_catch_to_the_next_states_target_and_a_map_are_read_from_the_history() {
        // `Flaky` fails once then succeeds (a retry); `Broken` always fails and is caught,
        // its catcher going where its Next goes too; the Map runs `Item` twice.
        let definition = json!({
            "StartAt": "Flaky",
            "States": {
                "Flaky": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                    "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1}], "Next": "Broken"},
                "Broken": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:broken",
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Each"}], "Next": "Each"},
                "Each": {"Type": "Map", "ItemsPath": "$.items", "ItemProcessor": {"StartAt": "Item",
                    "States": {"Item": {"Type": "Pass", "End": true}}}, "Next": "Done"},
                "Done": {"Type": "Succeed"},
                "Never": {"Type": "Fail"}
            }
        });
        let mocks = MockInvoker::from_json(&json!({"lambda": {
            "flaky": {"sequence": [{"raise": {"error": "Boom", "cause": "once"}}, {"return": {"items": [1, 2]}}]},
            "broken": {"raise": {"error": "Bad", "cause": "always"}}
        }}))
        .unwrap();
        let options = RunOptions {
            invoker: std::sync::Arc::new(mocks),
            ..RunOptions::default()
        };
        let outcome = run(&definition, json!({}), &options);
        assert_eq!(outcome.status, asl_engine::Status::Succeeded, "{outcome:?}");
        let graph = MachineGraph::build(&Machine::from_value(&definition).unwrap());
        let path = trace(&graph, &outcome.history, &[]);
        let entered: Vec<(&str, u64)> = graph
            .nodes
            .iter()
            .zip(&path.entered)
            .map(|(n, c)| (n.name.as_str(), *c))
            .collect();
        assert_eq!(
            entered,
            [
                ("Flaky", 1),
                ("Broken", 1),
                ("Each", 1),
                ("Item", 2),
                ("Done", 1),
                ("Never", 0)
            ]
        );
        assert!(path.started);
        let s = |x: &str| x.to_owned();
        assert_eq!(
            followed(&graph, &path),
            [
                (s("Flaky"), s("Broken"), "next", 1),
                (s("Flaky"), s("Flaky"), "retry", 1),
                (s("Broken"), s("Each"), "catch", 1),
                (s("Each"), s("Done"), "next", 1),
                (s("Each"), s("Item"), "branch", 2),
            ]
        );
        // Every event but the execution's own belongs to a state.
        let unowned: Vec<&str> = outcome
            .history
            .iter()
            .zip(&path.event_state)
            .filter(|(_, s)| s.is_none())
            .map(|(e, _)| e.kind.as_str())
            .collect();
        assert_eq!(unowned, ["ExecutionStarted", "ExecutionSucceeded"]);
    }

    #[test]
    fn interleaved_lanes_keep_each_iterations_path_apart() {
        // Two iterations whose events interleave, as concurrent ones do: lane 1 runs
        // `A` then `B`, lane 2 runs `A` and fails there, caught to `C`.
        let definition = json!({
            "StartAt": "M",
            "States": {"M": {"Type": "Map", "ItemProcessor": {"StartAt": "A", "States": {
                "A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                      "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}], "Next": "B"},
                "B": {"Type": "Pass", "End": true},
                "C": {"Type": "Pass", "End": true}}}, "End": true}}
        });
        let graph = MachineGraph::build(&Machine::from_value(&definition).unwrap());
        let event = |kind: &str, name: Option<&str>| {
            let mut details = serde_json::Map::new();
            if let Some(name) = name {
                details.insert("x".into(), json!({"name": name}));
            }
            Event {
                id: 0,
                previous_event_id: 0,
                timestamp: String::new(),
                elapsed_seconds: 0.0,
                kind: kind.into(),
                details,
            }
        };
        let script = [
            (0, "ExecutionStarted", None),
            (0, "MapStateEntered", Some("M")),
            (0, "MapStateStarted", None),
            (1, "MapIterationStarted", Some("M")),
            (2, "MapIterationStarted", Some("M")),
            (1, "TaskStateEntered", Some("A")),
            (2, "TaskStateEntered", Some("A")),
            (1, "TaskScheduled", None),
            (2, "TaskScheduled", None),
            (2, "TaskFailed", None),
            (1, "TaskSucceeded", None),
            (2, "TaskStateExited", Some("A")),
            (1, "TaskStateExited", Some("A")),
            (2, "PassStateEntered", Some("C")),
            (1, "PassStateEntered", Some("B")),
            (1, "PassStateExited", Some("B")),
            (2, "PassStateExited", Some("C")),
            (1, "MapIterationSucceeded", Some("M")),
            (2, "MapIterationSucceeded", Some("M")),
            (0, "MapStateSucceeded", None),
            (0, "MapStateExited", Some("M")),
            (0, "ExecutionSucceeded", None),
        ];
        let events: Vec<Event> = script.iter().map(|(_, k, n)| event(k, *n)).collect();
        let lanes: Vec<u64> = script.iter().map(|(l, _, _)| *l).collect();
        let path = trace(&graph, &events, &lanes);
        let s = |x: &str| x.to_owned();
        assert_eq!(
            followed(&graph, &path),
            [
                (s("A"), s("B"), "next", 1),
                (s("A"), s("C"), "catch", 1),
                (s("M"), s("A"), "branch", 2),
            ]
        );
        // Read as one lane, the same events would pair wrongly; lanes are what fixes it.
        let one_lane = trace(&graph, &events, &[]);
        assert_ne!(followed(&graph, &one_lane), followed(&graph, &path));
    }
}
