//! `generate` refuses manifests that would produce ASL its own validator rejects, a Lambda
//! function AWS rejects, or an agent that cannot start: each problem names the file and
//! the JSON pointer, and nothing is written when any manifest is refused.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::{Value, json};

use crate::support::sfn_gen_command;

struct Workspace {
    _dir: tempfile::TempDir,
    tools: PathBuf,
    out: PathBuf,
}

impl Workspace {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let tools = dir.path().join("tools");
        std::fs::create_dir_all(&tools).unwrap();
        let out = dir.path().join("statemachines/agent.asl.json");
        Self {
            _dir: dir,
            tools,
            out,
        }
    }

    /// Writes `tools/<name>/tool.json`: a valid manifest with `patch` merged into it
    /// (`x-sfn` and `x-sfn.retry` are merged one level deeper).
    fn tool(&self, name: &str, patch: Value) -> PathBuf {
        let mut manifest = json!({
            "name": name,
            "description": format!("the {name} tool"),
            "inputSchema": {"type": "object", "properties": {"q": {"type": "string", "description": "q"}}},
            "x-sfn": {"timeoutSeconds": 30, "memoryMb": 256,
                      "retry": {"errors": ["ToolError.Retryable"], "intervalSeconds": 1, "maxAttempts": 3,
                                "backoffRate": 2.0, "maxDelaySeconds": 20, "jitterStrategy": "FULL"}}
        });
        for (key, value) in patch.as_object().unwrap() {
            match key.as_str() {
                "x-sfn" => {
                    for (k, v) in value.as_object().unwrap() {
                        if k == "retry" {
                            for (rk, rv) in v.as_object().unwrap() {
                                manifest["x-sfn"]["retry"][rk] = rv.clone();
                            }
                        } else {
                            manifest["x-sfn"][k] = v.clone();
                        }
                    }
                }
                _ => manifest[key] = value.clone(),
            }
        }
        let folder = self.tools.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        let path = folder.join("tool.json");
        std::fs::write(&path, manifest.to_string()).unwrap();
        path
    }

    fn generate(&self) -> Output {
        sfn_gen_command()
            .args(["generate", "--tools"])
            .arg(&self.tools)
            .arg("--out")
            .arg(&self.out)
            .output()
            .expect("sfn-gen runs")
    }

    /// Runs `generate`, expects a refusal, checks nothing was written; returns stderr.
    fn refused(&self) -> String {
        let out = self.generate();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            !self.out.exists(),
            "the machine must not be written: {stderr}"
        );
        assert!(
            !self.out.with_file_name("tools.json").exists(),
            "tools.json must not be written: {stderr}"
        );
        stderr
    }
}

/// Asserts stderr has the line `<file>: <pointer>: <message start>...`.
fn assert_problem(stderr: &str, file: &Path, pointer: &str, message_start: &str) {
    let expected = format!("{}: {pointer}: {message_start}", file.display());
    assert!(
        stderr
            .lines()
            .any(|l| l.trim_start().starts_with(&expected)),
        "expected a line starting with\n  {expected}\nin\n{stderr}"
    );
}

#[test]
fn generate_refuses_zero_timeout_with_file_and_pointer() {
    let ws = Workspace::new();
    ws.tool("good", json!({}));
    let bad = ws.tool("x", json!({"x-sfn": {"timeoutSeconds": 0}}));
    let stderr = ws.refused();
    assert_problem(
        &stderr,
        &bad,
        "/x-sfn/timeoutSeconds",
        "must be between 1 and 900, got 0",
    );
    assert!(stderr.contains("1 problem(s)"), "{stderr}");
}

#[test]
fn generate_refuses_a_4e9_timeout_with_file_and_pointer() {
    let ws = Workspace::new();
    // 4e9 fits a u32, so only the range check catches it; as a float it is a type error.
    let bad = ws.tool("x", json!({"x-sfn": {"timeoutSeconds": 4_000_000_000u64}}));
    assert_problem(
        &ws.refused(),
        &bad,
        "/x-sfn/timeoutSeconds",
        "must be between 1 and 900, got 4000000000",
    );
    let bad = ws.tool("x", json!({"x-sfn": {"timeoutSeconds": 4e9}}));
    assert_problem(
        &ws.refused(),
        &bad,
        "/x-sfn/timeoutSeconds",
        "invalid type: floating point",
    );
}

