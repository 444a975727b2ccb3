// P4, the hybrid host (optional, `-c hybridHost=true`): the `agent-host` service on ECS
// Fargate, running the agent step in its own process and calling each tool's Lambda
// through the Lambda Invoke API, behind an internal Application Load Balancer.
//
// The image is built from `agent-host/Dockerfile` with the repository as its context; its
// `machine` stage (the definition and tool set the host follows) is replaced by the
// definition as this stack deploys it, so the host keeps the same Retry lists, timeouts
// and loop limits as the state machine even when CDK context changes them.
//
// The task role may invoke exactly the tool functions, read and write objects under the
// offload prefix and call the configured model, as the agent Lambda's role does; the
// container gets the agent Lambda's environment (`agentEnvironment`, `offloadEnvironment`).
// The service runs one task: a run lives in the memory of the task that started it, so a
// second task would answer `GET /runs/{id}` with 404 for the first one's runs.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { AgentLoop, agentEnvironment, bedrockGrant } from './agent-loop';
import { Architecture, DeploySettings } from './settings';
import { offloadEnvironment, offloadObjectsStatement } from './tool-function';

/** The Dockerfile, relative to the repository root (the build context). */
export const HOST_DOCKERFILE = 'agent-host/Dockerfile';
/** The Dockerfile's stage holding `agent.asl.json` and `tools.json`, replaced by the deployed ones. */
export const MACHINE_STAGE = 'machine';
/** Where the container listens (`AGENT_HOST_ADDR` in the image). */
export const HOST_PORT = 8080;
/** Where the load balancer listens (internal, plain HTTP inside the VPC). */
export const LISTENER_PORT = 80;
/** The address range of the VPC this construct creates (a literal, so the ingress rule can be checked). */
export const HOST_VPC_CIDR = '10.0.0.0/16';
/** The path the target group's health check requests. */
export const HEALTH_PATH = '/health';

export interface HybridHostProps {
  readonly loop: AgentLoop;
  readonly deploy: DeploySettings;
  /** Repository root: the image's build context (holds `agent-host/Dockerfile`). */
  readonly repoRoot: string;
  /** `statemachines/tools.json` as committed (what the agent Lambda ships too). */
  readonly toolsJson: string;
  /** The task's instruction set (the agent Lambda's, `agentArchitecture` in sfn-gen.json). */
  readonly architecture: Architecture;
  /** The VPC to run in; default a new one (two Availability Zones, one NAT gateway). */
  readonly vpc?: ec2.IVpc;
  /** Fargate CPU units; default 512. */
  readonly cpu?: number;
  /** Fargate memory (MiB); default 1024. */
  readonly memoryMiB?: number;
}

/**
 * Writes the deployed definition and the tool set into a folder named by their content
 * under `target/cdk-staging/agent-host/`, for the image's `machine` stage; returns it.
 */
export function stageMachine(repoRoot: string, definition: string, toolsJson: string): string {
  const hash = crypto.createHash('sha256').update(definition).update('\0').update(toolsJson).digest('hex').slice(0, 16);
  const dir = path.join(repoRoot, 'target', 'cdk-staging', 'agent-host', hash);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'agent.asl.json'), definition);
  fs.writeFileSync(path.join(dir, 'tools.json'), toolsJson);
  return dir;
}

/** `tool=arn,tool=arn` for `AGENT_HOST_FUNCTIONS`, every tool of the loop, sorted by name. */
export function hostFunctions(loop: AgentLoop): string {
  return Object.keys(loop.tools)
    .sort()
    .map((tool) => `${tool}=${loop.tools[tool].function.functionArn}`)
    .join(',');
}

/** The agent's log level as `RUST_LOG` spells it (tracing has no FATAL). */
function rustLog(level: DeploySettings['logLevel']): string {
  return level === 'FATAL' ? 'error' : level.toLowerCase();
}

export class HybridHost extends Construct {
  readonly vpc: ec2.IVpc;
  readonly cluster: ecs.Cluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly container: ecs.ContainerDefinition;
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly logGroup: logs.LogGroup;
  /** The folder the image's `machine` stage is built from. */
  readonly machineDir: string;

