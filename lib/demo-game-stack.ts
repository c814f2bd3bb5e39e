import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import { tableFrom } from './constructs/keyed-table';
import { demoTables } from './demo-tables';

/** The physical name of a demo table: prefixed, so it never collides with a game's own `players`. */
export function demoTableNames(deploymentName: string): ReadonlyMap<string, string> {
  return new Map(Object.keys(demoTables).map((table) => [table, `${deploymentName}-demo-${table}`]));
}

export interface DemoGameStackProps extends StackProps {
  readonly deploymentName: string;
}

/**
 * The demo game (demo mode only): its tables, in a stack of their own. The pipeline names them
 * (the data map's tables resolve to these names), it imports nothing from here, so turning demo
 * mode off removes this stack and nothing the pipeline depends on. Demo data only: everything
 * goes with the stack.
 */
export class DemoGameStack extends Stack {
  constructor(scope: Construct, id: string, props: DemoGameStackProps) {
    super(scope, id, props);
    for (const [table, tableName] of demoTableNames(props.deploymentName)) {
      const keys = demoTables[table];
      if (!keys) continue;
      tableFrom(this, `Demo-${table}`, keys, {
        tableName,
        encryption: TableEncryption.AWS_MANAGED,
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }
    new CfnOutput(this, 'TablePrefix', { value: `${props.deploymentName}-demo-` });
  }
}
