//! Where each state goes on the page: a layered layout computed here, drawn as SVG by
//! [`super::svg`]. Each graph (the top level, a Map's processor, a Parallel branch) is laid
//! out on its own, top to bottom: a state's layer is the longest path to it from the start
//! over forward edges (edges back up a loop are left out), states in a layer are ordered by
//! the mean position of their predecessors, and a Map or Parallel state is a box holding
//! its bodies side by side.

use crate::machine_graph::{EdgeKind, MachineGraph};

/// A rectangle in page pixels.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// The horizontal centre.
    pub fn cx(&self) -> f64 {
        self.x + self.w / 2.0
    }

    /// The vertical centre.
    pub fn cy(&self) -> f64 {
        self.y + self.h / 2.0
    }

    /// The bottom edge.
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// The right edge.
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
}

/// Positions of every node and group, absolute.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Per node.
    pub nodes: Vec<Rect>,
    /// Per group (the box drawn around a body).
    pub groups: Vec<Rect>,
    /// Per node: its layer within its own graph (edges to a layer not below are drawn
    /// around the side).
    pub layers: Vec<usize>,
    /// The whole drawing.
    pub width: f64,
    /// The whole drawing.
    pub height: f64,
}

/// A plain state's height.
pub const NODE_HEIGHT: f64 = 46.0;
/// Room above the top-level start state for the start marker.
pub const START_ROOM: f64 = 34.0;
/// The header of a Map or Parallel box (its name), and of a body's box (its label).
pub const HEADER: f64 = 30.0;
const LAYER_GAP: f64 = 56.0;
const NODE_GAP: f64 = 28.0;
const PAD: f64 = 14.0;
/// Room on the right of each graph for edges drawn around the side.
const SIDE_ROOM: f64 = 70.0;
/// Characters of a name shown before it is cut (the full name is in the tooltip).
pub const NAME_CHARS: usize = 28;

/// A plain state's width for its name.
fn leaf_width(name: &str) -> f64 {
    let chars = name.chars().count().min(NAME_CHARS) as f64;
    (chars * 7.4 + 34.0).max(112.0)
}

/// Lays out `graph`.
pub fn layout(graph: &MachineGraph) -> Layout {
    let mut sizes = vec![(0.0, 0.0); graph.nodes.len()];
    let mut group_sizes = vec![(0.0, 0.0); graph.groups.len()];
    // Relative positions: of a node within its graph, of a group within its owner.
    let mut relative = vec![Rect::default(); graph.nodes.len()];
    let mut group_relative = vec![Rect::default(); graph.groups.len()];
    let mut layers = vec![0; graph.nodes.len()];
    // Innermost first: deeper nodes have larger depths.
    let mut order: Vec<usize> = (0..graph.nodes.len()).collect();
    order.sort_by_key(|&n| std::cmp::Reverse(graph.nodes[n].depth));
    for &n in &order {
        let node = &graph.nodes[n];
        if node.children.is_empty() {
            sizes[n] = (leaf_width(&node.name), NODE_HEIGHT);
            continue;
        }
        // The bodies side by side under the header.
        let mut x = PAD;
        let mut tallest: f64 = 0.0;
        for &g in &node.children {
            if group_sizes[g] == (0.0, 0.0) {
                group_sizes[g] = place_scope(
                    graph,
                    Some(g),
                    &sizes,
                    &mut relative,
                    &mut layers,
                    graph.groups[g].start,
                    0.0,
                );
            }
            let (w, h) = group_sizes[g];
            group_relative[g] = Rect { x, y: HEADER, w, h };
            x += w + PAD;
            tallest = tallest.max(h);
        }
        let title = leaf_width(&node.name) + 60.0;
        sizes[n] = (x.max(title), HEADER + tallest + PAD);
    }
    let (width, height) = place_scope(
        graph,
        None,
        &sizes,
        &mut relative,
        &mut layers,
        graph.start,
        START_ROOM,
    );
    // Absolute positions, outermost first.
    let mut nodes = vec![Rect::default(); graph.nodes.len()];
    let mut groups = vec![Rect::default(); graph.groups.len()];
    order.reverse();
    for &n in &order {
        let origin = match graph.nodes[n].group {
            None => (0.0, 0.0),
            Some(g) => (groups[g].x, groups[g].y),
        };
        let r = relative[n];
        nodes[n] = Rect {
            x: origin.0 + r.x,
            y: origin.1 + r.y,
            w: sizes[n].0,
            h: sizes[n].1,
        };
        for &g in &graph.nodes[n].children {
            let gr = group_relative[g];
            groups[g] = Rect {
                x: nodes[n].x + gr.x,
                y: nodes[n].y + gr.y,
                w: gr.w,
                h: gr.h,
            };
        }
    }
    Layout {
        nodes,
        groups,
        layers,
        width,
        height,
    }
}