#[test]
fn generate_refuses_zero_max_delay_seconds_with_file_and_pointer() {
    let ws = Workspace::new();
    let bad = ws.tool("x", json!({"x-sfn": {"retry": {"maxDelaySeconds": 0}}}));
    assert_problem(
        &ws.refused(),
        &bad,
        "/x-sfn/retry/maxDelaySeconds",
        "must be between 1 and 31622400",
    );
}

#[test]
fn generate_refuses_4e9_max_attempts_with_file_and_pointer() {
    let ws = Workspace::new();
    let bad = ws.tool(
        "x",
        json!({"x-sfn": {"retry": {"maxAttempts": 4_000_000_000u64}}}),
    );
    assert_problem(
        &ws.refused(),
        &bad,
        "/x-sfn/retry/maxAttempts",
        "must be between 0 and 99999999",
    );
}

#[test]
fn generate_refuses_states_all_not_alone_with_file_and_pointer() {
    let ws = Workspace::new();
    let bad = ws.tool(
        "x",
        json!({"x-sfn": {"retry": {"errors": ["ToolError.Retryable", "States.ALL"]}}}),
    );
    assert_problem(
        &ws.refused(),
        &bad,
        "/x-sfn/retry/errors",
        "States.ALL must appear alone",
    );
}

#[test]
fn generate_refuses_zero_memory_with_file_and_pointer() {
    let ws = Workspace::new();
    let bad = ws.tool("x", json!({"x-sfn": {"memoryMb": 0}}));
    assert_problem(
        &ws.refused(),
        &bad,
        "/x-sfn/memoryMb",
        "must be between 128 and 10240",
    );
}

#[test]
fn generate_refuses_an_input_schema_that_is_not_json_schema() {
    let ws = Workspace::new();
    // `"type": "strin"` is not a JSON Schema type: `jsonschema::validator_for`, which the
    // agent calls on every input schema at start-up, refuses it.
    let bad = ws.tool(
        "x",
        json!({"inputSchema": {"type": "object", "properties": {"q": {"type": "strin"}}}}),
    );
    let stderr = ws.refused();
    assert_problem(
        &stderr,
        &bad,
        "/inputSchema/properties/q/type",
        "is not a valid JSON Schema",
    );
    // A reference to nothing fails the agent's compile too.
    let bad = ws.tool(
        "x",
        json!({"inputSchema": {"type": "object", "properties": {"q": {"$ref": "#/$defs/missing"}}}}),
    );
    let stderr = ws.refused();
    assert!(
        stderr.contains(&format!("{}: /inputSchema", bad.display()))
            && stderr.contains("is not a valid JSON Schema"),
        "{stderr}"
    );
}

#[test]
fn generate_refuses_an_output_schema_that_is_not_json_schema() {
    let ws = Workspace::new();
    let bad = ws.tool(
        "x",
        json!({"outputSchema": {"type": "object", "required": "q"}}),
    );
    assert_problem(
        &ws.refused(),
        &bad,
        "/outputSchema/required",
        "is not a valid JSON Schema",
    );
}

#[test]
fn generate_refuses_a_tool_json_that_is_a_directory() {
    let ws = Workspace::new();
    ws.tool("good", json!({}));
    let bad = ws.tools.join("x/tool.json");
    std::fs::create_dir_all(&bad).unwrap();
    let stderr = ws.refused();
    let expected = format!("{}: is a directory, not a file", bad.display());
    assert!(
        stderr.contains(&expected),
        "expected {expected} in\n{stderr}"
    );
}

#[test]
fn generate_refuses_a_5mb_description_with_file_and_pointer() {
    let ws = Workspace::new();
    let bad = ws.tool("x", json!({"description": "d".repeat(5 * 1024 * 1024)}));
    assert_problem(
        &ws.refused(),
        &bad,
        "/description",
        "is 5242880 characters, over the limit of 10000",
    );
}

