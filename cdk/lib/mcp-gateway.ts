// The second way in: the MCP gateway (`mcp-gateway/`), every tool and the agent itself to
// any MCP client at `/mcp`. Two fronts, chosen with `-c mcpGateway=`:
//
//   iam (default)  a Lambda Function URL with AWS_IAM auth: callers sign with SigV4
//                  (`lambda:InvokeFunctionUrl`); the gateway binds tasks to the IAM principal
//   jwt            an API Gateway HTTP API whose `/mcp` route has a JWT authorizer
//                  (`-c mcpJwtIssuer`, `-c mcpJwtAudience`); tasks bind to the token's `sub`
//   off            no gateway
//
// The gateway's role may start, read and stop executions of this one machine, invoke the
// tool functions and nothing else, read (not write) the offload prefix for `resources/read`,
// read its task-key secret, and answer approvals only when the machine waits for a token.
import { CfnOutput, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AgentLoop, waitsForTaskTokens } from './agent-loop';
import { GatewaySettings, GeneratorSettings, gatewayPlan } from './settings';
import { AgentFunction, CodeFor } from './tool-function';

/** The files the gateway reads beside its binary (mcp-gateway/src/main.rs). */
export const GATEWAY_TOOLS_FILE = 'tools.json';
export const GATEWAY_DEFINITION_FILE = 'agent.asl.json';

export interface McpGatewayProps {
  readonly loop: AgentLoop;
  readonly settings: GatewaySettings;
  readonly generator: GeneratorSettings;
  /** `statemachines/tools.json` as committed (what `tools/list` serves). */
  readonly toolsJson: string;
  readonly codeFor: CodeFor;
  readonly logLevel: string;
}

export class McpGateway extends Construct {
  readonly gateway: AgentFunction;
  /** The key that seals task ids, generated once per deployment and shared by every instance. */
  readonly taskKey: secretsmanager.Secret;
  /** `iam`: the Function URL. */
  readonly functionUrl?: lambda.FunctionUrl;
  /** `jwt`: the HTTP API. */
  readonly httpApi?: apigwv2.HttpApi;

  constructor(scope: Construct, id: string, props: McpGatewayProps) {
    super(scope, id);
    const { loop, settings } = props;
    if (settings.auth === 'off') throw new Error('McpGateway: nothing to deploy with -c mcpGateway=off');
    this.taskKey = new secretsmanager.Secret(this, 'TaskKey', {
      description: `Seals the MCP task ids of the ${loop.stateMachineName} gateway (HMAC-SHA256 key)`,
      // 64 letters and digits: about 380 bits.
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.taskKey).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SMG4',
      reason:
        'Rotating the key would invalidate every task id MCP clients hold for runs still going (a run may last days); it is no credential to AWS. Rotate by hand between runs (put a new value; new cold starts read it).',
    });
    const toolArns: Record<string, string> = {};
    for (const [name, tool] of Object.entries(loop.tools)) toolArns[name] = tool.function.functionArn;
    this.gateway = new AgentFunction(this, 'Gateway', {
      codeFor: props.codeFor,
      offload: loop.offload,
      offloadAccess: 'read',
      logLevel: props.logLevel,
      plan: gatewayPlan(props.generator, settings.auth),
      extraFiles: { [GATEWAY_TOOLS_FILE]: props.toolsJson, [GATEWAY_DEFINITION_FILE]: loop.definition },
      environment: {
        MCP_GATEWAY_STATE_MACHINE_ARN: loop.stateMachineArn(),
        MCP_GATEWAY_TASK_KEY_SECRET: this.taskKey.secretArn,
        // Lambda's environment holds 4 KB: about 50 tools' ARNs.
        MCP_GATEWAY_TOOL_FUNCTIONS: Stack.of(this).toJsonString(toolArns),
      },
    });
    const fn = this.gateway.function;
    this.taskKey.grantRead(fn);
    for (const tool of Object.values(loop.tools)) tool.function.grantInvoke(fn);
    fn.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'StartRuns', actions: ['states:StartExecution'], resources: [loop.stateMachineArn()] }),
    );
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FollowRuns',
        // tasks/get (status, state and turn from the history), tasks/cancel.
        actions: ['states:DescribeExecution', 'states:GetExecutionHistory', 'states:StopExecution'],
        resources: [loop.executionArn('*')],
      }),
    );
    if (waitsForTaskTokens(loop.definition)) loop.grantApprovals(fn);

    if (settings.auth === 'iam') {
      this.functionUrl = fn.addFunctionUrl({ authType: lambda.FunctionUrlAuthType.AWS_IAM });
      new CfnOutput(this, 'Url', {
        value: `${this.functionUrl.url}mcp`,
        description: 'MCP endpoint (Streamable HTTP); sign requests with SigV4 (service lambda)',
      });
    } else {
      const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      this.httpApi = new apigwv2.HttpApi(this, 'Api', {
        description: `MCP gateway of the ${loop.stateMachineName} agent (JWT auth)`,
        createDefaultStage: false,
      });
      new apigwv2.HttpStage(this, 'Stage', {
        httpApi: this.httpApi,
        stageName: '$default',
        autoDeploy: true,
        accessLogSettings: {
          destination: new apigwv2.LogGroupLogDestination(accessLogs),
          format: AccessLogFormat.custom(
            JSON.stringify({
              requestId: '$context.requestId',
              sub: '$context.authorizer.claims.sub',
              routeKey: '$context.routeKey',
              status: '$context.status',
              integrationLatency: '$context.integrationLatency',
            }),
          ),
        },
      });
      const authorizer = new HttpJwtAuthorizer('Jwt', settings.jwtIssuer!, { jwtAudience: settings.jwtAudience });
      this.httpApi.addRoutes({
        path: '/mcp',
        methods: [apigwv2.HttpMethod.POST, apigwv2.HttpMethod.GET, apigwv2.HttpMethod.DELETE],
        integration: new HttpLambdaIntegration('Gateway', fn, { timeout: Duration.seconds(29) }),
        authorizer,
      });
      new CfnOutput(this, 'Url', {
        value: `${this.httpApi.apiEndpoint}/mcp`,
        description: 'MCP endpoint (Streamable HTTP); send `Authorization: Bearer <JWT>`',
      });
    }
  }
}
