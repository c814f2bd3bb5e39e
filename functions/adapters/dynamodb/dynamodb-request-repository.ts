import { randomBytes } from 'node:crypto';
import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  type QueryCommandInput,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { Clock, RequestRepository } from '../../core/ports';
import { RequestNotFoundError, RequestStateConflictError } from '../../core/requests/request-errors';
import {
  type AuditAction,
  type AuditEntry,
  canMove,
  canRestart,
  type ExportRequestRecord,
  IllegalTransitionError,
  isFinal,
  type RequestState,
  requestStates,
} from '../../core/requests/request-record';
import {
  fromPlainItem,
  type Item,
  isConditionalCheckFailed,
  n,
  num,
  optStr,
  type PlainValue,
  putOptional,
  s,
  str,
  toPlainItem,
  ttlPassed,
  UpdateBuilder,
} from './pipeline-items';
import { CLEANUP_KEY, pipelineTableKeys, playerKey, stateKey } from './pipeline-table';

/* Keys as laid out in ./pipeline-table.ts: request, audit entries and the player's claim. */
export const requestPk = (requestId: string) => `REQUEST#${requestId}`;
const REQUEST_SK = 'REQUEST';
const AUDIT_PREFIX = 'AUDIT#';
const CLAIM_SK = 'ACTIVE';
const { byState, byPlayer, awaitingCleanUp } = pipelineTableKeys.indexes;
/**
 * Records per page of a work list: a request item is a few KB, so a page stays well under
 * DynamoDB's 1 MB and the schedule holds little at a time.
 */
const DEFAULT_PAGE_SIZE = 100;

