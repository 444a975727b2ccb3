//! The state machine drawn as inline SVG, with the path an execution took marked: every
//! state a `<g class="state">` carrying `data-state` (its name) and `data-ran`, every edge a
//! `<path class="edge KIND">` carrying `data-from`, `data-to`, `data-kind` and `data-taken`
//! (Retry edges are loops on the state's right side, Catch edges dashed). Every name and
//! label passes through [`super::escape`].

use std::collections::HashMap;
use std::fmt::Write as _;

use asl::model::StateType;

use super::escape;
use super::layout::{Layout, NAME_CHARS, START_ROOM};
use super::trace::PathTaken;
use crate::machine_graph::{EdgeKind, MachineGraph};

/// `name` cut to what a node shows.
fn shown_name(name: &str) -> String {
    if name.chars().count() <= NAME_CHARS {
        return name.to_owned();
    }
    let cut: String = name.chars().take(NAME_CHARS - 1).collect();
    format!("{cut}…")
}

fn times(count: u64) -> String {
    if count == 1 {
        "once".to_owned()
    } else {
        format!("{count} times")
    }
}

/// Writes the `<svg>` of `graph` laid out as `layout`, with `path` marked.
pub fn render(out: &mut String, graph: &MachineGraph, layout: &Layout, path: &PathTaken) {
    let _ = write!(
        out,
        r#"<svg class="graph" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" role="img" aria-label="state machine graph">"#,
        w = layout.width,
        h = layout.height
    );
    out.push_str(concat!(
        "<defs>",
        r##"<marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#9aa4af"/></marker>"##,
        r##"<marker id="arrow-taken" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#1f6feb"/></marker>"##,
        r##"<marker id="arrow-catch" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#d1242f"/></marker>"##,
        r##"<marker id="arrow-retry" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#bf8700"/></marker>"##,
        "</defs>"
    ));
    // Boxes first (Map and Parallel states, then their bodies), plain states and edges on top.
    let mut by_depth: Vec<usize> = (0..graph.nodes.len()).collect();
    by_depth.sort_by_key(|&n| graph.nodes[n].depth);
    for &n in &by_depth {
        if !graph.nodes[n].children.is_empty() {
            node(out, graph, layout, path, n);
            for &g in &graph.nodes[n].children {
                let r = layout.groups[g];
                let _ = write!(
                    out,
                    r#"<g class="body" data-group="{}"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="6"/><text class="body-label" x="{:.1}" y="{:.1}">{}</text></g>"#,
                    escape(&graph.groups[g].id),
                    r.x,
                    r.y,
                    r.w,
                    r.h,
                    r.x + 8.0,
                    r.y + 17.0,
                    escape(&format!(
                        "{} {}",
                        if graph.nodes[n].kind == StateType::Map {
                            "item processor"
                        } else {
                            "branch"
                        },
                        graph.groups[g].branch + 1
                    ))
                );
            }
        }
    }
    start_marker(out, graph, layout, path);
    edges(out, graph, layout, path);
    for &n in &by_depth {
        if graph.nodes[n].children.is_empty() {
            node(out, graph, layout, path, n);
        }
    }
    out.push_str("</svg>");
}

