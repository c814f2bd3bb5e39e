import { randomBytes } from 'node:crypto';
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Clock, RequestRepository } from '../../core/ports';
import { RequestNotFoundError, RequestStateConflictError } from '../../core/requests/request-errors';
import {
  type AuditAction,
  type AuditEntry,
  canMove,
  type ExportRequestRecord,
  IllegalTransitionError,
  type RequestState,
  requestStates,
} from '../../core/requests/request-record';
import {
  fromPlainItem,
  type Item,
  isConditionalCheckFailed,
  optStr,
  type PlainValue,
  putOptional,
  s,
  str,
  toPlainAttribute,
  toPlainItem,
  ttlPassed,
} from './pipeline-items';

/*
 * Keys, as laid out in local/pipeline-tables.ts (the CDK stateful stack creates the same table):
 *   request  pk REQUEST#<requestId>  sk REQUEST               gsi1 PLAYER#<playerId> / <receivedAt>
 *                                                            gsi2 STATE#<state>     / <updatedAt>
 *   audit    pk REQUEST#<requestId>  sk AUDIT#<at>#<random>  (append-only)
 */
const requestPk = (requestId: string) => `REQUEST#${requestId}`;
const REQUEST_SK = 'REQUEST';
const AUDIT_PREFIX = 'AUDIT#';
const stateKey = (state: RequestState) => `STATE#${state}`;
const playerKey = (playerId: string) => `PLAYER#${playerId}`;

type TransitionPatch = NonNullable<Parameters<RequestRepository['transition']>[4]>;

/** RequestRepository on the pipeline's single table, with the low-level DynamoDB client. */
export class DynamoDbRequestRepository implements RequestRepository {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    /** Only to hide items whose `ttl` has passed (see ttlPassed). */
    private readonly clock: Clock = { now: () => new Date() },
  ) {}

  async create(record: ExportRequestRecord, audit: AuditEntry): Promise<'created' | 'exists'> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: toRequestItem(record),
          // The request id is the idempotency key: of N deliveries of one event, exactly one creates.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) return 'exists';
      throw error;
    }
    // Two writes, not one transaction: dynalite has no TransactWriteItems and the same code must run
    // locally. A crash in between loses this first audit line, never the record.
    await this.appendAudit(audit);
    return 'created';
  }

  async get(requestId: string): Promise<ExportRequestRecord | undefined> {
    const result = await this.client.send(
      new GetItemCommand({
        TableName: this.table,
        Key: { pk: s(requestPk(requestId)), sk: s(REQUEST_SK) },
        ConsistentRead: true,
      }),
    );
    if (!result.Item || ttlPassed(result.Item, this.clock.now())) return undefined;
    return fromRequestItem(result.Item);
  }

  async transition(
    requestId: string,
    from: RequestState,
    to: RequestState,
    at: string,
    patch: TransitionPatch = {},
  ): Promise<ExportRequestRecord> {
    if (!canMove(from, to)) throw new IllegalTransitionError(requestId, from, to);
    const names: Record<string, string> = { '#state': 'state', '#to': to };
    const values: Item = {
      ':from': s(from),
      ':to': s(to),
      ':at': s(at),
      ':gsi2pk': s(stateKey(to)),
    };
    const sets = [
      '#state = :to',
      'stateTimes.#to = :at',
      'updatedAt = :at',
      'gsi2pk = :gsi2pk',
      'gsi2sk = :at',
    ];
    for (const [name, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      names[`#${name}`] = name;
      values[`:${name}`] = toPlainAttribute(value);
      sets.push(`#${name} = :${name}`);
    }
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: s(requestPk(requestId)), sk: s(REQUEST_SK) },
          // The condition on the current state is what stops two workers (a retried Lambda and its
          // first attempt, say) from both moving the request. A move also ends "stuck".
          ConditionExpression: 'attribute_exists(pk) AND #state = :from',
          UpdateExpression: `SET ${sets.join(', ')} REMOVE stuckSince`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      const record = fromRequestItem(result.Attributes ?? {});
      await this.appendAudit({ requestId, at, action: 'state', detail: `${from} → ${to}` });
      return record;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.get(requestId);
      if (!current) throw new RequestNotFoundError(requestId);
      throw new RequestStateConflictError(requestId, from, current.state);
    }
  }

  async update(requestId: string, patch: Partial<Pick<ExportRequestRecord, 'stuckSince'>>): Promise<void> {
    if (patch.stuckSince === undefined) return;
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: s(requestPk(requestId)), sk: s(REQUEST_SK) },
          ConditionExpression: 'attribute_exists(pk)',
          // updatedAt stays: it is "when the request last moved", which is what the watchdog measures.
          UpdateExpression: 'SET stuckSince = :stuckSince',
          ExpressionAttributeValues: { ':stuckSince': s(patch.stuckSince) },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new RequestNotFoundError(requestId);
      throw error;
    }
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    const item: Item = {
      pk: s(requestPk(entry.requestId)),
      sk: s(`${AUDIT_PREFIX}${entry.at}#${tieBreaker()}`),
      requestId: s(entry.requestId),
      at: s(entry.at),
      action: s(entry.action),
    };
    putOptional(item, 'detail', entry.detail);
    await this.client.send(
      new PutItemCommand({
        TableName: this.table,
        Item: item,
        // Append-only: an audit line is never overwritten, even by a (astronomically unlikely) key clash.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async audit(requestId: string): Promise<AuditEntry[]> {
    const items = await this.query({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :audit)',
      ExpressionAttributeValues: { ':pk': s(requestPk(requestId)), ':audit': s(AUDIT_PREFIX) },
      ConsistentRead: true,
    });
    return items.map((item) => {
      const entry: AuditEntry = {
        requestId: str(item, 'requestId'),
        at: str(item, 'at'),
        action: str(item, 'action') as AuditAction,
      };
      const detail = optStr(item, 'detail');
      if (detail !== undefined) entry.detail = detail;
      return entry;
    });
  }

  async latestForPlayer(playerId: string): Promise<ExportRequestRecord | undefined> {
    const now = this.clock.now();
    // Newest first, one at a time: usually the first item is the answer; the loop only skips items
    // whose ttl has passed but that DynamoDB (or dynalite, never) has not deleted yet.
    const pages = paginateQuery(
      { client: this.client, pageSize: 1 },
      {
        TableName: this.table,
        IndexName: 'byPlayer',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': s(playerKey(playerId)) },
        ScanIndexForward: false,
        Limit: 1,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) if (!ttlPassed(item, now)) return fromRequestItem(item);
    }
    return undefined;
  }

  async listInState(state: RequestState): Promise<ExportRequestRecord[]> {
    const items = await this.query({
      IndexName: 'byState',
      KeyConditionExpression: 'gsi2pk = :pk',
      ExpressionAttributeValues: { ':pk': s(stateKey(state)) },
      ScanIndexForward: true,
    });
    return items.map(fromRequestItem);
  }

  /** Every page of a query (a single Query stops at 1 MB), without items whose ttl has passed. */
  private async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<Item[]> {
    const now = this.clock.now();
    const items: Item[] = [];
    for await (const page of paginateQuery({ client: this.client }, { TableName: this.table, ...input })) {
      for (const item of page.Items ?? []) if (!ttlPassed(item, now)) items.push(item);
    }
    return items;
  }
}

