//! `sfn-gen run --report FILE.html`, judged in a real browser: headless Chromium (Debian's
//! `chromium`) loads the page from disk, dumps the DOM it built and takes a screenshot
//! (kept under `target/report-test/`, never in the repository). The DOM must say what the
//! run's own history says: the states that ran, the retry and catch edges taken, every
//! event, and an offloaded value as a link to its object.
//!
//! With `REQUIRE_CHROMIUM=1` (set by `scripts/test.sh`, which installs `chromium`) a missing
//! browser fails these tests; otherwise they say so and skip.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use sha2::Digest;

use crate::support::{
    build_lambdas, chromium, run_chromium, sfn_gen_command, workspace, write_json,
};

/// The DOM Chromium built from `page` (after its script ran), and a screenshot of it at
/// `png`.
fn load_in_chromium(browser: &Path, page: &Path, png: &Path) -> String {
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let dom = run_chromium(browser, &url, &["--dump-dom".to_owned()]);
    assert!(dom.contains("</html>"), "no DOM from chromium: {dom}");
    let _ = std::fs::remove_file(png);
    run_chromium(
        browser,
        &url,
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1600,1400".to_owned(),
            "--hide-scrollbars".to_owned(),
        ],
    );
    let bytes = std::fs::read(png).expect("chromium wrote the screenshot");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    assert_eq!(width, 1600, "the screenshot has the window's width");
    // A blank page compresses to a few kilobytes; the graph and the table do not.
    assert!(
        bytes.len() > 30_000,
        "the screenshot looks blank ({} bytes)",
        bytes.len()
    );
    dom
}

/// One start tag of the dumped DOM: its name and attributes (entities decoded).
#[derive(Debug, Clone)]
struct Tag {
    name: String,
    attributes: BTreeMap<String, String>,
}

impl Tag {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attributes.get(name).map(String::as_str)
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|x| x == class))
    }
}

fn decode(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}