#[test]
fn generate_refuses_retry_values_the_asl_validator_refuses() {
    let ws = Workspace::new();
    let bad = ws.tool(
        "x",
        json!({"x-sfn": {"retry": {"intervalSeconds": 0, "backoffRate": 0.5}}}),
    );
    let stderr = ws.refused();
    assert_problem(
        &stderr,
        &bad,
        "/x-sfn/retry/intervalSeconds",
        "must be between 1 and 99999999",
    );
    assert_problem(
        &stderr,
        &bad,
        "/x-sfn/retry/backoffRate",
        "must be a number of at least 1.0",
    );
    let bad = ws.tool("x", json!({"x-sfn": {"retry": {"jitterStrategy": "SOME"}}}));
    assert_problem(
        &ws.refused(),
        &bad,
        "/x-sfn/retry/jitterStrategy",
        "unknown variant `SOME`, expected `FULL` or `NONE`",
    );
}

#[test]
fn generate_lists_every_refused_manifest_and_writes_nothing() {
    let ws = Workspace::new();
    ws.tool("good", json!({}));
    let a = ws.tool("a", json!({"x-sfn": {"timeoutSeconds": 0, "memoryMb": 0}}));
    let b = ws.tool("b", json!({"x-sfn": {"retry": {"maxDelaySeconds": 0}}}));
    // A machine from an earlier run stays as it was.
    std::fs::create_dir_all(ws.out.parent().unwrap()).unwrap();
    let stderr = {
        std::fs::write(&ws.out, "{}").unwrap();
        let out = ws.generate();
        assert_eq!(out.status.code(), Some(2));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert_eq!(std::fs::read_to_string(&ws.out).unwrap(), "{}");
    assert!(!ws.out.with_file_name("tools.json").exists());
    assert!(stderr.contains("3 problem(s)"), "{stderr}");
    assert_problem(&stderr, &a, "/x-sfn/timeoutSeconds", "must be between");
    assert_problem(&stderr, &a, "/x-sfn/memoryMb", "must be between");
    assert_problem(
        &stderr,
        &b,
        "/x-sfn/retry/maxDelaySeconds",
        "must be between",
    );
}

#[test]
fn generate_accepts_manifests_at_every_limit_and_the_machine_validates() {
    let ws = Workspace::new();
    ws.tool(
        "edge",
        json!({"description": "d".repeat(10_000),
               "x-sfn": {"timeoutSeconds": 900, "memoryMb": 10_240,
                         "retry": {"errors": ["States.ALL"], "intervalSeconds": 99_999_999,
                                   "maxAttempts": 99_999_999, "backoffRate": 1.0,
                                   "maxDelaySeconds": 31_622_400, "jitterStrategy": "NONE"}}}),
    );
    ws.tool(
        "low",
        json!({"x-sfn": {"timeoutSeconds": 1, "memoryMb": 128,
                         "retry": {"intervalSeconds": 1, "maxAttempts": 0, "maxDelaySeconds": 1}}}),
    );
    let out = ws.generate();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let validate = sfn_gen_command()
        .arg("validate")
        .arg(&ws.out)
        .output()
        .unwrap();
    assert_eq!(
        validate.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&validate.stdout)
    );
}

#[test]
fn generate_refuses_a_kept_console_edit_that_does_not_validate_and_writes_nothing() {
    let ws = Workspace::new();
    ws.tool("lookup", json!({}));
    assert_eq!(
        ws.generate().status.code(),
        Some(0),
        "a first generate succeeds"
    );
    let mut machine: Value =
        serde_json::from_str(&std::fs::read_to_string(&ws.out).unwrap()).unwrap();
    // A state added in the console (no generated mark, so generate keeps it) that names a
    // state the machine does not have.
    machine["States"]["Audit"] = json!({"Type": "Pass", "Next": "Nowhere"});
    let edited = serde_json::to_string_pretty(&machine).unwrap();
    std::fs::write(&ws.out, &edited).unwrap();
    let out = ws.generate();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("does not validate"), "{stderr}");
    assert!(stderr.contains("/States/Audit/Next"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&ws.out).unwrap(),
        edited,
        "the committed file is left as it was"
    );
}
