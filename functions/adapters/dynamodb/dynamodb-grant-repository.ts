import {
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
  type QueryCommandInput,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { Clock, ConsumeOutcome, GrantRepository } from '../../core/ports';
import { type DownloadGrant, grantStatus } from '../../core/requests/grant';
import { GrantNotFoundError } from '../../core/requests/request-errors';
import type { ArchiveVolume } from '../../core/workflow-types';
import {
  type Item,
  isConditionalCheckFailed,
  n,
  num,
  numberMap,
  optStr,
  putOptional,
  s,
  str,
  ttlPassed,
} from './pipeline-items';

/* Keys as laid out in ./pipeline-table.ts: pk GRANT#<sha256(token)>, sk GRANT, listed while active. */
const grantPk = (tokenHash: string) => `GRANT#${tokenHash}`;
const GRANT_SK = 'GRANT';
const ACTIVE = 'GRANT#ACTIVE';
const DAY_MS = 24 * 60 * 60 * 1000;
/** Grants per page of the expiry sweep's list (a grant item is well under 1 KB). */
const DEFAULT_PAGE_SIZE = 100;

export interface GrantRepositoryOptions {
  /**
   * How long an expired grant is kept before its `ttl` lets DynamoDB delete it. Until then the
   * gateway can say "this link expired on …" instead of "unknown link".
   * @default 30
   */
  keepExpiredDays?: number;
  /** Only to hide items whose `ttl` has passed (see ttlPassed). */
  clock?: Clock;
}

/** GrantRepository on the pipeline's single table, with the low-level DynamoDB client. */
export class DynamoDbGrantRepository implements GrantRepository {
  private readonly keepExpiredMs: number;
  private readonly clock: Clock;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly table: string,
    options: GrantRepositoryOptions = {},
  ) {
    this.keepExpiredMs = (options.keepExpiredDays ?? 30) * DAY_MS;
    this.clock = options.clock ?? { now: () => new Date() };
  }

  async create(grant: DownloadGrant): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.table,
          Item: this.toItem(grant),
          // Never overwrite: a token is 256 random bits, so an existing item of this hash is the
          // grant a retried step made before from the same delivery entry, downloads counted.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  get(tokenHash: string): Promise<DownloadGrant | undefined> {
    return this.read(tokenHash, this.clock.now());
  }

  private async read(tokenHash: string, now: Date): Promise<DownloadGrant | undefined> {
    const result = await this.client.send(
      new GetItemCommand({ TableName: this.table, Key: key(tokenHash), ConsistentRead: true }),
    );
    if (!result.Item || ttlPassed(result.Item, now)) return undefined;
    return fromItem(result.Item);
  }

  async consume(tokenHash: string, now: Date): Promise<ConsumeOutcome> {
    try {
      const result = await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(tokenHash),
          // One conditional write, so N concurrent clicks on the last download cannot all win.
          // expiresAt is stored as toISOString(), so text order is time order.
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(revokedAt) AND downloads < maxDownloads AND expiresAt > :now',
          UpdateExpression: 'SET downloads = downloads + :one',
          ExpressionAttributeValues: { ':one': n(1), ':now': s(now.toISOString()) },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return { ok: true, grant: fromItem(result.Attributes ?? {}) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
    }
    // The write said no; the item says why. Downloads only grow and revokedAt is only ever set, so
    // a grant that failed the condition cannot read as usable afterwards.
    const grant = await this.read(tokenHash, now);
    if (!grant) return { ok: false, reason: 'unknown' };
    const status = grantStatus(grant, now);
    return { ok: false, reason: status === 'usable' ? 'used-up' : status };
  }

  async revoke(tokenHash: string, at: string): Promise<void> {
    await this.close(tokenHash, 'revokedAt', at);
  }

  async *expiredPages(now: Date, options: { pageSize?: number } = {}): AsyncGenerator<DownloadGrant[]> {
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.table,
        IndexName: 'byState',
        KeyConditionExpression: 'gsi2pk = :active AND gsi2sk < :now',
        ExpressionAttributeValues: { ':active': s(ACTIVE), ':now': s(now.toISOString()) },
        Limit: options.pageSize ?? DEFAULT_PAGE_SIZE,
      },
    );
    // The next page is read once this one is done with: grants marked expired meanwhile have left.
    for await (const page of pages) {
      const grants = (page.Items ?? []).filter((item) => !ttlPassed(item, now)).map(fromItem);
      if (grants.length > 0) yield grants;
    }
  }

  async listActiveForRequest(requestId: string, now: Date): Promise<DownloadGrant[]> {
    // Revocation is rare and the ACTIVE index holds only live links, so a filter is cheap enough.
    return this.listActive(now, {
      KeyConditionExpression: 'gsi2pk = :active',
      FilterExpression: 'requestId = :request',
      ExpressionAttributeValues: { ':active': s(ACTIVE), ':request': s(requestId) },
    });
  }

  private async listActive(
    now: Date,
    query: Pick<
      QueryCommandInput,
      'KeyConditionExpression' | 'FilterExpression' | 'ExpressionAttributeValues'
    >,
  ): Promise<DownloadGrant[]> {
    const grants: DownloadGrant[] = [];
    const pages = paginateQuery(
      { client: this.client },
      { TableName: this.table, IndexName: 'byState', ...query },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) if (!ttlPassed(item, now)) grants.push(fromItem(item));
    }
    return grants;
  }

  async markExpired(tokenHash: string, at: string): Promise<void> {
    await this.close(tokenHash, 'expiredAt', at);
  }

  /**
   * Ends a grant: doing it twice keeps the first time, and leaving the ACTIVE index keeps the
   * expiry sweep (and revocation's lookup) small.
   */
  private async close(tokenHash: string, attribute: 'revokedAt' | 'expiredAt', at: string): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: key(tokenHash),
          ConditionExpression: 'attribute_exists(pk)',
          UpdateExpression: `SET ${attribute} = if_not_exists(${attribute}, :at) REMOVE gsi2pk, gsi2sk`,
          ExpressionAttributeValues: { ':at': s(at) },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw new GrantNotFoundError(tokenHash);
      throw error;
    }
  }

  private toItem(grant: DownloadGrant): Item {
    const expiresAt = new Date(grant.expiresAt);
    if (Number.isNaN(expiresAt.getTime())) {
      throw new TypeError(`Grant for request ${grant.requestId} has an invalid expiresAt`);
    }
    // Normalised so that the string comparisons in consume and expiredPages are time comparisons.
    const expiresIso = expiresAt.toISOString();
    const recordsByCategory: Item = {};
    for (const [category, count] of Object.entries(grant.recordsByCategory))
      recordsByCategory[category] = n(count);
    const item: Item = {
      ...key(grant.tokenHash),
      tokenHash: s(grant.tokenHash),
      requestId: s(grant.requestId),
      playerId: s(grant.playerId),
      archiveKey: s(grant.archiveKey),
      fileName: s(grant.fileName),
      locale: s(grant.locale),
      createdAt: s(grant.createdAt),
      expiresAt: s(expiresIso),
      maxDownloads: n(grant.maxDownloads),
      downloads: n(grant.downloads),
      archiveBytes: n(grant.archiveBytes),
      recordsByCategory: { M: recordsByCategory },
      ttl: n(Math.ceil((expiresAt.getTime() + this.keepExpiredMs) / 1000)),
    };
    if (!grant.revokedAt) {
      item.gsi2pk = s(ACTIVE);
      item.gsi2sk = s(expiresIso);
    }
    putOptional(item, 'revokedAt', grant.revokedAt);
    // Only a multi-volume grant keeps its volumes (volume 1 first); a single zip is `archiveKey`.
    if (grant.volumes && grant.volumes.length > 0) {
      item.volumes = {
        L: grant.volumes.map((v) => ({
          M: { archiveKey: s(v.archiveKey), bytes: n(v.bytes), sha256: s(v.sha256) },
        })),
      };
    }
    return item;
  }
}

