// One test per behaviour of AgentStack, on a small fixture repository (two tools) and on
// the committed statemachines/. Assertions go through the template with Match and Capture.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Capture, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AgentStack, ToolManifest, placeholdersOf, stubCode } from '../lib/agent-stack';

const TOOLS: ToolManifest[] = [
  { name: 'calculator', description: 'math', 'x-sfn': { timeoutSeconds: 7, memoryMb: 192, architecture: 'arm64' } },
  { name: 'http-fetch', description: 'web', 'x-sfn': { timeoutSeconds: 20, memoryMb: 512, architecture: 'x86_64' } },
];

function fixtureRepo(definition: object, tools: ToolManifest[] = TOOLS): string {
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

interface Synthesized {
  stack: AgentStack;
  template: Template;
  /** The crate each function's code was asked for, in order. */
  crates: string[];
}

function synth(root: string): Synthesized {
  const app = new App();
  const stub = stubCode(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-stack-stage-')));
  const crates: string[] = [];
  const stack = new AgentStack(app, 'Test', {
    repoRoot: root,
    codeFor: (crate, extraFiles) => {
      crates.push(crate);
      return stub(crate, extraFiles);
    },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return { stack, template: Template.fromStack(stack), crates };
}

/** `{"Fn::GetAtt": [<function's logical id>, "Arn"]}`, as a substitution holds it. */
function arnOf(stack: Stack, fn: lambda.Function) {
  return { 'Fn::GetAtt': [stack.getLogicalId(fn.node.defaultChild as lambda.CfnFunction), 'Arn'] };
}

test('placeholders are found once each, sorted', () => {
  assert.deepEqual(placeholdersOf('{"a":"${B}","b":"${A}","c":"${B}"}'), ['A', 'B']);
});

test('the definition is deployed as committed, minified, with every placeholder filled by its function', () => {
  const { stack, template } = synth(fixtureRepo(DEFINITION));
  const definition = new Capture();
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
    DefinitionString: definition,
    DefinitionSubstitutions: Match.objectEquals({
      AgentFunctionArn: arnOf(stack, stack.agentFunction),
      ToolFunctionArn_calculator: arnOf(stack, stack.toolFunctions['calculator']),
      'ToolFunctionArn_http-fetch': arnOf(stack, stack.toolFunctions['http-fetch']),
    }),
  });
  assert.equal(definition.asString(), JSON.stringify(DEFINITION));
});

test('each tool gets its own function, built from its crate and sized by its manifest', () => {
  const { template, crates } = synth(fixtureRepo(DEFINITION));
  template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'provided.al2023',
    Handler: 'bootstrap',
    Timeout: 7,
    MemorySize: 192,
    Architectures: ['arm64'],
    LoggingConfig: { LogFormat: 'JSON' },
    TracingConfig: { Mode: 'Active' },
  });
  template.hasResourceProperties('AWS::Lambda::Function', {
    Timeout: 20,
    MemorySize: 512,
    Architectures: ['x86_64'],
  });
  // two tools + the agent; a tool's crate is named after the tool
  template.resourceCountIs('AWS::Lambda::Function', 3);
  assert.deepEqual(crates, ['calculator', 'http-fetch', 'agent-lambda']);
});

test('the agent reads the deployed tools.json', () => {
  const { template } = synth(fixtureRepo(DEFINITION));
  template.hasResourceProperties('AWS::Lambda::Function', {
    Timeout: 120,
    MemorySize: 512,
    Environment: {
      Variables: Match.objectLike({
        AGENT_TOOLS_FILE: '/var/task/tools.json',
        OFFLOAD_PREFIX: 'agents',
        OFFLOAD_BUCKET: Match.objectLike({ Ref: Match.stringLikeRegexp('^Offload') }),
      }),
    },
  });
});

