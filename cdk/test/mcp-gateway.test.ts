// McpGateway: the MCP endpoint behind a Function URL with AWS_IAM auth (default) or an HTTP
// API with a JWT authorizer, a role that may start, read and stop this machine's executions,
// invoke the tool functions, read the offload prefix and its task-key secret, and no more.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { DEFINITION, fixtureRepo, logicalId, partitionArn, roleOf, statementsOf, synth } from './support';
import { GENERATOR_DEFAULTS, buildPlan, buildTargets, readDeploySettings } from '../lib/settings';

const executionsArn = partitionArn(':states:us-east-1:123456789012:execution:Agent:*');
const machineArn = partitionArn(':states:us-east-1:123456789012:stateMachine:Agent');

test('by default: the gateway behind a Function URL with AWS_IAM auth, given the machine, the tools and its key', () => {
  const s = synth(fixtureRepo(DEFINITION));
  const gateway = s.stack.gateway!;
  const fn = logicalId(s.stack, gateway.gateway.function);
  s.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', TargetFunctionArn: { 'Fn::GetAtt': [fn, 'Arn'] } });
  s.template.resourceCountIs('AWS::ApiGatewayV2::Api', 0);
  const toolArns: Record<string, unknown> = {};
  for (const [name, tool] of Object.entries(s.stack.loop.tools)) toolArns[name] = { 'Fn::GetAtt': [logicalId(s.stack, tool.function), 'Arn'] };
  const env = (s.template.findResources('AWS::Lambda::Function')[fn] as any).Properties.Environment.Variables;
  assert.deepEqual(env.MCP_GATEWAY_STATE_MACHINE_ARN, machineArn);
  assert.deepEqual(env.MCP_GATEWAY_TASK_KEY_SECRET, { Ref: logicalId(s.stack, gateway.taskKey) });
  // The tool map is rendered JSON with each function's ARN in place.
  const rendered = JSON.stringify(env.MCP_GATEWAY_TOOL_FUNCTIONS);
  for (const [name, arn] of Object.entries(toolArns)) {
    assert.ok(rendered.includes(name) && rendered.includes(JSON.stringify((arn as any)['Fn::GetAtt'][0])), `${name} in ${rendered}`);
  }
  // The code: mcp-gateway for the agent's architecture, with tools.json and the deployed definition beside it.
  const code = s.code.find((c) => c.binary === 'mcp-gateway')!;
  assert.equal(code.architecture, GENERATOR_DEFAULTS.agentArchitecture);
  assert.deepEqual(JSON.parse(code.extraFiles['tools.json']).map((t: any) => t.name), ['calculator', 'http-fetch']);
  assert.equal(code.extraFiles['agent.asl.json'], s.stack.loop.definition);
  s.template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 300, MemorySize: 256, Environment: { Variables: Match.objectLike({ OFFLOAD_PREFIX: 'agents' }) } });
});

