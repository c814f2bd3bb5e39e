import { archiveKey, rootFolderName, stagingPrefix } from '../archive/layout';
import { type DataMap, shardCount, sourceById, sourceQuery } from '../data-map/data-map';
import { PlayerNotFoundError, SourceReadError } from '../errors';
import type { Clock, SourceReader } from '../ports';
import type { ExportPlan, WorkflowInput } from '../workflow-types';

export interface PlanDeps {
  reader: SourceReader;
  dataMap: DataMap;
  clock: Clock;
}

/**
 * First step: checks that the player exists (an unknown player fails here, before anything is
 * written) and plans one collection task per source of the data map.
 */
export async function planExport(deps: PlanDeps, request: WorkflowInput): Promise<ExportPlan> {
  const identity = sourceById(deps.dataMap, deps.dataMap.identity.source);
  const username = await findUsername(
    deps.reader,
    identity,
    request.playerId,
    deps.dataMap.identity.usernameField,
  );
  const generatedAt = deps.clock.now();
  const rootFolder = rootFolderName(username, generatedAt);
  const prefix = stagingPrefix(request.requestId, request.attempt);
  return {
    requestId: request.requestId,
    playerId: request.playerId,
    attempt: request.attempt,
    username,
    locale: request.locale,
    generatedAt: generatedAt.toISOString(),
    stagingPrefix: prefix,
    archiveKey: archiveKey(request.requestId, request.attempt),
    rootFolder,
    // One task per source, or per shard of a source the map shards: the Map runs them side by side.
    tasks: deps.dataMap.sources.flatMap((source) =>
      Array.from({ length: shardCount(source) }, (_, shard) => ({
        requestId: request.requestId,
        playerId: request.playerId,
        attempt: request.attempt,
        sourceId: source.id,
        generatedAt: generatedAt.toISOString(),
        stagingPrefix: prefix,
        ...(source.shards ? { shard } : {}),
      })),
    ),
  };
}

async function findUsername(
  reader: SourceReader,
  identity: DataMap['sources'][number],
  playerId: string,
  usernameField: string,
): Promise<string> {
  try {
    for await (const page of reader.pages(sourceQuery(identity, playerId))) {
      const item = page[0];
      if (item) {
        const username = item[usernameField];
        return typeof username === 'string' && username.length > 0 ? username : playerId;
      }
    }
  } catch (error) {
    throw new SourceReadError(identity.id, identity.table, error);
  }
  throw new PlayerNotFoundError(playerId);
}