/// Every start tag in serialized HTML (the DOM dump quotes every attribute value with `"`).
fn start_tags(html: &str) -> Vec<Tag> {
    let bytes = html.as_bytes();
    let mut tags = Vec::new();
    let mut i = 0;
    while let Some(offset) = html[i..].find('<') {
        i += offset + 1;
        let name_len = html[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(0);
        if name_len == 0 || !bytes[i].is_ascii_alphabetic() {
            continue;
        }
        let name = html[i..i + name_len].to_ascii_lowercase();
        i += name_len;
        let mut attributes = BTreeMap::new();
        loop {
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= bytes.len() || bytes[i] == b'>' || bytes[i] == b'/' {
                break;
            }
            let key_len = html[i..]
                .find(|c: char| c == '=' || c == '>' || c.is_ascii_whitespace())
                .unwrap_or(html.len() - i);
            let key = html[i..i + key_len].to_ascii_lowercase();
            i += key_len;
            let mut value = String::new();
            if bytes.get(i) == Some(&b'=') && bytes.get(i + 1) == Some(&b'"') {
                let end = html[i + 2..].find('"').expect("closed attribute value");
                value = decode(&html[i + 2..i + 2 + end]);
                i += end + 3;
            }
            attributes.insert(key, value);
        }
        tags.push(Tag { name, attributes });
    }
    tags
}

/// Every state name in an ASL document, nested ones included.
fn all_state_names(definition: &Value, into: &mut BTreeSet<String>) {
    if let Some(states) = definition["States"].as_object() {
        for (name, state) in states {
            into.insert(name.clone());
            if let Some(branches) = state["Branches"].as_array() {
                for b in branches {
                    all_state_names(b, into);
                }
            }
            for key in ["ItemProcessor", "Iterator"] {
                if state[key].is_object() {
                    all_state_names(&state[key], into);
                }
            }
        }
    }
}

/// The states the history entered (its `*StateEntered` events).
fn entered_in_history(history: &[Value]) -> BTreeSet<String> {
    history
        .iter()
        .filter(|e| e["type"].as_str().unwrap().ends_with("StateEntered"))
        .map(|e| {
            e["stateEnteredEventDetails"]["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// A folder under `target/report-test/` for one test's page and screenshot.
fn artifacts(test: &str) -> PathBuf {
    let dir = workspace().join("target/report-test").join(test);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// What the DOM of one report says, in the terms the assertions use.
struct Dom {
    tags: Vec<Tag>,
}

impl Dom {
    fn states(&self) -> Vec<&Tag> {
        self.tags
            .iter()
            .filter(|t| t.has_class("state") && t.attr("data-state").is_some())
            .collect()
    }

    fn ran(&self) -> BTreeSet<String> {
        self.states()
            .iter()
            .filter(|t| t.attr("data-ran") == Some("true"))
            .map(|t| t.attr("data-state").unwrap().to_owned())
            .collect()
    }

    fn edges_taken(&self, kind: &str) -> Vec<(String, String, String)> {
        self.tags
            .iter()
            .filter(|t| t.has_class("edge") && t.has_class(kind) && t.has_class("taken"))
            .map(|t| {
                (
                    t.attr("data-from").unwrap().to_owned(),
                    t.attr("data-to").unwrap().to_owned(),
                    t.attr("data-count").unwrap().to_owned(),
                )
            })
            .collect()
    }

    fn edge(&self, kind: &str, from: &str, to: &str) -> &Tag {
        self.tags
            .iter()
            .find(|t| {
                t.has_class("edge")
                    && t.attr("data-kind") == Some(kind)
                    && t.attr("data-from") == Some(from)
                    && t.attr("data-to") == Some(to)
            })
            .unwrap_or_else(|| panic!("no {kind} edge {from} -> {to}"))
    }

    fn event_ids(&self) -> Vec<u64> {
        self.tags
            .iter()
            .filter(|t| t.name == "tr" && t.attr("data-event-id").is_some())
            .map(|t| t.attr("data-event-id").unwrap().parse().unwrap())
            .collect()
    }
}

/// Serves `/flaky.json` on loopback: 429 to the first request (a throttle, which http-fetch
/// names `ToolError.Unavailable`: retried although http-fetch may POST and so runs once),
/// `body` to the later ones; counts requests.
fn serve_flaky(body: Vec<u8>) -> (u16, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(8).flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let mut stream = reader.into_inner();
            let (status, payload): (&str, &[u8]) = if count.fetch_add(1, Ordering::SeqCst) == 0 {
                ("429 Too Many Requests", b"slow down")
            } else {
                ("200 OK", &body)
            };
            let head = format!(
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                payload.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(payload);
        }
    });
    (port, served)
}

#[test]
fn the_report_of_a_real_agent_run_shows_its_path_retry_catch_events_and_offloaded_data() {
    let Some(browser) = chromium() else { return };
    // A 120 kB document (past the 32 KiB offload threshold), served after one 429.
    let items: Vec<Value> = (0..1500)
        .map(|i| json!({"sku": format!("SKU-{i:05}"), "note": "padding to pass the offload threshold"}))
        .collect();
    let document = json!({"items": items});
    let body = serde_json::to_vec(&document).unwrap();
    let (port, served) = serve_flaky(body.clone());
    // Turn 1: the fetch and a sum at once (the Map); turn 2: a query the tool refuses
    // (caught, fed back); the plan then fails by name.
    let plan = json!({"goal": "a run worth a picture", "options": {"reasoner": "plan", "plan": {
        "steps": [
            {"id": "doc", "tool": "http-fetch", "input": {"url": format!("http://127.0.0.1:{port}/flaky.json")}},
            {"id": "sum", "tool": "calculator", "input": {"expression": "2 + 3"}},
            {"id": "bad", "tool": "json-query", "input": {"document": "{{doc.output.body}}", "query": "$[?(", "limit": 1}}
        ],
        "answer": "never reached"
    }}});
    let dir = artifacts("real-agent");
    let page = dir.join("report.html");
    let offload = tempfile::tempdir().unwrap();
    build_lambdas();
    let output = sfn_gen_command()
        .args(["run", "statemachines/agent.asl.json", "--workspace-lambdas"])
        .args([
            "--input",
            &plan.to_string(),
            "--format",
            "json",
            "--history",
        ])
        .args(["--env", &format!("HTTP_FETCH_ALLOW_HOSTS=127.0.0.1:{port}")])
        .arg("--offload-dir")
        .arg(offload.path())
        .arg("--report")
        .arg(&page)
        .output()
        .expect("sfn-gen runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run: Value = serde_json::from_slice(&output.stdout).expect("one JSON object");
    assert_eq!(run["status"], "FAILED", "{run}");
    assert_eq!(run["error"], "Agent.PlanFailed", "{run}");
    let history = run["history"].as_array().unwrap();
    // The fetch was retried at the server: one 429, then the document.
    assert_eq!(served.load(Ordering::SeqCst), 2);
    // What ran, from the history, is what the plan implies (worked out by hand).
    let ran = entered_in_history(history);
    let expected: BTreeSet<String> = [
        "Agent",
        "Route",
        "ParallelCalls",
        "RouteCall",
        "Call_http-fetch",
        "Call_calculator",
        "Tool_json-query",
        "Failed",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(ran, expected);

    let dom = Dom {
        tags: start_tags(&load_in_chromium(&browser, &page, &dir.join("report.png"))),
    };
    // Every state of the machine is drawn once; the ones that ran are marked, no other.
    let definition: Value = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("statemachines/agent.asl.json")).unwrap(),
    )
    .unwrap();
    let mut every_state = BTreeSet::new();
    all_state_names(&definition, &mut every_state);
    let drawn: Vec<String> = dom
        .states()
        .iter()
        .map(|t| t.attr("data-state").unwrap().to_owned())
        .collect();
    assert_eq!(drawn.len(), every_state.len(), "{drawn:?}");
    assert_eq!(drawn.into_iter().collect::<BTreeSet<_>>(), every_state);
    assert_eq!(dom.ran(), ran);
    for state in dom.states() {
        let name = state.attr("data-state").unwrap();
        let ran_here = state.attr("data-ran").unwrap();
        assert_eq!(ran_here == "true", ran.contains(name), "{name}: {ran_here}");
    }
    // The one retry and the one catch taken, and the catch told apart from the Next edge
    // that leads to the same state.
    let one = |a: &str, b: &str| (a.to_owned(), b.to_owned(), "1".to_owned());
    assert_eq!(
        dom.edges_taken("retry"),
        [one("Call_http-fetch", "Call_http-fetch")]
    );
    assert_eq!(dom.edges_taken("catch"), [one("Tool_json-query", "Agent")]);
    assert_eq!(
        dom.edge("next", "Tool_json-query", "Agent")
            .attr("data-taken"),
        Some("false")
    );
    // Every history event is a row, in order.
    let ids = dom.event_ids();
    assert_eq!(ids.len(), history.len());
    assert_eq!(run["events"], history.len());
    assert!(ids.iter().copied().eq(1..=history.len() as u64));
    // The fetched document was offloaded: its pointer is a link to the object, which holds
    // the document served.
    let links: Vec<&Tag> = dom
        .tags
        .iter()
        .filter(|t| t.name == "a" && t.has_class("offload"))
        .collect();
    let document_link = links
        .iter()
        .find(|t| {
            let path = percent_decode(t.attr("href").unwrap().strip_prefix("file://").unwrap());
            std::fs::read(&path)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .is_some_and(|v| v == document)
        })
        .unwrap_or_else(|| panic!("no link to the offloaded document among {links:?}"));
    let path = percent_decode(
        document_link
            .attr("href")
            .unwrap()
            .strip_prefix("file://")
            .unwrap(),
    );
    assert!(
        Path::new(&path).starts_with(offload.path().canonicalize().unwrap()),
        "{path}"
    );
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        document_link.attr("data-sha256").unwrap(),
        hex::encode(sha2::Sha256::digest(&bytes))
    );
    assert_eq!(
        document_link.attr("data-size").unwrap(),
        bytes.len().to_string()
    );
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn hostile_state_names_and_inputs_stay_text_in_the_browser() {
    let Some(browser) = chromium() else { return };
    let hostile = r#"</text></svg><script>document.title='owned'</script><img src=x id=pwn>"#;
    let hostile_input = r#"</pre></td><script>document.title='owned'</script><img id=pwn2>"#;
    // A Task mocked to fail once then succeed (a retry), a Parallel whose branch fails
    // and is caught, and the hostile name on the retried Task.
    let definition = json!({
        "StartAt": hostile,
        "States": {
            hostile: {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:flaky",
                "Retry": [{"ErrorEquals": ["Flaky.Again"], "IntervalSeconds": 1}], "Next": "Both"},
            "Both": {"Type": "Parallel", "Branches": [
                {"StartAt": "Left", "States": {"Left": {"Type": "Pass", "End": true}}},
                {"StartAt": "Right", "States": {"Right": {"Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:broken", "End": true}}}
            ], "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recovered"}],
               "Next": "Unused"},
            "Recovered": {"Type": "Succeed"},
            "Unused": {"Type": "Succeed"}
        }
    });
    let mocks = json!({"lambda": {
        "flaky": {"sequence": [{"raise": {"error": "Flaky.Again", "cause": hostile_input}}, {"echo": true}]},
        "broken": {"raise": {"error": "Broken.Always", "cause": hostile_input}}
    }});
    let dir = artifacts("hostile");
    let asl = write_json(&dir, "hostile.asl.json", &definition);
    let mocks = write_json(&dir, "mocks.json", &mocks);
    let page = dir.join("report.html");
    let output = sfn_gen_command()
        .arg("run")
        .arg(&asl)
        .args(["--input", &json!({"text": hostile_input}).to_string()])
        .arg(format!("--mocks=@{}", mocks.display()))
        .args(["--format", "json", "--history", "--report"])
        .arg(&page)
        .output()
        .expect("sfn-gen runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let run: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(run["status"], "SUCCEEDED", "{run}");
    let history = run["history"].as_array().unwrap();
    let dom_text = load_in_chromium(&browser, &page, &dir.join("report.png"));
    let dom = Dom {
        tags: start_tags(&dom_text),
    };
    // The page's one script ran; nothing from the run became an element or ran.
    assert_eq!(dom.tags.iter().filter(|t| t.name == "script").count(), 1);
    assert!(!dom.tags.iter().any(|t| t.name == "img"));
    assert!(
        dom_text.contains("<title>sfn-gen run: "),
        "the page's title is gone"
    );
    assert!(
        !dom_text.contains("<title>owned</title>"),
        "an injected script ran"
    );
    // The hostile name is one state's name, exactly, and it ran and retried.
    let ran = entered_in_history(history);
    assert!(ran.contains(hostile));
    assert_eq!(dom.ran(), ran);
    assert_eq!(
        dom.edges_taken("retry"),
        [(hostile.to_owned(), hostile.to_owned(), "1".to_owned())]
    );
    assert_eq!(
        dom.edges_taken("catch"),
        [("Both".to_owned(), "Recovered".to_owned(), "1".to_owned())]
    );
    // Both branches are drawn inside the Parallel's box and ran.
    for inner in ["Left", "Right"] {
        assert!(dom.ran().contains(inner), "{inner}");
    }
    assert_eq!(
        dom.tags
            .iter()
            .filter(|t| t.name == "g" && t.has_class("body"))
            .count(),
        2
    );
    assert_eq!(dom.event_ids().len(), history.len());
}
