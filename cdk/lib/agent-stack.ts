// The agent stack: one Lambda per tool, the agent Lambda, the offload bucket and the
// generated state machine, wired through the ASL's `${...}` placeholders.
//
// The state machine's definition is the committed `statemachines/agent.asl.json`, exactly
// as `sfn-gen generate` wrote it; every placeholder must be filled here or synth fails.
import * as fs from 'fs';
import * as path from 'path';
import { ArnFormat, Duration, RemovalPolicy, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** One entry of `statemachines/tools.json` (the parts the stack reads). */
export interface ToolManifest {
  name: string;
  description: string;
  'x-sfn'?: {
    timeoutSeconds?: number;
    memoryMb?: number;
    architecture?: 'arm64' | 'x86_64';
  };
}

export interface AgentStackProps extends StackProps {
  /** Repository root (holds `statemachines/` and `target/lambda/`). */
  readonly repoRoot: string;
  /** State machine name; fixed so the machine can start itself (continue-as-new). */
  readonly stateMachineName?: string;
  /** Code for a crate's Lambda; defaults to cargo-lambda's `target/lambda/<crate>/`. */
  readonly codeFor?: (crate: string, extraFiles: Record<string, string>) => lambda.Code;
  /** STANDARD (default) or EXPRESS. */
  readonly stateMachineType?: sfn.StateMachineType;
}

/** The name under which the agent's placeholder appears in the ASL. */
export const AGENT_PLACEHOLDER = 'AgentFunctionArn';
/** Prefix of every tool's placeholder: `ToolFunctionArn_<tool name>`. */
export const TOOL_PLACEHOLDER_PREFIX = 'ToolFunctionArn_';

/** Every `${...}` placeholder in a definition, sorted. */
export function placeholdersOf(definition: string): string[] {
  const found = new Set<string>();
  for (const m of definition.matchAll(/\$\{([^}]+)\}/g)) found.add(m[1]);
  return [...found].sort();
}

/**
 * Placeholder code for synth without Lambda builds (`-c stubCode=true`): the template is
 * complete and checkable, but the functions would not run if deployed.
 */
export function stubCode(stageDir: string) {
  return (crate: string, extraFiles: Record<string, string>): lambda.Code => {
    const dir = path.join(stageDir, crate);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'bootstrap'), '#!/bin/sh\necho "stub: build with scripts/build-lambdas.sh" >&2\nexit 1\n', { mode: 0o755 });
    for (const [name, content] of Object.entries(extraFiles)) fs.writeFileSync(path.join(dir, name), content);
    return lambda.Code.fromAsset(dir);
  };
}

/** cargo-lambda's output folder for a crate, with extra files staged beside `bootstrap`. */
export function cargoLambdaCode(repoRoot: string) {
  return (crate: string, extraFiles: Record<string, string>): lambda.Code => {
    const built = path.join(repoRoot, 'target', 'lambda', crate);
    const bootstrap = path.join(built, 'bootstrap');
    if (!fs.existsSync(bootstrap)) {
      throw new Error(
        `no Lambda build for \`${crate}\` at ${bootstrap}; run scripts/build-lambdas.sh first`,
      );
    }
    // Only `bootstrap` goes into the package (cargo-lambda's zip lies beside it).
    if (Object.keys(extraFiles).length === 0) return lambda.Code.fromAsset(built, { exclude: ['*.zip'] });
    const staged = fs.mkdtempSync(path.join(repoRoot, 'target', `cdk-${crate}-`));
    fs.copyFileSync(bootstrap, path.join(staged, 'bootstrap'));
    fs.chmodSync(path.join(staged, 'bootstrap'), 0o755);
    for (const [name, content] of Object.entries(extraFiles)) {
      fs.writeFileSync(path.join(staged, name), content);
    }
    return lambda.Code.fromAsset(staged);
  };
}

export class AgentStack extends Stack {
  readonly stateMachine: sfn.StateMachine;
  readonly offloadBucket: s3.Bucket;
  readonly toolFunctions: Record<string, lambda.Function> = {};
  readonly agentFunction: lambda.Function;

