// Alarms and a dashboard for the agent loop: failed and timed-out executions, and runs
// ended by the circuit breaker (`Agent.CircuitOpen`, counted by a metric filter on the
// execution logs), each alarm notifying one SNS topic (encrypted with its own key, which
// CloudWatch may use); the dashboard shows executions, transitions, tool errors by tool
// and the agent's duration.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { AgentLoop } from './agent-loop';

/** Where the circuit-breaker count is published. */
export const METRIC_NAMESPACE = 'SfnAgents';
export const CIRCUIT_OPEN_METRIC = 'CircuitOpen';
/** The error the agent ends a run with when one tool failed too often in a row. */
export const CIRCUIT_OPEN_ERROR = 'Agent.CircuitOpen';

export interface AgentMonitoringProps {
  readonly loop: AgentLoop;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
}

export class AgentMonitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: Record<'failed' | 'timedOut' | 'circuitOpen', cloudwatch.Alarm>;
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: AgentMonitoringProps) {
    super(scope, id);
    const { loop } = props;
    const key = new kms.Key(this, 'TopicKey', {
      description: 'Encrypts the agent alarm topic; CloudWatch alarms may use it to publish.',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // CloudWatch cannot publish to a topic under the AWS-managed SNS key; it needs this.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Alarms', { masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));

    new logs.MetricFilter(this, 'CircuitOpenFilter', {
      logGroup: loop.logGroup,
      filterPattern: logs.FilterPattern.all(
        logs.FilterPattern.stringValue('$.type', '=', 'ExecutionFailed'),
        logs.FilterPattern.stringValue('$.details.error', '=', CIRCUIT_OPEN_ERROR),
      ),
      metricNamespace: METRIC_NAMESPACE,
      metricName: CIRCUIT_OPEN_METRIC,
      metricValue: '1',
      defaultValue: 0,
    });
    const circuitOpen = new cloudwatch.Metric({
      namespace: METRIC_NAMESPACE,
      metricName: CIRCUIT_OPEN_METRIC,
      statistic: 'Sum',
      period: Duration.minutes(5),
    });
    const action = new actions.SnsAction(this.topic);
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) => {
      const a = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      a.addAlarmAction(action);
      return a;
    };
    const machine = loop.stateMachine;
    this.alarms = {
      failed: alarm('ExecutionsFailed', machine.metricFailed({ period: Duration.minutes(5) }), 'An agent execution failed (a guard tripped, the reasoner failed, or a Task error was not caught).'),
      timedOut: alarm('ExecutionsTimedOut', machine.metricTimedOut({ period: Duration.minutes(5) }), 'An agent execution ran past its TimeoutSeconds.'),
      circuitOpen: alarm('CircuitOpen', circuitOpen, `A run ended with ${CIRCUIT_OPEN_ERROR}: one tool failed too many times in a row.`),
    };

    const toolErrors = Object.entries(loop.tools).map(([name, tool]) =>
      tool.function.metricErrors({ label: name, period: Duration.minutes(5) }),
    );
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Executions',
            left: [machine.metricStarted(), machine.metricSucceeded(), machine.metricFailed(), machine.metricTimedOut()],
          }),
          new cloudwatch.GraphWidget({
            // Step Functions publishes transitions per account and Region, not per machine.
            title: 'State transitions per second (account)',
            left: [sfn.StateTransitionMetric.metricConsumedCapacity(), sfn.StateTransitionMetric.metricThrottledEvents()],
          }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Tool errors by tool', left: toolErrors }),
          new cloudwatch.GraphWidget({
            title: 'Agent step duration',
            left: [loop.agent.function.metricDuration({ statistic: 'p50' }), loop.agent.function.metricDuration({ statistic: 'p99' })],
          }),
          new cloudwatch.GraphWidget({ title: 'Circuit breaker', left: [circuitOpen] }),
        ],
      ],
    });
  }
}
