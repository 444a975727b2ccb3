// RunsApi: IAM auth, direct Step Functions integrations through one role that may start
// and read this machine's executions only, and request validation against a schema.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { DEFINITION, fixtureRepo, partitionArn, statementsOf, synth } from './support';

const integrationUri = (action: string) => partitionArn(`:apigateway:us-east-1:states:action/${action}`);

test('POST /runs starts an execution of this machine, validated against the start schema, behind IAM auth', () => {
  const { template } = synth(fixtureRepo(DEFINITION));
  const request = new Capture();
  const response = new Capture();
  template.hasResourceProperties('AWS::ApiGateway::Method', {
    HttpMethod: 'POST',
    AuthorizationType: 'AWS_IAM',
    RequestValidatorId: Match.anyValue(),
    RequestModels: { 'application/json': Match.anyValue() },
    Integration: Match.objectLike({
      Type: 'AWS',
      Uri: integrationUri('StartExecution'),
      PassthroughBehavior: 'NEVER',
      RequestTemplates: { 'application/json': request },
      IntegrationResponses: Match.arrayWith([Match.objectLike({ StatusCode: '200', ResponseTemplates: { 'application/json': response } })]),
    }),
  });
  // The body becomes the execution input; the machine's ARN is fixed by the stack.
  assert.match(JSON.stringify(request.asObject()), /stateMachine:Agent\\"?, \\"input\\": \\"\$util\.escapeJavaScript\(\$input\.json\('\$'\)\)/);
  // The run id is the execution's name: what follows the last `:` of its ARN.
  assert.match(response.asString(), /"runId": "\$arn\.substring\(\$cut\)"/);
  template.hasResourceProperties('AWS::ApiGateway::RequestValidator', { ValidateRequestBody: true, ValidateRequestParameters: true });
  template.hasResourceProperties('AWS::ApiGateway::Model', {
    ContentType: 'application/json',
    Schema: Match.objectLike({ required: ['goal'], additionalProperties: false, properties: Match.objectLike({ goal: Match.objectLike({ type: 'string', minLength: 1 }) }) }),
  });
});

test('GET /runs/{id} describes that execution; every method is IAM-authorized', () => {
  const { template } = synth(fixtureRepo(DEFINITION));
  const request = new Capture();
  template.hasResourceProperties('AWS::ApiGateway::Method', {
    HttpMethod: 'GET',
    AuthorizationType: 'AWS_IAM',
    RequestParameters: { 'method.request.path.id': true },
    Integration: Match.objectLike({ Uri: integrationUri('DescribeExecution'), RequestTemplates: { 'application/json': request } }),
  });
  assert.match(JSON.stringify(request.asObject()), /execution:Agent:\$util\.escapeJavaScript\(\$input\.params\('id'\)\)/);
  const methods = Object.values(template.findResources('AWS::ApiGateway::Method')) as any[];
  assert.ok(methods.length >= 2);
  for (const m of methods) assert.equal(m.Properties.AuthorizationType, 'AWS_IAM', m.Properties.HttpMethod);
  // A Standard machine has no synchronous start.
  assert.ok(!JSON.stringify(template.toJSON()).includes('StartSyncExecution'));
});

test("the API's role starts this machine and reads its executions, nothing else", () => {
  const { stack, template } = synth(fixtureRepo(DEFINITION));
  const role = stack.getLogicalId(stack.api.role.node.defaultChild as any);
  assert.deepEqual(statementsOf(template, role), [
    { Sid: 'StartRuns', Action: 'states:StartExecution', Effect: 'Allow', Resource: partitionArn(':states:us-east-1:123456789012:stateMachine:Agent') },
    { Sid: 'ReadRuns', Action: 'states:DescribeExecution', Effect: 'Allow', Resource: partitionArn(':states:us-east-1:123456789012:execution:Agent:*') },
  ]);
});

test('an Express machine: POST /runs/sync runs synchronously (StartSyncExecution), and there is no GET', () => {
  const { stack, template } = synth(fixtureRepo(DEFINITION), { machineType: 'EXPRESS' });
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'EXPRESS' });
  template.hasResourceProperties('AWS::ApiGateway::Method', {
    HttpMethod: 'POST',
    AuthorizationType: 'AWS_IAM',
    RequestModels: { 'application/json': Match.anyValue() },
    Integration: Match.objectLike({ Uri: integrationUri('StartSyncExecution') }),
  });
  template.resourcePropertiesCountIs('AWS::ApiGateway::Method', { HttpMethod: 'GET' }, 0);
  const role = stack.getLogicalId(stack.api.role.node.defaultChild as any);
  assert.deepEqual(
    statementsOf(template, role).map((s) => s.Action),
    ['states:StartExecution', 'states:StartSyncExecution'],
  );
});

test('the stage logs access and errors and traces requests', () => {
  const { template } = synth(fixtureRepo(DEFINITION));
  template.hasResourceProperties('AWS::ApiGateway::Stage', {
    StageName: 'v1',
    TracingEnabled: true,
    AccessLogSetting: Match.objectLike({ DestinationArn: Match.anyValue() }),
    MethodSettings: [Match.objectLike({ LoggingLevel: 'ERROR', MetricsEnabled: true })],
  });
});