/// Places the members of one graph (`None`: the top level) relative to its box and
/// returns the box's size. `top` is room left above the first layer.
fn place_scope(
    graph: &MachineGraph,
    group: Option<usize>,
    sizes: &[(f64, f64)],
    relative: &mut [Rect],
    layers_out: &mut [usize],
    start: Option<usize>,
    top: f64,
) -> (f64, f64) {
    let members: Vec<usize> = graph.members(group).collect();
    if members.is_empty() {
        return (2.0 * PAD + 80.0, HEADER + PAD);
    }
    let local = |n: usize| members.iter().position(|&m| m == n);
    let count = members.len();
    let mut successors = vec![Vec::new(); count];
    for edge in &graph.edges {
        if matches!(edge.kind, EdgeKind::Retry | EdgeKind::Branch) {
            continue;
        }
        if let (Some(a), Some(b)) = (local(edge.from), local(edge.to))
            && a != b
            && !successors[a].contains(&b)
        {
            successors[a].push(b);
        }
    }
    // Depth-first from the start (then from any state it does not reach): an edge to a
    // state still on the stack goes back up a loop.
    let mut visit_order = Vec::with_capacity(count);
    let mut state = vec![0u8; count]; // 0 new, 1 on the stack, 2 done
    let mut forward = vec![Vec::new(); count];
    let roots: Vec<usize> = start.and_then(local).into_iter().chain(0..count).collect();
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        let mut stack = vec![(root, 0usize)];
        state[root] = 1;
        visit_order.push(root);
        while let Some(&mut (n, ref mut next)) = stack.last_mut() {
            if let Some(&m) = successors[n].get(*next) {
                *next += 1;
                match state[m] {
                    0 => {
                        forward[n].push(m);
                        state[m] = 1;
                        visit_order.push(m);
                        stack.push((m, 0));
                    }
                    2 => forward[n].push(m),
                    _ => {}
                }
            } else {
                state[n] = 2;
                stack.pop();
            }
        }
    }
    // Longest path over forward edges, in an order where every forward edge points on.
    let mut layer = vec![0usize; count];
    let mut indegree = vec![0usize; count];
    for list in &forward {
        for &m in list {
            indegree[m] += 1;
        }
    }
    let mut ready: Vec<usize> = visit_order
        .iter()
        .copied()
        .filter(|&n| indegree[n] == 0)
        .collect();
    ready.reverse();
    while let Some(n) = ready.pop() {
        for &m in &forward[n] {
            layer[m] = layer[m].max(layer[n] + 1);
            indegree[m] -= 1;
            if indegree[m] == 0 {
                ready.push(m);
            }
        }
    }
    let depth = layer.iter().copied().max().unwrap_or(0) + 1;
    let mut rows: Vec<Vec<usize>> = vec![Vec::new(); depth];
    for &n in &visit_order {
        rows[layer[n]].push(n);
    }
    // Order each layer by the mean position of its predecessors in the layers above.
    let mut position = vec![0.0f64; count];
    for row in &mut rows {
        for (i, &n) in row.iter().enumerate() {
            let preds: Vec<f64> = (0..count)
                .filter(|&p| layer[p] < layer[n] && forward[p].contains(&n))
                .map(|p| position[p])
                .collect();
            position[n] = if preds.is_empty() {
                i as f64
            } else {
                preds.iter().sum::<f64>() / preds.len() as f64 + i as f64 * 1e-3
            };
        }
        row.sort_by(|a, b| position[*a].total_cmp(&position[*b]));
        for (i, &n) in row.iter().enumerate() {
            position[n] = i as f64;
        }
    }
    let row_width = |row: &Vec<usize>| {
        row.iter().map(|&n| sizes[members[n]].0).sum::<f64>()
            + NODE_GAP * (row.len().saturating_sub(1)) as f64
    };
    let widest = rows.iter().map(row_width).fold(0.0, f64::max);
    let header = if group.is_some() { HEADER } else { 0.0 };
    let mut y = top + header;
    for row in &rows {
        let mut x = PAD + (widest - row_width(row)) / 2.0;
        let tallest = row.iter().map(|&n| sizes[members[n]].1).fold(0.0, f64::max);
        for &n in row {
            let (w, h) = sizes[members[n]];
            relative[members[n]] = Rect {
                x,
                y: y + (tallest - h) / 2.0,
                w,
                h,
            };
            layers_out[members[n]] = layer[n];
            x += w + NODE_GAP;
        }
        y += tallest + LAYER_GAP;
    }
    (
        widest + 2.0 * PAD + SIDE_ROOM,
        y - LAYER_GAP + PAD + if group.is_some() { 0.0 } else { PAD },
    )
}

