import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbGrantRepository } from '../../functions/adapters/dynamodb/dynamodb-grant-repository';
import { DynamoDbRequestRepository } from '../../functions/adapters/dynamodb/dynamodb-request-repository';
import { S3Presigner } from '../../functions/adapters/s3/s3-presigner';
import { FailedLookupLimiter } from '../../functions/core/gateway/failed-lookup-limiter';
import type { GatewayDeps, GatewayLog } from '../../functions/core/gateway/handle-gateway-request';
import { type DownloadGrant, hashToken, newToken } from '../../functions/core/requests/grant';
import { createGatewayHandler } from '../../functions/download-gateway/handler';
import { systemClock } from '../../functions/runtime/system';
import { type GatewayServer, startGatewayServer } from '../../local/gateway-server';
import { type LocalStack, startLocalStack } from '../../local/local-stack';

let stack: LocalStack;
let grants: DynamoDbGrantRepository;
let requests: DynamoDbRequestRepository;
let gateway: GatewayServer;
const logLines: string[] = [];
const archiveBytes = Buffer.from(`PK\u0003\u0004 fake archive ${'x'.repeat(5000)}`);
const archiveKey = 'exports/req-gw/archive.zip';

const expectedHeaders = {
  'content-type': 'text/html; charset=utf-8',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
};

function expectSecurityHeaders(response: Response): void {
  for (const [name, value] of Object.entries(expectedHeaders))
    expect(response.headers.get(name), name).toBe(value);
  expect(response.headers.get('content-security-policy')).toMatch(
    // form-action may add exactly one origin: the local S3 the download redirects to, never a wildcard.
    /^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; form-action 'self'( http:\/\/127\.0\.0\.1:\d+)?; base-uri 'none'; frame-ancestors 'none'$/,
  );
}

function expectNoS3Error(body: string): void {
  expect(body).not.toContain('<?xml');
  expect(body).not.toContain('Error>');
  expect(body).not.toMatch(/\bat .+:\d+:\d+/); // no stack trace
}

const collectLog: GatewayLog = (level, event, fields) => {
  logLines.push(JSON.stringify({ level, event, ...fields }));
};

function deps(patch: Partial<GatewayDeps> = {}): GatewayDeps {
  return {
    grants,
    presigner: new S3Presigner(stack.clients.s3, stack.bucket),
    clock: systemClock,
    recordDownload: (grant, at) =>
      requests.appendAudit({
        requestId: grant.requestId,
        at,
        action: 'download',
        detail: `${grant.downloads}/${grant.maxDownloads}`,
      }),
    limiter: new FailedLookupLimiter({ threshold: 50 }),
    log: collectLog,
    portalUrl: 'https://account.example.com/privacy',
    ...patch,
  };
}

let counter = 0;
async function createGrant(
  patch: Partial<DownloadGrant> = {},
): Promise<{ token: string; grant: DownloadGrant }> {
  const token = newToken();
  counter += 1;
  const now = Date.now();
  const grant: DownloadGrant = {
    tokenHash: hashToken(token),
    requestId: `req-gw-${counter}`,
    playerId: 'player-gw',
    archiveKey,
    fileName: 'nova-data-export-2026-11-20.zip',
    locale: 'en',
    createdAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 7 * 86_400_000).toISOString(),
    maxDownloads: 5,
    downloads: 0,
    archiveBytes: archiveBytes.length,
    recordsByCategory: { profile: 1, purchases: 1234, 'forum-posts': 17 },
    ...patch,
  };
  await grants.create(grant);
  return { token, grant };
}

const post = (url: string) => fetch(url, { method: 'POST', redirect: 'manual' });
const get = (url: string) => fetch(url, { redirect: 'manual' });

beforeAll(async () => {
  stack = await startLocalStack({ createTables: false });
  grants = new DynamoDbGrantRepository(stack.clients.dynamodb, stack.pipelineTable);
  requests = new DynamoDbRequestRepository(stack.clients.dynamodb, stack.pipelineTable);
  await stack.clients.s3.send(
    new PutObjectCommand({
      Bucket: stack.bucket,
      Key: archiveKey,
      Body: archiveBytes,
      ContentType: 'application/zip',
    }),
  );
  gateway = await startGatewayServer(deps());
});
afterAll(async () => {
  await gateway?.stop();
  await stack?.stop();
});

describe('landing page (GET /d/{token})', () => {
  it('answers 200 in the grant language and never consumes a download', async () => {
    const de = await createGrant({ locale: 'de-AT' });
    const th = await createGrant({ locale: 'th' });
    for (let i = 0; i < 3; i++) {
      const response = await get(`${gateway.url}/d/${de.token}`);
      expect(response.status).toBe(200);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('<html lang="de">');
      expect(body).toContain('Ihre Daten sind bereit');
      expect(body).toContain('1.234');
      expect(body).toContain('5 von 5');
      expect(body).toContain(`<form method="post" action="/d/${de.token}/download">`);
    }
    const thai = await (await get(`${gateway.url}/d/${th.token}`)).text();
    expect(thai).toContain('<html lang="th">');
    expect(thai).toContain('ข้อมูลของคุณพร้อมแล้ว');
    expect((await fetch(`${gateway.url}/d/${de.token}`, { method: 'HEAD' })).status).toBe(200);

    expect((await grants.get(de.grant.tokenHash))?.downloads).toBe(0);
    expect((await grants.get(th.grant.tokenHash))?.downloads).toBe(0);
  });
});