type Patch = Parameters<RequestRepository['update']>[1];
type TransitionOptions = NonNullable<Parameters<RequestRepository['transition']>[4]>;
type UpdateOptions = NonNullable<Parameters<RequestRepository['update']>[2]>;

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
    options: TransitionOptions = {},
  ): Promise<ExportRequestRecord> {
    if (!canMove(from, to)) throw new IllegalTransitionError(requestId, from, to);
    const update = new UpdateBuilder({ ':from': s(from) });
    update.name('#state', 'state');
    update.set('state', s(to));
    update.setPath(['stateTimes', to], s(at));
    update.set('updatedAt', s(at));
    update.set(byState.partition, s(stateKey(to)));
    update.set(byState.sort, s(stateSortKey(to, at, options.patch?.expiresAt)));
    update.setAll(options.patch ?? {});
    // A move also ends "stuck".
    update.remove('stuckSince');
    // The clean-up's list: off it while at work or once cleaned; on it from the first final state
    // (leftovers.ts waits until it has settled). READY → EXPIRED keeps what READY had: its place,
    // or its absence once the READY request was cleaned.
    if (!isFinal(to) || options.patch?.cleanedUpAt) leaveCleanUpList(update);
    else if (!isFinal(from)) {
      update.set(awaitingCleanUp.partition, s(CLEANUP_KEY));
      update.set(awaitingCleanUp.sort, s(at));
    }
    const condition =
      options.attempt === undefined
        ? 'attribute_exists(pk) AND #state = :from'
        : 'attribute_exists(pk) AND #state = :from AND attempt = :attempt';
    if (options.attempt !== undefined) update.value(':attempt', n(options.attempt));
    return this.move(requestId, update, condition, from, {
      requestId,
      at,
      action: 'state',
      detail: `${from} → ${to}`,
    });
  }

  async restart(
    requestId: string,
    from: RequestState,
    attempt: number,
    at: string,
    reason: string,
  ): Promise<ExportRequestRecord> {
    // From RECEIVED too: an attempt that never got past planning is restarted in place. From
    // FAILED only by an operator's retry (see canRestart).
    if (!canRestart(from)) throw new IllegalTransitionError(requestId, from, 'RECEIVED');
    const update = new UpdateBuilder({ ':from': s(from), ':attempt': n(attempt) });
    update.name('#state', 'state');
    update.set('state', s('RECEIVED'));
    update.set('attempt', n(attempt + 1));
    update.set('updatedAt', s(at));
    update.set(byState.partition, s(stateKey('RECEIVED')));
    update.set(byState.sort, s(at));
    update.remove('stuckSince');
    leaveCleanUpList(update);
    if (from === 'FAILED') {
      // At work again: no longer failed, and the schedule cleans up after it once it ends again.
      update.remove('failureReason');
      update.remove('cleanedUpAt');
    }
    return this.move(
      requestId,
      update,
      'attribute_exists(pk) AND #state = :from AND attempt = :attempt',
      from,
      {
        requestId,
        at,
        action: 'restarted',
        detail: `attempt ${attempt + 1}: ${reason}`.slice(0, 500),
      },
    );
  }

  /**
   * One conditional UpdateItem: the condition on the current state (and attempt) is what stops
   * two workers (a retried Lambda and its first attempt, or a superseded attempt and its
   * successor) from both moving the request.
   */
  private async move(
    requestId: string,
    update: UpdateBuilder,
    condition: string,
    from: RequestState,
    audit: AuditEntry,
  ): Promise<ExportRequestRecord> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: s(requestPk(requestId)), sk: s(REQUEST_SK) },
          ConditionExpression: condition,
          ...update.build(),
          ReturnValues: 'ALL_NEW',
        }),
      );
      const record = fromRequestItem(result.Attributes ?? {});
      await this.appendAudit(audit);
      return record;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.get(requestId);
      if (!current) throw new RequestNotFoundError(requestId);
      throw new RequestStateConflictError(requestId, from, current.state);
    }
  }

  async update(requestId: string, patch: Patch, options: UpdateOptions = {}): Promise<void> {
    const update = new UpdateBuilder({});
    update.setAll(patch);
    for (const name of options.remove ?? []) if (patch[name] === undefined) update.remove(name);
    if (patch.cleanedUpAt) leaveCleanUpList(update);
    if (update.isEmpty()) return;
    // updatedAt stays: it is "when the request last moved", which is what the watchdog measures.
    await this.updateExisting(requestId, update.build());
  }

  async countDownload(requestId: string, at: string): Promise<void> {
    // ADD: concurrent downloads each count, whichever grant (a re-sent link) they came through.
    await this.updateExisting(requestId, {
      UpdateExpression: 'ADD #downloads :one SET #last = :at',
      ExpressionAttributeNames: { '#downloads': 'downloads', '#last': 'lastDownloadAt' },
      ExpressionAttributeValues: { ':one': { N: '1' }, ':at': s(at) },
    });
  }

  /** An update of a request that must exist: a missing one is RequestNotFoundError. */
  private async updateExisting(
    requestId: string,
    expression: Pick<
      UpdateItemCommandInput,
      'UpdateExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: { pk: s(requestPk(requestId)), sk: s(REQUEST_SK) },
          ConditionExpression: 'attribute_exists(pk)',
          ...expression,
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new RequestNotFoundError(requestId);
      throw error;
    }
  }

  async claimPlayer(
    playerId: string,
    requestId: string,
    replacing?: string,
  ): Promise<{ claimed: true } | { claimed: false; heldBy: string; claimedAt: string }> {
    const key = { pk: s(playerKey(playerId)), sk: s(CLAIM_SK) };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: { ...key, requestId: s(requestId), claimedAt: s(this.clock.now().toISOString()) },
          ConditionExpression: replacing
            ? 'attribute_not_exists(pk) OR requestId = :mine OR requestId = :replacing'
            : 'attribute_not_exists(pk) OR requestId = :mine',
          ExpressionAttributeValues: {
            ':mine': s(requestId),
            ...(replacing ? { ':replacing': s(replacing) } : {}),
          },
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    const held = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: key, ConsistentRead: true }),
    );
    const heldBy = held.Item?.requestId?.S;
    const claimedAt = held.Item?.claimedAt?.S ?? new Date(0).toISOString();
    // Released between our write and our read: the caller tries again and will get it.
    return { claimed: false, heldBy: heldBy ?? replacing ?? '', claimedAt };
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

  async listInState(state: RequestState): Promise<ExportRequestRecord[]> {
    const records: ExportRequestRecord[] = [];
    for await (const page of this.pagesInState(state)) records.push(...page);
    return records;
  }

  pagesInState(
    state: RequestState,
    options: { pageSize?: number; sortKeyAtOrBefore?: string } = {},
  ): AsyncGenerator<ExportRequestRecord[]> {
    const { sortKeyAtOrBefore: before } = options;
    // Cut by the key condition: the requests after the bound are left unread, not read and passed over.
    return this.pages(options.pageSize, {
      IndexName: 'byState',
      KeyConditionExpression:
        before === undefined
          ? `${byState.partition} = :pk`
          : `${byState.partition} = :pk AND ${byState.sort} <= :before`,
      ExpressionAttributeValues: {
        ':pk': s(stateKey(state)),
        ...(before === undefined ? {} : { ':before': s(before) }),
      },
    });
  }

  pagesAwaitingCleanUp(
    settledBefore: string,
    options: { pageSize?: number } = {},
  ): AsyncGenerator<ExportRequestRecord[]> {
    // Those not settled yet are left unread, not read and passed over.
    return this.pages(options.pageSize, {
      IndexName: 'awaitingCleanUp',
      KeyConditionExpression: `${awaitingCleanUp.partition} = :pk AND ${awaitingCleanUp.sort} <= :before`,
      ExpressionAttributeValues: { ':pk': s(CLEANUP_KEY), ':before': s(settledBefore) },
    });
  }

  /** A work list's requests in index order, one page of at most `pageSize` at a time. */
  private async *pages(
    pageSize: number | undefined,
    query: Pick<QueryCommandInput, 'IndexName' | 'KeyConditionExpression' | 'ExpressionAttributeValues'>,
  ): AsyncGenerator<ExportRequestRecord[]> {
    const input: QueryCommandInput = {
      TableName: this.table,
      ...query,
      ScanIndexForward: true,
      Limit: pageSize ?? DEFAULT_PAGE_SIZE,
    };
    // The paginator reads the next page only when asked for it, i.e. once this one is done with.
    for await (const page of paginateQuery({ client: this.client }, input)) {
      const now = this.clock.now();
      const records = (page.Items ?? []).filter((item) => !ttlPassed(item, now)).map(fromRequestItem);
      if (records.length > 0) yield records;
    }
  }

  countInStateBefore(state: RequestState, at: string): Promise<number> {
    return countInStateBefore(this.client, this.table, state, at);
  }

  async listForPlayer(playerId: string): Promise<ExportRequestRecord[]> {
    const items = await this.query({
      IndexName: 'byPlayer',
      KeyConditionExpression: `${byPlayer.partition} = :pk`,
      ExpressionAttributeValues: { ':pk': s(playerKey(playerId)) },
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
const keyAttributes = new Set([
  pipelineTableKeys.partition,
  pipelineTableKeys.sort,
  byPlayer.partition,
  byPlayer.sort,
  byState.partition,
  byState.sort,
  awaitingCleanUp.partition,
  awaitingCleanUp.sort,
  'ttl',
]);

/**
 * A request's place in its byState work list (see ./pipeline-table.ts): READY by its expiry, so the
 * expiry sweep reads only the expired ones; any other state by when the request entered it. A READY
 * request without an expiry (never written so: publishing sets it) by when it became READY.
 * expiresAt never changes once READY (a re-sent link keeps it), so the key is never rewritten.
 */
function stateSortKey(state: RequestState, enteredAt: string, expiresAt: string | undefined): string {
  return state === 'READY' && expiresAt !== undefined ? expiresAt : enteredAt;
}

/** Off the clean-up's list: cleaned up, or at work again (a restart). */
function leaveCleanUpList(update: UpdateBuilder): void {
  update.remove(awaitingCleanUp.partition);
  update.remove(awaitingCleanUp.sort);
}

/**
 * Every field of the record is stored as it is (a plain object of text, numbers and maps), so a
 * field added to ExportRequestRecord is kept without touching this adapter.
 */
function toRequestItem(record: ExportRequestRecord): Item {
  return {
    ...toPlainItem(record as unknown as { [key: string]: PlainValue | undefined }),
    pk: s(requestPk(record.requestId)),
    sk: s(REQUEST_SK),
    [byPlayer.partition]: s(playerKey(record.playerId)),
    [byPlayer.sort]: s(record.receivedAt),
    [byState.partition]: s(stateKey(record.state)),
    [byState.sort]: s(stateSortKey(record.state, record.updatedAt, record.expiresAt)),
    // Stored already ended (test fixtures; intake never does): listed as a transition would list it.
    ...(isFinal(record.state) && !record.cleanedUpAt && !record.attachedTo
      ? {
          [awaitingCleanUp.partition]: s(CLEANUP_KEY),
          [awaitingCleanUp.sort]: s(record.stateTimes[record.state] ?? record.updatedAt),
        }
      : {}),
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
  num(item, 'attempt');
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

/**
 * How many items of a work list (byState) have a sort key before `at`: for every state but READY,
 * those that entered it before `at` (READY's key is the expiry: those expiring before `at`). A count
 * only, every page. Also what the portal reads of the QUEUED list (a queued request's place in line).
 */
export async function countInStateBefore(
  client: DynamoDBClient,
  table: string,
  state: RequestState,
  at: string,
): Promise<number> {
  let count = 0;
  const pages = paginateQuery(
    { client },
    {
      TableName: table,
      IndexName: 'byState',
      KeyConditionExpression: `${byState.partition} = :pk AND ${byState.sort} < :at`,
      ExpressionAttributeValues: { ':pk': s(stateKey(state)), ':at': s(at) },
      Select: 'COUNT',
    },
  );
  for await (const page of pages) count += page.Count ?? 0;
  return count;
}
