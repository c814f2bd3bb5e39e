import { CfnOutput, CustomResource, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { type Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { DeployConfig } from '../config/deploy';
import { ExportFunction, logRetentionOf } from './constructs/export-function';
import { tableFrom } from './constructs/keyed-table';
import { demoTables } from './demo-tables';
import type { EmbeddedFiles } from './deployment-files';

/** The physical name of a demo table: prefixed, so it never collides with a game's own `players`. */
export function demoTableNames(deploymentName: string): ReadonlyMap<string, string> {
  return new Map(Object.keys(demoTables).map((table) => [table, `${deploymentName}-demo-${table}`]));
}

export interface DemoGameStackProps extends StackProps {
  readonly config: DeployConfig;
  readonly embedded: EmbeddedFiles;
}

/**
 * The demo game (demo mode only): its tables, in a stack of their own, and a seed that loads the
 * demo players into them at deploy. The pipeline names the tables (the data map's tables resolve
 * to these names) and imports nothing from here, so turning demo mode off removes this stack and
 * nothing the pipeline depends on. Demo data only: everything goes with the stack.
 */
export class DemoGameStack extends Stack {
  constructor(scope: Construct, id: string, props: DemoGameStackProps) {
    super(scope, id, props);
    const { config } = props;
    const names = demoTableNames(config.deploymentName);
    const tables = Object.entries(demoTables).map(([table, keys]) =>
      tableFrom(this, `Demo-${table}`, keys, {
        tableName: names.get(table) as string,
        encryption: TableEncryption.AWS_MANAGED,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    );

    if (config.seedDemoData) this.seed(config, props.embedded, names, tables);
    new CfnOutput(this, 'TablePrefix', { value: `${config.deploymentName}-demo-` });
  }

  /** The same loader the local tools use, run by CloudFormation on create and update. */
  private seed(
    config: DeployConfig,
    embedded: EmbeddedFiles,
    names: ReadonlyMap<string, string>,
    tables: readonly Table[],
  ): void {
    const seed = new ExportFunction(this, 'SeedDemo', {
      entry: 'seed-demo',
      description: 'Demo mode: loads the demo players and their records into the demo tables at deploy',
      serviceName: config.deploymentName,
      embedded,
      logRetention: logRetentionOf(config.logRetentionDays),
      memorySize: 1024,
      timeout: Duration.minutes(5),
    }).addEnvironment('SOURCE_TABLES', JSON.stringify(Object.fromEntries(names)));
    // Puts only: the seed cannot read, delete or touch any other table.
    seed.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['dynamodb:BatchWriteItem'], resources: tables.map((t) => t.tableArn) }),
    );
    const seeded = new CustomResource(this, 'DemoData', {
      serviceToken: seed.function.functionArn,
      resourceType: 'Custom::DemoData',
      // A new value re-seeds on the next deploy (items are put by key, so it rewrites them).
      properties: { tables: Object.fromEntries(names), version: '1' },
    });
    for (const table of tables) seeded.node.addDependency(table);
  }
}
