// AgentLoop and ToolFunction: the definition and its substitutions, each function's code,
// sizes and environment, and every permission, each a test.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { DEFINITION, TOOLS, fixtureRepo, importedTool, logicalId, partitionArn, roleOf, statementsOf, synth, task } from './support';
import { AgentStack } from '../lib/agent-stack';
import { deployedDefinition, placeholdersOf } from '../lib/agent-loop';
import { GENERATOR_DEFAULTS, readDeploySettings } from '../lib/settings';

const arnOf = (stack: AgentStack, fn: { node: { defaultChild?: unknown } }) => ({ 'Fn::GetAtt': [logicalId(stack, fn), 'Arn'] });

/** The statements of a role, without X-Ray's (every traced function has them). */
function ownStatements(s: ReturnType<typeof synth>, fn: any) {
  return statementsOf(s.template, roleOf(s.stack, fn)).filter((st) => !String(st.Action).startsWith('xray:'));
}

test('placeholders are found once each, sorted', () => {
  assert.deepEqual(placeholdersOf('{"a":"${B}","b":"${A}","c":"${B}"}'), ['A', 'B']);
});

test('the definition is deployed as committed, minified, with every placeholder filled by its function', () => {
  const s = synth(fixtureRepo(DEFINITION));
  const definition = new Capture();
  s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
    DefinitionString: definition,
    DefinitionSubstitutions: Match.objectEquals({
      AgentFunctionArn: arnOf(s.stack, s.stack.loop.agent.function),
      ToolFunctionArn_calculator: arnOf(s.stack, s.stack.loop.tools['calculator'].function),
      'ToolFunctionArn_http-fetch': arnOf(s.stack, s.stack.loop.tools['http-fetch'].function),
    }),
  });
  assert.equal(definition.asString(), JSON.stringify(DEFINITION));
});

test('each tool gets its own function, built from its binary for its architecture and sized by its manifest', () => {
  const s = synth(fixtureRepo(DEFINITION));
  s.template.hasResourceProperties('AWS::Lambda::Function', {
    Runtime: 'provided.al2023',
    Handler: 'bootstrap',
    Timeout: 7,
    MemorySize: 192,
    Architectures: ['arm64'],
    LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO' },
    TracingConfig: { Mode: 'Active' },
  });
  s.template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 20, MemorySize: 512, Architectures: ['x86_64'] });
  s.template.resourceCountIs('AWS::Lambda::Function', 4); // the agent, two tools, the MCP gateway
  assert.deepEqual(
    s.code.map((c) => [c.binary, c.architecture]),
    [['calculator', 'arm64'], ['http-fetch', 'x86_64'], ['agent-lambda', 'arm64'], ['mcp-gateway', 'arm64']],
  );
});

test("the agent's timeout, memory and architecture come from sfn-gen.json, and it reads the deployed tools.json", () => {
  const s = synth(fixtureRepo(DEFINITION, TOOLS, { agentTimeoutSeconds: 300, agentMemoryMb: 1024, agentArchitecture: 'x86_64' }));
  s.template.hasResourceProperties('AWS::Lambda::Function', {
    Timeout: 300,
    MemorySize: 1024,
    Architectures: ['x86_64'],
    Environment: {
      Variables: Match.objectLike({
        AGENT_TOOLS_FILE: '/var/task/tools.json',
        AGENT_REASONER: 'plan',
        BEDROCK_MODEL_ID: 'us.amazon.nova-micro-v1:0',
        OFFLOAD_PREFIX: 'agents',
        OFFLOAD_BUCKET: { Ref: logicalId(s.stack, s.stack.loop.offloadBucket) },
      }),
    },
  });
  const agentCode = s.code.find((c) => c.binary === 'agent-lambda')!;
  assert.equal(agentCode.architecture, 'x86_64');
  assert.deepEqual(JSON.parse(agentCode.extraFiles['tools.json']), TOOLS);
});

test('an unknown sfn-gen.json field is refused, naming it', () => {
  assert.throws(() => synth(fixtureRepo(DEFINITION, TOOLS, { agentMemory: 1 })), /unknown field\(s\) `agentMemory`/);
});

test('a placeholder the stack cannot fill fails synth with its name', () => {
  const bad = { ...DEFINITION, States: { ...DEFINITION.States, Fetch: task('SomethingElse') } };
  assert.throws(() => synth(fixtureRepo(bad)), /SomethingElse/);
  const missingTool = { ...DEFINITION, States: { ...DEFINITION.States, Fetch: task('ToolFunctionArn_nope') } };
  assert.throws(() => synth(fixtureRepo(missingTool)), /no tool `nope`/);
});

