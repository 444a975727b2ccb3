// The linter can fail: workflows with one known mistake each must be reported with the check
// that catches it, and the outdated-findings list must not hide anything else.
'use strict';

const test = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { lintFiles, classify } = require('./lint.cjs');

const job = 'jobs:\n  build:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: echo ok\n';

/** Lints one workflow text written to a temporary file; returns the findings' kinds. */
async function kindsOf(text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'workflow-lint-'));
  const file = path.join(dir, 'case.yml');
  fs.writeFileSync(file, text);
  try {
    return (await lintFiles([file])).map((finding) => finding.kind);
  } finally {
    fs.rmSync(dir, { recursive: true });
  }
}

test('a clean workflow has no findings', async () => {
  assert.deepStrictEqual(await kindsOf(`on: push\n${job}`), []);
});

test('a job that needs a job the workflow lacks', async () => {
  const text = `on: push\n${job}    needs: [compile]\n`;
  assert.deepStrictEqual(await kindsOf(text), ['job-needs']);
});

test('an unknown trigger event', async () => {
  assert.deepStrictEqual(await kindsOf(`on: pushed\n${job}`), ['events']);
});

test('an invalid cron schedule', async () => {
  const text = `on:\n  schedule:\n    - cron: '61 * * * *'\n${job}`;
  assert.deepStrictEqual(await kindsOf(text), ['events']);
});

test('an expression that does not parse', async () => {
  const text = `on: push\njobs:\n  build:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: echo \${{ github.ref == }}\n`;
  assert.deepStrictEqual(await kindsOf(text), ['expression']);
});

test('an unknown key in a step', async () => {
  const text = `on: push\njobs:\n  build:\n    runs-on: ubuntu-22.04\n    steps:\n      - run: echo ok\n        shel: bash\n`;
  assert.deepStrictEqual(await kindsOf(text), ['syntax-check']);
});

test('outdated entries explain only their own findings, and unused entries are named', () => {
  const outdated = [
    { kind: 'expression', message: 'undefined variable "vars"' },
    { kind: 'runner-label', message: 'label "ubuntu-24.04" is unknown' },
  ];
  const findings = [
    { kind: 'expression', message: 'undefined variable "vars". available variables are ...' },
    { kind: 'expression', message: 'undefined variable "secret". available variables are ...' },
  ];
  const { unexplained, unused } = classify(findings, outdated);
  assert.deepStrictEqual(unexplained, [findings[1]]);
  assert.deepStrictEqual(unused, [outdated[1]]);
});
