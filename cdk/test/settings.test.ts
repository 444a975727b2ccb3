// settings.ts: sfn-gen.json read as sfn-gen reads it, CDK context refused with the key
// and what it accepts, and the one plan the stack and scripts/build-lambdas.sh share.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { GENERATOR_DEFAULTS, buildTargets, lambdaPlan, readDeploySettings, readGeneratorSettings } from '../lib/settings';
import { REPO_ROOT, TOOLS, importedTool } from './support';

test("the committed sfn-gen.json holds sfn-gen's defaults (the Rust GeneratorConfig and this mirror agree)", () => {
  // sfn-gen refuses unknown fields (deny_unknown_fields), and `sfn-gen generate --check`
  // reads this very file, so every key here is one sfn-gen knows.
  const committed = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'sfn-gen.json'), 'utf8'));
  assert.deepEqual(Object.keys(committed).sort(), Object.keys(GENERATOR_DEFAULTS).sort());
  assert.deepEqual(readGeneratorSettings(REPO_ROOT), committed);
});

test('bad context is refused, every problem at once, naming the key and what it accepts', () => {
  const context: Record<string, unknown> = { maxTurns: '0', machineType: 'FAST', logLevel: 'loud', turnsPerExecution: '2000', mcpSecrets: '[1]' };
  assert.throws(
    () => readDeploySettings((k) => context[k], GENERATOR_DEFAULTS),
    (e: Error) => {
      for (const part of [
        '-c maxTurns=0: must be a whole number of at least 1',
        '-c machineType=FAST: must be one of STANDARD, EXPRESS',
        '-c logLevel=loud: must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL',
        '-c turnsPerExecution=2000: a Standard execution would pass the 25,000-event history limit',
        '-c mcpSecrets: must be a JSON object of strings',
      ]) assert.ok(e.message.includes(part), `${part} in ${e.message}`);
      return true;
    },
  );
  const express = readDeploySettings((k) => ({ machineType: 'express', turnsPerExecution: '2000' } as Record<string, unknown>)[k], GENERATOR_DEFAULTS);
  assert.equal(express.machineType, 'EXPRESS');
  assert.equal(express.turnsPerExecution, 2000);
});

test('defaults come from sfn-gen.json', () => {
  const generator = { ...GENERATOR_DEFAULTS, maxTurns: 9, type: 'EXPRESS' as const };
  const settings = readDeploySettings(() => undefined, generator);
  assert.equal(settings.maxTurns, 9);
  assert.equal(settings.machineType, 'EXPRESS');
  assert.equal(settings.reasoner, 'plan');
  assert.equal(settings.logLevel, 'INFO');
});

test('the build plan: each binary once per architecture it is deployed on; imported tools share mcp-proxy', () => {
  const tools = [...TOOLS, importedTool('a_one', 'a'), { ...importedTool('a_two', 'a'), 'x-sfn': { ...importedTool('a_two', 'a')['x-sfn'], architecture: 'x86_64' as const } }];
  const plan = lambdaPlan({ ...GENERATOR_DEFAULTS, agentArchitecture: 'x86_64' }, tools);
  assert.deepEqual(plan.map((p) => [p.tool ?? '(agent)', p.binary, p.architecture]), [
    ['(agent)', 'agent-lambda', 'x86_64'],
    ['calculator', 'calculator', 'arm64'],
    ['http-fetch', 'http-fetch', 'x86_64'],
    ['a_one', 'mcp-proxy', 'arm64'],
    ['a_two', 'mcp-proxy', 'x86_64'],
  ]);
  assert.deepEqual([...buildTargets(plan)], [
    ['arm64', ['calculator', 'mcp-proxy']],
    ['x86_64', ['agent-lambda', 'http-fetch', 'mcp-proxy']],
  ]);
});
