//! Helpers every area of the end-to-end tests shares: running the `sfn-gen` binary from
//! the workspace root, writing fixtures, and building the real Lambda binaries.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

/// The workspace root (the committed `statemachines/`, `examples/` and `tool-lambdas/`).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The `sfn-gen` binary, to run from the workspace root.
pub fn sfn_gen_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sfn-gen"));
    command.current_dir(workspace());
    command
}

/// Runs `sfn-gen ARGS...` from the workspace root.
pub fn sfn_gen(args: &[&str]) -> Output {
    sfn_gen_command().args(args).output().expect("sfn-gen runs")
}

/// Writes `value` as JSON to `dir/name`; returns the path.
pub fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, value.to_string()).unwrap();
    path
}

/// The test-only tool crates under `test-tools/` (real tools that misbehave on request;
/// outside `tool-lambdas/`, so they never enter the committed machine). `scripts/test.sh`
/// builds the same list.
pub const TEST_TOOLS: [&str; 1] = ["fault-tool"];

/// Builds the agent, the hybrid host (`agent-host`), `mcp-proxy` (which serves imported MCP tools), the [`TEST_TOOLS`] and
/// every tool crate the workspace has (as `sfn-gen run --workspace-lambdas` serves them), once per test process
/// (cargo releases its lock while tests run). `scripts/test.sh` builds the same set first:
/// one set means one feature resolution, so no test rebuilds the others' dependencies.
pub fn build_lambdas() {
    static BUILT: OnceLock<Result<(), String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let tools = protocol::discover::discover(&protocol::discover::tools_dir(&workspace()))
            .map_err(|e| e.to_string())?;
        let mut packages = vec![
            "agent-lambda".to_owned(),
            "agent-host".to_owned(),
            "mcp-proxy".to_owned(),
        ];
        packages.extend(tools.iter().map(protocol::ToolCrate::crate_name));
        packages.extend(TEST_TOOLS.iter().map(|t| (*t).to_owned()));
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .current_dir(workspace())
            .args(["build", "--quiet"])
            .args(packages.iter().flat_map(|p| ["-p", p.as_str()]))
            .status()
            .map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("cargo build of {packages:?} failed ({status})"))
        }
    });
    if let Err(reason) = built {
        panic!("building the Lambda binaries failed: {reason}");
    }
}

/// Generates a machine in `dir` for the tool crates of `manifests` (paths of `tool.json`
/// files under the workspace, copied to `dir/tools/<crate>/`), with `config` as its
/// `sfn-gen.json`; returns the machine's path (`tools.json` is written beside it) and the
/// tools folder (for `--tools`).
pub fn generate_machine(dir: &Path, manifests: &[&str], config: &Value) -> (PathBuf, PathBuf) {
    let tools = dir.join("tools");
    for manifest in manifests {
        let source = workspace().join(manifest);
        let krate = source.parent().unwrap().file_name().unwrap();
        std::fs::create_dir_all(tools.join(krate)).unwrap();
        std::fs::copy(&source, tools.join(krate).join("tool.json")).unwrap();
    }
    let config_path = write_json(dir, "sfn-gen.json", config);
    let machine = dir.join("agent.asl.json");
    let out = sfn_gen_command()
        .arg("generate")
        .arg("--tools")
        .arg(&tools)
        .arg("--config")
        .arg(&config_path)
        .arg("--out")
        .arg(&machine)
        .output()
        .expect("sfn-gen generates");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        dir.join("tools.json").is_file(),
        "generate writes tools.json beside"
    );
    (machine, tools)
}
