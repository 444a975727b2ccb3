// AgentMonitoring: three alarms on one encrypted topic, the circuit-breaker metric filter
// on the execution logs, the optional email subscription and the dashboard.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { Capture, Match } from 'aws-cdk-lib/assertions';
import { DEFINITION, fixtureRepo, logicalId, synth } from './support';

test('alarms on failed and timed-out executions and on Agent.CircuitOpen, each notifying the topic', () => {
  const { stack, template } = synth(fixtureRepo(DEFINITION));
  const topic = { Ref: logicalId(stack, stack.monitoring.topic) };
  const machine = { Ref: logicalId(stack, stack.loop.stateMachine) };
  for (const metric of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: metric,
      Dimensions: [{ Name: 'StateMachineArn', Value: machine }],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [topic],
    });
  }
  template.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'SfnAgents', MetricName: 'CircuitOpen', AlarmActions: [topic] });
  template.resourceCountIs('AWS::CloudWatch::Alarm', 3);
});

test('the circuit-breaker count is a metric filter on the execution logs, which carry the error name', () => {
  const { stack, template } = synth(fixtureRepo(DEFINITION));
  const pattern = new Capture();
  template.hasResourceProperties('AWS::Logs::MetricFilter', {
    LogGroupName: { Ref: logicalId(stack, stack.loop.logGroup) },
    FilterPattern: pattern,
    MetricTransformations: [Match.objectLike({ MetricNamespace: 'SfnAgents', MetricName: 'CircuitOpen', MetricValue: '1' })],
  });
  assert.equal(pattern.asString(), '{ ($.type = "ExecutionFailed") && ($.details.error = "Agent.CircuitOpen") }');
  template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
    LoggingConfiguration: Match.objectLike({ IncludeExecutionData: true, Level: 'ALL' }),
  });
});

test('the topic is encrypted with a rotated key CloudWatch may use, and TLS-only; an alarm email subscribes', () => {
  const plain = synth(fixtureRepo(DEFINITION));
  plain.template.resourceCountIs('AWS::SNS::Subscription', 0);
  const { stack, template } = synth(fixtureRepo(DEFINITION), { alarmEmail: 'oncall@example.com' });
  template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', TopicArn: { Ref: logicalId(stack, stack.monitoring.topic) } });
  template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
  template.hasResourceProperties('AWS::KMS::Key', {
    EnableKeyRotation: true,
    KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'] })]) },
  });
  template.hasResourceProperties('AWS::SNS::TopicPolicy', {
    PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
  });
  assert.throws(() => synth(fixtureRepo(DEFINITION), { alarmEmail: 'not-an-address' }), /alarmEmail=not-an-address: not an email address/);
});

test('the dashboard shows executions, transitions, tool errors by tool and agent duration', () => {
  const { stack, template } = synth(fixtureRepo(DEFINITION));
  const body = new Capture();
  template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardBody: body });
  const text = JSON.stringify(body.asObject());
  for (const title of ['Executions', 'State transitions', 'Tool errors by tool', 'Agent step duration']) assert.ok(text.includes(title), title);
  for (const tool of Object.keys(stack.loop.tools)) assert.ok(text.includes(`\\"label\\":\\"${tool}\\"`), tool);
  assert.ok(text.includes('ExecutionsStarted') && text.includes('ConsumedCapacity') && text.includes('Duration'));
});
