//! 1,000 tools: the definition stays under AWS's 1 MB limit (the compact layout is chosen),
//! validates, and runs; `generate` refuses to write a definition over the limit.
//! Timings are measured by `bench/gen/run.sh`, not here.

use std::path::Path;

use serde_json::{Value, json};

use crate::support::sfn_gen;

/// Writes `count` tool folders with a realistic manifest each.
fn write_tools(dir: &Path, count: usize, description_len: usize) {
    for i in 0..count {
        let name = format!("tool-{i:04}");
        let folder = dir.join(&name);
        std::fs::create_dir_all(&folder).unwrap();
        let manifest = json!({
            "name": name,
            "title": format!("Tool {i}"),
            "description": "d".repeat(description_len),
            "inputSchema": {"type": "object", "properties": {"q": {"type": "string", "description": "the query"}}, "required": ["q"]},
            "outputSchema": {"type": "object"},
            "annotations": {"readOnlyHint": true},
            "x-sfn": {"timeoutSeconds": 30, "memoryMb": 256, "architecture": "arm64",
                      "retry": {"errors": ["ToolError.Retryable", "ToolError.Timeout"], "intervalSeconds": 1,
                                "maxAttempts": 3, "backoffRate": 2.0, "maxDelaySeconds": 20, "jitterStrategy": "FULL"}}
        });
        std::fs::write(folder.join("tool.json"), manifest.to_string()).unwrap();
    }
}

#[test]
fn a_thousand_tools_fit_validate_and_run() {
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("tools");
    write_tools(&tools, 1_000, 200);
    let out_file = dir.path().join("agent.asl.json");
    let out = sfn_gen(&[
        "generate",
        "--tools",
        tools.to_str().unwrap(),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("compact layout"));
    let text = std::fs::read_to_string(&out_file).unwrap();
    let definition: Value = serde_json::from_str(&text).unwrap();
    let size = serde_json::to_string(&definition).unwrap().len();
    assert!(size < 1_048_576, "{size} bytes");
    let out = sfn_gen(&["validate", out_file.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A single call in the compact layout: Agent, Route, Map, RouteCall, Call (5), then the
    // answer (3).
    let step = |route: &str, calls: Value| {
        json!({"return": {"status": if route == "done" {"done"} else {"tool_calls"}, "route": route, "calls": calls, "answer": "ok",
        "transcript": {"$offload": "file:t", "size": 1, "sha256": "00", "mediaType": "application/json"}, "turn": 1, "failures": {}}})
    };
    let mocks = json!({"lambda": {
        "agent-lambda": {"sequence": [step("call:tool-0999", json!([{"call_id": "c1", "tool": "tool-0999", "input": {"q": "x"}}])), step("done", json!([]))]},
        "tool-0999": {"return": {"call_id": "c1", "tool": "tool-0999", "output": 1}}
    }});
    let out = sfn_gen(&[
        "run",
        out_file.to_str().unwrap(),
        "--mocks",
        &mocks.to_string(),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["status"], "SUCCEEDED", "{report}");
    assert_eq!(report["transitions"], 8);
}

#[test]
fn a_definition_over_the_limit_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let tools = dir.path().join("tools");
    // Huge descriptions do not enter the ASL; many tools do. 3,000 tools pass 1 MB even
    // in the compact layout.
    write_tools(&tools, 3_000, 10);
    let out_file = dir.path().join("agent.asl.json");
    let out = sfn_gen(&[
        "generate",
        "--tools",
        tools.to_str().unwrap(),
        "--out",
        out_file.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("over AWS's 1048576-byte limit"), "{stderr}");
    assert!(!out_file.exists(), "nothing is written");
}
