#!/usr/bin/env node
// The CDK app: one AgentStack built from the committed ASL, tool manifests and
// sfn-gen.json, configured by CDK context (README "Deploying"), checked by cdk-nag's
// AwsSolutions pack at synth time.
import * as path from 'path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AgentStack } from '../lib/agent-stack';
import { stubCode } from '../lib/tool-function';

const app = new App();
// dist/bin/app.js → repository root is three levels up.
const repoRoot = path.resolve(__dirname, '..', '..', '..');
new AgentStack(app, app.node.tryGetContext('stackName') ?? 'SfnAgent', {
  repoRoot,
  stateMachineName: app.node.tryGetContext('stateMachineName') ?? 'Agent',
  codeFor: String(app.node.tryGetContext('stubCode')) === 'true' ? stubCode(path.join(repoRoot, 'target', 'cdk-stub')) : undefined,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
