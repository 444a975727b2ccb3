// cdk-nag's AwsSolutions pack: zero unacknowledged findings on the stack (synth throws on
// any), every acknowledgement carries a reason, and the check is live.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DEFINITION, REPO_ROOT, fixtureRepo, importedTool, synth, task, TOOLS } from './support';

test('cdk-nag AwsSolutions passes on the committed stack, the fixture, Express, an inference profile and imported tools', () => {
  assert.doesNotThrow(() => synth(REPO_ROOT));
  assert.doesNotThrow(() => synth(fixtureRepo(DEFINITION), { machineType: 'EXPRESS', modelId: 'amazon.nova-lite-v1:0', alarmEmail: 'a@example.com' }));
  const tools = [...TOOLS, importedTool('t_now', 't')];
  const definition = { ...DEFINITION, States: { ...DEFINITION.States, Fetch: task('ToolFunctionArn_http-fetch', 'T'), T: task('ToolFunctionArn_t_now') } };
  assert.doesNotThrow(() => synth(fixtureRepo(definition, tools), { mcpSecrets: { t: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:t-AbCdEf' } }));
});

test('every acknowledgement carries a written reason', () => {
  const { stack } = synth(fixtureRepo(DEFINITION));
  const acknowledged = stack.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) => Object.entries(m.data as Record<string, string>))
    // CDK acknowledges some CloudFormation-Validate warnings of its own constructs itself.
    .filter(([id]) => id.startsWith('AwsSolutions::'));
  assert.ok(acknowledged.length >= 8, `only ${acknowledged.length} acknowledgements found`);
  for (const [id, reason] of acknowledged) {
    assert.match(id, /^AwsSolutions::AwsSolutions-/);
    assert.ok(reason.length >= 40 && /\s/.test(reason), `${id}: ${reason}`);
  }
});

test('cdk-nag catches a violation when one is introduced (the check is live)', () => {
  const app = new App();
  const stack = new Stack(app, 'Bad');
  new s3.Bucket(stack, 'Open', {});
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  assert.throws(() => app.synth(), /AwsSolutions-S1|AwsSolutions-S10|Validation failed/);
});
