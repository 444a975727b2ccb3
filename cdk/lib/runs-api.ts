// The way in: a REST API with IAM auth whose methods are direct Step Functions service
// integrations (no Lambda between the caller and the machine).
//
//   POST /runs           {"goal", "options"} → StartExecution; answers {"runId", "executionArn", "startDate"}
//   GET  /runs/{id}      → DescribeExecution; answers {"runId", "status", "result", "error", "cause"}
//   POST /runs/sync      (Express machines) → StartSyncExecution; answers the finished run
//
// Bodies are validated against a JSON Schema model before anything starts. API Gateway
// picks one integration per method, so the synchronous start of an Express machine is its
// own resource (`/runs/sync`) rather than a query flag; an Express machine has no GET
// (DescribeExecution does not serve Express executions).
import { RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AgentLoop } from './agent-loop';

/** The start request's schema (what `agent-lambda` accepts as a start input). */
export const START_SCHEMA: apigw.JsonSchema = {
  schema: apigw.JsonSchemaVersion.DRAFT4,
  title: 'StartRun',
  type: apigw.JsonSchemaType.OBJECT,
  required: ['goal'],
  additionalProperties: false,
  properties: {
    goal: { type: apigw.JsonSchemaType.STRING, minLength: 1, maxLength: 100_000 },
    options: { type: apigw.JsonSchemaType.OBJECT },
  },
};

/** `{"runId": <name>, ...}` from an execution ARN in `$input`. */
const RUN_ID_VTL = [
  "#set($arn = $input.path('$.executionArn'))",
  "#set($cut = $arn.lastIndexOf(':') + 1)",
].join('\n');

export interface RunsApiProps {
  readonly loop: AgentLoop;
  readonly express: boolean;
}

export class RunsApi extends Construct {
  readonly api: apigw.RestApi;
  readonly role: iam.Role;
  readonly accessLogs: logs.LogGroup;

  constructor(scope: Construct, id: string, props: RunsApiProps) {
    super(scope, id);
    const { loop } = props;
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.api = new apigw.RestApi(this, 'Api', {
      description: `Runs of the ${loop.stateMachineName} agent (IAM auth)`,
      endpointTypes: [apigw.EndpointType.REGIONAL],
      cloudWatchRole: true,
      cloudWatchRoleRemovalPolicy: RemovalPolicy.DESTROY,
      deployOptions: {
        stageName: 'v1',
        accessLogDestination: new apigw.LogGroupLogDestination(this.accessLogs),
        accessLogFormat: apigw.AccessLogFormat.jsonWithStandardFields(),
        loggingLevel: apigw.MethodLoggingLevel.ERROR,
        tracingEnabled: true,
        metricsEnabled: true,
      },
      defaultMethodOptions: { authorizationType: apigw.AuthorizationType.IAM },
    });
    this.role = new iam.Role(this, 'IntegrationRole', {
      assumedBy: new iam.ServicePrincipal('apigateway.amazonaws.com'),
      description: 'Lets the runs API start and read executions of the agent state machine, and nothing else.',
    });
    const validator = new apigw.RequestValidator(this, 'Validator', {
      restApi: this.api,
      validateRequestBody: true,
      validateRequestParameters: true,
    });
    const startModel = new apigw.Model(this, 'StartRunModel', {
      restApi: this.api,
      contentType: 'application/json',
      schema: START_SCHEMA,
    });
    const machineArn = loop.stateMachineArn();
    const startRequest = {
      'application/json': `{"stateMachineArn": "${machineArn}", "input": "$util.escapeJavaScript($input.json('$'))"}`,
    };
    const errors: apigw.IntegrationResponse[] = [
      { selectionPattern: '4\\d{2}', statusCode: '400', responseTemplates: { 'application/json': `{"error": $input.json('$.__type'), "message": $input.json('$.message')}` } },
      { selectionPattern: '5\\d{2}', statusCode: '502', responseTemplates: { 'application/json': '{"error": "upstream", "message": "Step Functions failed to answer"}' } },
    ];
    const methodResponses = ['200', '400', '502'].map((statusCode) => ({ statusCode }));

    const runs = this.api.root.addResource('runs');
    this.role.addToPolicy(new iam.PolicyStatement({ sid: 'StartRuns', actions: ['states:StartExecution'], resources: [machineArn] }));
    runs.addMethod(
      'POST',
      new apigw.AwsIntegration({
        service: 'states',
        action: 'StartExecution',
        options: {
          credentialsRole: this.role,
          passthroughBehavior: apigw.PassthroughBehavior.NEVER,
          requestTemplates: startRequest,
          integrationResponses: [
            {
              statusCode: '200',
              responseTemplates: {
                'application/json': `${RUN_ID_VTL}\n{"runId": "$arn.substring($cut)", "executionArn": "$arn", "startDate": $input.json('$.startDate')}`,
              },
            },
            ...errors,
          ],
        },
      }),
      { requestValidator: validator, requestModels: { 'application/json': startModel }, methodResponses },
    );

    if (props.express) {
      this.role.addToPolicy(new iam.PolicyStatement({ sid: 'RunSynchronously', actions: ['states:StartSyncExecution'], resources: [machineArn] }));
      runs.addResource('sync').addMethod(
        'POST',
        new apigw.AwsIntegration({
          service: 'states',
          action: 'StartSyncExecution',
          options: {
            credentialsRole: this.role,
            passthroughBehavior: apigw.PassthroughBehavior.NEVER,
            requestTemplates: startRequest,
            integrationResponses: [{ statusCode: '200', responseTemplates: { 'application/json': describedRun() } }, ...errors],
          },
        }),
        { requestValidator: validator, requestModels: { 'application/json': startModel }, methodResponses },
      );
    } else {
      this.role.addToPolicy(
        new iam.PolicyStatement({ sid: 'ReadRuns', actions: ['states:DescribeExecution'], resources: [loop.executionArn('*')] }),
      );
      runs.addResource('{id}').addMethod(
        'GET',
        new apigw.AwsIntegration({
          service: 'states',
          action: 'DescribeExecution',
          options: {
            credentialsRole: this.role,
            passthroughBehavior: apigw.PassthroughBehavior.NEVER,
            requestTemplates: {
              'application/json': `{"executionArn": "${loop.executionArn("$util.escapeJavaScript($input.params('id'))")}"}`,
            },
            integrationResponses: [{ statusCode: '200', responseTemplates: { 'application/json': describedRun() } }, ...errors],
          },
        }),
        { requestValidator: validator, requestParameters: { 'method.request.path.id': true }, methodResponses },
      );
    }
  }
}

/**
 * A described (or synchronously finished) execution as the API answers it: its status,
 * the final state as `result` (the agent's `answer` is `result.answer`, an offload pointer
 * when it was large; a run handed off to a fresh execution names it in
 * `result.continue_as`), or its `error` and `cause`.
 */
export function describedRun(): string {
  const orNull = (path: string) => `#if("$!input.path('${path}')" != "")$input.json('${path}')#{else}null#end`;
  return [
    RUN_ID_VTL,
    "#set($output = $input.path('$.output'))",
    '{',
    '  "runId": "$arn.substring($cut)",',
    "  \"status\": $input.json('$.status'),",
    '  "result": #if("$!output" != "")$output#{else}null#end,',
    `  "error": ${orNull('$.error')},`,
    `  "cause": ${orNull('$.cause')}`,
    '}',
  ].join('\n');
}
