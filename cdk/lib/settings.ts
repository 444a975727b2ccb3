// Where every size, timeout and architecture comes from: the tools' manifests (as
// `sfn-gen generate` copied them into `statemachines/tools.json`) and the generator's
// `sfn-gen.json`, read here the way sfn-gen reads them (sfn-gen/src/generate/config.rs),
// plus the deployment's own choices from CDK context (`-c key=value`).
//
// `lambdaPlan` is the one list of functions to deploy: the stack builds its functions
// from it and `scripts/build-lambdas.sh` builds the binaries it names, for the
// architectures it names (`node cdk/dist/bin/lambda-plan.js`).
import * as fs from 'fs';
import * as path from 'path';

/** An instruction set, spelled as the manifests spell it. */
export type Architecture = 'arm64' | 'x86_64';

/** `x-sfn.mcp` of a tool imported from an MCP server (the parts the stack reads). */
export interface McpBinding {
  runtime: string;
  server: string;
  tool: string;
  transport: { stdio?: { command: string[] }; streamableHttp?: { url: string; headers?: string[] } };
}

/** One entry of `statemachines/tools.json` (the parts the stack reads). */
export interface ToolManifest {
  name: string;
  description: string;
  'x-sfn'?: {
    timeoutSeconds?: number;
    memoryMb?: number;
    architecture?: Architecture;
    mcp?: McpBinding;
  };
}

/** `sfn-gen.json`, with sfn-gen's defaults filled in (GeneratorConfig::default). */
export interface GeneratorSettings {
  maxTurns: number;
  failureThreshold: number;
  turnsPerExecution: number;
  mapConcurrency: number;
  type: 'STANDARD' | 'EXPRESS';
  queryLanguage: 'JSONPath' | 'JSONata';
  agentTimeoutSeconds: number;
  agentMemoryMb: number;
  agentArchitecture: Architecture;
}

/** sfn-gen's defaults: `GeneratorConfig::default()` and `protocol::SfnConfig::default()`. */
export const GENERATOR_DEFAULTS: GeneratorSettings = {
  maxTurns: 50,
  failureThreshold: 5,
  turnsPerExecution: 200,
  mapConcurrency: 10,
  type: 'STANDARD',
  queryLanguage: 'JSONPath',
  agentTimeoutSeconds: 120,
  agentMemoryMb: 512,
  agentArchitecture: 'arm64',
};
/** A tool manifest's `x-sfn` defaults (protocol/src/manifest.rs). */
export const TOOL_DEFAULTS = { timeoutSeconds: 30, memoryMb: 256, architecture: 'arm64' as Architecture };

/** The binary the agent runs. */
export const AGENT_BINARY = 'agent-lambda';

