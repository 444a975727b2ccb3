//! `sfn-gen import-mcp`: a server's `tools/list` becomes one manifest per tool, routed to
//! the `mcp-proxy` runtime, written as `<out>/<tool>/tool.json` (`tool-lambdas/` by
//! default, where `generate` finds them); `--check` fails with a diff when the server's
//! tools changed since the import.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use protocol::mcp::{McpTransport, header_env_var};
use serde_json::Value;

use crate::import_mcp::{manifest, names};

/// Import the tools of an MCP server as manifests routed to `mcp-proxy`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The server's local name: the prefix of every imported tool (`[a-zA-Z0-9-]{1,24}`).
    pub name: String,
    /// A stdio server: the program and its arguments, as one string ("uvx mcp-server-time").
    #[arg(long, conflicts_with = "url", required_unless_present = "url")]
    pub command: Option<String>,
    /// A Streamable HTTP server: its MCP endpoint.
    #[arg(long)]
    pub url: Option<String>,
    /// A header for the HTTP server, `K:V`; `K:$VAR` reads the value from `$VAR`. Only the
    /// name is written; at run time the proxy reads the value from `MCP_HEADER_<K>`.
    #[arg(long = "header", value_name = "K:V", requires = "url")]
    pub headers: Vec<String>,
    /// Our name for one server tool, `SERVER_TOOL=NAME` (to resolve a collision).
    #[arg(long = "rename", value_name = "SERVER_TOOL=NAME")]
    pub renames: Vec<String>,
    /// Folder of the tool folders (default: the workspace's `tool-lambdas/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write nothing; exit 1 with a diff when the server's tools changed since the import.
    #[arg(long)]
    pub check: bool,
    /// Seconds to wait for the server to connect and list its tools.
    #[arg(long, default_value_t = 60)]
    pub timeout_seconds: u64,
}

/// One file the import writes, or removes (`None`: the server no longer has the tool).
struct Planned {
    path: PathBuf,
    contents: Option<String>,
}

/// Runs the subcommand.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    names::check_prefix(&args.name).map_err(anyhow::Error::msg)?;
    let (transport, headers) = transport_of(&args)?;
    let renames = parse_renames(&args.renames)?;
    let out = match &args.out {
        Some(out) => out.clone(),
        None => {
            let cwd = std::env::current_dir().context("cannot read the current folder")?;
            let root = crate::local_lambdas::find_workspace(&cwd).context(
                "not inside the workspace (no Cargo.toml with [workspace] above this folder); \
                 run from the repository or pass `--out DIR`",
            )?;
            protocol::discover::tools_dir(&root)
        }
    };
    let tools = list_server_tools(&transport, &headers, args.timeout_seconds)?;
    let plan = plan(&args.name, &transport, &tools, &renames, &out)?;
    if args.check {
        return Ok(check(&plan, &args));
    }
    for file in &plan {
        match &file.contents {
            Some(contents) => {
                let dir = file.path.parent().expect("a tool.json has a folder");
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create `{}`", dir.display()))?;
                std::fs::write(&file.path, contents)
                    .with_context(|| format!("cannot write `{}`", file.path.display()))?;
                println!("{}", file.path.display());
            }
            None => {
                std::fs::remove_file(&file.path)
                    .with_context(|| format!("cannot remove `{}`", file.path.display()))?;
                if let Some(dir) = file.path.parent() {
                    let _ = std::fs::remove_dir(dir);
                }
                eprintln!(
                    "removed {} (the server no longer has it)",
                    file.path.display()
                );
            }
        }
    }
    eprintln!(
        "imported {} tool(s) of `{}` ({}); next: `sfn-gen generate` routes them to mcp-proxy",
        plan.iter().filter(|p| p.contents.is_some()).count(),
        args.name,
        transport.describe()
    );
    Ok(ExitCode::SUCCESS)
}