test('the agent may invoke the configured foundation model only (Converse is bedrock:InvokeModel)', () => {
  const s = synth(fixtureRepo(DEFINITION), { modelId: 'amazon.nova-lite-v1:0', reasoner: 'bedrock' });
  const bedrock = ownStatements(s, s.stack.loop.agent.function).filter((st) => String(st.Action).startsWith('bedrock:'));
  assert.deepEqual(bedrock, [
    {
      Sid: 'InvokeConfiguredModel',
      Action: 'bedrock:InvokeModel',
      Effect: 'Allow',
      Resource: partitionArn(':bedrock:us-east-1::foundation-model/amazon.nova-lite-v1:0'),
    },
  ]);
  s.template.hasResourceProperties('AWS::Lambda::Function', {
    Environment: { Variables: Match.objectLike({ AGENT_REASONER: 'bedrock', BEDROCK_MODEL_ID: 'amazon.nova-lite-v1:0' }) },
  });
});

test('an inference profile: the profile here, and its model in any Region only through that profile', () => {
  const s = synth(fixtureRepo(DEFINITION), { modelId: 'eu.anthropic.claude-sonnet-4-v1:0' });
  const bedrock = ownStatements(s, s.stack.loop.agent.function).filter((st) => String(st.Action).startsWith('bedrock:'));
  const profile = partitionArn(':bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-v1:0');
  assert.deepEqual(bedrock, [
    { Sid: 'InvokeConfiguredProfile', Action: 'bedrock:InvokeModel', Effect: 'Allow', Resource: profile },
    {
      Sid: 'InvokeProfileModel',
      Action: 'bedrock:InvokeModel',
      Effect: 'Allow',
      Resource: partitionArn(':bedrock:*::foundation-model/anthropic.claude-sonnet-4-v1:0'),
      Condition: { StringEquals: { 'bedrock:InferenceProfileArn': profile } },
    },
  ]);
  // No other function may call Bedrock.
  for (const tool of Object.values(s.stack.loop.tools)) {
    assert.ok(!ownStatements(s, tool.function).some((st) => String(st.Action).includes('bedrock')));
  }
});