  constructor(scope: Construct, id: string, props: AgentStackProps) {
    super(scope, id, props);
    const machineDir = path.join(props.repoRoot, 'statemachines');
    // Minified: AWS counts the definition's bytes against its 1 MB limit, and the committed
    // file is pretty-printed for review.
    const definition = JSON.stringify(
      JSON.parse(fs.readFileSync(path.join(machineDir, 'agent.asl.json'), 'utf8')),
    );
    const toolsJson = fs.readFileSync(path.join(machineDir, 'tools.json'), 'utf8');
    const tools: ToolManifest[] = JSON.parse(toolsJson);
    const codeFor = props.codeFor ?? cargoLambdaCode(props.repoRoot);
    const stateMachineName = props.stateMachineName ?? 'Agent';

    const accessLogs = new s3.Bucket(this, 'OffloadAccessLogs', {
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
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'offload/',
      // Offloaded values and transcripts only matter while an execution may read them.
      lifecycleRules: [{ expiration: Duration.days(14) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    const offloadEnv = {
      OFFLOAD_BUCKET: this.offloadBucket.bucketName,
      OFFLOAD_PREFIX: 'agents',
    };
    const makeFunction = (
      id: string,
      crate: string,
      settings: ToolManifest['x-sfn'],
      env: Record<string, string>,
      extraFiles: Record<string, string> = {},
    ) => {
      const fn = new lambda.Function(this, id, {
        runtime: lambda.Runtime.PROVIDED_AL2023,
        handler: 'bootstrap',
        code: codeFor(crate, extraFiles),
        architecture:
          settings?.architecture === 'x86_64' ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64,
        memorySize: settings?.memoryMb ?? 256,
        timeout: Duration.seconds(settings?.timeoutSeconds ?? 30),
        environment: { ...offloadEnv, ...env },
        loggingFormat: lambda.LoggingFormat.JSON,
        tracing: lambda.Tracing.ACTIVE,
      });
      // Only object reads and writes under the offload prefix (no listing, no deletes).
      fn.addToRolePolicy(
        new iam.PolicyStatement({
          actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
          resources: [this.offloadBucket.arnForObjects(`${offloadEnv.OFFLOAD_PREFIX}/*`)],
        }),
      );
      return fn;
    };

    for (const tool of tools) {
      // Convention: a tool's crate folder is named after the tool (protocol's discovery
      // test holds the workspace's tools to it).
      this.toolFunctions[tool.name] = makeFunction(`Tool-${tool.name}`, tool.name, tool['x-sfn'], {});
    }
    this.agentFunction = makeFunction(
      'Agent',
      'agent-lambda',
      { timeoutSeconds: 120, memoryMb: 512 },
      { AGENT_TOOLS_FILE: '/var/task/tools.json' },
      { 'tools.json': toolsJson },
    );

    const substitutions: Record<string, string> = {};
    for (const name of placeholdersOf(definition)) {
      if (name === AGENT_PLACEHOLDER) {
        substitutions[name] = this.agentFunction.functionArn;
      } else if (name.startsWith(TOOL_PLACEHOLDER_PREFIX)) {
        const tool = name.slice(TOOL_PLACEHOLDER_PREFIX.length);
        const fn = this.toolFunctions[tool];
        if (!fn) {
          throw new Error(
            `agent.asl.json uses \${${name}} but statemachines/tools.json has no tool \`${tool}\`; run \`sfn-gen generate\``,
          );
        }
        substitutions[name] = fn.functionArn;
      } else {
        throw new Error(
          `agent.asl.json uses the placeholder \${${name}}, which this stack does not know how to fill`,
        );
      }
    }

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName,
      stateMachineType: props.stateMachineType ?? sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromString(definition),
      definitionSubstitutions: substitutions,
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    for (const fn of [this.agentFunction, ...Object.values(this.toolFunctions)]) {
      fn.grantInvoke(this.stateMachine);
    }
    // Continue-as-new: the machine starts a fresh execution of itself.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['states:StartExecution'],
        resources: [
          Stack.of(this).formatArn({
            service: 'states',
            resource: 'stateMachine',
            resourceName: stateMachineName,
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
          }),
        ],
      }),
    );

    // cdk-nag (AwsSolutions) findings we accept, each with its reason.
    const acknowledge = (id: string, reason: string) =>
      Validations.of(this).acknowledge({ id: `AwsSolutions::AwsSolutions-${id}`, reason });
    acknowledge(
      'IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      "AWSLambdaBasicExecutionRole only lets a function write its own CloudWatch logs; it is Lambda's documented minimum.",
    );
    acknowledge(
      'IAM5[Resource::*]',
      'X-Ray tracing (xray:PutTraceSegments, xray:PutTelemetryRecords) and CloudWatch Logs delivery actions do not support resource-level permissions.',
    );
    acknowledge(
      `IAM5[Resource::<${this.getLogicalId(this.offloadBucket.node.defaultChild as s3.CfnBucket)}.Arn>/agents/*]`,
      'Each execution writes its own keys under the offload prefix; readers verify that a pointer lies inside their own execution.',
    );
    for (const fn of [this.agentFunction, ...Object.values(this.toolFunctions)]) {
      acknowledge(
        `IAM5[Resource::<${this.getLogicalId(fn.node.defaultChild as lambda.CfnFunction)}.Arn>:*]`,
        'lambda:InvokeFunction on the function\'s own versions and aliases, as grantInvoke writes it.',
      );
    }
    Validations.of(accessLogs).acknowledge({
      id: 'AwsSolutions::AwsSolutions-S1',
      reason: 'This is the access-log bucket itself; logging it into itself would loop.',
    });
  }
}
