import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DynamoDbSourceReader } from '../../functions/adapters/dynamodb/dynamodb-source-reader';
import { PagePlanner } from '../../functions/core/collect/read-budget';
import { SourceThrottledError } from '../../functions/core/errors';
import { type BucketState, type BucketStore, SharedTokenBucket } from '../../functions/core/token-bucket';

/** The shared store as DynamoDB keeps it: a version per bucket, a write only on the version read. */
class MemoryBucketStore implements BucketStore {
  readonly states = new Map<string, BucketState>();
  conflicts = 0;
  gets = 0;
  puts = 0;
  async get(key: string) {
    this.gets++;
    await new Promise((resolve) => setImmediate(resolve));
    const state = this.states.get(key);
    return state ? { ...state } : undefined;
  }
  async put(key: string, next: BucketState, expectedVersion: number) {
    this.puts++;
    await new Promise((resolve) => setImmediate(resolve));
    if ((this.states.get(key)?.version ?? 0) !== expectedVersion) {
      this.conflicts++;
      return false;
    }
    this.states.set(key, { ...next });
    return true;
  }
}

describe('SharedTokenBucket', () => {
  it('collectors taking side by side never get more than the budget in any second of the wall clock', async () => {
    const budget = 200;
    const store = new MemoryBucketStore();
    const taken = new Map<number, number>();
    const until = Date.now() + 2_500;
    const collector = async (units: number) => {
      const bucket = new SharedTokenBucket(store, 'BUDGET#game-stats', budget);
      while (Date.now() < until) {
        await bucket.take(units);
        const second = Math.floor(Date.now() / 1000);
        taken.set(second, (taken.get(second) ?? 0) + units);
      }
    };
    await Promise.all([collector(7), collector(13), collector(25), collector(50), collector(3)]);
    expect(store.conflicts).toBeGreaterThan(0);
    // Counted when take() returned, a few ms after the bucket's own clock read: that shift can
    // move at most a few ms of refill (0.15 units/ms) into a second, hence the 2% allowance.
    expect(Math.max(...taken.values())).toBeLessThanOrEqual(budget * 1.02);
    // …and they were not starved either: over the run they got most of the refill.
    const total = [...taken.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(budget * 0.75 * 2);
  });

  it('a page that used more than it reserved is paid for by the next reservation, one that used less gives back', async () => {
    const store = new MemoryBucketStore();
    let now = 1_000_000;
    const slept: number[] = [];
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        slept.push(ms);
        now += ms;
      },
    };
    const bucket = new SharedTokenBucket(store, 'k', 400, clock); // refills 0.3/ms, holds 100
    await bucket.take(100);
    expect(store.states.get('k')?.tokens).toBe(0);
    await bucket.settle(100, 160); // 60 more than reserved: the bucket owes them
    expect(store.states.get('k')?.tokens).toBe(-60);
    await bucket.take(30);
    // (30 + 60) / 0.3 per ms = 300 ms of refill before the next page could go.
    expect(Math.round(slept.reduce((a, b) => a + b, 0))).toBeGreaterThanOrEqual(300);
    await bucket.settle(50, 10); // gives back 40, never above the bucket's capacity
    expect(store.states.get('k')?.tokens).toBeLessThanOrEqual(100);
  });

  it('settles a page and reserves the next in one read and one write, or settles first and waits when the bucket is short', async () => {
    const store = new MemoryBucketStore();
    let now = 1_000_000;
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
    const bucket = new SharedTokenBucket(store, 'k', 400, clock); // refills 0.3/ms, holds 100
    await bucket.take(50);
    const [gets, puts] = [store.gets, store.puts];
    await bucket.settleAndTake(50, 30, 40); // 20 back, 40 out: 50 + 20 - 40
    expect([store.gets - gets, store.puts - puts]).toEqual([1, 1]);
    expect(store.states.get('k')?.tokens).toBe(30);

    // Used 70 beyond its reservation: 30 - 70 = -40 is written at once (other collectors must
    // see the debt), then 60 more waits for (40 + 60) / 0.3 ms of refill.
    const before = now;
    await bucket.settleAndTake(10, 80, 60);
    expect(now - before).toBeGreaterThanOrEqual(100 / 0.3);
    expect(store.puts - puts).toBe(3);
    // Taken as soon as refilled: at most the waiter's spread (≤ 50 ms, 15 units) is left.
    expect(store.states.get('k')?.tokens).toBeLessThanOrEqual(15);
  });

  it('a settlement alone that changes less than half a unit does not touch the store', async () => {
    const store = new MemoryBucketStore();
    const bucket = new SharedTokenBucket(store, 'k', 400);
    await bucket.settleAndTake(10, 10.2, 0);
    expect([store.gets, store.puts]).toEqual([0, 0]);
  });

  it('refuses a budget that is not positive', () => {
    expect(() => new SharedTokenBucket(new MemoryBucketStore(), 'k', 0)).toThrow(/must be positive/);
  });
});

