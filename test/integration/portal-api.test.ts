/**
 * The account portal's route as deployed: GET /portal/players/{playerId}/requests is AWS_IAM in the
 * template, so the local HTTP API answers only requests SigV4-signed with a key it knows (the
 * harness's admin key), verifying the signature in full; the portal-api function runs with its
 * template role (Query on the byPlayer index only, checked per call). Requests are signed with
 * @smithy/signature-v4, the AWS SDK's own signer, so the runtime's verification is checked
 * against an implementation we did not write.
 */
import { createHash, createHmac, randomUUID } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExportRequestRecord, legalDueDate } from '../../functions/core/requests/request-record';
import { ADMIN_ACCESS_KEY } from '../../local/runtime/aws-endpoint';
import { LOCAL_REGION } from '../../local/runtime/deployment';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

let runtime: TestRuntime;
const PLAYER = `p-portal-${randomUUID().slice(0, 8)}`;
const OTHER_PLAYER = `p-other-${randomUUID().slice(0, 8)}`;
const DAY_MS = 86_400_000;

/** SHA-256 (and its HMAC) for the signer, from node:crypto. */
class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as Uint8Array));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(typeof data === 'string' ? data : Buffer.from(data as Uint8Array));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

function signer(options: { secret?: string; service?: string; region?: string } = {}) {
  return new SignatureV4({
    credentials: { accessKeyId: ADMIN_ACCESS_KEY, secretAccessKey: options.secret ?? ADMIN_ACCESS_KEY },
    region: options.region ?? LOCAL_REGION,
    service: options.service ?? 'execute-api',
    sha256: Sha256,
  });
}

/** Signs GET `signedPath` for the gateway's host, and sends it to `sentPath` (the same by default). */
async function signedGet(
  signedPath: string,
  options: { sentPath?: string; secret?: string; service?: string; region?: string } = {},
) {
  const url = new URL(runtime.gatewayUrl);
  const signed = await signer(options).sign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port ? { port: Number(url.port) } : {}),
    path: signedPath,
    headers: { host: url.host },
  });
  return fetch(`${runtime.gatewayUrl}${options.sentPath ?? signedPath}`, {
    headers: signed.headers as Record<string, string>,
  });
}

const requestsPath = (playerId: string) => `/portal/players/${playerId}/requests`;

async function seed(
  requestId: string,
  playerId: string,
  receivedAt: Date,
  to: 'QUEUED' | 'RECEIVED' | 'READY',
  extra: Partial<ExportRequestRecord> = {},
) {
  const at = receivedAt.toISOString();
  const first = to === 'QUEUED' ? 'QUEUED' : 'RECEIVED';
  const { requests } = runtime.records;
  await requests.create(
    {
      requestId,
      playerId,
      locale: 'en',
      requestedAt: at,
      receivedAt: at,
      attempt: 1,
      dueAt: legalDueDate(receivedAt).toISOString(),
      state: first,
      stateTimes: { [first]: at },
      updatedAt: at,
      contactEmail: 'nova@example.org',
      ...extra,
    },
    { requestId, at, action: 'requested' },
  );
  if (to === 'READY') {
    for (const [from, next] of [
      ['RECEIVED', 'COLLECTING'],
      ['COLLECTING', 'PACKAGING'],
    ] as const) {
      await requests.transition(requestId, from, next, at, { attempt: 1 });
    }
    await requests.transition(requestId, 'PACKAGING', 'READY', at, {
      attempt: 1,
      patch: {
        archiveKey: `archives/${requestId}/1.zip`,
        expiresAt: new Date(receivedAt.getTime() + 7 * DAY_MS).toISOString(),
      },
    });
  }
}

