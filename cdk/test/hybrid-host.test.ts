// HybridHost (P4, `-c hybridHost=true`): off by default; when on, one Fargate task behind
// an internal load balancer, whose role may invoke exactly the tool functions and do what
// the agent Lambda's role does, whose container gets the agent Lambda's settings and every
// tool's function, and whose image is built from agent-host/Dockerfile with the deployed
// definition; cdk-nag passes.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { AgentStack } from '../lib/agent-stack';
import { stubCode } from '../lib/tool-function';
import { DEFINITION, REPO_ROOT, TOOLS, fixtureRepo, importedTool, logicalId, roleOf, statementsOf, synth, task } from './support';

const ON = { hybridHost: 'true' };

/** A fixture repository that also holds the host's Dockerfile and the root .dockerignore. */
function fixtureWithDockerfile(definition: object = DEFINITION, tools = TOOLS, generator?: object): string {
  const root = fixtureRepo(definition, tools, generator);
  fs.mkdirSync(path.join(root, 'agent-host'));
  fs.copyFileSync(path.join(REPO_ROOT, 'agent-host', 'Dockerfile'), path.join(root, 'agent-host', 'Dockerfile'));
  fs.copyFileSync(path.join(REPO_ROOT, '.dockerignore'), path.join(root, '.dockerignore'));
  return root;
}

/** The container's environment as a name → value map. */
function containerEnvironment(s: ReturnType<typeof synth>): Record<string, unknown> {
  const definitions = Object.values(s.template.findResources('AWS::ECS::TaskDefinition')) as any[];
  assert.equal(definitions.length, 1);
  const containers = definitions[0].Properties.ContainerDefinitions;
  assert.equal(containers.length, 1);
  return Object.fromEntries(containers[0].Environment.map((e: any) => [e.Name, e.Value]));
}

