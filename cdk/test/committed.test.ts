// The committed repository synthesizes: one function per tool of statemachines/tools.json,
// every placeholder filled; and a tool scaffolded by `sfn-gen new-tool` into a copy of the
// repository appears in the template with its own function, role and substitution, with
// no edit under cdk/.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Capture } from 'aws-cdk-lib/assertions';
import { placeholdersOf } from '../lib/agent-loop';
import { readTools } from '../lib/settings';
import { REPO_ROOT, logicalId, roleOf, synth } from './support';

test('the committed statemachines/ synthesize: one function per tool in tools.json, every placeholder filled', () => {
  const { tools } = readTools(REPO_ROOT);
  const committed = fs.readFileSync(path.join(REPO_ROOT, 'statemachines', 'agent.asl.json'), 'utf8');
  assert.ok(tools.length > 0, 'statemachines/tools.json lists no tool');
  const { template, code } = synth(REPO_ROOT);
  template.resourceCountIs('AWS::Lambda::Function', tools.length + 2); // + the agent and the MCP gateway
  for (const tool of tools) {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: tool['x-sfn']?.timeoutSeconds ?? 30,
      MemorySize: tool['x-sfn']?.memoryMb ?? 256,
      Architectures: [tool['x-sfn']?.architecture ?? 'arm64'],
    });
  }
  assert.deepEqual(code.map((c) => c.binary), [...tools.map((t) => t['x-sfn']?.mcp?.runtime ?? t.name), 'agent-lambda', 'mcp-gateway']);
  const substitutions = new Capture();
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', { DefinitionSubstitutions: substitutions });
  assert.deepEqual(Object.keys(substitutions.asObject()).sort(), placeholdersOf(committed));
});

/** A copy of what `sfn-gen new-tool` and `generate` read: the workspace manifest, tools' manifests, sfn-gen.json. */
function copyRepository(): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), 'new-tool-repo-'));
  for (const file of ['Cargo.toml', 'sfn-gen.json']) fs.copyFileSync(path.join(REPO_ROOT, file), path.join(copy, file));
  fs.cpSync(path.join(REPO_ROOT, 'statemachines'), path.join(copy, 'statemachines'), { recursive: true });
  for (const entry of fs.readdirSync(path.join(REPO_ROOT, 'tool-lambdas'))) {
    const manifest = path.join(REPO_ROOT, 'tool-lambdas', entry, 'tool.json');
    if (!fs.existsSync(manifest)) continue;
    fs.mkdirSync(path.join(copy, 'tool-lambdas', entry), { recursive: true });
    fs.copyFileSync(manifest, path.join(copy, 'tool-lambdas', entry, 'tool.json'));
  }
  return copy;
}

test('a tool scaffolded by sfn-gen new-tool gets its own function, role and substitution, with no edit under cdk/', () => {
  const sfnGen = path.join(REPO_ROOT, 'target', 'debug', 'sfn-gen');
  assert.ok(fs.existsSync(sfnGen), `${sfnGen} is missing: run \`cargo build -p sfn-gen\` (scripts/test.sh does)`);
  const copy = copyRepository();
  const cdkBefore = JSON.stringify(fs.readdirSync(path.join(REPO_ROOT, 'cdk', 'lib')).map((f) => [f, fs.statSync(path.join(REPO_ROOT, 'cdk', 'lib', f)).mtimeMs]));
  const run = (...args: string[]) => {
    const r = spawnSync(sfnGen, args, { cwd: copy, encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `sfn-gen ${args.join(' ')}: ${r.stderr}`);
  };
  run('new-tool', 'word-count', '--description', 'Counts the words of a text.');
  assert.ok(fs.existsSync(path.join(copy, 'tool-lambdas', 'word-count', 'src', 'lib.rs')));
  // The scaffold's tool.json is printed by its own binary (`--manifest`, after a build of
  // the new crate, which the scaffold's own drift test checks); this is the manifest that
  // binary declares before its author changes anything but the sizes.
  fs.writeFileSync(
    path.join(copy, 'tool-lambdas', 'word-count', 'tool.json'),
    JSON.stringify({
      name: 'word-count',
      description: 'Counts the words of a text.',
      inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
      'x-sfn': { timeoutSeconds: 9, memoryMb: 160, architecture: 'x86_64' },
    }),
  );
  run('generate');
  const { stack, template, code } = synth(copy);
  const fn = stack.loop.tools['word-count'];
  assert.ok(fn, 'no function for the new tool');
  template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 9, MemorySize: 160, Architectures: ['x86_64'] });
  assert.ok(code.some((c) => c.binary === 'word-count' && c.architecture === 'x86_64'));
  // Its own role, holding its own (offload) statement.
  const role = roleOf(stack, fn.function);
  for (const other of [stack.loop.agent, ...Object.values(stack.loop.tools).filter((t) => t !== fn)]) assert.notEqual(roleOf(stack, other.function), role);
  template.hasResourceProperties('AWS::IAM::Role', {});
  const substitutions = new Capture();
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', { DefinitionSubstitutions: substitutions });
  assert.deepEqual(substitutions.asObject()['ToolFunctionArn_word-count'], { 'Fn::GetAtt': [logicalId(stack, fn.function), 'Arn'] });
  const cdkAfter = JSON.stringify(fs.readdirSync(path.join(REPO_ROOT, 'cdk', 'lib')).map((f) => [f, fs.statSync(path.join(REPO_ROOT, 'cdk', 'lib', f)).mtimeMs]));
  assert.equal(cdkAfter, cdkBefore, 'cdk/lib changed');
});
