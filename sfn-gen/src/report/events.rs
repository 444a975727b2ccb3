//! The events table: one `<tr data-event-id data-type data-state>` per history event, its
//! inputs and outputs as JSON, each offload pointer in them shown as where its content is: a
//! `file://` link to the object (with a preview of its first bytes) when the store is a
//! local folder, its bucket and key when it is S3. Everything passes through
//! [`super::escape`].

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use asl_engine::Event;
use offload::Location;
use protocol::OffloadPointer;
use serde_json::Value;

use super::escape;
use crate::machine_graph::MachineGraph;

/// Characters of one rendered value shown before it is cut.
const VALUE_CHARS: usize = 16 * 1024;
/// Bytes of an offloaded object shown as its preview.
const PREVIEW_BYTES: usize = 600;
/// Details fields that repeat what the row already says.
const SKIPPED_FIELDS: [&str; 3] = ["name", "inputDetails", "outputDetails"];
/// Details fields holding JSON text (AWS stores inputs and outputs as text).
const JSON_TEXT_FIELDS: [&str; 3] = ["input", "output", "parameters"];

/// Where `file:` pointers resolve: the local offload folder of the run.
#[derive(Debug, Clone, Default)]
pub struct LocalStore {
    /// The folder (absolute), when the run had one.
    pub root: Option<PathBuf>,
}

impl LocalStore {
    /// The object a `file:<key>` pointer names, if the key stays inside the folder.
    fn object(&self, key: &str) -> Option<PathBuf> {
        let clean = !key.is_empty()
            && !key
                .split('/')
                .any(|seg| seg.is_empty() || seg == "." || seg == "..")
            && !key.contains('\\');
        clean.then(|| self.root.as_ref().map(|r| r.join(key)))?
    }
}

/// A `file://` URL for an absolute path (bytes outside the unreserved set encoded).
pub fn file_url(path: &Path) -> String {
    let mut url = String::from("file://");
    for byte in path.to_string_lossy().bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                url.push(byte as char)
            }
            _ => {
                let _ = write!(url, "%{byte:02X}");
            }
        }
    }
    url
}

/// Writes the `<table>` of `events`; `event_state[i]` is the state of `events[i]`.
pub fn table(
    out: &mut String,
    events: &[Event],
    event_state: &[Option<usize>],
    graph: &MachineGraph,
    store: &LocalStore,
) {
    out.push_str(concat!(
        r#"<table class="events"><thead><tr><th>#</th><th>time</th><th>type</th>"#,
        r#"<th>state</th><th>details</th></tr></thead><tbody>"#
    ));
    for (i, event) in events.iter().enumerate() {
        let state = event_state
            .get(i)
            .copied()
            .flatten()
            .map(|n| graph.nodes[n].name.as_str());
        let kind = event.kind.as_str();
        let tone = if kind.ends_with("Failed") || kind.ends_with("TimedOut") {
            " failed"
        } else if kind.ends_with("Succeeded") {
            " succeeded"
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<tr class="event{tone}" data-event-id="{}" data-type="{}" data-state="{}"><td class="id">{}</td><td class="time">+{:.3}s</td><td class="type">{}</td><td class="state-name">{}</td><td class="details">"#,
            event.id,
            escape(kind),
            escape(state.unwrap_or("")),
            event.id,
            event.elapsed_seconds,
            escape(kind),
            escape(state.unwrap_or("")),
        );
        for details in event.details.values() {
            let Some(fields) = details.as_object() else {
                continue;
            };
            for (field, value) in fields {
                if SKIPPED_FIELDS.contains(&field.as_str()) {
                    continue;
                }
                field_html(out, field, value, store);
            }
        }
        out.push_str("</td></tr>");
    }
    out.push_str("</tbody></table>");
}