test('a placeholder the stack cannot fill fails synth with its name', () => {
  const bad = { ...DEFINITION, States: { ...DEFINITION.States, Fetch: task('SomethingElse') } };
  assert.throws(() => synth(fixtureRepo(bad)), /SomethingElse/);
  const missingTool = { ...DEFINITION, States: { ...DEFINITION.States, Fetch: task('ToolFunctionArn_nope') } };
  assert.throws(() => synth(fixtureRepo(missingTool)), /no tool `nope`/);
});

test('the machine may start itself (continue-as-new) and nothing else', () => {
  const { stack, template } = synth(fixtureRepo(DEFINITION));
  const startExecution = Match.objectLike({ Action: 'states:StartExecution' });
  const resource = new Capture();
  template.hasResourceProperties('AWS::IAM::Policy', {
    PolicyDocument: {
      Statement: Match.arrayWith([Match.objectLike({ Action: 'states:StartExecution', Effect: 'Allow', Resource: resource })]),
    },
    Roles: [{ Ref: stack.getLogicalId(stack.stateMachine.role.node.defaultChild as iam.CfnRole) }],
  });
  // formatArn joins the partition, region and account with the resource: the last part
  // names this machine, and nothing is a wildcard.
  const joined = JSON.stringify(resource.asObject());
  assert.match(joined, /":stateMachine:Agent"\]\]\}$/);
  assert.doesNotMatch(joined, /\*/);
  template.resourcePropertiesCountIs(
    'AWS::IAM::Policy',
    { PolicyDocument: { Statement: Match.arrayWith([startExecution]) } },
    1,
  );
});

test('functions may read and write objects under the offload prefix only', () => {
  const { stack, template } = synth(fixtureRepo(DEFINITION));
  const bucket = stack.getLogicalId(stack.offloadBucket.node.defaultChild as s3.CfnBucket);
  template.resourcePropertiesCountIs(
    'AWS::IAM::Policy',
    {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
            Effect: 'Allow',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/agents/*']] },
          },
        ]),
      },
    },
    3,
  );
});

test('offload bucket is private, encrypted, TLS-only and expires objects', () => {
  const { template } = synth(fixtureRepo(DEFINITION));
  template.hasResourceProperties('AWS::S3::Bucket', {
    PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
    BucketEncryption: {
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    },
    LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 14 })] },
    LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'offload/' }),
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: {
      Statement: Match.arrayWith([
        Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      ]),
    },
  });
});

test('cdk-nag AwsSolutions passes: synth throws on any unacknowledged finding', () => {
  // Policy validation runs inside app.synth() and throws when a plugin reports a violation.
  assert.doesNotThrow(() => synth(fixtureRepo(DEFINITION)));
});

test('cdk-nag catches a violation when one is introduced (the check is live)', () => {
  const app = new App();
  const stack = new Stack(app, 'Bad');
  new s3.Bucket(stack, 'Open', {});
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  assert.throws(() => app.synth(), /AwsSolutions-S1|AwsSolutions-S10|Validation failed/);
});

test('the committed statemachines/ synthesize: one function per tool in tools.json, every placeholder filled', () => {
  // dist/test/*.js → repository root is three levels up; statemachines/ is committed.
  const repoRoot = path.resolve(__dirname, '..', '..', '..');
  const machineDir = path.join(repoRoot, 'statemachines');
  const tools: ToolManifest[] = JSON.parse(fs.readFileSync(path.join(machineDir, 'tools.json'), 'utf8'));
  const committed = fs.readFileSync(path.join(machineDir, 'agent.asl.json'), 'utf8');
  assert.ok(tools.length > 0, 'statemachines/tools.json lists no tool');
  const { template, crates } = synth(repoRoot);
  template.resourceCountIs('AWS::Lambda::Function', tools.length + 1);
  for (const tool of tools) {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: tool['x-sfn']?.timeoutSeconds ?? 30,
      MemorySize: tool['x-sfn']?.memoryMb ?? 256,
    });
  }
  assert.deepEqual(crates, [...tools.map((t) => t.name), 'agent-lambda']);
  const substitutions = new Capture();
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', { DefinitionSubstitutions: substitutions });
  assert.deepEqual(Object.keys(substitutions.asObject()).sort(), placeholdersOf(committed));
});