describe('PagePlanner', () => {
  it('plans every page to fit one reservation, whatever the items weigh', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: 5000 }),
        fc.array(fc.double({ min: 0.01, max: 100, noNaN: true }), { minLength: 1, maxLength: 20 }),
        (maxUnits, unitsPerItem) => {
          const planner = new PagePlanner(maxUnits);
          for (const perItem of unitsPerItem) {
            const { limit, reserve } = planner.next();
            expect(limit).toBeGreaterThanOrEqual(1);
            expect(reserve).toBeLessThanOrEqual(maxUnits);
            planner.observe(limit, limit * perItem);
          }
        },
      ),
    );
  });
});

describe('DynamoDbSourceReader and throttling (a fake client: this adapter alone)', () => {
  const query = { table: 'game-stats', partitionAttribute: 'playerId', partitionValue: 'p-1' };
  const throttled = () =>
    Object.assign(new Error('Rate exceeded'), { name: 'ProvisionedThroughputExceededException' });
  const page = (ids: string[], last?: string) => ({
    Items: ids.map((id) => ({ playerId: { S: 'p-1' }, statId: { S: id } })),
    ...(last ? { LastEvaluatedKey: { playerId: { S: 'p-1' }, statId: { S: last } } } : {}),
    ConsumedCapacity: { TableName: 'game-stats', CapacityUnits: 0.5 },
  });

  it('waits out throttling and continues from the same key: every item, once', async () => {
    const answers: (() => unknown)[] = [
      () => page(['a', 'b'], 'b'),
      () => {
        throw throttled();
      },
      () => {
        throw throttled();
      },
      () => page(['c']),
    ];
    const sent: Record<string, unknown>[] = [];
    const client = {
      send: async (command: { input: Record<string, unknown> }) => {
        sent.push(command.input);
        return (answers.shift() as () => unknown)();
      },
    } as unknown as DynamoDBClient;
    const reader = new DynamoDbSourceReader(client, { sleep: async () => undefined });
    const ids: unknown[] = [];
    for await (const items of reader.pages(query)) ids.push(...items.map((i) => i.statId));
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(reader.stats).toMatchObject({ throttled: 2, pages: 2, consumedUnits: 1 });
    expect(
      sent.map((i) => (i.ExclusiveStartKey as { statId?: { S: string } } | undefined)?.statId?.S),
    ).toEqual([undefined, 'b', 'b', 'b']);
    expect(sent.every((i) => i.ReturnConsumedCapacity === 'TOTAL')).toBe(true);
  });

  it('gives up with SourceThrottledError once it has waited its limit (the workflow retries that later)', async () => {
    const client = {
      send: async () => {
        throw throttled();
      },
    } as unknown as DynamoDBClient;
    const reader = new DynamoDbSourceReader(client, { sleep: async () => undefined, maxThrottleWaitMs: 0 });
    await expect(async () => {
      for await (const _ of reader.pages(query)) {
        // nothing arrives
      }
    }).rejects.toThrow(SourceThrottledError);
  });

  it('passes any other error on at once', async () => {
    const client = {
      send: async () => {
        throw Object.assign(new Error('no such table'), { name: 'ResourceNotFoundException' });
      },
    } as unknown as DynamoDBClient;
    const reader = new DynamoDbSourceReader(client, { sleep: async () => undefined });
    await expect(async () => {
      for await (const _ of reader.pages(query)) {
        // nothing arrives
      }
    }).rejects.toThrow(/no such table/);
    expect(reader.stats.throttled).toBe(0);
  });
});
