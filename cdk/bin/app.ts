#!/usr/bin/env node
// The CDK app: one AgentStack built from the committed ASL and tool manifests, checked by
// cdk-nag's AwsSolutions pack at synth time.
import * as fs from 'fs';
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AgentStack, stubCode } from '../lib/agent-stack';

const app = new App();
// dist/bin/app.js → repository root is three levels up.
const repoRoot = path.resolve(__dirname, '..', '..', '..');
// The generator's settings decide Standard or Express, so generation and deployment agree.
const settingsFile = path.join(repoRoot, 'sfn-gen.json');
const settings = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
const stateMachineType =
  settings.type === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD;
new AgentStack(app, app.node.tryGetContext('stackName') ?? 'SfnAgent', {
  repoRoot,
  stateMachineName: app.node.tryGetContext('stateMachineName') ?? 'Agent',
  stateMachineType,
  codeFor: app.node.tryGetContext('stubCode') === 'true' ? stubCode(path.join(repoRoot, 'target', 'cdk-stub')) : undefined,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