test("the gateway's role: start/read/stop this machine, invoke the tools, read the offload prefix and its secret; nothing else", () => {
  const s = synth(fixtureRepo(DEFINITION));
  const gateway = s.stack.gateway!;
  const statements = statementsOf(s.template, roleOf(s.stack, gateway.gateway.function));
  const bySid = (sid: string) => statements.find((st) => st.Sid === sid);
  assert.deepEqual(bySid('StartRuns'), { Sid: 'StartRuns', Effect: 'Allow', Action: 'states:StartExecution', Resource: machineArn });
  assert.deepEqual(bySid('FollowRuns').Action, ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution']);
  assert.deepEqual(bySid('FollowRuns').Resource, executionsArn);
  assert.deepEqual(bySid('ReadOffloadObjects').Action, 's3:GetObject', 'reads, never writes, the offload store');
  const actions = statements.flatMap((st) => [st.Action].flat());
  assert.ok(!actions.some((a: string) => /^s3:Put|^s3:Delete|SendTask/.test(a)), `${actions}`);
  const invoked = statements.filter((st) => [st.Action].flat().includes('lambda:InvokeFunction')).flatMap((st) => [st.Resource].flat());
  const tools = Object.values(s.stack.loop.tools).map((t) => logicalId(s.stack, t.function));
  const invokedIds = new Set(invoked.map((r: any) => (r['Fn::GetAtt'] ?? r['Fn::Join'][1][0]['Fn::GetAtt'])[0]));
  assert.deepEqual([...invokedIds].sort(), tools.sort(), 'the tools, not the agent');
  const secret = statements.find((st) => [st.Action].flat().includes('secretsmanager:GetSecretValue'));
  assert.deepEqual(secret.Resource, { Ref: logicalId(s.stack, gateway.taskKey) });
  const other = statements.filter(
    (st) => !['StartRuns', 'FollowRuns', 'ReadOffloadObjects'].includes(st.Sid) && st !== secret && ![st.Action].flat().includes('lambda:InvokeFunction'),
  );
  assert.deepEqual(other.flatMap((st) => [st.Action].flat()).sort(), ['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
});

test('approvals: the gateway may answer task tokens only when a Task waits for one', () => {
  const waiting = {
    ...DEFINITION,
    States: { ...DEFINITION.States, Fetch: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', Parameters: { FunctionName: '${ToolFunctionArn_http-fetch}', 'Payload.$': '$' }, End: true } },
  };
  const s = synth(fixtureRepo(waiting));
  const actions = statementsOf(s.template, roleOf(s.stack, s.stack.gateway!.gateway.function)).flatMap((st) => [st.Action].flat());
  assert.ok(actions.includes('states:SendTaskSuccess') && actions.includes('states:SendTaskFailure'), `${actions}`);
});

test('-c mcpGateway=jwt: an HTTP API whose /mcp routes take a JWT authorizer with the issuer and audience; no Function URL', () => {
  const s = synth(fixtureRepo(DEFINITION), { mcpGateway: 'jwt', mcpJwtIssuer: 'https://issuer.example.com/pool', mcpJwtAudience: 'client-a, client-b' });
  s.template.resourceCountIs('AWS::Lambda::Url', 0);
  s.template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
    AuthorizerType: 'JWT',
    JwtConfiguration: { Issuer: 'https://issuer.example.com/pool', Audience: ['client-a', 'client-b'] },
  });
  const routes = Object.values(s.template.findResources('AWS::ApiGatewayV2::Route')) as any[];
  assert.deepEqual(routes.map((r) => r.Properties.RouteKey).sort(), ['DELETE /mcp', 'GET /mcp', 'POST /mcp']);
  for (const r of routes) assert.equal(r.Properties.AuthorizationType, 'JWT');
  s.template.hasResourceProperties('AWS::Lambda::Function', { Timeout: 30, MemorySize: 256 });
  s.template.hasResourceProperties('AWS::ApiGatewayV2::Stage', { StageName: '$default', AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }) });
});

test('-c mcpGateway=off deploys no gateway; bad gateway context is refused naming the key', () => {
  const s = synth(fixtureRepo(DEFINITION), { mcpGateway: 'off' });
  assert.equal(s.stack.gateway, undefined);
  assert.ok(!s.code.some((c) => c.binary === 'mcp-gateway'));
  const read = (context: Record<string, string>) => () => readDeploySettings((k) => context[k], GENERATOR_DEFAULTS);
  assert.throws(read({ mcpGateway: 'cognito' }), /-c mcpGateway=cognito: must be one of iam, jwt, off/);
  assert.throws(read({ mcpGateway: 'jwt', mcpJwtAudience: 'a' }), /needs -c mcpJwtIssuer=https/);
  assert.throws(read({ mcpGateway: 'jwt', mcpJwtIssuer: 'http://plain.example.com' }), /got http:\/\/plain\.example\.com[\s\S]*needs -c mcpJwtAudience/);
  assert.throws(read({ mcpJwtIssuer: 'https://issuer.example.com' }), /apply only with -c mcpGateway=jwt \(it is iam\)/);
});

test('the Lambda build plan includes the gateway, for the agent architecture', () => {
  const targets = buildTargets(buildPlan({ ...GENERATOR_DEFAULTS, agentArchitecture: 'x86_64' }, []));
  assert.deepEqual([...targets.entries()], [['x86_64', ['agent-lambda', 'mcp-gateway']]]);
});
