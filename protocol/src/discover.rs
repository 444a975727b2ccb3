//! Finding the tools: every `<tools dir>/<crate>/tool.json`.
//!
//! This is the one place that says what a tool crate is. The generator, `sfn-gen run
//! --workspace-lambdas`, `sfn-gen tools` (which the scripts read), the agent's fallback
//! when it has no `AGENT_TOOLS_FILE`, and the end-to-end tests all call [`discover`]; the
//! CDK app reads `statemachines/tools.json`, which the generator writes from it.
//!
//! A tool crate is a folder directly under the tools folder (`tool-lambdas/` in the
//! workspace) holding a `tool.json`; the folder's name is the crate's and its binary's
//! name. Folders without a `tool.json` (the `toolkit` library) are not tools.

use std::io;
use std::path::{Path, PathBuf};

use crate::manifest::ToolManifest;

/// The workspace's tools folder, relative to the workspace root.
pub const TOOLS_DIR: &str = "tool-lambdas";

/// A tool crate's manifest file, relative to the crate's folder.
pub const MANIFEST_FILE: &str = "tool.json";

/// One tool crate found by [`discover`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ToolCrate {
    /// The crate's folder.
    pub dir: PathBuf,
    /// `<dir>/tool.json`. It exists, but may be unreadable or not a file: reading it says so.
    pub manifest: PathBuf,
}

/// Why tools could not be discovered or read.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// The tools folder cannot be listed.
    #[error("cannot list the tools folder `{}`", dir.display())]
    List {
        /// The tools folder.
        dir: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A `tool.json` cannot be read.
    #[error("cannot read `{}`", path.display())]
    Read {
        /// The manifest file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A `tool.json` is not a manifest.
    #[error(
        "`{}` is not a tool manifest; regenerate it with `cargo run -p {} -- --manifest > {}`",
        path.display(),
        crate_of(path),
        path.display()
    )]
    Parse {
        /// The manifest file.
        path: PathBuf,
        /// Where and what serde refused.
        source: serde_json::Error,
    },
}

/// The crate a manifest belongs to: its folder's name.
fn crate_of(manifest: &Path) -> String {
    manifest.parent().and_then(Path::file_name).map_or_else(
        || "<tool crate>".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    )
}

impl ToolCrate {
    /// The crate's (and its binary's) name: the folder's name.
    pub fn crate_name(&self) -> String {
        crate_of(&self.manifest)
    }

    /// The binary that serves the tool: the crate's, or for a tool imported from an MCP
    /// server (`x-sfn.mcp`, a folder with only a `tool.json`) its runtime, `mcp-proxy`,
    /// which reads the manifest named by `MCP_PROXY_MANIFEST`.
    pub fn binary_name(&self, manifest: &ToolManifest) -> String {
        match &manifest.x_sfn.mcp {
            Some(mcp) => mcp.runtime.clone(),
            None => self.crate_name(),
        }
    }

    /// Reads and parses the manifest (the type's own checks only; `sfn-gen generate`
    /// checks more).
    pub fn read_manifest(&self) -> Result<ToolManifest, DiscoverError> {
        let text =
            std::fs::read_to_string(&self.manifest).map_err(|source| DiscoverError::Read {
                path: self.manifest.clone(),
                source,
            })?;
        serde_json::from_str(&text).map_err(|source| DiscoverError::Parse {
            path: self.manifest.clone(),
            source,
        })
    }
}

/// The tools folder of the workspace at `root`.
pub fn tools_dir(root: &Path) -> PathBuf {
    root.join(TOOLS_DIR)
}

