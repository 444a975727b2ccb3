//! Tool names: from the server's (MCP allows `[A-Za-z0-9_.-]{1,128}`) to ours (Bedrock and
//! our routes take `[a-zA-Z0-9_-]{1,64}`), deterministically and prefixed by the server's
//! local name. Two server tools that would share a name are refused, never renamed by luck.

use std::collections::BTreeMap;

use protocol::manifest::MAX_TOOL_NAME_LEN;
use sha2::{Digest, Sha256};

/// Longest server prefix (`NAME` of `import-mcp NAME`), leaving room for the tool's name.
pub const MAX_PREFIX_LEN: usize = 24;

/// Hex digits of the hash that ends a shortened name.
const HASH_LEN: usize = 8;

/// Checks the server's local name: `[a-zA-Z0-9-]{1,24}` (no `_`, which separates it from
/// the tool's name).
pub fn check_prefix(prefix: &str) -> Result<(), String> {
    let ok = !prefix.is_empty()
        && prefix.len() <= MAX_PREFIX_LEN
        && prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the server name `{prefix}` must match `[a-zA-Z0-9-]{{1,{MAX_PREFIX_LEN}}}` (it \
             prefixes every imported tool's name, e.g. `time_get_current_time`); pick a short \
             name such as `time` or `github`"
        ))
    }
}

/// Our name for the server tool `tool` of server `prefix`: `<prefix>_<tool>` with every
/// character outside `[a-zA-Z0-9_-]` (such as `.`) as `_`; past 64 characters, cut and
/// ended with `-` and 8 hex digits of the SHA-256 of the server's name, so that it stays
/// unique and stable.
pub fn local_name(prefix: &str, tool: &str) -> String {
    let clean: String = tool
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let name = format!("{prefix}_{clean}");
    if name.len() <= MAX_TOOL_NAME_LEN {
        return name;
    }
    let hash = hex::encode(Sha256::digest(tool.as_bytes()));
    // `name` is ASCII, so byte positions are character positions.
    let keep = MAX_TOOL_NAME_LEN - HASH_LEN - 1;
    format!("{}-{}", &name[..keep], &hash[..HASH_LEN])
}

/// Maps every server tool name, applying `renames` (server name → our name) first.
/// Returns `(server name, our name)` sorted by our name, or every collision found.
pub fn map_all(
    prefix: &str,
    tools: &[String],
    renames: &BTreeMap<String, String>,
) -> Result<Vec<(String, String)>, Vec<String>> {
    let mut by_local: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut problems = Vec::new();
    for tool in tools {
        let local = match renames.get(tool) {
            Some(name) => {
                if let Err(e) = protocol::manifest::validate_tool_name(name) {
                    problems.push(format!("`--rename {tool}={name}`: {e}"));
                    continue;
                }
                name.clone()
            }
            None => local_name(prefix, tool),
        };
        by_local.entry(local).or_default().push(tool.clone());
    }
    for (local, servers) in &by_local {
        if servers.len() > 1 {
            problems.push(format!(
                "the server's tools {} would all be named `{local}`; give each its own name \
                 with `--rename SERVER_TOOL=NEW_NAME` (e.g. `--rename {}={local}_2`)",
                servers
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(" and "),
                servers[1]
            ));
        }
    }
    for from in renames.keys() {
        if !tools.contains(from) {
            problems.push(format!(
                "`--rename {from}=...` names no tool of the server; its tools are: {}",
                tools.join(", ")
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(by_local
        .into_iter()
        .map(|(local, mut servers)| (servers.remove(0), local))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prefixed_and_dots_become_underscores() {
        assert_eq!(
            local_name("time", "get_current_time"),
            "time_get_current_time"
        );
        assert_eq!(local_name("fs", "files.read-all"), "fs_files_read-all");
        assert!(protocol::manifest::validate_tool_name(&local_name("x", "a.b.c")).is_ok());
    }

    #[test]
    fn long_names_are_cut_with_a_stable_hash_and_stay_unique() {
        let a = "a".repeat(128);
        let b = format!("{}b", "a".repeat(127));
        let (la, lb) = (local_name("srv", &a), local_name("srv", &b));
        assert_eq!(la.len(), 64);
        assert_ne!(la, lb);
        assert_eq!(la, local_name("srv", &a), "deterministic");
        assert!(protocol::manifest::validate_tool_name(&la).is_ok());
    }

    #[test]
    fn collisions_are_refused_with_the_fix() {
        let tools = vec!["a.b".to_owned(), "a_b".to_owned()];
        let err = map_all("s", &tools, &BTreeMap::new()).unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(
            err[0].contains("`a.b` and `a_b` would all be named `s_a_b`"),
            "{}",
            err[0]
        );
        assert!(err[0].contains("--rename"), "{}", err[0]);
        let renames = BTreeMap::from([("a.b".to_owned(), "s_a_dot_b".to_owned())]);
        let mapped = map_all("s", &tools, &renames).unwrap();
        assert_eq!(
            mapped,
            [
                ("a_b".to_owned(), "s_a_b".to_owned()),
                ("a.b".to_owned(), "s_a_dot_b".to_owned())
            ]
        );
    }

    #[test]
    fn prefixes_are_short_and_have_no_underscore() {
        assert!(check_prefix("time").is_ok());
        assert!(check_prefix("my-server2").is_ok());
        assert!(check_prefix("").is_err());
        assert!(check_prefix("a_b").is_err());
        assert!(check_prefix(&"a".repeat(25)).is_err());
    }
}