fn node(out: &mut String, graph: &MachineGraph, layout: &Layout, path: &PathTaken, n: usize) {
    let node = &graph.nodes[n];
    let r = layout.nodes[n];
    let entered = path.entered[n];
    let ran = entered > 0;
    let kind = node.kind.as_str();
    let composite = !node.children.is_empty();
    let rx = match node.kind {
        StateType::Succeed | StateType::Fail => r.h / 2.0,
        _ if composite => 10.0,
        _ => 8.0,
    };
    let _ = write!(
        out,
        r#"<g class="state {kind_class}{ran_class}" id="{id}" data-state="{name}" data-kind="{kind}" data-ran="{ran}" data-entered="{entered}" tabindex="0"><title>{title}</title><rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" rx="{rx:.1}"/>"#,
        kind_class = kind.to_ascii_lowercase(),
        ran_class = if ran { " ran" } else { "" },
        id = escape(&node.id),
        name = escape(&node.name),
        title = escape(&format!(
            "{} ({kind}): {}",
            node.name,
            if ran {
                format!("entered {}", times(entered))
            } else {
                "did not run".to_owned()
            }
        )),
        x = r.x,
        y = r.y,
        w = r.w,
        h = r.h,
    );
    let name = escape(&shown_name(&node.name));
    if composite {
        let _ = write!(
            out,
            r#"<text class="name" x="{:.1}" y="{:.1}">{name}</text><text class="kind" x="{:.1}" y="{:.1}" text-anchor="end">{kind}</text>"#,
            r.x + 12.0,
            r.y + 20.0,
            r.right() - 12.0,
            r.y + 20.0,
        );
    } else {
        let _ = write!(
            out,
            r#"<text class="name" x="{:.1}" y="{:.1}" text-anchor="middle">{name}</text><text class="kind" x="{:.1}" y="{:.1}" text-anchor="middle">{kind}</text>"#,
            r.cx(),
            r.y + 20.0,
            r.cx(),
            r.y + 36.0,
        );
    }
    if entered > 1 {
        let _ = write!(
            out,
            r#"<text class="count" x="{:.1}" y="{:.1}" text-anchor="end">×{entered}</text>"#,
            r.right() - 6.0,
            r.y + if composite { 20.0 } else { 13.0 },
        );
    }
    out.push_str("</g>");
}

fn start_marker(out: &mut String, graph: &MachineGraph, layout: &Layout, path: &PathTaken) {
    let Some(start) = graph.start else { return };
    let r = layout.nodes[start];
    let (cx, cy) = (r.cx(), r.y - START_ROOM + 8.0);
    let taken = path.started;
    let _ = write!(
        out,
        r#"<circle class="start" cx="{cx:.1}" cy="{cy:.1}" r="6"/><path class="edge start{}" data-from="" data-to="{}" data-kind="start" data-taken="{taken}" d="M{cx:.1},{:.1} L{cx:.1},{:.1}" marker-end="url(#{})"/>"#,
        if taken { " taken" } else { "" },
        escape(&graph.nodes[start].name),
        cy + 6.0,
        r.y - 1.0,
        if taken { "arrow-taken" } else { "arrow" },
    );
}

