#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { readDeployConfig } from '../config/deploy';
import { readDeploymentFiles } from '../lib/deployment-files';
import { TablePolicyError, tablePolicy } from '../lib/table-policy';

const usage = `Usage: npm run table-policy -- --source <id> --account <pipeline account id> [-c key=value …]

Prints the resource-based policy a game account attaches to a data map source's table (given
by ARN in the data map) so this deployment's readers may Query it. -c takes the same deployment
settings as cdk deploy (deploymentName).`;

try {
  const { values } = parseArgs({
    options: {
      source: { type: 'string' },
      account: { type: 'string' },
      context: { type: 'string', short: 'c', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  if (!values.source || !values.account)
    throw new TablePolicyError(`--source and --account are required\n${usage}`);
  const context: Record<string, unknown> = JSON.parse(readFileSync('cdk.json', 'utf8')).context ?? {};
  for (const pair of values.context ?? []) {
    const at = pair.indexOf('=');
    if (at < 1) throw new TablePolicyError(`-c takes key=value, got ${JSON.stringify(pair)}`);
    context[pair.slice(0, at)] = pair.slice(at + 1);
  }
  const config = readDeployConfig((key) => context[key]);
  const policy = tablePolicy({
    dataMap: readDeploymentFiles(config).dataMap,
    deploymentName: config.deploymentName,
    sourceId: values.source,
    pipelineAccount: values.account,
  });
  process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}