test('the agent reads and writes objects under its offload prefix only; a tool that needs nothing else gets nothing else', () => {
  const s = synth(fixtureRepo(DEFINITION));
  const bucket = logicalId(s.stack, s.stack.loop.offloadBucket);
  const offload = {
    Sid: 'OffloadObjects',
    Action: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
    Effect: 'Allow',
    Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/agents/*']] },
  };
  for (const tool of Object.values(s.stack.loop.tools)) {
    assert.deepEqual(ownStatements(s, tool.function), [offload]);
  }
  const agent = ownStatements(s, s.stack.loop.agent.function);
  assert.deepEqual(agent.filter((st) => String(st.Action).startsWith('s3:') || Array.isArray(st.Action)), [offload]);
});

test('an imported MCP tool runs mcp-proxy with its manifest staged beside it, and reads only its configured secret', () => {
  const tools = [...TOOLS, importedTool('time_now', 'time'), importedTool('docs_search', 'docs')];
  const definition = {
    ...DEFINITION,
    States: { ...DEFINITION.States, Fetch: task('ToolFunctionArn_http-fetch', 'Time'), Time: task('ToolFunctionArn_time_now', 'Docs'), Docs: task('ToolFunctionArn_docs_search') },
  };
  const s = synth(fixtureRepo(definition, tools), {
    mcpSecrets: JSON.stringify({ time: 'prod/time-mcp' }),
    mcpServerUrls: { time: 'https://time.internal.example.com/mcp' },
  });
  const time = s.stack.loop.tools['time_now'];
  const code = s.code.find((c) => c.extraFiles['tool.json'] && JSON.parse(c.extraFiles['tool.json']).name === 'time_now')!;
  assert.equal(code.binary, 'mcp-proxy');
  assert.deepEqual(JSON.parse(code.extraFiles['tool.json']), tools[2]);
  s.template.hasResourceProperties('AWS::Lambda::Function', {
    Timeout: 15,
    Environment: {
      Variables: Match.objectLike({
        MCP_PROXY_MANIFEST: '/var/task/tool.json',
        MCP_SERVER_URL: 'https://time.internal.example.com/mcp',
        MCP_HEADERS_SECRET: 'prod/time-mcp',
      }),
    },
  });
  const secret = ownStatements(s, time.function).filter((st) => JSON.stringify(st.Action).includes('secretsmanager'));
  assert.deepEqual(secret, [
    {
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:us-east-1:123456789012:secret:prod/time-mcp-??????']] },
    },
  ]);
  // The other imported tool has no secret configured: offload only, like our own tools.
  assert.deepEqual(ownStatements(s, s.stack.loop.tools['docs_search'].function).map((st) => st.Sid), ['OffloadObjects']);
});

test('CDK context naming an MCP server no tool comes from is refused', () => {
  assert.throws(() => synth(fixtureRepo(DEFINITION), { mcpSecrets: { nowhere: 'x' } }), /MCP server `nowhere`/);
});

test('the state machine invokes exactly these functions and starts only itself', () => {
  const s = synth(fixtureRepo(DEFINITION));
  const role = s.stack.getLogicalId(s.stack.loop.stateMachine.role.node.defaultChild as any);
  const statements = statementsOf(s.template, role).filter((st) => !String(st.Action).startsWith('xray:') && !JSON.stringify(st.Action).includes('logs:'));
  const invoked = statements
    .filter((st) => st.Action === 'lambda:InvokeFunction')
    .flatMap((st) => st.Resource)
    .map((r: any) => r['Fn::GetAtt']?.[0] ?? r['Fn::Join'][1][0]['Fn::GetAtt'][0]);
  const functions = [s.stack.loop.agent, ...Object.values(s.stack.loop.tools)].map((f) => logicalId(s.stack, f.function)).sort();
  assert.deepEqual([...new Set(invoked)].sort(), functions);
  const starts = statements.filter((st) => st.Action === 'states:StartExecution');
  assert.deepEqual(starts, [
    {
      Sid: 'ContinueAsNew',
      Action: 'states:StartExecution',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':states:us-east-1:123456789012:stateMachine:Agent']] },
    },
  ]);
  // Nothing else: only invokes and the one start.
  assert.deepEqual(statements.filter((st) => st.Action !== 'lambda:InvokeFunction' && st.Action !== 'states:StartExecution'), []);
});

test('approvals: SendTaskSuccess/Failure on this machine only where a Task waits for a token', () => {
  const waiting = {
    ...DEFINITION,
    States: { ...DEFINITION.States, Fetch: { ...task('ToolFunctionArn_http-fetch'), Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken' } },
  };
  let approver: iam.Role | undefined;
  const s = synth(fixtureRepo(waiting), {}, (stack) => {
    approver = new iam.Role(stack, 'Approver', { assumedBy: new iam.AccountRootPrincipal() });
    stack.loop.grantApprovals(approver);
  });
  const statements = statementsOf(s.template, s.stack.getLogicalId(approver!.node.defaultChild as iam.CfnRole));
  assert.deepEqual(statements, [
    {
      Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
      Effect: 'Allow',
      Resource: { Ref: logicalId(s.stack, s.stack.loop.stateMachine) },
    },
  ]);
  const plain = synth(fixtureRepo(DEFINITION));
  assert.throws(() => plain.stack.loop.grantApprovals(approver!), /no \.waitForTaskToken Task/);
});

test('context overrides the loop limits in the deployed definition; the machine type sets its timeout', () => {
  const committed = JSON.stringify({
    TimeoutSeconds: 86400,
    StartAt: 'Agent',
    States: { Agent: task('AgentFunctionArn', undefined, { config: { max_turns: 50, failure_threshold: 5, turns_per_execution: 200 } }) },
  });
  // `task` puts config beside Payload.$; the generator nests it in Payload.
  const generated = JSON.parse(committed);
  generated.States.Agent.Parameters = { FunctionName: '${AgentFunctionArn}', Payload: { 'state.$': '$', config: { max_turns: 50, failure_threshold: 5, turns_per_execution: 200 } } };
  const deploy = readDeploySettings((k) => ({ maxTurns: '3', failureThreshold: 2, machineType: 'express' } as Record<string, unknown>)[k], GENERATOR_DEFAULTS);
  const deployed = JSON.parse(deployedDefinition(JSON.stringify(generated), GENERATOR_DEFAULTS, deploy));
  assert.deepEqual(deployed.States.Agent.Parameters.Payload.config, { max_turns: 3, failure_threshold: 2, turns_per_execution: 200 });
  assert.equal(deployed.TimeoutSeconds, 300);
  const same = readDeploySettings(() => undefined, GENERATOR_DEFAULTS);
  assert.equal(deployedDefinition(JSON.stringify(generated), GENERATOR_DEFAULTS, same), JSON.stringify(generated));
  const waiting = { StartAt: 'A', States: { A: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', End: true } } };
  assert.throws(() => deployedDefinition(JSON.stringify(waiting), GENERATOR_DEFAULTS, deploy), /state `A` .* Express/);
});

test('offload bucket is private, encrypted, TLS-only and expires objects', () => {
  const { template } = synth(fixtureRepo(DEFINITION));
  template.hasResourceProperties('AWS::S3::Bucket', {
    PublicAccessBlockConfiguration: Match.objectLike({ BlockPublicAcls: true, RestrictPublicBuckets: true }),
    BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 14 })] },
    LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'offload/' }),
  });
  template.hasResourceProperties('AWS::S3::BucketPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
  });
});