/** Key and index attributes: the table's business, never part of the record read back. */
const keyAttributes = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'ttl']);

/**
 * Every field of the record is stored as it is (a plain object of text, numbers and maps), so a
 * field added to ExportRequestRecord is kept without touching this adapter.
 */
function toRequestItem(record: ExportRequestRecord): Item {
  return {
    ...toPlainItem(record as unknown as { [key: string]: PlainValue | undefined }),
    pk: s(requestPk(record.requestId)),
    sk: s(REQUEST_SK),
    gsi1pk: s(playerKey(record.playerId)),
    gsi1sk: s(record.receivedAt),
    gsi2pk: s(stateKey(record.state)),
    gsi2sk: s(record.updatedAt),
  };
}

function fromRequestItem(item: Item): ExportRequestRecord {
  const state = str(item, 'state');
  if (!isRequestState(state))
    throw new TypeError(`Request item has an unknown state ${JSON.stringify(state)}`);
  // The required fields are checked; the rest is what toRequestItem wrote.
  for (const name of ['requestId', 'playerId', 'locale', 'requestedAt', 'receivedAt', 'dueAt', 'updatedAt']) {
    str(item, name);
  }
  const fields = Object.fromEntries(Object.entries(item).filter(([name]) => !keyAttributes.has(name)));
  return { stateTimes: {}, ...fromPlainItem(fields), state } as unknown as ExportRequestRecord;
}

function isRequestState(value: string): value is RequestState {
  return (requestStates as readonly string[]).includes(value);
}

let lastMicros = 0n;

/**
 * Sorts audit entries written within one millisecond (a state change and its event, or a test's
 * frozen clock) in the order they were written: wall-clock microseconds, strictly increasing in this
 * process, then random bits so two processes never write the same key.
 */
function tieBreaker(): string {
  let micros = BigInt(Math.floor((performance.timeOrigin + performance.now()) * 1000));
  if (micros <= lastMicros) micros = lastMicros + 1n;
  lastMicros = micros;
  return `${micros.toString().padStart(17, '0')}${randomBytes(4).toString('hex')}`;
}
