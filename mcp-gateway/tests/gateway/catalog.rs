//! One source: `tools/list` (through rmcp's client, legacy and 2026-07-28),
//! `statemachines/tools.json` and the routes of `statemachines/agent.asl.json` name the
//! same tools, and no listed tool carries `x-sfn`.

use std::collections::BTreeSet;

use rmcp::model::ProtocolVersion;
use rmcp::service::{ClientLifecycleMode, ClientServiceExt};
use rmcp::transport::StreamableHttpClientTransport;
use serde_json::Value;

use crate::support::{Stack, workspace};

/// The tools named by the Route Choice's `call:<tool>` rules.
fn asl_routes() -> BTreeSet<String> {
    let text = std::fs::read_to_string(workspace().join("statemachines/agent.asl.json")).unwrap();
    let definition: Value = serde_json::from_str(&text).unwrap();
    definition["States"]["Route"]["Choices"]
        .as_array()
        .expect("the Route state has Choices")
        .iter()
        .filter_map(|c| {
            c["StringEquals"]
                .as_str()?
                .strip_prefix("call:")
                .map(str::to_owned)
        })
        .collect()
}

fn tools_json() -> Vec<Value> {
    let text = std::fs::read_to_string(workspace().join("statemachines/tools.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn tools_list_tools_json_and_the_asl_routes_name_the_same_tools() {
    let stack = Stack::gateway_only().await;
    let manifests: BTreeSet<String> = tools_json()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(!manifests.is_empty());
    assert_eq!(
        manifests,
        asl_routes(),
        "tools.json and the ASL's routes differ"
    );

    for lifecycle in [
        ClientLifecycleMode::Initialize,
        ClientLifecycleMode::Discover {
            preferred_versions: vec![ProtocolVersion::V_2026_07_28],
        },
    ] {
        let label = format!("{lifecycle:?}");
        let transport = StreamableHttpClientTransport::from_uri(stack.url.clone());
        let client = ().serve_with_lifecycle(transport, lifecycle).await.unwrap();
        let listed = client.list_tools(None).await.unwrap();
        let names: Vec<String> = listed.tools.iter().map(|t| t.name.to_string()).collect();
        // Deterministic: the manifests by name, then the agent's own tools.
        let mut expected: Vec<String> = manifests.iter().cloned().collect();
        expected.extend(["run_agent".to_owned(), "get_agent_run".to_owned()]);
        assert_eq!(names, expected, "{label}");
        for (tool, manifest) in listed.tools.iter().zip(tools_json()) {
            let wire = serde_json::to_value(tool).unwrap();
            assert!(wire.get("x-sfn").is_none(), "{label}: {wire}");
            assert_eq!(wire["inputSchema"], manifest["inputSchema"], "{label}");
            assert_eq!(wire["description"], manifest["description"], "{label}");
            assert_eq!(
                wire.get("outputSchema"),
                manifest.get("outputSchema"),
                "{label}"
            );
            assert_eq!(
                wire.get("annotations"),
                manifest.get("annotations"),
                "{label}"
            );
        }
        client.cancel().await.unwrap();
    }
    stack.stop().await;
}