fn edges(out: &mut String, graph: &MachineGraph, layout: &Layout, path: &PathTaken) {
    // Edges between the same two states are spread apart; so are edges leaving one state.
    let mut seen_pair: HashMap<(usize, usize), usize> = HashMap::new();
    let mut seen_back: HashMap<Option<usize>, usize> = HashMap::new();
    let mut out_count: HashMap<usize, usize> = HashMap::new();
    let mut out_index: HashMap<usize, usize> = HashMap::new();
    for edge in &graph.edges {
        if !matches!(edge.kind, EdgeKind::Retry | EdgeKind::Branch) {
            *out_count.entry(edge.from).or_default() += 1;
        }
    }
    for (i, edge) in graph.edges.iter().enumerate() {
        let (a, b) = (layout.nodes[edge.from], layout.nodes[edge.to]);
        let count = path.followed[i];
        let taken = count > 0;
        let pair = seen_pair.entry((edge.from, edge.to)).or_default();
        let parallel = *pair as f64;
        *pair += 1;
        let (d, label_at) = match edge.kind {
            EdgeKind::Retry => {
                let (x, y) = (a.right(), a.cy());
                (
                    format!(
                        "M{x:.1},{:.1} C{:.1},{:.1} {:.1},{:.1} {x:.1},{:.1}",
                        y - 9.0,
                        x + 34.0,
                        y - 26.0,
                        x + 34.0,
                        y + 26.0,
                        y + 9.0
                    ),
                    (x + 30.0, y + 4.0),
                )
            }
            EdgeKind::Branch => {
                let g = graph.nodes[edge.to]
                    .group
                    .map(|g| layout.groups[g])
                    .unwrap_or(a);
                (
                    format!(
                        "M{:.1},{:.1} L{:.1},{:.1}",
                        b.cx(),
                        g.y + 22.0,
                        b.cx(),
                        b.y - 1.0
                    ),
                    (b.cx(), g.y + 22.0),
                )
            }
            _ if layout.layers[edge.to] > layout.layers[edge.from] => {
                let index = out_index.entry(edge.from).or_default();
                let spread = out_count[&edge.from] as f64;
                let offset = (*index as f64 - (spread - 1.0) / 2.0) * (a.w / (spread + 1.0));
                *index += 1;
                let (x1, y1) = (a.cx() + offset, a.bottom());
                let (x2, y2) = (b.cx() + parallel * 10.0, b.y - 1.0);
                let mid = (y1 + y2) / 2.0;
                (
                    format!("M{x1:.1},{y1:.1} C{x1:.1},{mid:.1} {x2:.1},{mid:.1} {x2:.1},{y2:.1}"),
                    ((x1 + x2) / 2.0, mid),
                )
            }
            _ => {
                // Back up a loop (or within one layer): from the top of `a` into the side of
                // `b` that faces it.
                let k = seen_back.entry(graph.nodes[edge.from].group).or_default();
                let spread = *k as f64;
                *k += 1;
                let left = a.cx() < b.cx();
                let x1 = a.cx() + parallel * 12.0 - 6.0;
                let y1 = a.y;
                let (x2, y2) = if left {
                    (b.x - 1.0, b.cy() + parallel * 8.0)
                } else {
                    (b.right() + 1.0, b.cy() + parallel * 8.0)
                };
                let reach = 40.0 + spread * 6.0;
                let c2x = if left { x2 - reach } else { x2 + reach };
                (
                    format!(
                        "M{x1:.1},{y1:.1} C{x1:.1},{:.1} {c2x:.1},{y2:.1} {x2:.1},{y2:.1}",
                        y1 - 30.0 - spread * 2.0
                    ),
                    (x1, y1 - 10.0),
                )
            }
        };
        let kind = edge.kind.as_str();
        let marker = match (taken, edge.kind) {
            (false, _) => "arrow",
            (true, EdgeKind::Catch) => "arrow-catch",
            (true, EdgeKind::Retry) => "arrow-retry",
            (true, _) => "arrow-taken",
        };
        let title = format!(
            "{} → {} ({kind}{}): {}",
            graph.nodes[edge.from].name,
            graph.nodes[edge.to].name,
            edge.label
                .as_ref()
                .map(|l| format!(": {l}"))
                .unwrap_or_default(),
            if taken {
                format!("taken {}", times(count))
            } else {
                "not taken".to_owned()
            }
        );
        let _ = write!(
            out,
            r#"<g class="edge-group"><path class="edge {kind}{}" data-from="{}" data-to="{}" data-kind="{kind}" data-taken="{taken}" data-count="{count}" d="{d}" marker-end="url(#{marker})"><title>{}</title></path>"#,
            if taken { " taken" } else { "" },
            escape(&graph.nodes[edge.from].name),
            escape(&graph.nodes[edge.to].name),
            escape(&title),
        );
        let label = match edge.kind {
            EdgeKind::Retry if taken => Some(format!("retried ×{count}")),
            EdgeKind::Catch if taken => Some(format!("caught ×{count}")),
            EdgeKind::Choice => edge.label.clone(),
            _ => None,
        };
        if let Some(label) = label {
            let (x, y) = label_at;
            let anchor = if edge.kind == EdgeKind::Retry {
                "start"
            } else {
                "middle"
            };
            let _ = write!(
                out,
                r#"<text class="edge-label {kind}{}" x="{x:.1}" y="{y:.1}" text-anchor="{anchor}">{}</text>"#,
                if taken { " taken" } else { "" },
                escape(&shown_name(&label)),
            );
        }
        out.push_str("</g>");
    }
}
