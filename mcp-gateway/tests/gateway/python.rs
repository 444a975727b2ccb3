//! The official MCP Python SDK's client (`mcp` 2.3.0 from PyPI, in `target/test-tools/venv`,
//! installed by `scripts/test.sh`) against the gateway, legacy (initialize) and 2026-07-28:
//! list, a tool's success, a tool error, a schema error, an unknown tool, and the agent run
//! to its answer (no Tasks: the synchronous answer).

use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::support::{Stack, present, run_bounded, workspace};

/// The gateway's `_meta` key (error details ride there).
const META: &str = mcp_gateway::catalog::META_KEY;

#[tokio::test(flavor = "multi_thread")]
async fn the_python_sdk_client_lists_calls_and_runs_the_agent() {
    let python = workspace().join("target/test-tools/venv/bin/python");
    if !present(
        &python,
        "the Python venv with `mcp`",
        "run scripts/test.sh, which installs mcp==2.3.0",
    ) {
        return;
    }
    let Some(stack) = Stack::start(Duration::from_secs(25)).await else {
        return;
    };
    let script = workspace().join("mcp-gateway/tests/clients/python_client.py");
    let plan = workspace().join("examples/plan-calculator.json");
    for (mode, version) in [("legacy", "2025-11-25"), ("2026-07-28", "2026-07-28")] {
        let url = stack.url.clone();
        let (python, script, plan) = (python.clone(), script.clone(), plan.clone());
        let (ok, out, err) = tokio::task::spawn_blocking(move || {
            run_bounded(
                Command::new(python)
                    .arg(script)
                    .arg(url)
                    .arg(mode)
                    .arg(plan),
                Duration::from_secs(180),
            )
        })
        .await
        .unwrap();
        assert!(ok, "python client ({mode}) failed:\n{err}");
        let report: Value =
            serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
        assert_eq!(report["protocolVersion"], version, "{report}");
        let tools: Vec<&str> = report["tools"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(
            tools.contains(&"calculator") && tools.contains(&"run_agent"),
            "{tools:?}"
        );

        let ok_call = &report["calculator"];
        assert_ne!(ok_call["isError"], true, "{ok_call}");
        assert_eq!(ok_call["structuredContent"]["result"], "42", "{ok_call}");

        let tool_error = &report["toolError"];
        assert_eq!(tool_error["isError"], true, "{tool_error}");
        assert_eq!(
            tool_error["_meta"][META]["error"], "ToolError.InvalidInput",
            "{tool_error}"
        );
        assert!(
            tool_error["_meta"][META]["cause"]
                .as_str()
                .unwrap()
                .contains("division by zero"),
            "{tool_error}"
        );
        assert_eq!(
            tool_error["_meta"][META]["attempts"], 1,
            "not retried: {tool_error}"
        );

        let schema_error = &report["schemaError"];
        assert_eq!(schema_error["isError"], true, "{schema_error}");
        assert_eq!(
            schema_error["_meta"][META]["problems"][0]["pointer"], "/expression",
            "{schema_error}"
        );

        let unknown = &report["unknownTool"];
        assert_eq!(unknown["raised"], true, "{unknown}");
        assert_eq!(unknown["code"], -32602, "{unknown}");
        assert!(
            unknown["message"]
                .as_str()
                .unwrap()
                .contains("no-such-tool"),
            "{unknown}"
        );

        let run = &report["runAgent"];
        assert_ne!(run["isError"], true, "{run}");
        assert_eq!(
            run["structuredContent"]["answer"]["product"], "12.5",
            "{run}"
        );
    }
    stack.stop().await;
}
