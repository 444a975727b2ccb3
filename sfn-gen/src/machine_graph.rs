//! The graph of a state machine: every state a node (the states of a Map's processor and of
//! each Parallel branch in a group owned by that state) and every way between states a typed
//! edge (Next, Choice rule, Default, Catch, Retry, into a nested body). `sfn-gen graph` draws
//! it as Mermaid or DOT; `sfn-gen run --report` lays it out as SVG and marks the path an
//! execution took. State names are unique across nested machines (the validator's
//! `duplicate-state-name`), so a name finds its node.

use std::collections::HashMap;

use asl::model::{
    ChoiceRule, Comparison, Condition, Expr, Machine, Operand, Operator, StateGraph, StateKind,
    StateType, Test,
};

/// A state machine as nodes, groups and edges, in document order.
#[derive(Debug, Clone)]
pub struct MachineGraph {
    /// Every state, depth first: a state, then the states of its nested bodies.
    pub nodes: Vec<Node>,
    /// The nested bodies: a Map's processor, each branch of a Parallel.
    pub groups: Vec<Group>,
    /// Every way from one state to another.
    pub edges: Vec<Edge>,
    /// The top-level `StartAt` state (`None` when it names no state).
    pub start: Option<usize>,
}

/// One state.
#[derive(Debug, Clone)]
pub struct Node {
    /// An identifier made of `[A-Za-z0-9_]` only (Mermaid, DOT and HTML ids).
    pub id: String,
    /// The state's name.
    pub name: String,
    /// The state's type.
    pub kind: StateType,
    /// The innermost group holding it (`None` at top level).
    pub group: Option<usize>,
    /// Nesting depth (0 at top level).
    pub depth: usize,
    /// The groups this state owns (a Map's processor, a Parallel's branches), in order.
    pub children: Vec<usize>,
}

/// A nested body: a Map's processor or one branch of a Parallel.
#[derive(Debug, Clone)]
pub struct Group {
    /// An identifier made of `[A-Za-z0-9_]` only.
    pub id: String,
    /// The Map or Parallel state that runs it.
    pub owner: usize,
    /// The branch index (0 for a Map's processor).
    pub branch: usize,
    /// `Name (Map)`, `Name (Parallel)`.
    pub label: String,
    /// Its `StartAt` state (`None` when it names no state).
    pub start: Option<usize>,
}

/// What an edge stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// `Next`.
    Next,
    /// A Choice rule's `Next`.
    Choice,
    /// A Choice state's `Default`.
    Default,
    /// A catcher's `Next`.
    Catch,
    /// The state's `Retry` (an edge from the state to itself).
    Retry,
    /// From a Map or Parallel state into the start of one of its bodies.
    Branch,
}

impl EdgeKind {
    /// Lower-case name (a CSS class in the report).
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::Next => "next",
            EdgeKind::Choice => "choice",
            EdgeKind::Default => "default",
            EdgeKind::Catch => "catch",
            EdgeKind::Retry => "retry",
            EdgeKind::Branch => "branch",
        }
    }
}

/// One way between two states.
#[derive(Debug, Clone)]
pub struct Edge {
    /// The node it leaves.
    pub from: usize,
    /// The node it reaches (`from` itself for [`EdgeKind::Retry`]).
    pub to: usize,
    /// What it stands for.
    pub kind: EdgeKind,
    /// The Choice rule's value or condition, `default`, or the error names caught or retried.
    pub label: Option<String>,
}

fn id(prefix: &str, name: &str) -> String {
    let clean: String = format!("{prefix}{name}")
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("s_{clean}")
}

/// The label of a Choice rule's edge: the string it routes on, or its JSONata condition.
fn rule_label(rule: &ChoiceRule) -> Option<String> {
    match &rule.test {
        Test::Expr(Expr::Compare(Comparison {
            operator: Operator::StringEquals,
            operand: Operand::String(value),
            ..
        })) => Some(value.clone()),
        Test::Condition(Condition::Jsonata(expression)) => {
            Some(format!("{{%{}%}}", expression.expression()))
        }
        _ => None,
    }
}

impl MachineGraph {
    /// The graph of `machine`.
    pub fn build(machine: &Machine) -> Self {
        let mut graph = MachineGraph {
            nodes: Vec::new(),
            groups: Vec::new(),
            edges: Vec::new(),
            start: None,
        };
        let mut scopes = Vec::new();
        graph.add_nodes(&machine.graph, "", None, 0, &mut scopes);
        let mut next_scope = 0;
        graph.add_edges(&machine.graph, &scopes, &mut next_scope);
        graph.start = scopes[0].get(machine.start_at()).copied();
        graph
    }

