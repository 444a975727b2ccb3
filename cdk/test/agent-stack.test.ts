// One test per behaviour of AgentStack, on a small fixture repository (two tools) and on
// the committed statemachines/ when they exist.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AgentStack, placeholdersOf, stubCode } from '../lib/agent-stack';

const TOOLS = [
  { name: 'calculator', description: 'math', 'x-sfn': { timeoutSeconds: 7, memoryMb: 192, architecture: 'arm64' } },
  { name: 'http-fetch', description: 'web', 'x-sfn': { timeoutSeconds: 20, memoryMb: 512, architecture: 'x86_64' } },
];

function fixtureRepo(definition: object, tools: object[] = TOOLS): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-stack-'));
  fs.mkdirSync(path.join(root, 'statemachines'));
  fs.writeFileSync(path.join(root, 'statemachines', 'agent.asl.json'), JSON.stringify(definition));
  fs.writeFileSync(path.join(root, 'statemachines', 'tools.json'), JSON.stringify(tools));
  return root;
}

function task(fn: string, next?: string) {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: `\${${fn}}`, 'Payload.$': '$' },
    ...(next ? { Next: next } : { End: true }),
  };
}

const DEFINITION = {
  StartAt: 'Agent',
  States: {
    Agent: task('AgentFunctionArn', 'Calc'),
    Calc: task('ToolFunctionArn_calculator', 'Fetch'),
    Fetch: task('ToolFunctionArn_http-fetch'),
  },
};

function synth(root: string): { stack: AgentStack; template: Template } {
  const app = new App();
  const stack = new AgentStack(app, 'Test', { repoRoot: root, codeFor: stubCode(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-stack-stage-'))) });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return { stack, template: Template.fromStack(stack) };
}

test('placeholders are found once each, sorted', () => {
  assert.deepEqual(placeholdersOf('{"a":"${B}","b":"${A}","c":"${B}"}'), ['A', 'B']);
});

test('every placeholder is filled with the ARN of its function', () => {
  const { stack, template } = synth(fixtureRepo(DEFINITION));
  const sm = template.findResources('AWS::StepFunctions::StateMachine');
  const [props] = Object.values(sm).map((r: any) => r.Properties);
  assert.deepEqual(Object.keys(props.DefinitionSubstitutions).sort(), [
    'AgentFunctionArn',
    'ToolFunctionArn_calculator',
    'ToolFunctionArn_http-fetch',
  ]);
  const agentId = stack.getLogicalId(stack.agentFunction.node.defaultChild as any);
  assert.deepEqual(props.DefinitionSubstitutions.AgentFunctionArn, { 'Fn::GetAtt': [agentId, 'Arn'] });
});

test('each tool gets its own function sized by its manifest', () => {
  const { template } = synth(fixtureRepo(DEFINITION));
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'provided.al2023',
    Timeout: 7,
    MemorySize: 192,
    Architectures: ['arm64'],
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Timeout: 20,
    MemorySize: 512,
    Architectures: ['x86_64'],
  });
  // two tools + the agent
  template.resourceCountIs('AWS::Lambda::Function', 3);
});

test('a placeholder the stack cannot fill fails synth with its name', () => {
  const bad = { ...DEFINITION, States: { ...DEFINITION.States, Fetch: task('SomethingElse') } };
  assert.throws(() => synth(fixtureRepo(bad)), /SomethingElse/);
  const missingTool = { ...DEFINITION, States: { ...DEFINITION.States, Fetch: task('ToolFunctionArn_nope') } };
  assert.throws(() => synth(fixtureRepo(missingTool)), /no tool `nope`/);
});

test('the machine may start itself (continue-as-new) and nothing else', () => {
  const { template } = synth(fixtureRepo(DEFINITION));
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as any[];
  const statements = policies.flatMap((p) => p.Properties.PolicyDocument.Statement);
  const start = statements.filter((s) => s.Action === 'states:StartExecution');
  assert.equal(start.length, 1);
  assert.match(JSON.stringify(start[0].Resource), /stateMachine:Agent/);
});

test('offload bucket is private, encrypted, TLS-only and expires objects', () => {
  const { template } = synth(fixtureRepo(DEFINITION));
  template.hasResourceProperties('AWS::S3::Bucket', {
    PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
    LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 14 })] },
    LoggingConfiguration: Match.anyValue(),
  });
});

test('cdk-nag AwsSolutions passes: synth throws on any unacknowledged finding', () => {
  // Policy validation runs inside app.synth() and throws when a plugin reports a violation.
  assert.doesNotThrow(() => synth(fixtureRepo(DEFINITION)));
});

test('cdk-nag catches a violation when one is introduced (the check is live)', () => {
  const app = new App();
  const stack = new Stack(app, 'Bad');
  new (require('aws-cdk-lib/aws-s3').Bucket)(stack, 'Open', {});
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  assert.throws(() => app.synth(), /AwsSolutions-S1|AwsSolutions-S10|Validation failed/);
});

test('the committed statemachines/ synthesize', (t) => {
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  if (!fs.existsSync(path.join(repoRoot, 'statemachines', 'tools.json'))) {
    t.skip('statemachines/tools.json is not generated yet');
    return;
  }
  const { template } = synth(repoRoot);
  const tools = JSON.parse(fs.readFileSync(path.join(repoRoot, 'statemachines', 'tools.json'), 'utf8'));
  template.resourceCountIs('AWS::Lambda::Function', tools.length + 1);
  assert.ok(Stack.of);
});