describe('download (POST /d/{token}/download)', () => {
  it('counts, audits and redirects 303 to a short presigned URL that downloads the archive as an attachment', async () => {
    const { token, grant } = await createGrant({ fileName: 'ผู้เล่น-data-export.zip' });
    const response = await post(`${gateway.url}/d/${token}/download`);
    expect(response.status).toBe(303);
    expectSecurityHeaders(response);
    const location = response.headers.get('location') ?? '';
    const presigned = new URL(location);
    expect(presigned.origin).toBe(stack.endpoints.s3);
    expect(Number(presigned.searchParams.get('X-Amz-Expires'))).toBeGreaterThan(0);
    expect(Number(presigned.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
    expect(location).not.toContain(token);

    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(archiveBytes)).toBe(true);
    const disposition = file.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; filename="_-data-export\.zip"; filename\*=UTF-8''/);
    expect(disposition).toContain(encodeURIComponent('ผู้เล่น-data-export.zip'));

    expect((await grants.get(grant.tokenHash))?.downloads).toBe(1);
    const audit = await requests.audit(grant.requestId);
    expect(audit).toEqual([expect.objectContaining({ action: 'download', detail: '1/5' })]);
  });

  it('allows 5 downloads, then answers 410 "used up"', async () => {
    const { token } = await createGrant({ fileName: 'nova.zip' });
    for (let i = 0; i < 5; i++) {
      const response = await post(`${gateway.url}/d/${token}/download`);
      expect(response.status, `download ${i + 1}`).toBe(303);
      const file = await fetch(response.headers.get('location') ?? '');
      expect(file.headers.get('content-disposition')).toBe('attachment; filename="nova.zip"');
      await file.arrayBuffer();
    }
    for (const response of [
      await post(`${gateway.url}/d/${token}/download`),
      await get(`${gateway.url}/d/${token}`),
    ]) {
      expect(response.status).toBe(410);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('This link has been used up');
      expect(body).toContain('data-reason="used-up"');
      expect(body).toContain('https://account.example.com/privacy');
      expectNoS3Error(body);
    }
  });

  it('gives exactly one of 10 concurrent clicks the last download', async () => {
    const { token, grant } = await createGrant({ downloads: 4 });
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => post(`${gateway.url}/d/${token}/download`)),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 410)).toHaveLength(9);
    for (const r of responses) expectSecurityHeaders(r);
    await Promise.all(responses.map((r) => r.text()));
    expect((await grants.get(grant.tokenHash))?.downloads).toBe(5);
    expect((await requests.audit(grant.requestId)).filter((a) => a.action === 'download')).toHaveLength(1);
  });

  it('does not count a GET on the download route (405)', async () => {
    const { token, grant } = await createGrant();
    const response = await get(`${gateway.url}/d/${token}/download`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expectSecurityHeaders(response);
    expect((await grants.get(grant.tokenHash))?.downloads).toBe(0);
  });
});

describe('links that no longer work', () => {
  it('answers 410 "expired" for a grant past its expiry, on GET and POST, in its language', async () => {
    const { token, grant } = await createGrant({
      locale: 'fr',
      createdAt: new Date(Date.now() - 8 * 86_400_000).toISOString(),
      expiresAt: new Date(Date.now() - 60_000).toISOString(),
    });
    for (const response of [
      await get(`${gateway.url}/d/${token}`),
      await post(`${gateway.url}/d/${token}/download`),
    ]) {
      expect(response.status).toBe(410);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('Ce lien a expiré');
      expect(body).toContain('data-reason="expired"');
      expectNoS3Error(body);
    }
    expect((await grants.get(grant.tokenHash))?.downloads).toBe(0);
  });

  it('answers 410 "withdrawn" for a revoked grant', async () => {
    const { token, grant } = await createGrant({ locale: 'nb' });
    await grants.revoke(grant.tokenHash, new Date().toISOString());
    for (const response of [
      await get(`${gateway.url}/d/${token}`),
      await post(`${gateway.url}/d/${token}/download`),
    ]) {
      expect(response.status).toBe(410);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('Denne lenken er trukket tilbake');
      expect(body).toContain('data-reason="revoked"');
    }
    expect((await grants.get(grant.tokenHash))?.downloads).toBe(0);
  });

  it('answers 404 for an unknown or malformed token, never S3 XML', async () => {
    const paths = [
      `/d/${newToken()}`,
      `/d/${newToken()}/download`,
      '/d/not-a-token',
      '/d/%3Cscript%3E',
      `/d/${'A'.repeat(44)}`,
      '/d/',
      '/favicon.ico',
    ];
    for (const path of paths) {
      const method = path.endsWith('/download') ? 'POST' : 'GET';
      const response = await fetch(`${gateway.url}${path}`, { method, redirect: 'manual' });
      expect(response.status, path).toBe(404);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('Link not found');
      expectNoS3Error(body);
    }
  });

  it('never logs a token or its full hash', () => {
    const all = logLines.join('\n');
    expect(all).not.toMatch(/[A-Za-z0-9_-]{43}/);
    expect(all).not.toMatch(/[0-9a-f]{64}/);
    expect(all).toContain('download-granted');
  });
});