/// The transport to record and the headers (with values) to connect with.
fn transport_of(args: &Args) -> anyhow::Result<(McpTransport, Vec<(String, String)>)> {
    if let Some(command) = &args.command {
        let argv = split_command(command)?;
        return Ok((McpTransport::Stdio { command: argv }, Vec::new()));
    }
    let url = args.url.clone().expect("clap requires --command or --url");
    refuse_secret_url(&url)?;
    let mut headers = Vec::new();
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            bail!(
                "`--header {header}` is not `K:V`; for example `--header 'Authorization:$TOKEN'`"
            );
        };
        let name = name.trim().to_owned();
        let value = value.trim();
        let value = match value.strip_prefix('$') {
            Some(var) => std::env::var(var).with_context(|| {
                format!("`--header {name}:${var}` reads `{var}`, which is not set")
            })?,
            None => value.to_owned(),
        };
        headers.push((name, value));
    }
    let names = headers.iter().map(|(n, _)| n.clone()).collect();
    Ok((
        McpTransport::StreamableHttp {
            url,
            headers: names,
        },
        headers,
    ))
}

/// A URL that carries a credential would be written into the manifest: refuse it.
fn refuse_secret_url(url: &str) -> anyhow::Result<()> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme.split(['/', '?', '#']).next().unwrap_or("");
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let secret_param = query.split('&').any(|kv| {
        let key = kv.split('=').next().unwrap_or("").to_ascii_lowercase();
        ["key", "token", "secret", "password", "auth", "signature"]
            .iter()
            .any(|s| key.contains(s))
    });
    if authority.contains('@') || secret_param {
        bail!(
            "the URL `{}` seems to carry a credential, which would be written into the \
             manifest; pass it as a header instead (`--header 'Authorization:$TOKEN'`): the \
             manifest then names the header and the proxy reads its value from `{}`",
            redact(url),
            header_env_var("Authorization")
        );
    }
    Ok(())
}

fn redact(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_owned() + "?..."
}

/// Splits a command line on whitespace, honouring single and double quotes.
fn split_command(command: &str) -> anyhow::Result<Vec<String>> {
    let mut argv = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    argv.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (None, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        bail!("`--command {command}` has an unclosed quote");
    }
    if in_word {
        argv.push(cur);
    }
    if argv.is_empty() {
        bail!(
            "`--command` is empty; give the server's program, e.g. `--command \"uvx mcp-server-time\"`"
        );
    }
    Ok(argv)
}

fn parse_renames(flags: &[String]) -> anyhow::Result<BTreeMap<String, String>> {
    flags
        .iter()
        .map(|f| match f.split_once('=') {
            Some((from, to)) if !from.is_empty() && !to.is_empty() => {
                Ok((from.to_owned(), to.to_owned()))
            }
            _ => bail!("`--rename {f}` is not SERVER_TOOL=NAME"),
        })
        .collect()
}

/// Connects, lists every tool (all pages), and closes the session.
fn list_server_tools(
    transport: &McpTransport,
    headers: &[(String, String)],
    timeout_seconds: u64,
) -> anyhow::Result<Vec<Value>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let describe = transport.describe();
    runtime.block_on(async {
        let work = async {
            let session = mcp_proxy::connection::connect(transport, headers).await?;
            let tools = mcp_proxy::connection::list_tools(&session).await;
            let _ = session.cancel().await;
            tools
        };
        match tokio::time::timeout(Duration::from_secs(timeout_seconds), work).await {
            Ok(Ok(tools)) => Ok(tools),
            Ok(Err(e)) => bail!("cannot list the tools of {describe}: {}", e.message),
            Err(_) => bail!(
                "{describe} did not connect and list its tools within {timeout_seconds} s; \
                 check that it starts (run it by hand) or raise `--timeout-seconds`"
            ),
        }
    })
}

