//! `sfn-gen run --report FILE.html`: one self-contained page of a run (no script, style or
//! font from anywhere else; it works offline). Per execution: a summary, the state machine
//! drawn with the path the execution took marked ([`layout`], [`svg`], read from the
//! history by [`trace`]), and every history event with its inputs and outputs
//! ([`events`]). The graph's nodes and edges are [`crate::machine_graph`]'s, as in
//! `sfn-gen graph`.
//!
//! Every text taken from the run (state names, inputs, outputs, errors) passes through
//! [`escape`]; the page's only script is the constant one below, which reads `data-`
//! attributes and never writes HTML.

pub mod events;
pub mod layout;
pub mod svg;
pub mod trace;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::ThreadId;

use anyhow::Context;
use asl::model::Machine;
use asl_engine::history::Observer;
use asl_engine::{Event, Status};

use crate::machine_graph::MachineGraph;

/// Text safe in HTML text and in quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Notes the thread that recorded each event (its lane, see [`trace`]).
#[derive(Clone, Default)]
pub struct LaneRecorder {
    lanes: Arc<Mutex<Lanes>>,
}

#[derive(Default)]
struct Lanes {
    ids: HashMap<ThreadId, u64>,
    by_event: Vec<(u64, u64)>,
}

impl LaneRecorder {
    /// An observer that notes each event's lane, then calls `then` (the live trace).
    pub fn observer(&self, then: Option<Observer>) -> Observer {
        let lanes = self.lanes.clone();
        Arc::new(move |event: &Event| {
            {
                let mut lanes = lanes.lock().unwrap_or_else(|e| e.into_inner());
                let next = lanes.ids.len() as u64;
                let lane = *lanes.ids.entry(std::thread::current().id()).or_insert(next);
                lanes.by_event.push((event.id, lane));
            }
            if let Some(then) = &then {
                then(event);
            }
        })
    }

    /// The lanes of the events recorded since the last call, indexed by event id - 1.
    pub fn take(&self, events: usize) -> Vec<u64> {
        let mut lanes = self.lanes.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = vec![0; events];
        for (id, lane) in lanes.by_event.drain(..) {
            if let Some(slot) = (id as usize).checked_sub(1).and_then(|i| out.get_mut(i)) {
                *slot = lane;
            }
        }
        out
    }
}

/// One execution of the run, as the report shows it.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The execution's name.
    pub name: String,
    /// How it ended.
    pub status: Status,
    /// Its error, when it failed.
    pub error: Option<String>,
    /// Its cause, when it failed.
    pub cause: Option<String>,
    /// State transitions.
    pub transitions: u64,
    /// Seconds on the run's clock.
    pub duration_seconds: f64,
    /// Every history event.
    pub history: Vec<Event>,
    /// The lane of each event ([`LaneRecorder::take`]).
    pub lanes: Vec<u64>,
}

/// What the page is about.
pub struct Page<'a> {
    /// The definition's file.
    pub definition_path: &'a Path,
    /// The definition, as the engine ran it.
    pub machine: &'a Machine,
    /// Every execution, in the order they ran.
    pub executions: &'a [Recorded],
    /// The run's local offload folder (`file:` pointers resolve there).
    pub offload_dir: Option<PathBuf>,
}

