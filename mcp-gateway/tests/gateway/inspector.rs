//! The MCP Inspector's CLI mode (`@modelcontextprotocol/inspector` 2.12.0, npm, installed by
//! `scripts/test.sh` with `npm ci` in `mcp-gateway/tests/clients`) against the gateway:
//! `tools/list`, and `tools/call` of a tool (success and tool error).

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::{Stack, present, run_bounded, workspace};

/// Runs one CLI call; the CLI exits non-zero for an `isError` result, which `tool_error`
/// expects.
fn inspector(url: &str, method: &[&str], tool_error: bool) -> Value {
    let cli = workspace()
        .join("mcp-gateway/tests/clients/node_modules/@modelcontextprotocol/inspector/clients/launcher/build/index.js");
    let mut command = Command::new("node");
    command
        .arg(cli)
        .args(["--cli", url, "--transport", "http", "--method"])
        .args(method);
    let (ok, out, err) = run_bounded(&mut command, Duration::from_secs(120));
    assert_eq!(ok, !tool_error, "inspector {method:?}:\n{out}\n{err}");
    let start = out.find('{').unwrap_or_else(|| panic!("no JSON in: {out}"));
    serde_json::from_str(&out[start..]).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn the_inspector_cli_lists_and_calls_tools() {
    let cli =
        workspace().join("mcp-gateway/tests/clients/node_modules/@modelcontextprotocol/inspector");
    if !present(
        &cli,
        "the MCP Inspector",
        "run `npm ci --prefix mcp-gateway/tests/clients` (scripts/test.sh does)",
    ) {
        return;
    }
    let Some(stack) = Stack::start(Duration::from_secs(25)).await else {
        return;
    };
    let url = stack.url.clone();
    let (listed, called, failed) = tokio::task::spawn_blocking(move || {
        (
            inspector(&url, &["tools/list"], false),
            inspector(
                &url,
                &[
                    "tools/call",
                    "--tool-name",
                    "calculator",
                    "--tool-arg",
                    "expression=2 ^ 10",
                ],
                false,
            ),
            inspector(
                &url,
                &[
                    "tools/call",
                    "--tool-name",
                    "calculator",
                    "--tool-arg",
                    "expression=1 % 0",
                ],
                true,
            ),
        )
    })
    .await
    .unwrap();
    let names: Vec<&str> = listed["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let manifests: Vec<Value> = serde_json::from_str(
        &std::fs::read_to_string(workspace().join("statemachines/tools.json")).unwrap(),
    )
    .unwrap();
    let mut expected: Vec<&str> = manifests
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    expected.sort_unstable();
    expected.extend(["run_agent", "get_agent_run"]);
    assert_eq!(names, expected);
    assert_eq!(called["structuredContent"]["result"], "1024", "{called}");
    assert_eq!(failed["isError"], true, "{failed}");
    stack.stop().await;
}
