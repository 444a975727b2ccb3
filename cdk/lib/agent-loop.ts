// The agent loop on AWS: the agent step's function, one `ToolFunction` per tool, the
// offload bucket, the execution log group and the generated state machine, wired through
// the definition's `${...}` placeholders.
//
// The definition is the committed `statemachines/agent.asl.json` as `sfn-gen generate` wrote
// it, minified; only what CDK context overrides is rewritten (`deployedDefinition`), and
// every placeholder must be filled here or synth fails.
import { ArnFormat, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { DeploySettings, GeneratorSettings, PlannedFunction } from './settings';
import { AgentFunction, CodeFor, OffloadLocation, ToolFunction } from './tool-function';

/** The name under which the agent's placeholder appears in the ASL. */
export const AGENT_PLACEHOLDER = 'AgentFunctionArn';
/** Prefix of every tool's placeholder: `ToolFunctionArn_<tool name>`. */
export const TOOL_PLACEHOLDER_PREFIX = 'ToolFunctionArn_';
/** The key prefix every function reads and writes under. */
export const OFFLOAD_PREFIX = 'agents';
/** The agent reads the deployed tool set here (`AGENT_TOOLS_FILE`). */
export const AGENT_TOOLS_FILE = '/var/task/tools.json';

/** Every `${...}` placeholder in a definition, sorted. */
export function placeholdersOf(definition: string): string[] {
  const found = new Set<string>();
  for (const m of definition.matchAll(/\$\{([^}]+)\}/g)) found.add(m[1]);
  return [...found].sort();
}

/** The execution timeout sfn-gen writes for each type (GeneratorConfig::machine_timeout_seconds). */
const MACHINE_TIMEOUT_SECONDS = { STANDARD: 86_400, EXPRESS: 300 };

/**
 * The definition to deploy: the committed one with the agent Task's loop limits
 * (`Payload.config`) and, when the machine type changes, the execution timeout set from
 * the deployment's settings. Refuses what the chosen type cannot run.
 */
export function deployedDefinition(committed: string, generator: GeneratorSettings, deploy: DeploySettings): string {
  const definition = JSON.parse(committed);
  for (const [name, state] of Object.entries<Record<string, any>>(definition.States ?? {})) {
    const args = state.Parameters ?? state.Arguments;
    if (state.Type === 'Task' && args?.FunctionName === `\${${AGENT_PLACEHOLDER}}` && args.Payload?.config) {
      args.Payload.config = {
        ...args.Payload.config,
        max_turns: deploy.maxTurns,
        failure_threshold: deploy.failureThreshold,
        turns_per_execution: deploy.turnsPerExecution,
      };
    }
    if (deploy.machineType === 'EXPRESS' && typeof state.Resource === 'string' && /\.(sync(:2)?|waitForTaskToken)$/.test(state.Resource)) {
      throw new Error(
        `state \`${name}\` uses \`${state.Resource}\`, which an Express machine cannot run; deploy with -c machineType=STANDARD`,
      );
    }
  }
  if (deploy.machineType !== generator.type) definition.TimeoutSeconds = MACHINE_TIMEOUT_SECONDS[deploy.machineType];
  // Minified: AWS counts the definition's bytes against its 1 MB limit.
  return JSON.stringify(definition);
}

/** Whether any Task waits for a task token (an approval someone answers with SendTaskSuccess). */
export function waitsForTaskTokens(definition: string): boolean {
  return /\.waitForTaskToken"/.test(definition);
}

/**
 * The IAM resources of a Bedrock model id: a foundation model in this Region, an inference
 * profile (`us.…`, `eu.…`, `global.…`: the profile here and its model in every Region it
 * routes to, reachable only through the profile), or an ARN as given.
 */
export function bedrockGrant(stack: Stack, modelId: string): iam.PolicyStatement[] {
  const actions = ['bedrock:InvokeModel']; // Converse is authorized as bedrock:InvokeModel
  if (modelId.startsWith('arn:')) {
    return [new iam.PolicyStatement({ sid: 'InvokeConfiguredModel', actions, resources: [modelId] })];
  }
  const profile = /^(us|eu|apac|jp|au|ca|us-gov|global)\.(.+)$/.exec(modelId);
  if (!profile) {
    return [
      new iam.PolicyStatement({
        sid: 'InvokeConfiguredModel',
        actions,
        resources: [`arn:${stack.partition}:bedrock:${stack.region}::foundation-model/${modelId}`],
      }),
    ];
  }
  const profileArn = stack.formatArn({ service: 'bedrock', resource: 'inference-profile', resourceName: modelId });
  return [
    new iam.PolicyStatement({ sid: 'InvokeConfiguredProfile', actions, resources: [profileArn] }),
    new iam.PolicyStatement({
      sid: 'InvokeProfileModel',
      actions,
      resources: [`arn:${stack.partition}:bedrock:*::foundation-model/${profile[2]}`],
      conditions: { StringEquals: { 'bedrock:InferenceProfileArn': profileArn } },
    }),
  ];
}

/**
 * The agent step's own settings (agent-lambda's reasoner variables), the same wherever the
 * step runs: the agent Lambda and the hybrid host's container both take these.
 */
export function agentEnvironment(deploy: DeploySettings): Record<string, string> {
  return { AGENT_REASONER: deploy.reasoner, BEDROCK_MODEL_ID: deploy.modelId };
}