    /// Phase 1: nodes and groups, depth first; `scopes[i]` maps names to nodes in the i-th
    /// graph visited (0: the top level, i: group i - 1, as groups are made in that order).
    fn add_nodes(
        &mut self,
        graph: &StateGraph,
        prefix: &str,
        group: Option<usize>,
        depth: usize,
        scopes: &mut Vec<HashMap<String, usize>>,
    ) {
        let scope = scopes.len();
        scopes.push(HashMap::new());
        for (name, state) in graph.states.iter() {
            let node = self.nodes.len();
            let kind = state.state_type();
            self.nodes.push(Node {
                id: id(prefix, name),
                name: name.to_owned(),
                kind,
                group,
                depth,
                children: Vec::new(),
            });
            scopes[scope].insert(name.to_owned(), node);
            for (i, child) in state.graphs().into_iter().enumerate() {
                let child_prefix = format!("{prefix}{name}_{i}_");
                let child_group = self.groups.len();
                self.groups.push(Group {
                    id: format!("g_{}", id(&child_prefix, "")),
                    owner: node,
                    branch: i,
                    label: format!("{name} ({})", kind.as_str()),
                    start: None,
                });
                self.nodes[node].children.push(child_group);
                self.add_nodes(child, &child_prefix, Some(child_group), depth + 1, scopes);
            }
        }
    }

    /// Phase 2: edges, visiting the graphs in phase 1's order.
    fn add_edges(
        &mut self,
        graph: &StateGraph,
        scopes: &[HashMap<String, usize>],
        next_scope: &mut usize,
    ) {
        let scope = &scopes[*next_scope];
        *next_scope += 1;
        for (name, state) in graph.states.iter() {
            let from = scope[name];
            let mut edge = |to: &str, kind: EdgeKind, label: Option<String>| {
                if let Some(&to) = scope.get(to) {
                    self.edges.push(Edge {
                        from,
                        to,
                        kind,
                        label,
                    });
                }
            };
            if let Some(next) = state.next() {
                edge(next, EdgeKind::Next, None);
            }
            if let StateKind::Choice(choice) = &state.kind {
                for rule in &choice.choices {
                    edge(&rule.next, EdgeKind::Choice, rule_label(rule));
                }
                if let Some(default) = &choice.default {
                    edge(default, EdgeKind::Default, Some("default".into()));
                }
            }
            for catcher in state.catch() {
                edge(
                    &catcher.next,
                    EdgeKind::Catch,
                    Some(catcher.error_equals.join(", ")),
                );
            }
            if !state.retry().is_empty() {
                let errors: Vec<&str> = state
                    .retry()
                    .iter()
                    .flat_map(|r| r.error_equals.iter().map(String::as_str))
                    .collect();
                edge(name, EdgeKind::Retry, Some(errors.join(", ")));
            }
            for child in state.graphs() {
                let child_scope = *next_scope;
                self.add_edges(child, scopes, next_scope);
                let start = scopes[child_scope].get(&child.start_at).copied();
                self.groups[child_scope - 1].start = start;
                if let Some(to) = start {
                    self.edges.push(Edge {
                        from,
                        to,
                        kind: EdgeKind::Branch,
                        label: None,
                    });
                }
            }
        }
    }

    /// The node of the state named `name`.
    #[cfg(test)]
    pub fn node_named(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// The nodes directly in `group` (`None`: the top level), in document order.
    pub fn members(&self, group: Option<usize>) -> impl Iterator<Item = usize> + '_ {
        (0..self.nodes.len()).filter(move |&n| self.nodes[n].group == group)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_bodies_are_groups_and_every_way_is_an_edge() {
        let definition = serde_json::json!({
            "StartAt": "Fan",
            "States": {
                "Fan": {"Type": "Parallel", "Branches": [
                    {"StartAt": "L", "States": {"L": {"Type": "Pass", "End": true}}},
                    {"StartAt": "R", "States": {"R": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:1:function:f",
                        "Retry": [{"ErrorEquals": ["States.Timeout"]}], "End": true}}}
                ], "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Oops"}], "Next": "Done"},
                "Done": {"Type": "Succeed"},
                "Oops": {"Type": "Fail"}
            }
        });
        let graph = MachineGraph::build(&Machine::from_value(&definition).unwrap());
        let names: Vec<&str> = graph.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["Fan", "L", "R", "Done", "Oops"]);
        assert_eq!(graph.groups.len(), 2);
        assert_eq!(graph.nodes[1].group, Some(0));
        assert_eq!(graph.nodes[2].group, Some(1));
        assert_eq!(graph.groups[1].start, Some(2));
        assert_eq!(graph.start, Some(0));
        let edges: Vec<(&str, &str, EdgeKind)> = graph
            .edges
            .iter()
            .map(|e| {
                (
                    graph.nodes[e.from].name.as_str(),
                    graph.nodes[e.to].name.as_str(),
                    e.kind,
                )
            })
            .collect();
        assert_eq!(
            edges,
            [
                ("Fan", "Done", EdgeKind::Next),
                ("Fan", "Oops", EdgeKind::Catch),
                ("Fan", "L", EdgeKind::Branch),
                ("R", "R", EdgeKind::Retry),
                ("Fan", "R", EdgeKind::Branch),
            ]
        );
        assert_eq!(graph.edges[3].label.as_deref(), Some("States.Timeout"));
    }
}
