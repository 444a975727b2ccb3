// One Lambda function running a workspace binary, sized and placed by its plan entry
// (`settings.lambdaPlan`), with the permissions every function of the agent needs and no
// other: its own logs and traces, and object reads and writes under the offload prefix.
//
// `ToolFunction` is a tool's function: an imported MCP tool (`x-sfn.mcp`) runs the
// `mcp-proxy` binary with its manifest staged beside it, and may read its server's
// secret; any other tool gets nothing more.
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { Architecture, PlannedFunction } from './settings';

/** The code of a binary for an architecture, with extra files staged beside `bootstrap`. */
export type CodeFor = (binary: string, architecture: Architecture, extraFiles: Record<string, string>) => lambda.Code;

/** Where offloaded values live; every function reads and writes there only. */
export interface OffloadLocation {
  readonly bucket: s3.IBucket;
  readonly prefix: string;
}

/** The offload store's variables (offload/src/lib.rs): what every function and the hybrid host read. */
export function offloadEnvironment(offload: OffloadLocation): Record<string, string> {
  return { OFFLOAD_BUCKET: offload.bucket.bucketName, OFFLOAD_PREFIX: offload.prefix };
}

/** What a function may do under the offload prefix: read and write (the agent, tools), or read only. */
export type OffloadAccess = 'readWrite' | 'read';

/** Object reads (and writes) under the offload prefix (no listing, no deletes). */
export function offloadObjectsStatement(offload: OffloadLocation, access: OffloadAccess = 'readWrite'): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: access === 'read' ? 'ReadOffloadObjects' : 'OffloadObjects',
    actions: access === 'read' ? ['s3:GetObject'] : ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'],
    resources: [offload.bucket.arnForObjects(`${offload.prefix}/*`)],
  });
}

/** What every function of the agent shares. */
export interface FunctionDefaults {
  readonly codeFor: CodeFor;
  readonly offload: OffloadLocation;
  /** Lambda's application log level (JSON logging). */
  readonly logLevel: string;
}

export interface AgentFunctionProps extends FunctionDefaults {
  readonly plan: PlannedFunction;
  readonly environment?: Record<string, string>;
  readonly extraFiles?: Record<string, string>;
  /** Default `readWrite`. */
  readonly offloadAccess?: OffloadAccess;
}

/**
 * Placeholder code for synth without Lambda builds (`-c stubCode=true`): the template is
 * complete and checkable, but the functions would not run if deployed.
 */
export function stubCode(stageDir: string): CodeFor {
  return (binary, architecture, extraFiles) => {
    const dir = path.join(stageDir, architecture, binary, stageName(extraFiles));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'bootstrap'), '#!/bin/sh\necho "stub: build with scripts/build-lambdas.sh" >&2\nexit 1\n', { mode: 0o755 });
    for (const [name, content] of Object.entries(extraFiles)) fs.writeFileSync(path.join(dir, name), content);
    return lambda.Code.fromAsset(dir);
  };
}

/** A folder name unique to the extra files (each imported tool stages its own manifest). */
function stageName(extraFiles: Record<string, string>): string {
  const text = JSON.stringify(Object.entries(extraFiles).sort());
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (hash * 31 + text.charCodeAt(i)) >>> 0;
  return Object.keys(extraFiles).length === 0 ? 'plain' : `with-${hash.toString(16)}`;
}

/** Where `scripts/build-lambdas.sh` leaves a binary: `target/lambda/<arch>/<binary>/bootstrap`. */
export function builtBinaryDir(repoRoot: string, binary: string, architecture: Architecture): string {
  return path.join(repoRoot, 'target', 'lambda', architecture, binary);
}

/** cargo-lambda's output for a binary and architecture, with extra files staged beside `bootstrap`. */
export function cargoLambdaCode(repoRoot: string): CodeFor {
  return (binary, architecture, extraFiles) => {
    const built = builtBinaryDir(repoRoot, binary, architecture);
    const bootstrap = path.join(built, 'bootstrap');
    if (!fs.existsSync(bootstrap)) {
      throw new Error(
        `no ${architecture} Lambda build of \`${binary}\` at ${bootstrap}; run scripts/build-lambdas.sh first (or synth with -c stubCode=true)`,
      );
    }
    // Only `bootstrap` goes into the package (cargo-lambda's zip lies beside it).
    if (Object.keys(extraFiles).length === 0) return lambda.Code.fromAsset(built, { exclude: ['*.zip'] });
    const staged = path.join(repoRoot, 'target', 'cdk-staging', architecture, binary, stageName(extraFiles));
    fs.mkdirSync(staged, { recursive: true });
    fs.copyFileSync(bootstrap, path.join(staged, 'bootstrap'));
    fs.chmodSync(path.join(staged, 'bootstrap'), 0o755);
    for (const [name, content] of Object.entries(extraFiles)) fs.writeFileSync(path.join(staged, name), content);
    return lambda.Code.fromAsset(staged);
  };
}