function key(tokenHash: string): Item {
  return { pk: s(grantPk(tokenHash)), sk: s(GRANT_SK) };
}

function fromItem(item: Item): DownloadGrant {
  const grant: DownloadGrant = {
    tokenHash: str(item, 'tokenHash'),
    requestId: str(item, 'requestId'),
    playerId: str(item, 'playerId'),
    archiveKey: str(item, 'archiveKey'),
    fileName: str(item, 'fileName'),
    locale: str(item, 'locale'),
    createdAt: str(item, 'createdAt'),
    expiresAt: str(item, 'expiresAt'),
    maxDownloads: num(item, 'maxDownloads'),
    downloads: num(item, 'downloads'),
    archiveBytes: num(item, 'archiveBytes'),
    recordsByCategory: numberMap(item, 'recordsByCategory'),
  };
  const revokedAt = optStr(item, 'revokedAt');
  if (revokedAt !== undefined) grant.revokedAt = revokedAt;
  const volumes = item.volumes?.L;
  if (volumes !== undefined) grant.volumes = volumes.map(volumeFromAttribute);
  return grant;
}

function volumeFromAttribute(attribute: Item[string]): ArchiveVolume {
  const volume = attribute.M;
  if (volume === undefined)
    throw new TypeError('Pipeline item attribute volumes holds a value that is not a map');
  return {
    archiveKey: str(volume, 'archiveKey'),
    bytes: num(volume, 'bytes'),
    sha256: str(volume, 'sha256'),
  };
}
