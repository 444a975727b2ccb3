//! Helpers every area of the end-to-end tests shares: running the `sfn-gen` binary from
//! the workspace root, writing fixtures, building the real Lambda binaries, generating a
//! machine for a tool set, and headless Chromium.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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

/// Chromium's flags for a quiet, offline, throwaway headless run.
pub const CHROMIUM_FLAGS: [&str; 7] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// How long one Chromium run may take.
pub const CHROMIUM_TIMEOUT: Duration = Duration::from_secs(90);

/// The browser, or `None` (the test skips) when it is missing and not required.
pub fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromium"))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let required = std::env::var("REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "chromium is not installed and REQUIRE_CHROMIUM=1: `apt-get install -y chromium` (scripts/test.sh does)"
        );
        eprintln!("skipping: chromium is not installed (apt-get install -y chromium)");
    }
    found
}

/// Runs Chromium on `url` with `extra` flags and a new empty profile; returns stdout.
pub fn run_chromium(browser: &Path, url: &str, extra: &[String]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(browser)
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut text).unwrap();
        text
    });
    let deadline = Instant::now() + CHROMIUM_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within {CHROMIUM_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = reader.join().unwrap();
    assert!(status.success(), "chromium failed: {status}");
    out
}