describe('unexpected failure', () => {
  it('answers a plain 500 page with the security headers and logs without the token', async () => {
    const lines: string[] = [];
    // A real repository on a table that does not exist: the SDK throws ResourceNotFoundException.
    const broken = await startGatewayServer(
      deps({
        grants: new DynamoDbGrantRepository(stack.clients.dynamodb, 'no-such-table'),
        log: (level, event, fields) => lines.push(JSON.stringify({ level, event, ...fields })),
      }),
    );
    try {
      const token = newToken();
      for (const response of [
        await get(`${broken.url}/d/${token}`),
        await post(`${broken.url}/d/${token}/download`),
      ]) {
        expect(response.status).toBe(500);
        expectSecurityHeaders(response);
        const body = await response.text();
        expect(body).toContain('Something went wrong');
        expect(body).not.toContain('ResourceNotFound');
        expectNoS3Error(body);
      }
      expect(lines.join('\n')).toContain('gateway-failed');
      expect(lines.join('\n')).not.toContain(token);
      expect(lines.join('\n')).not.toContain(hashToken(token));
    } finally {
      await broken.stop();
    }
  });
});

describe('failed-lookup slowdown', () => {
  it('slows down and then refuses one client after repeated 404s', async () => {
    // The waits are recorded rather than timed: timing belongs in bench/, not in tests.
    const waits: number[] = [];
    const slow = await startGatewayServer(
      deps({
        limiter: new FailedLookupLimiter({ threshold: 5, baseDelayMs: 50, maxDelayMs: 100 }),
        sleep: async (ms) => {
          waits.push(ms);
        },
      }),
    );
    try {
      const statuses: number[] = [];
      let retryAfter: string | null = null;
      for (let i = 0; i < 9; i++) {
        const response = await get(`${slow.url}/d/${newToken()}`);
        statuses.push(response.status);
        expectSecurityHeaders(response);
        if (response.status === 429) retryAfter = response.headers.get('retry-after');
        await response.text();
      }
      // 5 plain failures, then two delayed ones (50 ms, 100 ms), then refusals.
      expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 404, 429, 429]);
      expect(waits).toEqual([50, 100]);
      expect(Number(retryAfter)).toBeGreaterThan(0);
      expect(Number(retryAfter)).toBeLessThanOrEqual(600);

      // Even a valid link is refused while the client is limited: the check comes before any lookup.
      const { token } = await createGrant();
      expect((await get(`${slow.url}/d/${token}`)).status).toBe(429);
    } finally {
      await slow.stop();
    }
  });
});

describe('Lambda handler (HTTP API payload 2.0)', () => {
  // The handler reads nothing from the Lambda context.
  const context = {} as Parameters<ReturnType<typeof createGatewayHandler>>[1];
  const event = (method: string, rawPath: string) => ({
    version: '2.0',
    rawPath,
    headers: { 'User-Agent': 'test' },
    requestContext: { http: { method, sourceIp: '203.0.113.7' } },
  });

  it('answers the landing page, the redirect and 404 through the same core', async () => {
    const handler = createGatewayHandler(deps());
    const { token } = await createGrant({ locale: 'da' });
    const landing = await handler(event('GET', `/d/${token}`), context);
    expect(landing.statusCode).toBe(200);
    expect(landing.body).toContain('Dine data er klar');
    expect(landing.headers['X-Frame-Options']).toBe('DENY');
    const download = await handler(event('POST', `/d/${token}/download`), context);
    expect(download.statusCode).toBe(303);
    expect(download.headers.Location).toMatch(/X-Amz-Expires=\d+/);
    const missing = await handler(event('GET', `/d/${newToken()}`), context);
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['Content-Security-Policy']).toContain("default-src 'none'");
  });

  it('answers a plain 500 page to an event that is not an HTTP API v2 event', async () => {
    const handler = createGatewayHandler(deps());
    const result = await handler({ hello: 'world' }, context);
    expect(result.statusCode).toBe(500);
    expect(result.headers['Cache-Control']).toBe('no-store');
    expectNoS3Error(result.body);
  });
});