/** A function of the agent (the agent step or a tool). */
export class AgentFunction extends Construct {
  readonly function: lambda.Function;
  readonly plan: PlannedFunction;

  constructor(scope: Construct, id: string, props: AgentFunctionProps) {
    super(scope, id);
    this.plan = props.plan;
    this.function = new lambda.Function(this, 'Function', {
      runtime: lambda.Runtime.PROVIDED_AL2023,
      handler: 'bootstrap',
      code: props.codeFor(props.plan.binary, props.plan.architecture, props.extraFiles ?? {}),
      architecture: props.plan.architecture === 'x86_64' ? lambda.Architecture.X86_64 : lambda.Architecture.ARM_64,
      memorySize: props.plan.memoryMb,
      timeout: Duration.seconds(props.plan.timeoutSeconds),
      environment: { ...offloadEnvironment(props.offload), ...props.environment },
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: props.logLevel as lambda.ApplicationLogLevel,
      systemLogLevelV2: lambda.SystemLogLevel.INFO,
      tracing: lambda.Tracing.ACTIVE,
    });
    this.function.addToRolePolicy(offloadObjectsStatement(props.offload, props.offloadAccess));
  }
}

export interface ToolFunctionProps extends FunctionDefaults {
  /** The tool's plan entry (its manifest included). */
  readonly plan: PlannedFunction;
  /** For an imported tool: the Secrets Manager secret (name or ARN) holding its server's headers. */
  readonly mcpSecret?: string;
  /** For an imported tool: the server's URL for this deployment (`MCP_SERVER_URL`). */
  readonly mcpServerUrl?: string;
}

/** The file an imported tool's manifest is staged as, beside `bootstrap`. */
export const MCP_MANIFEST_FILE = 'tool.json';

/** The environment variable naming an imported tool's header secret (name or ARN). */
export const MCP_SECRET_ENV = 'MCP_HEADERS_SECRET';

/** A tool's function: its own code, role and sizes. */
export class ToolFunction extends AgentFunction {
  /** The secret an imported tool may read, when one is configured. */
  readonly secret?: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: ToolFunctionProps) {
    const mcp = props.plan.manifest?.['x-sfn']?.mcp;
    const environment: Record<string, string> = {};
    const extraFiles: Record<string, string> = {};
    if (mcp) {
      // The proxy reads its manifest from a file (`MCP_PROXY_MANIFEST`): inline it would
      // count against Lambda's 4 KB of environment, and server schemas are often larger.
      extraFiles[MCP_MANIFEST_FILE] = JSON.stringify(props.plan.manifest, null, 2) + '\n';
      environment.MCP_PROXY_MANIFEST = `/var/task/${MCP_MANIFEST_FILE}`;
      if (props.mcpServerUrl) environment.MCP_SERVER_URL = props.mcpServerUrl;
    } else if (props.mcpSecret || props.mcpServerUrl) {
      throw new Error(`tool \`${props.plan.tool}\` is not imported from an MCP server; it takes no MCP secret or URL`);
    }
    super(scope, id, { ...props, environment, extraFiles });
    if (mcp && props.mcpSecret) {
      this.secret = props.mcpSecret.startsWith('arn:')
        ? secretsmanager.Secret.fromSecretCompleteArn(this, 'Secret', props.mcpSecret)
        : secretsmanager.Secret.fromSecretNameV2(this, 'Secret', props.mcpSecret);
      // secretsmanager:GetSecretValue and DescribeSecret on this one secret.
      this.secret.grantRead(this.function);
      // The proxy's follow-up reads it at start (tool-lambdas/mcp-proxy/README.md).
      this.function.addEnvironment(MCP_SECRET_ENV, props.mcpSecret);
    }
  }
}