/** Reads `sfn-gen.json` at `repoRoot` (absent: every default), refusing unknown fields as sfn-gen does. */
export function readGeneratorSettings(repoRoot: string): GeneratorSettings {
  const file = path.join(repoRoot, 'sfn-gen.json');
  if (!fs.existsSync(file)) return { ...GENERATOR_DEFAULTS };
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const unknown = Object.keys(parsed).filter((k) => !(k in GENERATOR_DEFAULTS));
  if (unknown.length > 0) {
    throw new Error(
      `${file}: unknown field(s) ${unknown.map((k) => `\`${k}\``).join(', ')} (fields: ${Object.keys(GENERATOR_DEFAULTS).join(', ')})`,
    );
  }
  return { ...GENERATOR_DEFAULTS, ...(parsed as Partial<GeneratorSettings>) };
}

/** Reads `statemachines/tools.json` (text and parsed). */
export function readTools(repoRoot: string): { text: string; tools: ToolManifest[] } {
  const file = path.join(repoRoot, 'statemachines', 'tools.json');
  const text = fs.readFileSync(file, 'utf8');
  return { text, tools: JSON.parse(text) };
}

/** One function the stack deploys. */
export interface PlannedFunction {
  /** The tool's name, or `undefined` for the agent. */
  tool?: string;
  /** The workspace binary it runs (`protocol::ToolCrate::binary_name`). */
  binary: string;
  architecture: Architecture;
  memoryMb: number;
  timeoutSeconds: number;
  /** The manifest, for a tool. */
  manifest?: ToolManifest;
}

/** The agent and every tool, sized and placed as `sfn-gen.json` and the manifests say. */
export function lambdaPlan(settings: GeneratorSettings, tools: ToolManifest[]): PlannedFunction[] {
  const plan: PlannedFunction[] = [
    {
      binary: AGENT_BINARY,
      architecture: settings.agentArchitecture,
      memoryMb: settings.agentMemoryMb,
      timeoutSeconds: settings.agentTimeoutSeconds,
    },
  ];
  for (const tool of tools) {
    const x = tool['x-sfn'] ?? {};
    plan.push({
      tool: tool.name,
      // An imported tool runs its runtime's binary (`mcp-proxy`); our own a crate named
      // after the tool (protocol's discovery test holds the workspace to it).
      binary: x.mcp?.runtime ?? tool.name,
      architecture: x.architecture ?? TOOL_DEFAULTS.architecture,
      memoryMb: x.memoryMb ?? TOOL_DEFAULTS.memoryMb,
      timeoutSeconds: x.timeoutSeconds ?? TOOL_DEFAULTS.timeoutSeconds,
      manifest: tool,
    });
  }
  return plan;
}

/** The MCP gateway's binary (`mcp-gateway/`). */
export const GATEWAY_BINARY = 'mcp-gateway';

/**
 * The MCP gateway's function. It runs where the agent runs (`agentArchitecture`). Behind a
 * Function URL (`iam`) it may wait as long as a tool call with its retries takes, so 5
 * minutes; behind the HTTP API (`jwt`) API Gateway answers 503 after 30 s whatever the
 * function does, so 30 s (the gateway's synchronous wait, 25 s by default, fits inside).
 */
export function gatewayPlan(settings: GeneratorSettings, auth: GatewayAuth): PlannedFunction {
  return {
    binary: GATEWAY_BINARY,
    architecture: settings.agentArchitecture,
    memoryMb: 256,
    timeoutSeconds: auth === 'jwt' ? 30 : 300,
  };
}

/** Every function a deployment may build: the agent, the tools, and the MCP gateway. */
export function buildPlan(settings: GeneratorSettings, tools: ToolManifest[]): PlannedFunction[] {
  return [...lambdaPlan(settings, tools), gatewayPlan(settings, 'iam')];
}

/** Each architecture with the binaries to build for it (sorted, each once). */
export function buildTargets(plan: PlannedFunction[]): Map<Architecture, string[]> {
  const targets = new Map<Architecture, Set<string>>();
  for (const fn of plan) {
    if (!targets.has(fn.architecture)) targets.set(fn.architecture, new Set());
    targets.get(fn.architecture)!.add(fn.binary);
  }
  return new Map([...targets.entries()].sort().map(([arch, bins]) => [arch, [...bins].sort()]));
}

/** What a deployment chooses with CDK context (`-c key=value`); README "Deploying" has the table. */
export interface DeploySettings {
  /** Bedrock model id or inference profile id/ARN (`BEDROCK_MODEL_ID`). */
  modelId: string;
  /** The reasoner when a run names none (`AGENT_REASONER`). */
  reasoner: 'plan' | 'bedrock' | 'openai';
  maxTurns: number;
  failureThreshold: number;
  turnsPerExecution: number;
  machineType: 'STANDARD' | 'EXPRESS';
  /** The functions' application log level (Lambda's JSON logging). */
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
  /** Subscribed to the alarm topic when set. */
  alarmEmail?: string;
  /** MCP server (`x-sfn.mcp.server`) → Secrets Manager secret name or ARN holding its headers. */
  mcpSecrets: Record<string, string>;
  /** MCP server → Streamable HTTP URL for this deployment (`MCP_SERVER_URL`). */
  mcpServerUrls: Record<string, string>;
  /** Also deploy P4, the hybrid host (`agent-host` on ECS Fargate, `hybrid-host.ts`). */
  hybridHost: boolean;
  /** The MCP gateway's front (`mcp-gateway.ts`): `-c mcpGateway=iam|jwt|off`. */
  mcpGateway: GatewaySettings;
}

/** How MCP clients reach the gateway: a Function URL with AWS_IAM auth, an HTTP API with a JWT authorizer, or not at all. */
export type GatewayAuth = 'iam' | 'jwt' | 'off';

export interface GatewaySettings {
  auth: GatewayAuth;
  /** `-c mcpJwtIssuer=https://…` (jwt only): the token issuer, e.g. a Cognito user pool's URL. */
  jwtIssuer?: string;
  /** `-c mcpJwtAudience=a,b` (jwt only): accepted `aud` (or Cognito `client_id`) values. */
  jwtAudience: string[];
}

/** The agent's default model (agent-lambda's `DEFAULT_MODEL`). */
export const DEFAULT_MODEL_ID = 'us.amazon.nova-micro-v1:0';

const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'] as const;
const REASONERS = ['plan', 'bedrock', 'openai'] as const;

