//! `sfn-gen graph`: a state machine as Mermaid (`flowchart`) or Graphviz DOT, for the README
//! and reviews. Map and Parallel bodies become subgraphs; Catch edges are dashed. The
//! nodes and edges come from [`crate::machine_graph`], which the run report draws too.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use asl::model::Machine;
use serde_json::Value;

use crate::machine_graph::{EdgeKind, MachineGraph};

/// Arguments of `sfn-gen graph`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The ASL document.
    pub definition: PathBuf,
    /// `mermaid` or `dot`.
    #[arg(long, default_value = "mermaid", value_parser = ["mermaid", "dot"])]
    pub format: String,
}

/// Renders `definition` in `format` (`mermaid` or `dot`). Retry edges are left out (a
/// retry is drawn as the state's own loop only in `sfn-gen run --report`).
pub fn render(machine: &Machine, format: &str) -> String {
    let graph = MachineGraph::build(machine);
    let nodes = &graph.nodes;
    let edges: Vec<_> = graph
        .edges
        .iter()
        .filter(|e| e.kind != EdgeKind::Retry)
        .collect();
    let dashed = |kind: EdgeKind| matches!(kind, EdgeKind::Catch | EdgeKind::Branch);
    let start = graph.start.map(|s| nodes[s].id.as_str());
    let mut out = String::new();
    if format == "dot" {
        out.push_str("digraph StateMachine {\n  rankdir=TB;\n  node [shape=box, style=rounded, fontname=\"Helvetica\"];\n  start [shape=circle, label=\"\", width=0.2, style=filled, fillcolor=black];\n");
        for (g, group) in graph.groups.iter().enumerate() {
            let _ = writeln!(
                out,
                "  subgraph cluster_{} {{\n    label=\"{}\"; style=dashed;",
                group.id, group.label
            );
            for node in nodes.iter().filter(|n| n.group == Some(g)) {
                let _ = writeln!(
                    out,
                    "    {} [label=\"{}\\n({})\"];",
                    node.id,
                    node.name,
                    node.kind.as_str()
                );
            }
            out.push_str("  }\n");
        }
        for node in nodes.iter().filter(|n| n.group.is_none()) {
            let shape = match node.kind.as_str() {
                "Choice" => ", shape=diamond",
                "Succeed" | "Fail" => ", shape=doublecircle",
                _ => "",
            };
            let _ = writeln!(
                out,
                "  {} [label=\"{}\\n({})\"{shape}];",
                node.id,
                node.name,
                node.kind.as_str()
            );
        }
        if let Some(start) = start {
            let _ = writeln!(out, "  start -> {start};");
        }
        for e in &edges {
            let mut attrs = Vec::new();
            if let Some(l) = &e.label {
                attrs.push(format!("label=\"{}\"", l.replace('"', "'")));
            }
            if dashed(e.kind) {
                attrs.push("style=dashed".into());
            }
            let attrs = if attrs.is_empty() {
                String::new()
            } else {
                format!(" [{}]", attrs.join(", "))
            };
            let _ = writeln!(out, "  {} -> {}{attrs};", nodes[e.from].id, nodes[e.to].id);
        }
        out.push_str("}\n");
    } else {
        out.push_str("flowchart TD\n");
        out.push_str("  start((start))\n");
        for (g, group) in graph.groups.iter().enumerate() {
            let _ = writeln!(out, "  subgraph {} [\"{}\"]", group.id, group.label);
            for node in nodes.iter().filter(|n| n.group == Some(g)) {
                let _ = writeln!(
                    out,
                    "    {}[\"{}<br/><small>{}</small>\"]",
                    node.id,
                    node.name,
                    node.kind.as_str()
                );
            }
            out.push_str("  end\n");
        }
        for node in nodes.iter().filter(|n| n.group.is_none()) {
            let (id, name, kind) = (&node.id, &node.name, node.kind.as_str());
            let shape = match kind {
                "Choice" => format!("{id}{{\"{name}\"}}"),
                "Succeed" | "Fail" => format!("{id}([\"{name}<br/><small>{kind}</small>\"])"),
                _ => format!("{id}[\"{name}<br/><small>{kind}</small>\"]"),
            };
            let _ = writeln!(out, "  {shape}");
        }
        if let Some(start) = start {
            let _ = writeln!(out, "  start --> {start}");
        }
        for e in &edges {
            let arrow = if dashed(e.kind) { "-.->" } else { "-->" };
            let (from, to) = (&nodes[e.from].id, &nodes[e.to].id);
            match &e.label {
                Some(l) => {
                    let l = l.replace('"', "'").replace(['{', '}', '%', '|'], "");
                    let _ = writeln!(out, "  {from} {arrow}|\"{}\"| {to}", l.trim());
                }
                None => {
                    let _ = writeln!(out, "  {from} {arrow} {to}");
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