#[cfg(test)]
mod tests {
    use asl::model::Machine;

    use super::*;

    fn overlap(a: &Rect, b: &Rect) -> bool {
        a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom()
    }

    #[test]
    fn layers_follow_the_flow_loops_go_back_up_and_bodies_sit_inside_their_state() {
        let definition = serde_json::json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "StringEquals": "m", "Next": "M"}], "Default": "B"},
                "B": {"Type": "Pass", "Next": "A"},
                "M": {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {
                    "I": {"Type": "Pass", "Next": "J"}, "J": {"Type": "Pass", "End": true}}}, "Next": "S"},
                "S": {"Type": "Succeed"}
            }
        });
        let graph = MachineGraph::build(&Machine::from_value(&definition).unwrap());
        let layout = layout(&graph);
        let at = |name: &str| graph.node_named(name).unwrap();
        // A first; B and M below it (B's edge back to A is a loop); S below M.
        assert_eq!(layout.layers[at("A")], 0);
        assert_eq!(layout.layers[at("B")], 1);
        assert_eq!(layout.layers[at("M")], 1);
        assert_eq!(layout.layers[at("S")], 2);
        assert!(layout.nodes[at("S")].y > layout.nodes[at("M")].bottom());
        // The Map's body is inside the Map, I above J.
        let map = layout.nodes[at("M")];
        for inner in ["I", "J"] {
            let r = layout.nodes[at(inner)];
            assert!(
                r.x > map.x && r.right() < map.right(),
                "{inner}: {r:?} in {map:?}"
            );
            assert!(
                r.y > map.y && r.bottom() < map.bottom(),
                "{inner}: {r:?} in {map:?}"
            );
        }
        assert!(layout.nodes[at("I")].bottom() < layout.nodes[at("J")].y);
        // No two states of one graph overlap, and all fit the drawing.
        for a in 0..graph.nodes.len() {
            let r = layout.nodes[a];
            assert!(r.right() <= layout.width && r.bottom() <= layout.height);
            for b in a + 1..graph.nodes.len() {
                if graph.nodes[a].group == graph.nodes[b].group {
                    assert!(!overlap(&r, &layout.nodes[b]), "{a} and {b} overlap");
                }
            }
        }
    }
}
