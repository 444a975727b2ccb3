// What CloudFormation would deploy is what runs: the synthesized template's state machine
// (its DefinitionString with CDK's DefinitionSubstitutions applied, every CloudFormation
// token resolved to the concrete ARN it would become) runs under `sfn-gen run` with the
// workspace's real Lambda binaries (target/debug, built by scripts/test.sh). The binaries
// are required: a missing one fails the test, it never skips.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { REPO_ROOT, logicalId, synth } from './support';
import { AgentStack } from '../lib/agent-stack';
import { AGENT_BINARY, readTools } from '../lib/settings';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const PSEUDO: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': REGION,
  'AWS::AccountId': ACCOUNT,
  'AWS::URLSuffix': 'amazonaws.com',
};

/**
 * Resolves a CloudFormation value (Ref of pseudo parameters, Fn::Join, Fn::Sub without a
 * map, Fn::GetAtt of a function's Arn) the way CloudFormation would, naming each function
 * `functionNames[logicalId]` (CloudFormation would generate a name; the local engine serves
 * functions by the workspace's names).
 */
function resolve(value: unknown, functionNames: Record<string, string>): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, any>;
  if ('Ref' in v) {
    if (v.Ref in PSEUDO) return PSEUDO[v.Ref];
    throw new Error(`cannot resolve Ref ${v.Ref}`);
  }
  if ('Fn::Join' in v) return (v['Fn::Join'][1] as unknown[]).map((p) => resolve(p, functionNames)).join(v['Fn::Join'][0]);
  if ('Fn::Sub' in v && typeof v['Fn::Sub'] === 'string') {
    return (v['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, name) => {
      if (name in PSEUDO) return PSEUDO[name];
      const [id, attr] = name.split('.');
      return resolve({ 'Fn::GetAtt': [id, attr] }, functionNames);
    });
  }
  if ('Fn::GetAtt' in v) {
    const [id, attr] = v['Fn::GetAtt'];
    const name = functionNames[id];
    if (!name || attr !== 'Arn') throw new Error(`cannot resolve Fn::GetAtt ${id}.${attr}`);
    return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** The deployed definition, every substitution applied as Step Functions applies it. */
function renderedDefinition(stack: AgentStack, template: any): string {
  const machines = Object.values(template.Resources).filter((r: any) => r.Type === 'AWS::StepFunctions::StateMachine') as any[];
  assert.equal(machines.length, 1);
  const props = machines[0].Properties;
  const names: Record<string, string> = { [logicalId(stack, stack.loop.agent.function)]: AGENT_BINARY };
  for (const [tool, fn] of Object.entries(stack.loop.tools)) names[logicalId(stack, fn.function)] = tool;
  // Every function of the template but the MCP gateway (a caller of the machine, not a Task) is served.
  const gateway = stack.gateway ? logicalId(stack, stack.gateway.gateway.function) : undefined;
  const functionResources = Object.entries(template.Resources)
    .filter(([id, r]: any) => r.Type === 'AWS::Lambda::Function' && id !== gateway)
    .map(([id]) => id);
  assert.deepEqual(Object.keys(names).sort(), functionResources.sort(), 'every function of the template is served');
  let definition = resolve(props.DefinitionString, names);
  for (const [key, value] of Object.entries(props.DefinitionSubstitutions ?? {})) {
    definition = definition.split(`\${${key}}`).join(resolve(value, names));
  }
  assert.doesNotMatch(definition, /\$\{[^}]+\}/, 'a placeholder is left');
  return definition;
}

/** Runs `definition` with `sfn-gen run --workspace-lambdas`, bounded; the JSON result. */
function runLocally(definition: string, input: string): any {
  const sfnGen = path.join(REPO_ROOT, 'target', 'debug', 'sfn-gen');
  for (const binary of [sfnGen, ...['agent-lambda', ...readTools(REPO_ROOT).tools.map((t) => t['x-sfn']?.mcp?.runtime ?? t.name)].map((b) => path.join(REPO_ROOT, 'target', 'debug', b))]) {
    assert.ok(fs.existsSync(binary), `${binary} is missing: build it with \`cargo build -p sfn-gen\` and the Lambda packages (scripts/test.sh does)`);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'deployed-definition-'));
  const file = path.join(dir, 'deployed.asl.json');
  fs.writeFileSync(file, definition);
  const run = spawnSync(
    sfnGen,
    ['run', file, '--input', input, '--workspace-lambdas', '--format', 'json', '--offload-dir', path.join(dir, 'offload')],
    { cwd: REPO_ROOT, encoding: 'utf8', timeout: 180_000, env: { ...process.env, RUST_LOG: 'warn' } },
  );
  assert.equal(run.error, undefined, `sfn-gen run did not finish: ${run.error}`);
  assert.equal(run.status, 0, `sfn-gen run exited ${run.status}: ${run.stderr}`);
  return JSON.parse(run.stdout);
}

test("the synthesized template's state machine runs the calculator plan on the real binaries", () => {
  const { stack, template } = synth(REPO_ROOT);
  const definition = renderedDefinition(stack, template.toJSON());
  // The ARNs are the ones CloudFormation would write.
  assert.match(definition, /"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:agent-lambda"/);
  assert.match(definition, /"FunctionName":"arn:aws:lambda:us-east-1:123456789012:function:calculator"/);
  const result = runLocally(definition, `@${path.join(REPO_ROOT, 'examples', 'plan-calculator.json')}`);
  assert.equal(result.status, 'SUCCEEDED', JSON.stringify(result));
  // (2 + 3) × (10 / 4) = 12.5; items priced over 5 are the gear and the axle.
  assert.equal(Number(result.output.answer.product), 12.5);
  // json-query answers each match with its path and value.
  assert.deepEqual(result.output.answer.expensive.map((m: { value: unknown }) => m.value), ['gear', 'axle']);
});

test('a context override reaches the deployed machine: -c maxTurns=1 ends the same plan with Agent.TurnLimit', () => {
  const { stack, template } = synth(REPO_ROOT, { maxTurns: '1' });
  const definition = renderedDefinition(stack, template.toJSON());
  const result = runLocally(definition, `@${path.join(REPO_ROOT, 'examples', 'plan-calculator.json')}`);
  assert.equal(result.status, 'FAILED', JSON.stringify(result));
  assert.equal(result.error, 'Agent.TurnLimit');
});