/// Every file to write or remove, or every reason not to.
fn plan(
    server: &str,
    transport: &McpTransport,
    tools: &[Value],
    renames: &BTreeMap<String, String>,
    out: &Path,
) -> anyhow::Result<Vec<Planned>> {
    let server_names: Vec<String> = tools
        .iter()
        .map(|t| t["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    let mapped = names::map_all(server, &server_names, renames).map_err(|problems| {
        anyhow::anyhow!(
            "cannot name the tools of `{server}`:\n  {}",
            problems.join("\n  ")
        )
    })?;
    let existing = existing_imports(out, server)?;
    let mut plan = Vec::new();
    let mut problems = Vec::new();
    let mut written = BTreeSet::new();
    for (server_name, local) in &mapped {
        let tool = tools
            .iter()
            .find(|t| t["name"].as_str() == Some(server_name))
            .expect("mapped from these tools");
        let m = manifest::build(server, transport, tool, local);
        for p in m.check() {
            problems.push(format!("the server tool `{server_name}` as `{local}`: {p}"));
        }
        if let Err(e) = jsonschema::validator_for(&m.input_schema) {
            problems.push(format!(
                "the server tool `{server_name}`: its normalized inputSchema does not compile: {e}"
            ));
        }
        let path = out.join(local).join(protocol::discover::MANIFEST_FILE);
        if path.exists() && !existing.contains_key(local) {
            problems.push(format!(
                "`{}` exists and is not an import of `{server}`; import under another server \
                 name, or `--rename {server_name}=OTHER_NAME`",
                path.display()
            ));
        }
        written.insert(local.clone());
        plan.push(Planned {
            path,
            contents: Some(manifest::render(&m)),
        });
    }
    for (local, path) in existing {
        if !written.contains(&local) {
            plan.push(Planned {
                path,
                contents: None,
            });
        }
    }
    if !problems.is_empty() {
        bail!(
            "cannot import `{server}` ({} problem(s)):\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }
    Ok(plan)
}

/// Tools already imported from `server` under `out`: our name → manifest path.
fn existing_imports(out: &Path, server: &str) -> anyhow::Result<BTreeMap<String, PathBuf>> {
    let mut found = BTreeMap::new();
    if !out.is_dir() {
        return Ok(found);
    }
    for krate in protocol::discover(out)? {
        let Ok(text) = std::fs::read_to_string(&krate.manifest) else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if value["x-sfn"]["mcp"]["server"].as_str() == Some(server) {
            found.insert(krate.crate_name(), krate.manifest);
        }
    }
    Ok(found)
}

fn check(plan: &[Planned], args: &Args) -> ExitCode {
    let mut stale = false;
    for file in plan {
        let on_disk = std::fs::read_to_string(&file.path).unwrap_or_default();
        let wanted = file.contents.clone().unwrap_or_default();
        if on_disk != wanted {
            stale = true;
            let status = match (&file.contents, on_disk.is_empty()) {
                (None, _) => "is no longer on the server",
                (Some(_), true) => "is new on the server",
                (Some(_), false) => "changed on the server",
            };
            eprintln!("{} {status}:", file.path.display());
            let diff = similar::TextDiff::from_lines(&on_disk, &wanted);
            eprint!(
                "{}",
                diff.unified_diff()
                    .context_radius(3)
                    .header("imported", "server now")
            );
        }
    }
    if stale {
        eprintln!(
            "fix: re-run the import without `--check` (`sfn-gen import-mcp {} ...`), then \
             `sfn-gen generate`, and commit the result",
            args.name
        );
        return ExitCode::from(1);
    }
    eprintln!("the imported tools of `{}` are up to date", args.name);
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_split_on_spaces_and_keep_quoted_words() {
        assert_eq!(
            split_command(r#"uvx mcp-server-time --local-timezone "America/New York" ''"#).unwrap(),
            [
                "uvx",
                "mcp-server-time",
                "--local-timezone",
                "America/New York",
                ""
            ]
        );
        assert!(split_command("a 'b").is_err());
        assert!(split_command("  ").is_err());
    }

    #[test]
    fn urls_with_credentials_are_refused() {
        assert!(refuse_secret_url("http://127.0.0.1:3001/mcp").is_ok());
        assert!(refuse_secret_url("https://h/mcp?region=eu").is_ok());
        let err = refuse_secret_url("https://u:p@h/mcp")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--header"), "{err}");
        assert!(refuse_secret_url("https://h/mcp?api_key=s3cret").is_err());
        assert!(
            !refuse_secret_url("https://h/mcp?api_key=s3cret")
                .unwrap_err()
                .to_string()
                .contains("s3cret")
        );
    }
}