  constructor(scope: Construct, id: string, props: HybridHostProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { loop } = props;
    if (Token.isUnresolved(stack.region)) {
      throw new Error(
        '-c hybridHost=true needs the stack\'s Region (the load balancer\'s access logs name it): set AWS_REGION or CDK_DEFAULT_REGION, or use a profile with a region',
      );
    }
    if (Object.keys(loop.tools).length === 0) {
      throw new Error('-c hybridHost=true: statemachines/tools.json has no tool for the host to call');
    }

    if (props.vpc) {
      this.vpc = props.vpc;
    } else {
      const vpc = new ec2.Vpc(this, 'Vpc', {
        ipAddresses: ec2.IpAddresses.cidr(HOST_VPC_CIDR),
        maxAzs: 2,
        // One NAT gateway: the task reaches Lambda, Bedrock, ECR and CloudWatch Logs through it.
        natGateways: 1,
        subnetConfiguration: [
          { name: 'Public', subnetType: ec2.SubnetType.PUBLIC },
          { name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
        ],
        // Offload reads and writes stay off the NAT gateway.
        gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      });
      const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
        retention: logs.RetentionDays.ONE_MONTH,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      vpc.addFlowLog('FlowLog', { destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs) });
      this.vpc = vpc;
    }

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: this.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const arm = props.architecture === 'arm64';
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: props.cpu ?? 512,
      memoryLimitMiB: props.memoryMiB ?? 1024,
      runtimePlatform: {
        cpuArchitecture: arm ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    const role = this.taskDefinition.taskRole;
    // Exactly the tool functions, unqualified (the host invokes `$LATEST`, as the machine does).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeTools',
        actions: ['lambda:InvokeFunction'],
        resources: Object.keys(loop.tools)
          .sort()
          .map((tool) => loop.tools[tool].function.functionArn),
      }),
    );
    role.addToPrincipalPolicy(offloadObjectsStatement(loop.offload));
    for (const statement of bedrockGrant(stack, props.deploy.modelId)) role.addToPrincipalPolicy(statement);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.machineDir = stageMachine(props.repoRoot, loop.definition, props.toolsJson);
    this.container = this.taskDefinition.addContainer('Host', {
      image: ecs.ContainerImage.fromAsset(props.repoRoot, {
        file: HOST_DOCKERFILE,
        platform: arm ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
        buildContexts: { [MACHINE_STAGE]: this.machineDir },
      }),
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'agent-host' }),
      // The image sets AGENT_HOST_ADDR, AGENT_HOST_MACHINE, AGENT_TOOLS_FILE and AGENT_HOST_DATA.
      environment: {
        ...offloadEnvironment(loop.offload),
        ...agentEnvironment(props.deploy),
        AGENT_HOST_FUNCTIONS: hostFunctions(loop),
        AWS_REGION: stack.region,
        RUST_LOG: rustLog(props.deploy.logLevel),
        // The Lambda runtime's tracing subscriber logs JSON with this, as the functions do.
        AWS_LAMBDA_LOG_FORMAT: 'JSON',
      },
      portMappings: [{ containerPort: HOST_PORT, protocol: ecs.Protocol.TCP }],
      // Restarted in place, the host resumes its unfinished runs from AGENT_HOST_DATA.
      enableRestartPolicy: true,
      restartAttemptPeriod: Duration.seconds(60),
    });

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: 1,
      // Replace, then stop: the new task is healthy before the old one goes.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      assignPublicIp: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      circuitBreaker: { rollback: true },
    });

    // Internal: reachable from inside the VPC only, on port 80, and nothing else.
    const lbSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
      vpc: this.vpc,
      description: 'The hybrid host load balancer: HTTP from inside the VPC only',
      allowAllOutbound: false,
    });
    const vpcCidr = props.vpc ? props.vpc.vpcCidrBlock : HOST_VPC_CIDR;
    lbSecurityGroup.addIngressRule(ec2.Peer.ipv4(vpcCidr), ec2.Port.tcp(LISTENER_PORT), 'HTTP from inside the VPC');
    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
      vpc: this.vpc,
      internetFacing: false,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      securityGroup: lbSecurityGroup,
      dropInvalidHeaderFields: true,
      // `POST /runs?wait=true` and the event stream stay open while a turn runs.
      idleTimeout: Duration.seconds(900),
    });
    this.loadBalancer.logAccessLogs(loop.accessLogsBucket, 'agent-host-lb');
    const listener = this.loadBalancer.addListener('Http', {
      port: LISTENER_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
    });
    listener.addTargets('Host', {
      port: HOST_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.service],
      healthCheck: { path: HEALTH_PATH, healthyHttpCodes: '200', interval: Duration.seconds(15) },
      deregistrationDelay: Duration.seconds(30),
    });
    this.acknowledgeNagFindings(lbSecurityGroup, Token.isUnresolved(vpcCidr));
  }

  /** cdk-nag (AwsSolutions) findings the host accepts, each with its reason. */
  private acknowledgeNagFindings(lbSecurityGroup: ec2.SecurityGroup, cidrIsToken: boolean) {
    const acknowledge = (scope: Construct, id: string, reason: string) =>
      Validations.of(scope).acknowledge({ id: `AwsSolutions::AwsSolutions-${id}`, reason });
    acknowledge(
      this.taskDefinition,
      'ECS2',
      'The environment holds configuration only (function ARNs, the bucket name, the model id, log settings); no secret is passed to the host.',
    );
    acknowledge(
      this.taskDefinition,
      'IAM5[Resource::*]',
      'ecr:GetAuthorizationToken (the execution role pulling the image) does not support resource-level permissions.',
    );
    if (cidrIsToken) {
      acknowledge(
        lbSecurityGroup,
        'EC23',
        "The only ingress rule admits the given VPC's own CIDR block on port 80; cdk-nag cannot read a CIDR that is a token.",
      );
    }
  }

  /** The service's base URL (inside the VPC). */
  url(): string {
    return `http://${this.loadBalancer.loadBalancerDnsName}`;
  }
}
