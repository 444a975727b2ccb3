//! The web page: `/` lists state machines and recent executions with their status,
//! `/execution?arn=ARN` shows one execution's events; both refresh every two seconds.
//! `/_serve/status` answers JSON counts (what the restart test and the bench read).
//! Server-rendered HTML, no script.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::runner::{Runner, iso};

/// What a GET answers.
pub enum Page {
    /// An HTML page.
    Html(String),
    /// A JSON document.
    Json(Value),
    /// Nothing at that path.
    NotFound(String),
}

/// How many executions the front page lists.
const RECENT: u64 = 200;

/// Renders the page at `path`.
pub fn render(runner: &Arc<Runner>, path: &str, query: &str) -> Result<Page, ApiError> {
    match path {
        "/" => front(runner).map(Page::Html),
        "/execution" => {
            let arn = query
                .split('&')
                .find_map(|p| p.strip_prefix("arn="))
                .map(crate::lambda::percent_decode)
                .unwrap_or_default();
            execution(runner, &arn).map(Page::Html)
        }
        "/_serve/status" => Ok(Page::Json(status(runner)?)),
        _ => Ok(Page::NotFound(format!(
            "nothing at `{path}`: the page is at `/`, the APIs take POST requests"
        ))),
    }
}

/// Counts of executions by status, running threads, and what the last start resumed.
pub fn status(runner: &Runner) -> Result<Value, ApiError> {
    let counts: serde_json::Map<String, Value> = runner
        .store
        .counts()?
        .into_iter()
        .map(|(status, n)| (status, json!(n)))
        .collect();
    Ok(json!({
        "executions": counts,
        "running_threads": runner.running(),
        "waiting_task_tokens": runner.tokens.waiting(),
        "resumed_at_start": {
            "found_running": runner.resumed.found.load(Ordering::SeqCst),
            "from_checkpoint": runner.resumed.from_checkpoint.load(Ordering::SeqCst),
            "from_start": runner.resumed.from_start.load(Ordering::SeqCst),
        },
    }))
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            b => format!("%{b:02X}"),
        })
        .collect()
}

fn shell(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"2\">\
<title>{}</title><style>body{{font:14px system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}\
td,th{{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}}\
.RUNNING{{color:#06c}}.SUCCEEDED{{color:#080}}.FAILED,.TIMED_OUT{{color:#c00}}.ABORTED{{color:#a60}}\
pre{{margin:0;white-space:pre-wrap;max-width:60em}}</style></head><body>{body}</body></html>",
        escape(title)
    )
}

fn front(runner: &Runner) -> Result<String, ApiError> {
    let mut body = String::from(
        "<h1>sfn-gen serve</h1><h2>State machines</h2><table><tr><th>Name</th><th>Type</th><th>Created</th></tr>",
    );
    for m in runner.store.machines(0, 1000)? {
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&m.name),
            escape(&m.kind),
            iso(m.created)
        );
    }
    body.push_str("</table><h2>Executions</h2><table><tr><th>Execution</th><th>State machine</th><th>Status</th><th>Started</th><th>Stopped</th></tr>");
    for e in runner.store.executions(None, None, 0, RECENT)? {
        let machine = e.machine_arn.rsplit(':').next().unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td><a href=\"/execution?arn={}\">{}</a></td><td>{}</td><td class=\"{}\">{}</td><td>{}</td><td>{}</td></tr>",
            encode(&e.arn),
            escape(&e.name),
            escape(machine),
            escape(&e.status),
            escape(&e.status),
            iso(e.started),
            e.stopped.map(iso).unwrap_or_default()
        );
    }
    body.push_str("</table>");
    Ok(shell("sfn-gen serve", &body))
}

fn execution(runner: &Runner, arn: &str) -> Result<String, ApiError> {
    let Some(e) = runner.store.execution(arn)? else {
        return Ok(shell(
            "not found",
            &format!(
                "<p>No execution <code>{}</code>. <a href=\"/\">All executions</a></p>",
                escape(arn)
            ),
        ));
    };
    let mut body = format!(
        "<p><a href=\"/\">All executions</a></p><h1>{}</h1><p>Status: <b class=\"{}\">{}</b></p><p>Input</p><pre>{}</pre>",
        escape(&e.name),
        escape(&e.status),
        escape(&e.status),
        escape(&e.input)
    );
    if let Some(output) = &e.output {
        let _ = write!(body, "<p>Output</p><pre>{}</pre>", escape(output));
    }
    if let Some(error) = &e.error {
        let _ = write!(
            body,
            "<p>Error <b>{}</b></p><pre>{}</pre>",
            escape(error),
            escape(e.cause.as_deref().unwrap_or_default())
        );
    }
    body.push_str("<h2>Events</h2><table><tr><th>Id</th><th>Type</th><th>Details</th></tr>");
    for event in runner.store.events(arn, false, 0, 25_000)? {
        let kind = event
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let details = event
            .as_object()
            .and_then(|o| o.iter().find(|(k, _)| k.ends_with("EventDetails")))
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td><pre>{}</pre></td></tr>",
            event.get("id").cloned().unwrap_or_default(),
            escape(kind),
            escape(&details)
        );
    }
    body.push_str("</table>");
    Ok(shell(&e.name, &body))
}