/// One details field: JSON text parsed and drawn, other values as they are.
fn field_html(out: &mut String, field: &str, value: &Value, store: &LocalStore) {
    let _ = write!(
        out,
        r#"<div class="field" data-field="{f}"><span class="field-name">{f}</span>"#,
        f = escape(field)
    );
    let parsed = match value {
        Value::String(text) if JSON_TEXT_FIELDS.contains(&field) => {
            serde_json::from_str::<Value>(text).ok()
        }
        _ => None,
    };
    match (parsed, value) {
        (Some(json), _) => {
            out.push_str(r#"<pre class="json">"#);
            let mut budget = VALUE_CHARS;
            json_html(out, &json, 0, &mut budget, store);
            if budget == 0 {
                let _ = write!(
                    out,
                    r#"<span class="cut"> … (cut at {VALUE_CHARS} characters)</span>"#
                );
            }
            out.push_str("</pre>");
        }
        (None, Value::String(text)) => {
            let _ = write!(out, r#"<span class="text">{}</span>"#, escape(text));
        }
        (None, other) => {
            let _ = write!(
                out,
                r#"<span class="text">{}</span>"#,
                escape(&other.to_string())
            );
        }
    }
    out.push_str("</div>");
}

/// Writes `text` escaped, as much of it as `budget` (characters) allows.
fn spend(out: &mut String, text: &str, budget: &mut usize) {
    let count = text.chars().count();
    if count <= *budget {
        out.push_str(&escape(text));
        *budget -= count;
    } else {
        let take: String = text.chars().take(*budget).collect();
        out.push_str(&escape(&take));
        *budget = 0;
    }
}

/// Pretty JSON as HTML, spending at most `budget` characters.
fn json_html(
    out: &mut String,
    value: &Value,
    indent: usize,
    budget: &mut usize,
    store: &LocalStore,
) {
    if *budget == 0 {
        return;
    }
    let pad = |n: usize| "  ".repeat(n);
    match value {
        Value::Object(_) if OffloadPointer::is_pointer(value) => {
            match OffloadPointer::from_value(value) {
                Some(pointer) => pointer_html(out, &pointer, store),
                None => spend(out, &value.to_string(), budget),
            }
        }
        Value::Object(map) if map.is_empty() => spend(out, "{}", budget),
        Value::Object(map) => {
            spend(out, "{\n", budget);
            let last = map.len() - 1;
            for (i, (key, item)) in map.iter().enumerate() {
                let key = Value::from(key.as_str());
                spend(out, &format!("{}{key}: ", pad(indent + 1)), budget);
                json_html(out, item, indent + 1, budget, store);
                spend(out, if i < last { ",\n" } else { "\n" }, budget);
                if *budget == 0 {
                    return;
                }
            }
            spend(out, &format!("{}}}", pad(indent)), budget);
        }
        Value::Array(items) if items.is_empty() => spend(out, "[]", budget),
        Value::Array(items) => {
            spend(out, "[\n", budget);
            let last = items.len() - 1;
            for (i, item) in items.iter().enumerate() {
                spend(out, &pad(indent + 1), budget);
                json_html(out, item, indent + 1, budget, store);
                spend(out, if i < last { ",\n" } else { "\n" }, budget);
                if *budget == 0 {
                    return;
                }
            }
            spend(out, &format!("{}]", pad(indent)), budget);
        }
        scalar => spend(out, &scalar.to_string(), budget),
    }
}

/// A pointer: a link to the object in a local store (and a preview of it), or its S3
/// bucket and key.
fn pointer_html(out: &mut String, pointer: &OffloadPointer, store: &LocalStore) {
    let meta = format!(
        "{} bytes{}, sha256 {}",
        pointer.size,
        pointer
            .media_type
            .as_ref()
            .map(|m| format!(", {m}"))
            .unwrap_or_default(),
        pointer.sha256
    );
    let common = format!(
        r#"data-uri="{}" data-size="{}" data-sha256="{}""#,
        escape(&pointer.uri),
        pointer.size,
        escape(&pointer.sha256)
    );
    match Location::parse(&pointer.uri) {
        Ok(Location::File { key }) => match store.object(&key) {
            Some(path) => {
                let _ = write!(
                    out,
                    r#"<span class="pointer local"><a class="offload" href="{}" {common}>{}</a> <span class="meta">{}</span>"#,
                    escape(&file_url(&path)),
                    escape(&pointer.uri),
                    escape(&meta)
                );
                if let Some(preview) = preview(&path) {
                    let _ = write!(
                        out,
                        r#"<details class="preview"><summary>preview</summary><code>{}</code></details>"#,
                        escape(&preview)
                    );
                }
                out.push_str("</span>");
            }
            None => {
                let _ = write!(
                    out,
                    r#"<span class="pointer unresolved" {common}>{} <span class="meta">{} (not in the run's offload folder)</span></span>"#,
                    escape(&pointer.uri),
                    escape(&meta)
                );
            }
        },
        Ok(Location::S3 { bucket, key }) => {
            let _ = write!(
                out,
                r#"<span class="pointer s3" data-bucket="{}" data-key="{}" {common}>s3 bucket <b>{}</b> key <b>{}</b> <span class="meta">{}</span></span>"#,
                escape(&bucket),
                escape(&key),
                escape(&bucket),
                escape(&key),
                escape(&meta)
            );
        }
        Err(_) => {
            let _ = write!(
                out,
                r#"<span class="pointer invalid" {common}>{}</span>"#,
                escape(&pointer.uri)
            );
        }
    }
}

/// The first bytes of an object, as text.
fn preview(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).ok()?;
    let mut bytes = vec![0; PREVIEW_BYTES];
    let mut filled = 0;
    while filled < bytes.len() {
        match file.read(&mut bytes[filled..]).ok()? {
            0 => break,
            n => filled += n,
        }
    }
    bytes.truncate(filled);
    let mut text = String::from_utf8_lossy(&bytes).into_owned();
    if filled == PREVIEW_BYTES {
        text.push('…');
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_urls_encode_what_a_url_cannot_hold() {
        assert_eq!(
            file_url(Path::new("/tmp/a b/c#d?.json")),
            "file:///tmp/a%20b/c%23d%3F.json"
        );
    }

    #[test]
    fn a_pointer_key_that_leaves_the_folder_gets_no_link() {
        let store = LocalStore {
            root: Some(PathBuf::from("/store")),
        };
        assert_eq!(
            store.object("agents/x/1.json"),
            Some(PathBuf::from("/store/agents/x/1.json"))
        );
        for bad in ["../etc/passwd", "a//b", "a/./b", "", "a\\b"] {
            assert_eq!(store.object(bad), None, "{bad}");
        }
        let pointer = OffloadPointer {
            uri: "file:../outside.json".into(),
            size: 3,
            sha256: "ab".into(),
            media_type: None,
        };
        let mut out = String::new();
        pointer_html(&mut out, &pointer, &store);
        assert!(!out.contains("href"), "{out}");
        assert!(out.contains("not in the run's offload folder"), "{out}");
    }

    #[test]
    fn an_s3_pointer_shows_its_bucket_and_key() {
        let pointer = OffloadPointer {
            uri: "s3://bucket-1/agents/a/b.json".into(),
            size: 10,
            sha256: "cd".into(),
            media_type: Some("application/json".into()),
        };
        let mut out = String::new();
        pointer_html(&mut out, &pointer, &LocalStore::default());
        assert!(
            out.contains(r#"data-bucket="bucket-1" data-key="agents/a/b.json""#),
            "{out}"
        );
        assert!(!out.contains("href"), "{out}");
    }

    #[test]
    fn long_values_are_cut_and_the_cut_is_said() {
        let big = Value::String("x".repeat(VALUE_CHARS * 2));
        let mut out = String::new();
        field_html(
            &mut out,
            "input",
            &Value::String(big.to_string()),
            &LocalStore::default(),
        );
        assert!(out.len() < VALUE_CHARS + 500, "{}", out.len());
        assert!(out.contains("cut at"), "{out}");
    }
}