/**
 * The deployment's settings from a context lookup (`app.node.tryGetContext`), defaults
 * from `sfn-gen.json`. Every bad value is refused naming the key and what it accepts.
 */
export function readDeploySettings(
  context: (key: string) => unknown,
  generator: GeneratorSettings,
): DeploySettings {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const v = context(key);
    return v === undefined || v === null ? undefined : String(v);
  };
  const positive = (key: string, fallback: number): number => {
    const v = text(key);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) {
      problems.push(`-c ${key}=${v}: must be a whole number of at least 1`);
      return fallback;
    }
    return n;
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T, normalize = (s: string) => s): T => {
    const v = text(key);
    if (v === undefined) return fallback;
    const n = normalize(v) as T;
    if (!allowed.includes(n)) {
      problems.push(`-c ${key}=${v}: must be one of ${allowed.join(', ')}`);
      return fallback;
    }
    return n;
  };
  const map = (key: string): Record<string, string> => {
    const v = context(key);
    if (v === undefined || v === null) return {};
    let parsed: unknown = v;
    if (typeof v === 'string') {
      try {
        parsed = JSON.parse(v);
      } catch {
        problems.push(`-c ${key}: must be a JSON object of strings, for example {"github":"prod/github-mcp"}`);
        return {};
      }
    }
    if (typeof parsed !== 'object' || Array.isArray(parsed) || Object.values(parsed as object).some((x) => typeof x !== 'string')) {
      problems.push(`-c ${key}: must be a JSON object of strings, for example {"github":"prod/github-mcp"}`);
      return {};
    }
    return parsed as Record<string, string>;
  };
  const flag = (key: string): boolean => {
    const v = text(key);
    if (v === undefined) return false;
    if (v !== 'true' && v !== 'false') {
      problems.push(`-c ${key}=${v}: must be true or false`);
      return false;
    }
    return v === 'true';
  };
  const alarmEmail = text('alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+$/.test(alarmEmail)) {
    problems.push(`-c alarmEmail=${alarmEmail}: not an email address`);
  }
  const settings: DeploySettings = {
    modelId: text('modelId') ?? DEFAULT_MODEL_ID,
    reasoner: oneOf('reasoner', REASONERS, 'plan'),
    maxTurns: positive('maxTurns', generator.maxTurns),
    failureThreshold: positive('failureThreshold', generator.failureThreshold),
    turnsPerExecution: positive('turnsPerExecution', generator.turnsPerExecution),
    machineType: oneOf('machineType', ['STANDARD', 'EXPRESS'] as const, generator.type, (s) => s.toUpperCase()),
    logLevel: oneOf('logLevel', LOG_LEVELS, 'INFO', (s) => s.toUpperCase()),
    alarmEmail,
    mcpSecrets: map('mcpSecrets'),
    mcpServerUrls: map('mcpServerUrls'),
    hybridHost: flag('hybridHost'),
    mcpGateway: {
      auth: oneOf('mcpGateway', ['iam', 'jwt', 'off'] as const, 'iam', (s) => s.toLowerCase()),
      jwtIssuer: text('mcpJwtIssuer'),
      jwtAudience: (text('mcpJwtAudience') ?? '').split(',').map((a) => a.trim()).filter((a) => a),
    },
  };
  const gateway = settings.mcpGateway;
  if (gateway.auth === 'jwt') {
    if (gateway.jwtIssuer === undefined || !/^https:\/\/\S+$/.test(gateway.jwtIssuer)) {
      problems.push(`-c mcpGateway=jwt needs -c mcpJwtIssuer=https://… (the token issuer's URL)${gateway.jwtIssuer ? `; got ${gateway.jwtIssuer}` : ''}`);
    }
    if (gateway.jwtAudience.length === 0) {
      problems.push('-c mcpGateway=jwt needs -c mcpJwtAudience=<client id>[,<client id>…] (the accepted audiences)');
    }
  } else if (gateway.jwtIssuer !== undefined || gateway.jwtAudience.length > 0) {
    problems.push(`-c mcpJwtIssuer and -c mcpJwtAudience apply only with -c mcpGateway=jwt (it is ${gateway.auth})`);
  }
  // sfn-gen's own rule (config.rs): a Standard execution must hand off well before the
  // 25,000-event history limit.
  if (settings.machineType === 'STANDARD' && settings.turnsPerExecution > 1500) {
    problems.push(
      `-c turnsPerExecution=${settings.turnsPerExecution}: a Standard execution would pass the 25,000-event history limit; use at most 1500`,
    );
  }
  if (problems.length > 0) throw new Error(`bad CDK context:\n  ${problems.join('\n  ')}`);
  return settings;
}
