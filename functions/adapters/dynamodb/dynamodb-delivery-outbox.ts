import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Clock, DeliveryOutbox } from '../../core/ports';
import type { Delivery } from '../../core/requests/delivery-record';
import { requestPk } from './dynamodb-request-repository';
import {
  fromPlainItem,
  type Item,
  isConditionalCheckFailed,
  n,
  type PlainValue,
  s,
  toPlainItem,
  ttlPassed,
  UpdateBuilder,
} from './pipeline-items';
import { pipelineTableKeys } from './pipeline-table';

/* Keys as laid out in ./pipeline-table.ts: pk REQUEST#<id>, sk DELIVERY, on the work list while open. */
const DELIVERY_SK = 'DELIVERY';
const OPEN = 'DELIVERY#OPEN';
const { byState } = pipelineTableKeys.indexes;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Kept a month past the link's expiry for the privacy team, then left to TTL. */
const KEEP_MS = 30 * DAY_MS;

const internal = new Set([
  pipelineTableKeys.partition,
  pipelineTableKeys.sort,
  byState.partition,
  byState.sort,
  'ttl',
]);

/** DeliveryOutbox on the pipeline's single table; the open entries form a sparse list by next try. */
export class DynamoDbDeliveryOutbox implements DeliveryOutbox {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  async create(delivery: Delivery): Promise<Delivery> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: {
            ...toPlainItem(delivery as unknown as Record<string, PlainValue | undefined>),
            ...key(delivery.requestId),
            [byState.partition]: s(OPEN),
            [byState.sort]: s(delivery.nextAttemptAt),
            ttl: n(Math.ceil((Date.parse(delivery.expiresAt) + KEEP_MS) / 1000)),
          },
          // One entry per request: a retried step finds the first one and keeps its token.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return delivery;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const existing = await this.get(delivery.requestId);
    if (!existing) throw new Error(`Delivery of request ${delivery.requestId} exists but cannot be read`);
    return existing;
  }

  async get(requestId: string): Promise<Delivery | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: key(requestId), ConsistentRead: true }),
    );
    if (!result.Item || ttlPassed(result.Item, this.clock.now())) return undefined;
    return fromItem(result.Item);
  }

  async update(
    requestId: string,
    expected: Partial<Pick<Delivery, 'mail' | 'event'>>,
    patch: Partial<Omit<Delivery, 'requestId' | 'link'>>,
    options: { done?: boolean } = {},
  ): Promise<boolean> {
    const update = new UpdateBuilder({});
    update.setAll(patch as Record<string, PlainValue | undefined>);
    const conditions = ['attribute_exists(pk)', 'attribute_not_exists(completedAt)'];
    for (const [channel, state] of Object.entries(expected)) {
      update.name(`#expected_${channel}`, channel);
      update.value(`:expected_${channel}`, s(state));
      conditions.push(`#expected_${channel} = :expected_${channel}`);
    }
    if (options.done) {
      // Done: off the work list, and the token-bearing link leaves the table.
      update.remove('link');
      update.remove(byState.partition);
      update.remove(byState.sort);
    } else if (patch.nextAttemptAt) {
      update.set(byState.sort, s(patch.nextAttemptAt));
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(requestId),
          ConditionExpression: conditions.join(' AND '),
          ...update.build(),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async reopen(requestId: string, link: { tokenHash: string; link: string; at: string }): Promise<boolean> {
    const update = new UpdateBuilder({});
    update.setAll({
      tokenHash: link.tokenHash,
      link: link.link,
      mail: 'PENDING',
      event: 'PENDING',
      attempts: 0,
      createdAt: link.at,
      nextAttemptAt: link.at,
    });
    update.set(byState.partition, s(OPEN));
    update.set(byState.sort, s(link.at));
    update.remove('completedAt');
    update.remove('lastError');
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(requestId),
          // Only a done entry: an open one has a sender at work, and two must never send at once.
          ConditionExpression: 'attribute_exists(pk) AND attribute_exists(completedAt)',
          ...update.build(),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async listDue(now: Date): Promise<Delivery[]> {
    const due: Delivery[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.table,
        IndexName: 'byState',
        KeyConditionExpression: `${byState.partition} = :open AND ${byState.sort} <= :now`,
        ExpressionAttributeValues: { ':open': s(OPEN), ':now': s(now.toISOString()) },
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) if (!ttlPassed(item, now)) due.push(fromItem(item));
    }
    return due;
  }
}

function key(requestId: string): Item {
  return { pk: s(requestPk(requestId)), sk: s(DELIVERY_SK) };
}

function fromItem(item: Item): Delivery {
  const fields = Object.fromEntries(Object.entries(item).filter(([name]) => !internal.has(name)));
  return fromPlainItem(fields) as unknown as Delivery;
}
