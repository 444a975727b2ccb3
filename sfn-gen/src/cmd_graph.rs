//! `sfn-gen graph`: a state machine as Mermaid (`flowchart`) or Graphviz DOT, for the README
//! and reviews. Map and Parallel bodies become subgraphs; Catch edges are dashed.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use asl::model::{
    ChoiceRule, Comparison, Condition, Expr, Machine, Operand, Operator, StateGraph, StateKind,
    Test,
};
use serde_json::Value;

/// Arguments of `sfn-gen graph`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ASL document.
    pub definition: PathBuf,
    /// `mermaid` or `dot`.
    #[arg(long, default_value = "mermaid", value_parser = ["mermaid", "dot"])]
    pub format: String,
}

struct Edge {
    from: String,
    to: String,
    label: Option<String>,
    dashed: bool,
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

fn collect(
    graph: &StateGraph,
    prefix: &str,
    nodes: &mut Vec<(String, String, String, usize)>,
    edges: &mut Vec<Edge>,
    depth: usize,
    groups: &mut Vec<(String, String, usize, bool)>,
) {
    for (name, state) in graph.states.iter() {
        let kind = state.state_type().as_str();
        let node = id(prefix, name);
        nodes.push((node.clone(), name.to_owned(), kind.to_owned(), depth));
        let mut edge = |to: &str, label: Option<String>, dashed: bool| {
            edges.push(Edge {
                from: node.clone(),
                to: id(prefix, to),
                label,
                dashed,
            })
        };
        if let Some(next) = state.next() {
            edge(next, None, false);
        }
        if let StateKind::Choice(choice) = &state.kind {
            for rule in &choice.choices {
                edge(&rule.next, rule_label(rule), false);
            }
            if let Some(default) = &choice.default {
                edge(default, Some("default".into()), false);
            }
        }
        for catcher in state.catch() {
            edge(&catcher.next, Some(catcher.error_equals.join(", ")), true);
        }
        for (i, child) in state.graphs().into_iter().enumerate() {
            let child_prefix = format!("{prefix}{name}_{i}_");
            let group = format!("g_{}", id(&child_prefix, ""));
            groups.push((group.clone(), format!("{name} ({kind})"), depth + 1, true));
            let start = nodes.len();
            collect(child, &child_prefix, nodes, edges, depth + 1, groups);
            for n in &mut nodes[start..] {
                if n.3 == depth + 1 {
                    n.0 = format!("{}|{}", group, n.0);
                }
            }
            edges.push(Edge {
                from: node.clone(),
                to: id(&child_prefix, &child.start_at),
                label: None,
                dashed: true,
            });
        }
    }
}

/// Renders `definition` in `format` (`mermaid` or `dot`).
pub fn render(machine: &Machine, format: &str) -> String {
    let mut nodes = Vec::new();
    let mut edges = Vec::new();
    let mut groups = Vec::new();
    collect(&machine.graph, "", &mut nodes, &mut edges, 0, &mut groups);
    let start = Some(id("", machine.start_at()));
    let split = |n: &str| -> (Option<String>, String) {
        match n.split_once('|') {
            Some((g, id)) => (Some(g.to_owned()), id.to_owned()),
            None => (None, n.to_owned()),
        }
    };
    let mut out = String::new();
    if format == "dot" {
        out.push_str("digraph StateMachine {\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  start [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];\n");
        for (group, label, _, _) in &groups {
            let _ = writeln!(
                out,
                "  subgraph cluster_{group} {{\n    label=\"{label}\"; style=dashed;"
            );
            for (n, name, kind, _) in &nodes {
                let (g, node) = split(n);
                if g.as_deref() == Some(group.as_str()) {
                    let _ = writeln!(out, "    {node} [label=\"{name}\\n({kind})\"];");
                }
            }
            out.push_str("  }\n");
        }
        for (n, name, kind, _) in &nodes {
            let (g, node) = split(n);
            if g.is_none() {
                let shape = match kind.as_str() {
                    "Choice" => ", shape=diamond",
                    "Succeed" | "Fail" => ", shape=doublecircle",
                    _ => "",
                };
                let _ = writeln!(out, "  {node} [label=\"{name}\\n({kind})\"{shape}];");
            }
        }
        if let Some(start) = start {
            let _ = writeln!(out, "  start -> {start};");
        }
        for e in &edges {
            let mut attrs = Vec::new();
            if let Some(l) = &e.label {
                attrs.push(format!("label=\"{}\"", l.replace('"', "'")));
            }
            if e.dashed {
                attrs.push("style=dashed".into());
            }
            let attrs = if attrs.is_empty() {
                String::new()
            } else {
                format!(" [{}]", attrs.join(", "))
            };
            let _ = writeln!(out, "  {} -> {}{attrs};", e.from, e.to);
        }
        out.push_str("}\n");
    } else {
        out.push_str("flowchart TD\n");
        out.push_str("  start((start))\n");
        for (group, label, _, _) in &groups {
            let _ = writeln!(out, "  subgraph {group} [\"{label}\"]");
            for (n, name, kind, _) in &nodes {
                let (g, node) = split(n);
                if g.as_deref() == Some(group.as_str()) {
                    let _ = writeln!(out, "    {node}[\"{name}<br/><small>{kind}</small>\"]");
                }
            }
            out.push_str("  end\n");
        }
        for (n, name, kind, _) in &nodes {
            let (g, node) = split(n);
            if g.is_none() {
                let shape = match kind.as_str() {
                    "Choice" => format!("{node}{{\"{name}\"}}"),
                    "Succeed" | "Fail" => format!("{node}([\"{name}<br/><small>{kind}</small>\"])"),
                    _ => format!("{node}[\"{name}<br/><small>{kind}</small>\"]"),
                };
                let _ = writeln!(out, "  {shape}");
            }
        }
        if let Some(start) = start {
            let _ = writeln!(out, "  start --> {start}");
        }
        for e in &edges {
            let arrow = if e.dashed { "-.->" } else { "-->" };
            match &e.label {
                Some(l) => {
                    let l = l.replace('"', "'").replace(['{', '}', '%', '|'], "");
                    let _ = writeln!(out, "  {} {arrow}|\"{}\"| {}", e.from, l.trim(), e.to);
                }
                None => {
                    let _ = writeln!(out, "  {} {arrow} {}", e.from, e.to);
                }
            }
        }
    }
    out
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.definition)
        .with_context(|| format!("cannot read `{}`", args.definition.display()))?;
    let definition: Value = serde_json::from_str(&text)
        .with_context(|| format!("`{}` is not valid JSON", args.definition.display()))?;
    let machine = Machine::from_value(&definition).with_context(|| {
        format!(
            "`{}` is not a state machine the graph can draw; `sfn-gen validate` it for every problem",
            args.definition.display()
        )
    })?;
    print!("{}", render(&machine, &args.format));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_and_edge_is_drawn() {
        let definition = serde_json::json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "StringEquals": "go", "Next": "M"}], "Default": "F"},
                "M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": true}}}, "Next": "S"},
                "S": {"Type": "Succeed"},
                "F": {"Type": "Fail"}
            }
        });
        let machine = Machine::from_value(&definition).unwrap();
        let mermaid = render(&machine, "mermaid");
        assert!(mermaid.contains("start --> s_A"));
        assert!(mermaid.contains("s_A -->|\"go\"| s_M"));
        assert!(mermaid.contains("s_A -->|\"default\"| s_F"));
        assert!(mermaid.contains("subgraph"));
        assert!(mermaid.contains("s_M_0_I[\"I"));
        let dot = render(&machine, "dot");
        assert!(dot.contains("s_M -> s_S;"));
        assert!(dot.contains("cluster_"));
    }
}