/// Writes the page to `path`.
pub fn write(path: &Path, page: &Page<'_>) -> anyhow::Result<()> {
    let html = render(page);
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| {
            format!("--report: cannot create the folder `{}`", parent.display())
        })?;
    }
    std::fs::write(path, html)
        .with_context(|| format!("--report: cannot write `{}`", path.display()))
}

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// The page as HTML text.
pub fn render(page: &Page<'_>) -> String {
    let graph = MachineGraph::build(page.machine);
    let layout = layout::layout(&graph);
    let store = events::LocalStore {
        root: page
            .offload_dir
            .as_ref()
            .map(|d| std::fs::canonicalize(d).unwrap_or_else(|_| d.clone())),
    };
    let title = format!("sfn-gen run: {}", page.definition_path.display());
    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        concat!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">",
            "<title>{title}</title><style>{style}</style></head><body>",
            "<header><h1>{title}</h1><p class=\"legend\">",
            "<span class=\"key ran\">state that ran</span> <span class=\"key idle\">state that did not</span> ",
            "<span class=\"key taken\">edge taken</span> <span class=\"key retry\">retry</span> ",
            "<span class=\"key catch\">catch</span> · click a state to list its events</p></header>"
        ),
        title = escape(&title),
        style = STYLE
    );
    let last = page.executions.len().saturating_sub(1);
    for (i, execution) in page.executions.iter().enumerate() {
        let path = trace::trace(&graph, &execution.history, &execution.lanes);
        let _ = write!(
            out,
            r#"<section class="execution" data-execution="{}" data-status="{}" data-events="{}"><details{}><summary><h2>Execution <code>{}</code> <span class="status {}">{}</span></h2></summary>"#,
            escape(&execution.name),
            execution.status.as_str(),
            execution.history.len(),
            if i == last { " open" } else { "" },
            escape(&execution.name),
            execution.status.as_str().to_ascii_lowercase(),
            execution.status.as_str(),
        );
        out.push_str(r#"<dl class="summary">"#);
        let mut fact = |name: &str, value: &str| {
            let _ = write!(out, "<dt>{}</dt><dd>{}</dd>", escape(name), escape(value));
        };
        fact("state transitions", &execution.transitions.to_string());
        fact("history events", &execution.history.len().to_string());
        fact(
            "duration (run clock)",
            &format!("{:.3} s", execution.duration_seconds),
        );
        if let Some(error) = &execution.error {
            fact("error", error);
        }
        if let Some(cause) = &execution.cause {
            fact("cause", cause);
        }
        out.push_str("</dl><div class=\"graph-box\">");
        svg::render(&mut out, &graph, &layout, &path);
        out.push_str("</div>");
        let _ = write!(out, r#"<h3>Events <span class="filter-note"></span></h3>"#);
        events::table(
            &mut out,
            &execution.history,
            &path.event_state,
            &graph,
            &store,
        );
        out.push_str("</details></section>");
    }
    let _ = writeln!(out, "<script>{SCRIPT}</script></body></html>");
    out
}

#[cfg(test)]
mod tests {
    use asl_engine::mocks::MockInvoker;
    use asl_engine::{RunOptions, run};
    use serde_json::json;

    use super::*;

    #[test]
    fn escaping_leaves_no_markup() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn a_hostile_state_name_and_input_become_text() {
        let hostile = r#"</text></svg><script>alert(1)</script>"'<img src=x onerror=alert(2)>"#;
        let definition = json!({
            "StartAt": hostile,
            "States": {hostile: {"Type": "Pass", "Result": {"echo": "</pre><script>alert(3)</script>"}, "End": true}}
        });
        let machine = Machine::from_value(&definition).unwrap();
        let options = RunOptions {
            invoker: Arc::new(MockInvoker::default()),
            ..RunOptions::default()
        };
        let outcome = run(
            &definition,
            json!({"x": "<b onmouseover=alert(4)>"}),
            &options,
        );
        let recorded = Recorded {
            name: "<i>run</i>".into(),
            status: outcome.status,
            error: None,
            cause: None,
            transitions: outcome.transitions,
            duration_seconds: 0.0,
            lanes: Vec::new(),
            history: outcome.history,
        };
        let html = render(&Page {
            definition_path: Path::new("<x>.json"),
            machine: &machine,
            executions: &[recorded],
            offload_dir: None,
        });
        // The page's own script is the only one; no tag from the run survives as a tag.
        assert_eq!(html.matches("<script>").count(), 1, "{html}");
        for tag in ["<img", "<b ", "<i>", "<x>", "</pre><script>"] {
            assert!(!html.contains(tag), "{tag} in the page");
        }
        assert!(html.contains("data-state=\"&lt;/text&gt;&lt;/svg&gt;&lt;script&gt;"));
    }
}