/// Every tool crate under `tools_dir`, sorted by folder name.
///
/// A `tool.json` that is a dangling link or a folder still counts (reading it fails with
/// the reason), so that a broken tool is reported instead of silently left out.
pub fn discover(tools_dir: &Path) -> Result<Vec<ToolCrate>, DiscoverError> {
    let entries = std::fs::read_dir(tools_dir).map_err(|source| DiscoverError::List {
        dir: tools_dir.to_path_buf(),
        source,
    })?;
    let mut found = Vec::new();
    for entry in entries {
        let dir = entry
            .map_err(|source| DiscoverError::List {
                dir: tools_dir.to_path_buf(),
                source,
            })?
            .path();
        let manifest = dir.join(MANIFEST_FILE);
        if dir.is_dir() && std::fs::symlink_metadata(&manifest).is_ok() {
            found.push(ToolCrate { dir, manifest });
        }
    }
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    Ok(found)
}

/// [`discover`], then every manifest read: `(crate, manifest)` pairs, sorted by folder.
pub fn discover_manifests(
    tools_dir: &Path,
) -> Result<Vec<(ToolCrate, ToolManifest)>, DiscoverError> {
    discover(tools_dir)?
        .into_iter()
        .map(|tool| tool.read_manifest().map(|manifest| (tool, manifest)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("protocol-discover-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn manifest(name: &str) -> String {
        format!(r#"{{"name": "{name}", "description": "d", "inputSchema": {{"type": "object"}}}}"#)
    }

    #[test]
    fn folders_with_a_tool_json_are_tools_sorted_and_others_are_not() {
        let root = scratch("sorted");
        for (folder, tool) in [("zeta", "z"), ("alpha", "a")] {
            std::fs::create_dir_all(root.join(folder)).unwrap();
            std::fs::write(root.join(folder).join("tool.json"), manifest(tool)).unwrap();
        }
        std::fs::create_dir_all(root.join("toolkit/src")).unwrap();
        std::fs::write(root.join("README.md"), "not a crate").unwrap();
        let found = discover_manifests(&root).unwrap();
        let names: Vec<(String, &str)> = found
            .iter()
            .map(|(krate, m)| (krate.crate_name(), m.name.as_str()))
            .collect();
        assert_eq!(names, [("alpha".to_owned(), "a"), ("zeta".to_owned(), "z")]);
        assert_eq!(found[0].0.manifest, root.join("alpha/tool.json"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_tool_json_that_is_a_folder_is_found_and_reading_it_fails_with_its_path() {
        let root = scratch("folder");
        std::fs::create_dir_all(root.join("broken/tool.json")).unwrap();
        let found = discover(&root).unwrap();
        assert_eq!(found.len(), 1);
        let err = found[0].read_manifest().unwrap_err();
        assert!(matches!(err, DiscoverError::Read { .. }), "{err:?}");
        assert!(err.to_string().contains("broken/tool.json"), "{err}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_tool_json_that_is_not_a_manifest_says_how_to_regenerate_it() {
        let root = scratch("parse");
        std::fs::create_dir_all(root.join("calc")).unwrap();
        std::fs::write(root.join("calc/tool.json"), r#"{"name": 7}"#).unwrap();
        let err = discover_manifests(&root).unwrap_err();
        let path = root.join("calc/tool.json");
        assert_eq!(
            err.to_string(),
            format!(
                "`{0}` is not a tool manifest; regenerate it with `cargo run -p calc -- --manifest > {0}`",
                path.display()
            )
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_missing_tools_folder_is_an_error_naming_it() {
        let missing = scratch("missing").join("no-such-folder");
        let err = discover(&missing).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("cannot list the tools folder `{}`", missing.display())
        );
    }

    #[test]
    fn the_workspace_tools_are_found_with_their_committed_manifests() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let found = discover_manifests(&tools_dir(&root)).unwrap();
        assert!(!found.is_empty(), "no tool crates under tool-lambdas/");
        for (krate, manifest) in &found {
            // The CDK app finds a tool's build by its name, so the two must agree.
            assert_eq!(krate.crate_name(), manifest.name, "{}", krate.dir.display());
            if manifest.x_sfn.mcp.is_some() {
                // Imported from an MCP server: no crate, the `mcp-proxy` binary serves it.
                continue;
            }
            assert!(
                krate.dir.join("Cargo.toml").is_file(),
                "{}",
                krate.dir.display()
            );
        }
    }
}