const ready = `req-ready-${randomUUID().slice(0, 8)}`;
const attached = `req-again-${randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  runtime = await startTestRuntime({ demoData: false });
  const now = runtime.now();
  await seed(ready, PLAYER, new Date(now.getTime() - 2 * DAY_MS), 'READY');
  await seed(attached, PLAYER, new Date(now.getTime() - DAY_MS), 'RECEIVED', { attachedTo: ready });
  await seed(`req-other-${randomUUID().slice(0, 8)}`, OTHER_PLAYER, now, 'RECEIVED');
});
afterAll(async () => {
  await runtime?.stop();
});

describe('Portal API on the local HTTP API (AWS_IAM route)', () => {
  it('answers a signed request with the player’s requests, newest first, and nothing personal', async () => {
    const response = await signedGet(requestsPath(PLAYER));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = (await response.json()) as { requests: Record<string, unknown>[] };
    expect(body.requests.map((r) => r.requestId)).toEqual([attached, ready]);
    expect(body.requests[0]).toMatchObject({ state: 'READY', answeredBy: ready, downloads: 0 });
    expect(body.requests[1]).toMatchObject({ state: 'READY', downloads: 0 });
    expect(body.requests[1]?.expiresAt).toEqual(expect.any(String));
    expect(body.requests[1]?.dueAt).toEqual(expect.any(String));
    expect(JSON.stringify(body)).not.toContain('example.org');
  });

  it('a queued request shows its place in the line of every player’s waiting requests', async () => {
    const waitingPlayer = `p-waiting-${randomUUID().slice(0, 8)}`;
    const now = runtime.now().getTime();
    // Two other players' requests wait ahead of it, one behind it.
    await seed(`req-q1-${randomUUID().slice(0, 8)}`, OTHER_PLAYER, new Date(now - 3_000), 'QUEUED');
    await seed(
      `req-q2-${randomUUID().slice(0, 8)}`,
      `p-x-${randomUUID().slice(0, 4)}`,
      new Date(now - 2_000),
      'QUEUED',
    );
    const mine = `req-q3-${randomUUID().slice(0, 8)}`;
    await seed(mine, waitingPlayer, new Date(now - 1_000), 'QUEUED');
    await seed(
      `req-q4-${randomUUID().slice(0, 8)}`,
      `p-y-${randomUUID().slice(0, 4)}`,
      new Date(now),
      'QUEUED',
    );
    const response = await signedGet(requestsPath(waitingPlayer));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { requests: Record<string, unknown>[] };
    expect(body.requests).toEqual([
      expect.objectContaining({ requestId: mine, state: 'QUEUED', queuePosition: 3 }),
    ]);
    const counted = runtime.calls.filter(
      (c) => c.principal.includes('PortalApi') && c.resources.some((r) => r.endsWith('/index/byState')),
    );
    expect(counted.length).toBeGreaterThan(0);
    expect(counted.every((c) => c.denied === undefined)).toBe(true);
  });

  it('reads through the byPlayer index (and the QUEUED count) only, with the function’s own role', async () => {
    await signedGet(requestsPath(OTHER_PLAYER));
    const calls = runtime.calls.filter((c) => c.principal.includes('PortalApi'));
    expect(calls.length).toBeGreaterThan(0);
    for (const call of calls) {
      expect(call.operation).toBe('Query');
      expect(call.denied).toBeUndefined();
      // The table's key is on the call too: DynamoDB decrypts with the caller's permission.
      const tables = call.resources.filter((r) => r.includes(':dynamodb:'));
      expect(tables.length).toBeGreaterThan(0);
      expect(tables.every((r) => r.endsWith('/index/byPlayer') || r.endsWith('/index/byState'))).toBe(true);
    }
  });

  it('refuses an unsigned request with 403 before any function runs', async () => {
    const before = runtime.calls.length;
    const response = await fetch(`${runtime.gatewayUrl}${requestsPath(PLAYER)}`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Forbidden' });
    expect(runtime.calls.length).toBe(before);
  });

  it('refuses a wrong secret, a signature for another path, and a credential for another service or region', async () => {
    const refusals = [
      await signedGet(requestsPath(PLAYER), { secret: 'not-the-secret' }),
      // Signed for the other player, sent for this one.
      await signedGet(requestsPath(OTHER_PLAYER), { sentPath: requestsPath(PLAYER) }),
      await signedGet(requestsPath(PLAYER), { service: 'lambda' }),
      await signedGet(requestsPath(PLAYER), { region: 'eu-north-1' }),
    ];
    for (const response of refusals) {
      expect(response.status).toBe(403);
      const { message } = (await response.json()) as { message: string };
      expect(message).toMatch(/signature we calculated does not match|scoped to/);
    }
  });

  it('answers 400 for a player id the intake would refuse', async () => {
    const response = await signedGet(`/portal/players/${'x'.repeat(129)}/requests`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/^playerId: /);
  });

  it('leaves the download routes as they were: no signature needed', async () => {
    const response = await fetch(`${runtime.gatewayUrl}/d/not-a-token`, { redirect: 'manual' });
    expect(response.status).toBe(404);
  });
});