/** The image asset's source in the cloud assembly (the one Docker image of the stack). */
function imageSource(s: ReturnType<typeof synth>): { dir: string; source: any } {
  const assembly = (s.stack.node.root as App).synth();
  const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${s.stack.artifactId}.assets.json`), 'utf8'));
  const images = Object.values(manifest.dockerImages ?? {}) as any[];
  assert.equal(images.length, 1);
  return { dir: path.join(assembly.directory, images[0].source.directory), source: images[0].source };
}

/** `tool=<GetAtt Arn of its function>` for each tool, comma-separated, as CloudFormation joins it. */
function expectedFunctions(s: ReturnType<typeof synth>, tools: string[]) {
  const parts: unknown[] = [];
  tools.forEach((tool, i) => {
    parts.push(`${i === 0 ? '' : ','}${tool}=`);
    parts.push({ 'Fn::GetAtt': [logicalId(s.stack, s.stack.loop.tools[tool].function), 'Arn'] });
  });
  return { 'Fn::Join': ['', parts] };
}

test('off by default and with -c hybridHost=false: no ECS, VPC or load balancer resources', () => {
  for (const context of [{}, { hybridHost: 'false' }, { hybridHost: false }]) {
    const s = synth(fixtureRepo(DEFINITION), context);
    assert.equal(s.stack.host, undefined);
    const types = Object.values(s.template.toJSON().Resources).map((r: any) => r.Type as string);
    assert.deepEqual(types.filter((t) => /^AWS::(ECS|EC2|ElasticLoadBalancingV2)::/.test(t)), [], JSON.stringify(context));
    assert.ok(!('HybridHostUrl' in (s.template.toJSON().Outputs ?? {})));
  }
});

test('a bad flag value, or a stack without a Region, is refused with what to do', () => {
  assert.throws(() => synth(fixtureRepo(DEFINITION), { hybridHost: 'yes' }), /-c hybridHost=yes: must be true or false/);
  const app = new App({ context: ON });
  assert.throws(
    () => new AgentStack(app, 'NoRegion', { repoRoot: fixtureWithDockerfile(), codeFor: stubCode(fs.mkdtempSync(path.join(os.tmpdir(), 'stub-'))) }),
    /hybridHost=true needs the stack's Region.*AWS_REGION or CDK_DEFAULT_REGION/,
  );
});

test('on: one private Fargate task (ARM64 like the agent) behind an internal load balancer that checks /health', () => {
  const s = synth(fixtureWithDockerfile(), ON);
  s.template.resourceCountIs('AWS::ECS::Service', 1);
  s.template.hasResourceProperties('AWS::ECS::Service', {
    LaunchType: 'FARGATE',
    DesiredCount: 1,
    NetworkConfiguration: { AwsvpcConfiguration: Match.objectLike({ AssignPublicIp: 'DISABLED' }) },
    LoadBalancers: [Match.objectLike({ ContainerPort: 8080 })],
  });
  s.template.hasResourceProperties('AWS::ECS::TaskDefinition', {
    RequiresCompatibilities: ['FARGATE'],
    RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    ContainerDefinitions: [
      Match.objectLike({
        PortMappings: [{ ContainerPort: 8080, Protocol: 'tcp' }],
        LogConfiguration: Match.objectLike({ LogDriver: 'awslogs' }),
        RestartPolicy: Match.objectLike({ Enabled: true }),
      }),
    ],
  });
  s.template.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
  // The container's logs are kept a month, like every other log group of the stack.
  const logGroup = logicalId(s.stack, s.stack.host!.logGroup);
  s.template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  assert.equal(s.template.toJSON().Resources[logGroup].Properties.RetentionInDays, 30);

  s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
    Scheme: 'internal',
    LoadBalancerAttributes: Match.arrayWith([{ Key: 'access_logs.s3.enabled', Value: 'true' }]),
  });
  s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 80, Protocol: 'HTTP' });
  s.template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    Port: 8080,
    Protocol: 'HTTP',
    TargetType: 'ip',
    HealthCheckPath: '/health',
    Matcher: { HttpCode: '200' },
  });
  // The load balancer admits HTTP from the VPC's own range only.
  const lbGroup = Object.values(s.template.findResources('AWS::EC2::SecurityGroup')).find((g: any) =>
    String(g.Properties.GroupDescription).includes('load balancer'),
  ) as any;
  assert.deepEqual(lbGroup.Properties.SecurityGroupIngress, [
    { CidrIp: '10.0.0.0/16', Description: 'HTTP from inside the VPC', FromPort: 80, IpProtocol: 'tcp', ToPort: 80 },
  ]);
  s.template.hasResourceProperties('AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
  for (const g of Object.values(s.template.findResources('AWS::EC2::SecurityGroup')) as any[]) {
    for (const rule of g.Properties.SecurityGroupIngress ?? []) assert.notEqual(rule.CidrIp, '0.0.0.0/0');
  }
  s.template.resourceCountIs('AWS::EC2::FlowLog', 1);
  assert.ok('HybridHostUrl' in s.template.toJSON().Outputs);
});

test("the task role invokes exactly the tool functions and otherwise holds the agent Lambda role's statements", () => {
  const s = synth(fixtureWithDockerfile(), ON);
  const taskRole = s.stack.getLogicalId(s.stack.host!.taskDefinition.taskRole.node.defaultChild as any);
  const statements = statementsOf(s.template, taskRole);
  const invoke = statements.filter((st) => [st.Action].flat().some((a: string) => a.startsWith('lambda:')));
  assert.deepEqual(invoke, [
    {
      Sid: 'InvokeTools',
      Action: 'lambda:InvokeFunction',
      Effect: 'Allow',
      Resource: ['calculator', 'http-fetch'].map((tool) => ({ 'Fn::GetAtt': [logicalId(s.stack, s.stack.loop.tools[tool].function), 'Arn'] })),
    },
  ]);
  // No wildcard anywhere in the invoke statement, and not the agent's own function.
  const text = JSON.stringify(invoke);
  assert.ok(!text.includes('*'), text);
  assert.ok(!text.includes(logicalId(s.stack, s.stack.loop.agent.function)), text);
  // The rest: what the agent Lambda's role holds apart from X-Ray (offload objects, the model).
  const agentStatements = statementsOf(s.template, roleOf(s.stack, s.stack.loop.agent.function)).filter(
    (st) => !String(st.Action).startsWith('xray:'),
  );
  assert.ok(agentStatements.length >= 2);
  assert.deepEqual(statements.filter((st) => st.Sid !== 'InvokeTools'), agentStatements);
});

test("the container gets the agent Lambda's settings and AGENT_HOST_FUNCTIONS naming every tool's function", () => {
  const tools = [...TOOLS, importedTool('t_now', 't')];
  const definition = { ...DEFINITION, States: { ...DEFINITION.States, Fetch: task('ToolFunctionArn_http-fetch', 'T'), T: task('ToolFunctionArn_t_now') } };
  const s = synth(fixtureWithDockerfile(definition, tools), { ...ON, reasoner: 'bedrock', modelId: 'amazon.nova-lite-v1:0', logLevel: 'DEBUG' });
  const environment = containerEnvironment(s);
  assert.deepEqual(environment.AGENT_HOST_FUNCTIONS, expectedFunctions(s, ['calculator', 'http-fetch', 't_now']));
  const agentFunction = s.template.toJSON().Resources[logicalId(s.stack, s.stack.loop.agent.function)];
  const agentEnvironment = agentFunction.Properties.Environment.Variables;
  for (const name of ['OFFLOAD_BUCKET', 'OFFLOAD_PREFIX', 'AGENT_REASONER', 'BEDROCK_MODEL_ID']) {
    assert.deepEqual(environment[name], agentEnvironment[name], name);
  }
  assert.equal(environment.AGENT_REASONER, 'bedrock');
  assert.equal(environment.BEDROCK_MODEL_ID, 'amazon.nova-lite-v1:0');
  assert.equal(environment.RUST_LOG, 'debug');
  assert.equal(environment.AWS_REGION, 'us-east-1');
  // Paths inside the image are the image's to set (agent-host/Dockerfile), not the Lambda's.
  assert.equal(environment.AGENT_TOOLS_FILE, undefined);
  assert.equal(environment.AGENT_HOST_MACHINE, undefined);
});

test('the image: agent-host/Dockerfile on the repository, for the agent architecture, with the deployed definition as its machine stage', () => {
  const s = synth(fixtureWithDockerfile(DEFINITION, TOOLS, { agentArchitecture: 'x86_64' }), ON);
  s.template.hasResourceProperties('AWS::ECS::TaskDefinition', { RuntimePlatform: { CpuArchitecture: 'X86_64', OperatingSystemFamily: 'LINUX' } });
  const { source } = imageSource(s);
  assert.equal(source.dockerFile, 'agent-host/Dockerfile');
  assert.equal(source.platform, 'linux/amd64');
  assert.deepEqual(Object.keys(source.dockerBuildContexts), ['machine']);

  // On the committed repository, with loop limits changed by context: the staged
  // definition carries them, as the deployed state machine does.
  const committed = synth(REPO_ROOT, { ...ON, maxTurns: '7', failureThreshold: '3' });
  const machineDir = imageSource(committed).source.dockerBuildContexts.machine;
  const staged = JSON.parse(fs.readFileSync(path.join(machineDir, 'agent.asl.json'), 'utf8'));
  assert.deepEqual(
    { max_turns: staged.States.Agent.Parameters.Payload.config.max_turns, failure_threshold: staged.States.Agent.Parameters.Payload.config.failure_threshold },
    { max_turns: 7, failure_threshold: 3 },
  );
  assert.equal(fs.readFileSync(path.join(machineDir, 'agent.asl.json'), 'utf8'), committed.stack.loop.definition);
  assert.equal(
    fs.readFileSync(path.join(machineDir, 'tools.json'), 'utf8'),
    fs.readFileSync(path.join(REPO_ROOT, 'statemachines', 'tools.json'), 'utf8'),
  );
});

test('the build context is the workspace without build outputs, dependencies or history (.dockerignore)', () => {
  const s = synth(REPO_ROOT, ON);
  const { dir } = imageSource(s);
  for (const needed of ['Cargo.toml', 'Cargo.lock', 'agent-host/Dockerfile', 'agent-host/src/main.rs', 'statemachines/agent.asl.json', 'statemachines/tools.json']) {
    assert.ok(fs.existsSync(path.join(dir, needed)), `${needed} is missing from the build context`);
  }
  for (const left of ['target', '.git', 'cdk/node_modules', 'cdk/cdk.out', 'cdk/dist']) {
    assert.ok(!fs.existsSync(path.join(dir, left)), `${left} is in the build context`);
  }
});

test("the Dockerfile pins the workspace's rust-version and sets only variables agent-host reads", () => {
  const dockerfile = fs.readFileSync(path.join(REPO_ROOT, 'agent-host', 'Dockerfile'), 'utf8');
  const rustVersion = /^rust-version\s*=\s*"([^"]+)"/m.exec(fs.readFileSync(path.join(REPO_ROOT, 'Cargo.toml'), 'utf8'))![1];
  assert.match(dockerfile, new RegExp(`^ARG RUST_VERSION=${rustVersion.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(dockerfile, /^FROM rust:\$\{RUST_VERSION\}-slim-bookworm AS build$/m);
  assert.match(dockerfile, /cargo build --release -p agent-host --locked/);
  assert.match(dockerfile, /^FROM scratch AS machine$/m);
  assert.match(dockerfile, /^USER nonroot$/m);
  assert.match(dockerfile, /^EXPOSE 8080$/m);
  // Every AGENT_HOST_* variable the image sets is one agent-host declares.
  const main = fs.readFileSync(path.join(REPO_ROOT, 'agent-host', 'src', 'main.rs'), 'utf8');
  const declared = new Set([...main.matchAll(/env = "(AGENT_HOST_[A-Z_]+)"/g)].map((m) => m[1]));
  const set = [...dockerfile.matchAll(/\b(AGENT_HOST_[A-Z_]+)=/g)].map((m) => m[1]).filter((n) => n !== 'AGENT_HOST_FUNCTIONS');
  assert.deepEqual([...new Set(set)].sort(), ['AGENT_HOST_ADDR', 'AGENT_HOST_DATA', 'AGENT_HOST_MACHINE']);
  for (const name of set) assert.ok(declared.has(name), `${name} is not read by agent-host/src/main.rs`);
  assert.match(dockerfile, /AGENT_HOST_ADDR=0\.0\.0\.0:8080/);
  // The files the variables name are the files the image copies.
  assert.match(dockerfile, /^COPY --from=machine \/agent\.asl\.json \/tools\.json \/etc\/agent-host\/$/m);
  assert.match(dockerfile, /AGENT_HOST_MACHINE=\/etc\/agent-host\/agent\.asl\.json/);
  assert.match(dockerfile, /AGENT_TOOLS_FILE=\/etc\/agent-host\/tools\.json/);
});

test('cdk-nag passes with the host on (committed repository, fixture with an imported tool, x86_64), every acknowledgement with a reason', () => {
  assert.doesNotThrow(() => synth(REPO_ROOT, ON));
  const tools = [...TOOLS, importedTool('t_now', 't')];
  const definition = { ...DEFINITION, States: { ...DEFINITION.States, Fetch: task('ToolFunctionArn_http-fetch', 'T'), T: task('ToolFunctionArn_t_now') } };
  assert.doesNotThrow(() =>
    synth(fixtureWithDockerfile(definition, tools, { agentArchitecture: 'x86_64' }), { ...ON, machineType: 'EXPRESS', mcpSecrets: { t: 'prod/t' } }),
  );
  const { stack } = synth(fixtureWithDockerfile(), ON);
  const acknowledged = stack.host!.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) => Object.entries(m.data as Record<string, string>))
    .filter(([id]) => id.startsWith('AwsSolutions::'));
  assert.ok(acknowledged.length >= 2, `only ${acknowledged.length} acknowledgements found`);
  for (const [id, reason] of acknowledged) assert.ok(reason.length >= 40 && /\s/.test(reason), `${id}: ${reason}`);
});
