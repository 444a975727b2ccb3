#!/usr/bin/env node
// Prints what `scripts/build-lambdas.sh` must build: one line per architecture,
// `<arch> <binary> <binary>...`, from the same plan the stack deploys (`buildPlan`: the agent, the tools, the MCP gateway).
import * as path from 'path';
import { buildPlan, buildTargets, readGeneratorSettings, readTools } from '../lib/settings';

// dist/bin/lambda-plan.js → repository root is three levels up (or the first argument).
const repoRoot = process.argv[2] ? path.resolve(process.argv[2]) : path.resolve(__dirname, '..', '..', '..');
const plan = buildPlan(readGeneratorSettings(repoRoot), readTools(repoRoot).tools);
for (const [arch, binaries] of buildTargets(plan)) console.log([arch, ...binaries].join(' '));
