import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbExportSlots } from '../../functions/adapters/dynamodb/dynamodb-export-slots';
import { readBudgetsOf } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { queuePosition } from '../../functions/core/requests/admission';
import { peakConcurrency } from '../../local/load/load-run';
import { seedSyntheticPlayers } from '../../local/load/synthetic-players';
import { linkOf, putExportRequested } from '../../local/portal';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * Admission and read budgets on the synthesized templates: two exports at a time, 60 read units
 * per second per game table, and a store that throttles a third of the collectors' reads.
 */
const MAX_CONCURRENT = 2;
const BUDGET = 60;

let runtime: TestRuntime;
let players: string[];

beforeAll(async () => {
  runtime = await startTestRuntime({
    context: { maxConcurrentExports: MAX_CONCURRENT, readBudget: BUDGET },
  });
  const tables = new Map(
    Object.keys(readBudgetsOf(defaultDataMap, BUDGET)).map((table) => [
      table,
      runtime.deployment.tables.find(
        (t) => t.name === runtime.gameTable(table),
      ) as (typeof runtime.deployment.tables)[number],
    ]),
  );
  // Every third copy is the demo's heavy player, with enough statistics to need the budget.
  players = await seedSyntheticPlayers(runtime.admin.dynamodb, {
    count: 9,
    dataMap: defaultDataMap,
    tables,
    statsForHeavyPlayer: 4000,
  });
});
afterAll(async () => {
  await runtime?.stop();
});

describe('a burst of requests', () => {
  it('queues them, runs at most maxConcurrentExports at once, keeps every table within its budget, and waits out throttling', async () => {
    const throttled = runtime.injectFault({
      service: 'dynamodb',
      functionName: 'CollectCategory',
      operation: 'Query',
      code: 'ProvisionedThroughputExceededException',
      share: 0.33,
    });
    runtime.readMeter.reset();
    const ids = await Promise.all(
      players.slice(0, 6).map((playerId) => putExportRequested(runtime, { playerId })),
    );
    // Recorded QUEUED with a place in line before the dispatcher has caught up with all of them.
    const { requests } = runtime.records;
    await runtime.settle();
    throttled.remove();

    const records = await Promise.all(ids.map(async (id) => (await requests.get(id)) ?? expect.fail(id)));
    expect(records.map((r) => r.state)).toEqual(ids.map(() => 'READY'));
    for (const record of records) {
      expect(Object.keys(record.stateTimes).slice(0, 2)).toEqual(['QUEUED', 'RECEIVED']);
      const { link } = await linkOf(runtime, record.requestId);
      expect((await fetch(link)).status).toBe(200);
    }
    expect(peakConcurrency(records)).toBeLessThanOrEqual(MAX_CONCURRENT);
    // Some waited for a slot: admitted only after another export had ended.
    const admittedAt = records.map((r) => Date.parse(r.stateTimes.RECEIVED as string)).sort((a, b) => a - b);
    const firstEnd = Math.min(...records.map((r) => Date.parse(r.stateTimes.READY as string)));
    expect(admittedAt.filter((at) => at >= firstEnd).length).toBeGreaterThan(0);

    expect(throttled.hits).toBeGreaterThan(0);
    const peaks = runtime.readMeter.peakPerSecond();
    const stats = runtime.gameTable('game-stats');
    // The heavy players' statistics needed more than one second's budget, and no second got more.
    expect(runtime.readMeter.totalUnits()[stats]).toBeGreaterThan(BUDGET);
    for (const table of Object.keys(readBudgetsOf(defaultDataMap, BUDGET))) {
      expect(peaks[runtime.gameTable(table)] ?? 0, table).toBeLessThanOrEqual(BUDGET);
    }
    // The slots are all given back once every export has ended.
    const slots = new DynamoDbExportSlots(
      runtime.admin.dynamodb,
      runtime.outputs.PipelineTableName as string,
    );
    await runtime.runSchedule('DispatchSchedule');
    expect(await slots.holders()).toEqual([]);
  });

  it('a queued request knows its place in line, and starts once a slot is free', async () => {
    const slots = new DynamoDbExportSlots(
      runtime.admin.dynamodb,
      runtime.outputs.PipelineTableName as string,
    );
    // Both slots held by requests that are not finished: the queue cannot move.
    for (const id of ['hold-1', 'hold-2']) expect(await slots.take(id, MAX_CONCURRENT)).toBe(true);
    const fault = runtime.injectFault({
      service: 'dynamodb',
      functionName: 'DispatchExports',
      code: 'InternalServerError',
    });
    const ids: string[] = [];
    for (const playerId of players.slice(6)) {
      ids.push(await putExportRequested(runtime, { playerId, requestId: `queued-${playerId}` }));
      await runtime.settle();
    }
    fault.remove();
    const { requests } = runtime.records;
    const positions = await Promise.all(
      ids.map(async (id) => queuePosition({ requests }, (await requests.get(id)) ?? expect.fail(id))),
    );
    expect(positions).toEqual([1, 2, 3]);
    for (const id of ['hold-1', 'hold-2']) await slots.release(id);
    await runtime.runSchedule('DispatchSchedule');
    await runtime.settle();
    for (const id of ids) expect((await requests.get(id))?.state).toBe('READY');
  });
});

describe('the export slots (DynamoDbExportSlots)', () => {
  it('of twenty takes at once with a limit of three, exactly three succeed; a holder taking again keeps its one slot', async () => {
    const slots = new DynamoDbExportSlots(
      runtime.admin.dynamodb,
      runtime.outputs.PipelineTableName as string,
    );
    for (const held of await slots.holders()) await slots.release(held);
    const taken = await Promise.all(Array.from({ length: 20 }, (_, i) => slots.take(`race-${i}`, 3)));
    expect(taken.filter(Boolean)).toHaveLength(3);
    const holders = await slots.holders();
    expect(holders).toHaveLength(3);
    expect(await slots.take(holders[0] as string, 3)).toBe(true);
    expect(await slots.holders()).toHaveLength(3);
    for (const held of holders) await slots.release(held);
    expect(await slots.holders()).toEqual([]);
  });
});
