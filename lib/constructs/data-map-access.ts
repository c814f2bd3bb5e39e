import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { Construct } from 'constructs';
import type { DataMap, SourceSpec } from '../../functions/core/data-map/data-map';
import { ExportFunction } from './export-function';

/**
 * The DynamoDB resources the data map reads: for each source its table, or only the index it
 * queries. Tables are named in the map by name or ARN; a name resolves to this account and region,
 * or to the demo table of that name when demo mode created one.
 */
export function sourceResourceArns(
  scope: Construct,
  sources: readonly SourceSpec[],
  demoTables: ReadonlyMap<string, ITable>,
): string[] {
  const arns = new Set<string>();
  for (const source of sources) {
    const demo = demoTables.get(source.table);
    const tableArn = demo ? demo.tableArn : ExportFunction.tableArn(scope, source.table);
    // A source read through an index needs Query on the index only, not on the base table.
    arns.add(source.key.index ? `${tableArn}/index/${source.key.index}` : tableArn);
  }
  return [...arns];
}

/** The source the pipeline reads a player's username and e-mail address from. */
export function identitySource(map: DataMap): SourceSpec {
  const source = map.sources.find((s) => s.id === map.identity.source);
  if (!source) throw new Error(`The data map's identity source "${map.identity.source}" is not a source`);
  return source;
}
