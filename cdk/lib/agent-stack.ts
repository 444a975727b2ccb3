// The agent stack: an `AgentLoop` (agent, one `ToolFunction` per tool, offload bucket,
// execution logs, the generated state machine), the runs API in front of it, and its
// alarms and dashboard, the MCP gateway (`McpGateway`, `-c mcpGateway=iam|jwt|off`), and
// with `-c hybridHost=true` the hybrid host (P4, `HybridHost`),
// composed from what the repository holds (`statemachines/`, `sfn-gen.json`) and what the
// deployment chooses (CDK context, `settings.ts`).
import * as fs from 'fs';
import * as path from 'path';
import { CfnOutput, Stack, StackProps, Token, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { AgentLoop } from './agent-loop';
import { HybridHost } from './hybrid-host';
import { McpGateway } from './mcp-gateway';
import { AgentMonitoring } from './monitoring';
import { RunsApi } from './runs-api';
import {
  DeploySettings,
  GeneratorSettings,
  lambdaPlan,
  readDeploySettings,
  readGeneratorSettings,
  readTools,
} from './settings';
import { CodeFor, cargoLambdaCode } from './tool-function';

export { AGENT_PLACEHOLDER, TOOL_PLACEHOLDER_PREFIX, placeholdersOf } from './agent-loop';
export { stubCode } from './tool-function';
export type { ToolManifest } from './settings';

export interface AgentStackProps extends StackProps {
  /** Repository root (holds `statemachines/`, `sfn-gen.json` and `target/lambda/`). */
  readonly repoRoot: string;
  /** State machine name; fixed so the machine can start itself (continue-as-new). */
  readonly stateMachineName?: string;
  /** Code for a binary; defaults to `scripts/build-lambdas.sh`'s `target/lambda/<arch>/<binary>/`. */
  readonly codeFor?: CodeFor;
  /** The deployment's choices; defaults to CDK context read by `readDeploySettings`. */
  readonly deploy?: DeploySettings;
}

export class AgentStack extends Stack {
  readonly loop: AgentLoop;
  readonly api: RunsApi;
  readonly monitoring: AgentMonitoring;
  /** The MCP gateway, unless `-c mcpGateway=off`. */
  readonly gateway?: McpGateway;
  /** P4, the hybrid host, when deployed (`-c hybridHost=true`). */
  readonly host?: HybridHost;
  readonly generator: GeneratorSettings;
  readonly deploy: DeploySettings;

  constructor(scope: Construct, id: string, props: AgentStackProps) {
    super(scope, id, props);
    this.generator = readGeneratorSettings(props.repoRoot);
    this.deploy = props.deploy ?? readDeploySettings((key) => this.node.tryGetContext(key), this.generator);
    const { text: toolsJson, tools } = readTools(props.repoRoot);
    const codeFor = props.codeFor ?? cargoLambdaCode(props.repoRoot);
    this.loop = new AgentLoop(this, 'Loop', {
      definition: fs.readFileSync(path.join(props.repoRoot, 'statemachines', 'agent.asl.json'), 'utf8'),
      toolsJson,
      plan: lambdaPlan(this.generator, tools),
      generator: this.generator,
      deploy: this.deploy,
      codeFor,
      stateMachineName: props.stateMachineName ?? 'Agent',
    });
    this.api = new RunsApi(this, 'Runs', { loop: this.loop, express: this.deploy.machineType === 'EXPRESS' });
    this.monitoring = new AgentMonitoring(this, 'Monitoring', { loop: this.loop, alarmEmail: this.deploy.alarmEmail });
    new CfnOutput(this, 'RunsUrl', { value: this.api.api.urlForPath('/runs'), description: 'POST a run here (SigV4, execute-api:Invoke)' });
    new CfnOutput(this, 'StateMachineArn', { value: this.loop.stateMachine.stateMachineArn });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    if (this.deploy.mcpGateway.auth !== 'off') {
      this.gateway = new McpGateway(this, 'McpGateway', {
        loop: this.loop,
        settings: this.deploy.mcpGateway,
        generator: this.generator,
        toolsJson,
        codeFor,
        logLevel: this.deploy.logLevel,
      });
    }
    if (this.deploy.hybridHost) {
      this.host = new HybridHost(this, 'HybridHost', {
        loop: this.loop,
        deploy: this.deploy,
        repoRoot: props.repoRoot,
        toolsJson,
        architecture: this.generator.agentArchitecture,
      });
      new CfnOutput(this, 'HybridHostUrl', { value: this.host.url(), description: 'agent-host (P4): POST /runs here from inside the VPC' });
    }
    this.acknowledgeNagFindings();
  }

  /** A stack value as cdk-nag's finding ids spell it: the value, or `<AWS::Name>` while it is a token. */
  private nagValue(value: string, pseudo: string): string {
    return Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
  }

  /** cdk-nag (AwsSolutions) findings this stack accepts, each with its reason. */
  private acknowledgeNagFindings() {
    const acknowledge = (scope: Construct, id: string, reason: string) =>
      Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${id}`, reason });
    const loop = this.loop;
    const logicalId = (c: Construct) => this.getLogicalId(c.node.defaultChild as any);
    acknowledge(
      this,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "AWSLambdaBasicExecutionRole only lets a function write its own CloudWatch logs; it is Lambda's documented minimum.",
    );
    acknowledge(
      this,
      'IAM5[Resource::*]',
      'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and CloudWatch Logs delivery actions do not support resource-level permissions.',
    );
    acknowledge(
      this,
      `IAM5[Resource::<${logicalId(loop.offloadBucket)}.Arn>/agents/*]`,
      'Each execution writes its own keys under the offload prefix; readers verify that a pointer lies inside their own execution.',
    );
    for (const fn of [loop.agent, ...Object.values(loop.tools)]) {
      acknowledge(
        this,
        `IAM5[Resource::<${logicalId(fn.function as lambda.Function)}.Arn>:*]`,
        "lambda:InvokeFunction on the function's own versions and aliases, as grantInvoke writes it.",
      );
    }
    acknowledge(
      this,
      `IAM5[Resource::arn:<AWS::Partition>:states:${this.nagValue(this.region, 'Region')}:${this.nagValue(this.account, 'AccountId')}:execution:${loop.stateMachineName}:*]`,
      "The runs API reads any execution of this one machine (GET /runs/{id}); execution names are only known at request time.",
    );
    if (/^(us|eu|apac|jp|au|ca|us-gov|global)\./.test(this.deploy.modelId)) {
      acknowledge(
        this,
        `IAM5[Resource::arn:<AWS::Partition>:bedrock:*::foundation-model/${this.deploy.modelId.replace(/^[a-z-]+\./, '')}]`,
        'A cross-Region inference profile routes to its model in any Region of its geography; the statement allows that one model, only through the configured profile (Condition bedrock:InferenceProfileArn).',
      );
    }
    acknowledge(
      this,
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
      "API Gateway's account-level logging role; the AWS-managed policy is the documented way to let the service write access and execution logs.",
    );
    acknowledge(this, 'APIG3', 'The API is IAM-authorized (SigV4): only principals of this account with execute-api:Invoke reach it; WAF is left to deployments that open it wider.');
    acknowledge(this, 'COG4', 'The API uses IAM authorization, not Cognito: callers are AWS principals (CI, services, the MCP gateway).');
    Validations.of(loop.accessLogsBucket).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });
  }
}
