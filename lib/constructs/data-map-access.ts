import type { Construct } from 'constructs';
import type { DataMap, SourceSpec } from '../../functions/core/data-map/data-map';
import { ExportFunction } from './export-function';

/**
 * The DynamoDB resources the data map reads: for each source its table, or only the index it
 * queries. Tables are named in the map by name or ARN, resolved through `sourceTables` (the demo
 * game's prefixed names in demo mode); a name is a table of this account and region.
 */
export function sourceResourceArns(
  scope: Construct,
  sources: readonly SourceSpec[],
  sourceTables: ReadonlyMap<string, string>,
): string[] {
  const arns = new Set<string>();
  for (const source of sources) {
    const tableArn = ExportFunction.tableArn(scope, sourceTables.get(source.table) ?? source.table);
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

/**
 * The functions that read the game's tables, by construct id: the collectors read every source;
 * three lifecycle steps read the identity source (a player's username and address).
 */
export const sourceReaders = {
  CollectCategory: 'every source',
  PlanExport: 'identity source',
  StartExport: 'identity source',
  DeliverLink: 'identity source',
} as const;

export type SourceReader = keyof typeof sourceReaders;

/** The functions whose roles read this source. */
export function readersOf(map: DataMap, source: SourceSpec): SourceReader[] {
  const identity = identitySource(map).id === source.id;
  return (Object.keys(sourceReaders) as SourceReader[]).filter(
    (reader) => sourceReaders[reader] === 'every source' || identity,
  );
}

/**
 * The fixed name of a source reader's role, so a game account's table policy can name it before
 * the pipeline is deployed. At most 64 characters: a deployment name of 32, the longest reader
 * (15) and the longest region (14), with two hyphens.
 */
export function sourceReaderRoleName(deploymentName: string, reader: SourceReader, region: string): string {
  return `${deploymentName}-${reader}-${region}`;
}