export interface AgentLoopProps {
  /** The committed definition (text). */
  readonly definition: string;
  /** `statemachines/tools.json` as committed (shipped to the agent). */
  readonly toolsJson: string;
  /** The functions to deploy (`settings.lambdaPlan`): the agent first, then the tools. */
  readonly plan: PlannedFunction[];
  readonly generator: GeneratorSettings;
  readonly deploy: DeploySettings;
  readonly codeFor: CodeFor;
  /** State machine name; fixed so the machine can start itself (continue-as-new). */
  readonly stateMachineName: string;
}

export class AgentLoop extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly stateMachineName: string;
  readonly offloadBucket: s3.Bucket;
  /** Where every function (and the hybrid host) offloads. */
  readonly offload: OffloadLocation;
  readonly accessLogsBucket: s3.Bucket;
  readonly logGroup: logs.LogGroup;
  readonly agent: AgentFunction;
  readonly tools: Record<string, ToolFunction> = {};
  /** The definition as deployed (placeholders still in). */
  readonly definition: string;

  constructor(scope: Construct, id: string, props: AgentLoopProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.stateMachineName = props.stateMachineName;
    this.definition = deployedDefinition(props.definition, props.generator, props.deploy);

    this.accessLogsBucket = new s3.Bucket(this, 'OffloadAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [{ expiration: Duration.days(90) }],
    });
    this.offloadBucket = new s3.Bucket(this, 'Offload', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'offload/',
      // Offloaded values and transcripts only matter while an execution may read them.
      lifecycleRules: [{ expiration: Duration.days(14) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.offload = { bucket: this.offloadBucket, prefix: OFFLOAD_PREFIX };
    const defaults = {
      codeFor: props.codeFor,
      offload: this.offload,
      logLevel: props.deploy.logLevel,
    };

    const [agentPlan, ...toolPlans] = props.plan;
    if (agentPlan.tool !== undefined) throw new Error('the plan must start with the agent');
    for (const plan of toolPlans) {
      const server = plan.manifest?.['x-sfn']?.mcp?.server;
      this.tools[plan.tool!] = new ToolFunction(this, `Tool-${plan.tool}`, {
        ...defaults,
        plan,
        mcpSecret: server ? props.deploy.mcpSecrets[server] : undefined,
        mcpServerUrl: server ? props.deploy.mcpServerUrls[server] : undefined,
      });
    }
    const servers = new Set(toolPlans.map((p) => p.manifest?.['x-sfn']?.mcp?.server).filter((s) => s));
    for (const key of [...Object.keys(props.deploy.mcpSecrets), ...Object.keys(props.deploy.mcpServerUrls)]) {
      if (!servers.has(key)) {
        throw new Error(`CDK context names the MCP server \`${key}\`, but no tool in statemachines/tools.json is imported from it`);
      }
    }
    this.agent = new AgentFunction(this, 'Agent', {
      ...defaults,
      plan: agentPlan,
      environment: { AGENT_TOOLS_FILE, ...agentEnvironment(props.deploy) },
      extraFiles: { 'tools.json': props.toolsJson },
    });
    for (const statement of bedrockGrant(stack, props.deploy.modelId)) this.agent.function.addToRolePolicy(statement);

    const substitutions: Record<string, string> = {};
    for (const name of placeholdersOf(this.definition)) {
      if (name === AGENT_PLACEHOLDER) {
        substitutions[name] = this.agent.function.functionArn;
      } else if (name.startsWith(TOOL_PLACEHOLDER_PREFIX)) {
        const tool = name.slice(TOOL_PLACEHOLDER_PREFIX.length);
        const fn = this.tools[tool];
        if (!fn) {
          throw new Error(
            `agent.asl.json uses \${${name}} but statemachines/tools.json has no tool \`${tool}\`; run \`sfn-gen generate\``,
          );
        }
        substitutions[name] = fn.function.functionArn;
      } else {
        throw new Error(`agent.asl.json uses the placeholder \${${name}}, which this stack does not know how to fill`);
      }
    }

    this.logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: props.stateMachineName,
      stateMachineType: props.deploy.machineType === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(this.definition),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      // Execution data is logged so the ExecutionFailed event carries the error name the
      // circuit-breaker alarm filters on; the state holds pointers, never offloaded data.
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    for (const fn of [this.agent, ...Object.values(this.tools)]) fn.function.grantInvoke(this.stateMachine);
    // Continue-as-new: the machine starts a fresh execution of itself, and nothing else.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'ContinueAsNew',
        actions: ['states:StartExecution'],
        resources: [this.stateMachineArn()],
      }),
    );
  }

  /** This machine's ARN, built from its fixed name (usable before it exists, and by itself). */
  stateMachineArn(): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: this.stateMachineName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /** The ARN pattern of this machine's executions. */
  executionArn(name: string): string {
    return Stack.of(this).formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${this.stateMachineName}:${name}`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
  }

  /**
   * Lets `grantee` answer this machine's approvals (`.waitForTaskToken` Tasks) with
   * SendTaskSuccess, SendTaskFailure and SendTaskHeartbeat. Refused when the definition
   * waits for no token, so no one holds a permission nothing needs.
   */
  grantApprovals(grantee: iam.IGrantable): iam.Grant {
    if (!waitsForTaskTokens(this.definition)) {
      throw new Error('the state machine has no .waitForTaskToken Task; there is no approval to grant');
    }
    return this.stateMachine.grantTaskResponse(grantee);
  }
}
