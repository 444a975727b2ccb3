// Shared helpers for the CDK tests: a small fixture repository (two tools, an optional
// imported one), synthesis with cdk-nag's AwsSolutions checks on, and template queries.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AgentStack } from '../lib/agent-stack';
import { Architecture, ToolManifest } from '../lib/settings';
import { stubCode } from '../lib/tool-function';

/** The repository root (dist/test/*.js → three levels up). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');

export const TOOLS: ToolManifest[] = [
  { name: 'calculator', description: 'math', 'x-sfn': { timeoutSeconds: 7, memoryMb: 192, architecture: 'arm64' } },
  { name: 'http-fetch', description: 'web', 'x-sfn': { timeoutSeconds: 20, memoryMb: 512, architecture: 'x86_64' } },
];

/** An imported MCP tool's manifest, as `sfn-gen import-mcp` writes it (the parts the stack reads). */
export function importedTool(name: string, server: string): ToolManifest {
  return {
    name,
    description: `imported from ${server}`,
    'x-sfn': {
      timeoutSeconds: 15,
      memoryMb: 256,
      architecture: 'arm64',
      mcp: { runtime: 'mcp-proxy', server, tool: 'get.time', transport: { streamableHttp: { url: 'https://mcp.example.com/mcp', headers: ['Authorization'] } } },
    },
  };
}

export function task(fn: string, next?: string, extra: object = {}) {
  return {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: `\${${fn}}`, 'Payload.$': '$', ...extra },
    ...(next ? { Next: next } : { End: true }),
  };
}

export const DEFINITION = {
  StartAt: 'Agent',
  States: {
    Agent: task('AgentFunctionArn', 'Calc'),
    Calc: task('ToolFunctionArn_calculator', 'Fetch'),
    Fetch: task('ToolFunctionArn_http-fetch'),
  },
};

/** A fixture repository: `statemachines/` and, when given, `sfn-gen.json`. */
export function fixtureRepo(definition: object, tools: ToolManifest[] = TOOLS, generator?: object): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-stack-'));
  fs.mkdirSync(path.join(root, 'statemachines'));
  fs.writeFileSync(path.join(root, 'statemachines', 'agent.asl.json'), JSON.stringify(definition));
  fs.writeFileSync(path.join(root, 'statemachines', 'tools.json'), JSON.stringify(tools));
  if (generator) fs.writeFileSync(path.join(root, 'sfn-gen.json'), JSON.stringify(generator));
  return root;
}

export interface Synthesized {
  stack: AgentStack;
  template: Template;
  /** The (binary, architecture, extra files) each function's code was asked for, in order. */
  code: { binary: string; architecture: Architecture; extraFiles: Record<string, string> }[];
}

/** Synthesizes an AgentStack on `root` with CDK context `context`, cdk-nag on (synth throws on a finding). */
export function synth(root: string, context: Record<string, unknown> = {}, before?: (stack: AgentStack) => void): Synthesized {
  const app = new App({ context });
  const stub = stubCode(fs.mkdtempSync(path.join(os.tmpdir(), 'agent-stack-stage-')));
  const code: Synthesized['code'] = [];
  const stack = new AgentStack(app, 'Test', {
    repoRoot: root,
    env: { account: '123456789012', region: 'us-east-1' },
    codeFor: (binary, architecture, extraFiles) => {
      code.push({ binary, architecture, extraFiles });
      return stub(binary, architecture, extraFiles);
    },
  });
  before?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  app.synth();
  return { stack, template: Template.fromStack(stack), code };
}

/** A construct's logical id in its stack. */
export function logicalId(stack: Stack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as lambda.CfnFunction);
}

/** Every IAM policy statement attached to the role `roleLogicalId` (inline policies). */
export function statementsOf(template: Template, roleLogicalId: string): any[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleLogicalId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement);
}

/** The role logical id of a function. */
export function roleOf(stack: Stack, fn: lambda.Function): string {
  return stack.getLogicalId(fn.role!.node.defaultChild as any);
}

/** `arn:<partition>` + `rest`, as CDK renders an ARN built from the stack's partition. */
export function partitionArn(rest: string) {
  return { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, rest]] };
}
