/**
 * The download gateway as deployed: the real Lambda (functions/download-gateway/handler.ts, bundled,
 * with the template's environment and role) behind the local HTTP API, which speaks payload format
 * 2.0 and routes only what the template routes. Every request here is real HTTP to
 * `runtime.gatewayUrl`. Grants come from real exports of demo players, or are written with the
 * pipeline's own repository for an archive put in the exports bucket by the test (its request
 * walked to READY), so each scenario has a link of its own.
 */
import { createHash, randomUUID } from 'node:crypto';
import { DeleteObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { volumeKey } from '../../functions/core/archive/volumes';
import { type DownloadGrant, hashToken, newToken } from '../../functions/core/requests/grant';
import { legalDueDate } from '../../functions/core/requests/request-record';
import { requestExport } from '../../local/portal';
import { requestFrom } from '../support/http-from';
import { readZip } from '../support/read-zip';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

const DAY_MS = 86_400_000;
const PORTAL_URL = 'https://account.example.com/privacy';
const GATEWAY_FUNCTION = 'DownloadGateway';
let runtime: TestRuntime;
const archiveBytes = Buffer.from(`PK\u0003\u0004 fake archive ${'x'.repeat(5000)}`);
/** Every token this file put in a URL: none may reach any function's log. */
const tokensUsed = new Set<string>();

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

/** A token nobody was given (remembered, so the log check covers it too). */
function unknownToken(): string {
  const token = newToken();
  tokensUsed.add(token);
  return token;
}

/**
 * A link of its own: an archive object in the bucket, its request walked RECEIVED → READY as the
 * workflow does, and a grant for it written with the pipeline's grant repository.
 */
async function seedGrant(
  patch: Partial<DownloadGrant> = {},
  /** The bodies of an archive in several volumes (volume 1 first), each put at its volume key. */
  volumeBodies?: Buffer[],
): Promise<{ token: string; grant: DownloadGrant }> {
  const token = newToken();
  tokensUsed.add(token);
  const requestId = randomUUID();
  const archiveKey = `archives/${requestId}/1.zip`;
  const now = runtime.now();
  const at = now.toISOString();
  const expiresAt = new Date(now.getTime() + 7 * DAY_MS).toISOString();
  const grant: DownloadGrant = {
    tokenHash: hashToken(token),
    requestId,
    playerId: `player-gw-${requestId.slice(0, 8)}`,
    archiveKey,
    fileName: 'nova-data-export-2026-11-20.zip',
    locale: 'en',
    createdAt: at,
    expiresAt,
    maxDownloads: 5,
    downloads: 0,
    archiveBytes: archiveBytes.length,
    recordsByCategory: { profile: 1, purchases: 1234, 'forum-posts': 17 },
    ...(volumeBodies
      ? {
          archiveBytes: volumeBodies.reduce((sum, body) => sum + body.length, 0),
          maxDownloads: 5 * volumeBodies.length,
          volumes: volumeBodies.map((body, i) => ({
            archiveKey: volumeKey(archiveKey, i + 1),
            bytes: body.length,
            sha256: createHash('sha256').update(body).digest('hex'),
          })),
        }
      : {}),
    ...patch,
  };
  for (const [i, body] of (volumeBodies ?? [archiveBytes]).entries()) {
    await runtime.admin.s3.send(
      new PutObjectCommand({
        Bucket: runtime.bucket,
        Key: volumeKey(archiveKey, i + 1),
        Body: body,
        ContentType: 'application/zip',
      }),
    );
  }
  const { requests, grants } = runtime.records;
  await requests.create(
    {
      requestId,
      playerId: grant.playerId,
      locale: grant.locale,
      requestedAt: at,
      receivedAt: at,
      attempt: 1,
      dueAt: legalDueDate(now).toISOString(),
      state: 'RECEIVED',
      stateTimes: { RECEIVED: at },
      updatedAt: at,
    },
    { requestId, at, action: 'requested' },
  );
  await requests.transition(requestId, 'RECEIVED', 'COLLECTING', at, { attempt: 1 });
  await requests.transition(requestId, 'COLLECTING', 'PACKAGING', at, { attempt: 1 });
  await requests.transition(requestId, 'PACKAGING', 'READY', at, {
    attempt: 1,
    patch: {
      archiveKey,
      archiveBytes: archiveBytes.length,
      archiveFileName: grant.fileName,
      expiresAt: grant.expiresAt,
      recordsByCategory: grant.recordsByCategory,
    },
  });
  await grants.create(grant);
  return { token, grant };
}

const url = (path: string) => `${runtime.gatewayUrl}${path}`;
const post = (path: string) => fetch(url(path), { method: 'POST', redirect: 'manual' });
const get = (path: string) => fetch(url(path), { redirect: 'manual' });
const downloadsOf = async (grant: DownloadGrant) =>
  (await runtime.records.grants.get(grant.tokenHash))?.downloads;
const downloadAudit = async (requestId: string) =>
  (await runtime.records.requests.audit(requestId)).filter((a) => a.action === 'download');

beforeAll(async () => {
  runtime = await startTestRuntime({ context: { portalUrl: PORTAL_URL } });
});
afterAll(async () => {
  await runtime?.stop();
});

describe('landing page (GET /d/{token})', () => {
  it('answers 200 in the grant language and never consumes a download', async () => {
    const de = await seedGrant({ locale: 'de-AT' });
    const th = await seedGrant({ locale: 'th' });
    for (let i = 0; i < 3; i++) {
      const response = await get(`/d/${de.token}`);
      expect(response.status).toBe(200);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('<html lang="de">');
      expect(body).toContain('Deine Daten sind bereit');
      expect(body).toContain('1.234');
      expect(body).toContain('5 von 5');
      expect(body).toContain(`<form method="post" action="/d/${de.token}/download">`);
    }
    const thai = await (await get(`/d/${th.token}`)).text();
    expect(thai).toContain('<html lang="th">');
    expect(thai).toContain('ข้อมูลของคุณพร้อมแล้ว');

    expect(await downloadsOf(de.grant)).toBe(0);
    expect(await downloadsOf(th.grant)).toBe(0);
    expect(await downloadAudit(de.grant.requestId)).toEqual([]);
  });

  // PRODUCT BUG (see the report): docs/download-gateway.md promises "HEAD is answered like GET
  // without a body", and the gateway core does so, but the HTTP API in
  // lib/constructs/download-gateway.ts routes only `GET /d/{token}` and `POST /d/{token}/download`;
  // API Gateway does not route HEAD to a GET route, so HEAD never reaches the Lambda and gets API
  // Gateway's own `404 {"message":"Not Found"}` (application/json, no security headers).
  it('answers HEAD like GET, without a body', async () => {
    const { token, grant } = await seedGrant({ locale: 'de-AT' });
    const response = await fetch(url(`/d/${token}`), { method: 'HEAD' });
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    expect(await response.text()).toBe('');
    expect(await downloadsOf(grant)).toBe(0);
  });
});

describe('download (POST /d/{token}/download)', () => {
  it('counts, audits and redirects 303 to a short presigned URL that downloads the archive as an attachment', async () => {
    const { token, grant } = await seedGrant({ fileName: 'ผู้เล่น-data-export.zip' });
    const response = await post(`/d/${token}/download`);
    expect(response.status).toBe(303);
    expectSecurityHeaders(response);
    const location = response.headers.get('location') ?? '';
    const presigned = new URL(location);
    expect(presigned.origin).toBe(new URL(runtime.endpoint).origin);
    expect(Number(presigned.searchParams.get('X-Amz-Expires'))).toBeGreaterThan(0);
    expect(Number(presigned.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(300);
    expect(location).not.toContain(token);
    expect(location).not.toContain(grant.tokenHash);

    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(archiveBytes)).toBe(true);
    const disposition = file.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; filename="_-data-export\.zip"; filename\*=UTF-8''/);
    expect(disposition).toContain(encodeURIComponent('ผู้เล่น-data-export.zip'));

    expect(await downloadsOf(grant)).toBe(1);
    expect(await downloadAudit(grant.requestId)).toEqual([
      expect.objectContaining({ requestId: grant.requestId, action: 'download', detail: '1/5' }),
    ]);
  });

  it('allows 5 downloads, then answers 410 "used up"', async () => {
    const { token, grant } = await seedGrant({ fileName: 'nova.zip' });
    for (let i = 0; i < 5; i++) {
      const response = await post(`/d/${token}/download`);
      expect(response.status, `download ${i + 1}`).toBe(303);
      const file = await fetch(response.headers.get('location') ?? '');
      expect(file.status).toBe(200);
      expect(file.headers.get('content-disposition')).toBe('attachment; filename="nova.zip"');
      await file.arrayBuffer();
    }
    for (const response of [await post(`/d/${token}/download`), await get(`/d/${token}`)]) {
      expect(response.status).toBe(410);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('This link has been used up');
      expect(body).toContain('data-reason="used-up"');
      expect(body).toContain(PORTAL_URL);
      expectNoS3Error(body);
    }
    expect(await downloadsOf(grant)).toBe(5);
    expect((await downloadAudit(grant.requestId)).map((a) => a.detail)).toEqual([
      '1/5',
      '2/5',
      '3/5',
      '4/5',
      '5/5',
    ]);
  });

  it('gives exactly one of 10 concurrent clicks the last download', async () => {
    const { token, grant } = await seedGrant({ downloads: 4 });
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(`/d/${token}/download`)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 410)).toHaveLength(9);
    for (const r of responses) expectSecurityHeaders(r);
    await Promise.all(responses.map((r) => r.text()));
    expect(await downloadsOf(grant)).toBe(5);
    expect(await downloadAudit(grant.requestId)).toHaveLength(1);
  });

  it('does not count a GET on the download route', async () => {
    const { token, grant } = await seedGrant();
    const response = await get(`/d/${token}/download`);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.headers.get('location')).toBeNull();
    expectNoS3Error(await response.text());
    expect(await downloadsOf(grant)).toBe(0);
    expect(await downloadAudit(grant.requestId)).toEqual([]);
  });

  // PRODUCT BUG (see the report): the gateway core answers a GET on the download route 405 with
  // `Allow: POST` and its security headers, but the HTTP API routes only `POST /d/{token}/download`
  // to the Lambda, so API Gateway answers the GET itself: `404 {"message":"Not Found"}`.
  it('answers 405 Allow: POST to a GET on the download route', async () => {
    const { token, grant } = await seedGrant();
    const response = await get(`/d/${token}/download`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expectSecurityHeaders(response);
    expect(await downloadsOf(grant)).toBe(0);
  });

  it('does not count a download when the archive object is gone', async () => {
    const { token, grant } = await seedGrant();
    await runtime.admin.s3.send(new DeleteObjectCommand({ Bucket: runtime.bucket, Key: grant.archiveKey }));
    const response = await post(`/d/${token}/download`);
    expect(response.status).toBe(410);
    expectSecurityHeaders(response);
    expect(response.headers.get('location')).toBeNull();
    const body = await response.text();
    expect(body).toContain('data-reason="expired"');
    expectNoS3Error(body);
    expect(await downloadsOf(grant)).toBe(0);
    expect(await downloadAudit(grant.requestId)).toEqual([]);
  });

  it('does not count a download when the request is no longer READY', async () => {
    const { token, grant } = await seedGrant({ locale: 'de-AT' });
    await runtime.records.requests.transition(
      grant.requestId,
      'READY',
      'EXPIRED',
      runtime.now().toISOString(),
    );
    const response = await post(`/d/${token}/download`);
    expect(response.status).toBe(410);
    expectSecurityHeaders(response);
    expect(response.headers.get('location')).toBeNull();
    const body = await response.text();
    expect(body).toContain('data-reason="expired"');
    expect(body).toContain('Dieser Link ist abgelaufen');
    expectNoS3Error(body);
    expect(await downloadsOf(grant)).toBe(0);
    expect(await downloadAudit(grant.requestId)).toEqual([]);
  });

  it('serves the link of a real export: landing in the player’s language, then the archive', async () => {
    const request = await requestExport(runtime, { playerId: 'p-1003', locale: 'da' });
    const token = request.link.slice(request.link.lastIndexOf('/') + 1);
    tokensUsed.add(token);
    expect(request.link).toBe(`${runtime.gatewayUrl}/d/${token}`);
    const landing = await fetch(request.link);
    expect(landing.status).toBe(200);
    expectSecurityHeaders(landing);
    const body = await landing.text();
    expect(body).toContain('<html lang="da">');
    expect(body).toContain('Dine data er klar');

    const response = await post(`/d/${token}/download`);
    expect(response.status).toBe(303);
    const file = await fetch(response.headers.get('location') ?? '');
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toBe(
      `attachment; filename="${request.answering.archiveFileName}"`,
    );
    const entries = await readZip(Buffer.from(await file.arrayBuffer()));
    expect([...entries.keys()].some((name) => name.endsWith('/manifest.json'))).toBe(true);
    const grant = await runtime.records.grants.get(hashToken(token));
    expect(grant).toMatchObject({ requestId: request.answering.requestId, downloads: 1, maxDownloads: 5 });
    expect(await downloadAudit(request.answering.requestId)).toEqual([
      expect.objectContaining({ action: 'download', detail: '1/5' }),
    ]);
  });
});

describe('archives in several volumes', () => {
  const bodies = [1, 2, 3].map((n) =>
    Buffer.from(`PK\u0003\u0004 volume ${n} ${String(n).repeat(3000 + n)}`),
  );
  const postVolume = (token: string, body: string, contentType = 'application/x-www-form-urlencoded') =>
    fetch(url(`/d/${token}/download`), {
      method: 'POST',
      redirect: 'manual',
      body,
      headers: { 'Content-Type': contentType },
    });

  it('shows every volume on the landing page with its own form, file name, size and SHA-256', async () => {
    const { token, grant } = await seedGrant({}, bodies);
    const response = await get(`/d/${token}`);
    expect(response.status).toBe(200);
    expectSecurityHeaders(response);
    const html = await response.text();
    expect(html).toContain('The archive comes in 3 parts');
    for (const [i, body] of bodies.entries()) {
      expect(html).toContain(`<input type="hidden" name="volume" value="${i + 1}">`);
      expect(html).toContain(`nova-data-export-2026-11-20-part${i + 1}-of-3.zip`);
      expect(html).toContain(createHash('sha256').update(body).digest('hex'));
      expect(html).toContain(`Download part ${i + 1} of 3 (`);
    }
    expect(await downloadsOf(grant)).toBe(0);
  });

  it('POST volume=2 redirects to volume 2, saved under its own name, and counts one download', async () => {
    const { token, grant } = await seedGrant({}, bodies);
    const response = await postVolume(token, 'volume=2');
    expect(response.status).toBe(303);
    expectSecurityHeaders(response);
    const location = response.headers.get('location') ?? '';
    expect(new URL(location).pathname).toContain(encodeURI(volumeKey(grant.archiveKey, 2)));
    const file = await fetch(location);
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(bodies[1] as Buffer)).toBe(true);
    expect(file.headers.get('content-disposition')).toBe(
      'attachment; filename="nova-data-export-2026-11-20-part2-of-3.zip"',
    );
    expect(await downloadsOf(grant)).toBe(1);
    expect((await downloadAudit(grant.requestId)).map((a) => a.detail)).toEqual(['1/15 (part 2 of 3)']);

    // No volume field: volume 1, under its part name.
    const first = await post(`/d/${token}/download`);
    expect(first.status).toBe(303);
    const file1 = await fetch(first.headers.get('location') ?? '');
    expect(Buffer.from(await file1.arrayBuffer()).equals(bodies[0] as Buffer)).toBe(true);
    expect(file1.headers.get('content-disposition')).toBe(
      'attachment; filename="nova-data-export-2026-11-20-part1-of-3.zip"',
    );
    expect(await downloadsOf(grant)).toBe(2);
    expect((await downloadAudit(grant.requestId)).map((a) => a.detail)).toEqual([
      '1/15 (part 2 of 3)',
      '2/15 (part 1 of 3)',
    ]);
  });

  it('refuses a volume the grant does not have, or a body that is not the form, with a 400 and counts nothing', async () => {
    const { token, grant } = await seedGrant({}, bodies);
    for (const [body, type] of [
      ['volume=0', undefined],
      ['volume=4', undefined],
      ['volume=abc', undefined],
      ['volume=1.5', undefined],
      ['volume=-2', undefined],
      ['volume=1&volume=2', undefined],
      ['volume=', undefined],
      ['{"volume":2}', 'application/json'],
    ] as const) {
      const response = await postVolume(token, body, type);
      expect(response.status, body).toBe(400);
      expectSecurityHeaders(response);
      expect(response.headers.get('location')).toBeNull();
      const html = await response.text();
      expect(html).toContain('Request not understood');
      expectNoS3Error(html);
    }
    expect(await downloadsOf(grant)).toBe(0);
    expect(await downloadAudit(grant.requestId)).toEqual([]);
  });

  it('answers 410 without counting when the chosen volume’s object is gone', async () => {
    const { token, grant } = await seedGrant({}, bodies);
    await runtime.admin.s3.send(
      new DeleteObjectCommand({ Bucket: runtime.bucket, Key: volumeKey(grant.archiveKey, 3) }),
    );
    const response = await postVolume(token, 'volume=3');
    expect(response.status).toBe(410);
    expectSecurityHeaders(response);
    expect(response.headers.get('location')).toBeNull();
    const body = await response.text();
    expect(body).toContain('data-reason="expired"');
    expectNoS3Error(body);
    expect(await downloadsOf(grant)).toBe(0);
    expect(await downloadAudit(grant.requestId)).toEqual([]);
  });

  it('reads a base64-encoded form body of a payload 2.0 event invoked directly, as API Gateway sends it', async () => {
    const { token, grant } = await seedGrant({}, bodies);
    const rawPath = `/d/${token}/download`;
    const invoke = async (body: string, isBase64Encoded: boolean) => {
      const result = await runtime.invoke(GATEWAY_FUNCTION, {
        version: '2.0',
        routeKey: 'POST /d/{token}/download',
        rawPath,
        rawQueryString: '',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        requestContext: { http: { method: 'POST', path: rawPath, sourceIp: '203.0.113.8' } },
        body,
        isBase64Encoded,
      });
      if (!result.ok) throw new Error(`${result.error.errorType}: ${result.error.errorMessage}`);
      return result.payload as { statusCode: number; headers: Record<string, string> };
    };
    const encoded = await invoke(Buffer.from('volume=3').toString('base64'), true);
    expect(encoded.statusCode).toBe(303);
    const file = await fetch(encoded.headers.Location ?? '');
    expect(Buffer.from(await file.arrayBuffer()).equals(bodies[2] as Buffer)).toBe(true);
    const plain = await invoke('volume=2', false);
    expect(plain.statusCode).toBe(303);
    expect(plain.headers.Location).toContain('part2');
    // Decoded, then checked like any form: a volume this grant does not have is refused.
    expect((await invoke(Buffer.from('volume=9').toString('base64'), true)).statusCode).toBe(400);
    expect(await downloadsOf(grant)).toBe(2);
  });
});

describe('links that no longer work', () => {
  it('answers 410 "withdrawn" for a revoked grant', async () => {
    const { token, grant } = await seedGrant({ locale: 'nb' });
    await runtime.records.grants.revoke(grant.tokenHash, runtime.now().toISOString());
    for (const response of [await get(`/d/${token}`), await post(`/d/${token}/download`)]) {
      expect(response.status).toBe(410);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('Denne lenken er trukket tilbake');
      expect(body).toContain('data-reason="revoked"');
      expectNoS3Error(body);
    }
    expect(await downloadsOf(grant)).toBe(0);
  });

  it('answers 404 for an unknown or malformed token, never S3 XML', async () => {
    // A client of its own: these misses must not slow down another test's requests.
    const client = '127.0.0.4';
    const paths = [
      `/d/${unknownToken()}`,
      `/d/${unknownToken()}/download`,
      '/d/not-a-token',
      '/d/%3Cscript%3E',
      `/d/${'A'.repeat(44)}`,
    ];
    for (const path of paths) {
      const method = path.endsWith('/download') ? 'POST' : 'GET';
      const response = await requestFrom(client, url(path), method);
      expect(response.status, path).toBe(404);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('Link not found');
      expect(body).toContain(PORTAL_URL);
      expectNoS3Error(body);
    }
    // Paths the HTTP API has no route for are 404 too, and never S3's XML either.
    for (const path of ['/d/', '/favicon.ico', `/d/${unknownToken()}/`]) {
      const response = await requestFrom(client, url(path));
      expect(response.status, path).toBe(404);
      expectNoS3Error(await response.text());
    }
  });

  // PRODUCT BUG (see the report): the gateway core answers any other path ("favicon.ico,
  // robots.txt, a typo") with its plain 404 page and security headers, but the HTTP API routes only
  // the two token routes, so these get API Gateway's `404 {"message":"Not Found"}` (JSON, none of
  // the security headers).
  it('answers paths outside the token routes with the gateway’s 404 page', async () => {
    for (const path of ['/d/', '/favicon.ico']) {
      const response = await requestFrom('127.0.0.4', url(path));
      expect(response.status, path).toBe(404);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('Link not found');
      expectNoS3Error(body);
    }
  });
});

describe('unexpected failure', () => {
  it('answers a plain 500 page with the security headers and logs without the token', async () => {
    const { token, grant } = await seedGrant();
    const from = runtime.logs.length;
    const fault = runtime.injectFault({
      service: 'dynamodb',
      operation: 'GetItem',
      functionName: GATEWAY_FUNCTION,
      code: 'InternalServerError',
    });
    try {
      for (const response of [await get(`/d/${token}`), await post(`/d/${token}/download`)]) {
        expect(response.status).toBe(500);
        expectSecurityHeaders(response);
        const body = await response.text();
        expect(body).toContain('Something went wrong');
        expect(body).not.toContain('InternalServerError');
        expectNoS3Error(body);
      }
      expect(fault.hits).toBeGreaterThan(0);
    } finally {
      fault.remove();
    }
    const lines = runtime.logs
      .slice(from)
      .filter((line) => line.functionName.includes(GATEWAY_FUNCTION))
      .map((line) => line.text)
      .join('\n');
    expect(lines).toContain('gateway-failed');
    expect(lines).not.toContain(token);
    expect(lines).not.toContain(grant.tokenHash);
    // Served again once the store answers, and nothing was counted meanwhile.
    expect((await get(`/d/${token}`)).status).toBe(200);
    expect(await downloadsOf(grant)).toBe(0);
  });

  it('answers a plain 500 page to an event that is not an HTTP API v2 event', async () => {
    const result = await runtime.invoke(GATEWAY_FUNCTION, { hello: 'world' });
    expect(result.ok).toBe(true);
    const payload = (result.ok ? result.payload : undefined) as {
      statusCode: number;
      headers: Record<string, string>;
      body: string;
    };
    expect(payload.statusCode).toBe(500);
    expect(payload.headers['Cache-Control']).toBe('no-store');
    expect(payload.headers['X-Frame-Options']).toBe('DENY');
    expect(payload.body).toContain('Something went wrong');
    expectNoS3Error(payload.body);
  });

  it('answers payload 2.0 events invoked directly: landing page, redirect and 404 through the same core', async () => {
    const event = (method: string, rawPath: string) => ({
      version: '2.0',
      routeKey: '$default',
      rawPath,
      rawQueryString: '',
      headers: { 'User-Agent': 'test' },
      requestContext: { http: { method, path: rawPath, sourceIp: '203.0.113.7' } },
      isBase64Encoded: false,
    });
    type Payload = { statusCode: number; headers: Record<string, string>; body: string };
    const invoke = async (method: string, path: string) => {
      const result = await runtime.invoke(GATEWAY_FUNCTION, event(method, path));
      if (!result.ok) throw new Error(`${result.error.errorType}: ${result.error.errorMessage}`);
      return result.payload as Payload;
    };
    const { token, grant } = await seedGrant({ locale: 'da' });
    const landing = await invoke('GET', `/d/${token}`);
    expect(landing.statusCode).toBe(200);
    expect(landing.body).toContain('Dine data er klar');
    expect(landing.headers['X-Frame-Options']).toBe('DENY');
    const download = await invoke('POST', `/d/${token}/download`);
    expect(download.statusCode).toBe(303);
    expect(download.headers.Location).toMatch(/X-Amz-Expires=\d+/);
    expect(await downloadsOf(grant)).toBe(1);
    const missing = await invoke('GET', `/d/${unknownToken()}`);
    expect(missing.statusCode).toBe(404);
    expect(missing.headers['Content-Security-Policy']).toContain("default-src 'none'");
  });
});

describe('failed-lookup slowdown', () => {
  // Each test is a client of its own (a loopback address of its own): the limiter counts per source IP.
  it('slows down and then refuses one client after repeated 404s', async () => {
    const client = '127.0.0.2';
    const statuses: number[] = [];
    const took: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 12; i++) {
      const started = performance.now();
      const response = await requestFrom(client, url(`/d/${unknownToken()}`));
      took.push(performance.now() - started);
      statuses.push(response.status);
      expectSecurityHeaders(response);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
      await response.text();
    }
    // The deployed limiter: 5 plain misses, then five delayed ones (250 ms doubling to 4 s), then
    // refusals. A delay is a lower bound on the answer's time; nothing here bounds it from above.
    expect(statuses).toEqual([404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 429, 429]);
    for (const [i, delay] of [250, 500, 1000, 2000, 4000].entries()) {
      expect(took[5 + i], `miss ${6 + i}`).toBeGreaterThanOrEqual(delay - 5);
    }
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(600);

    // Another client is not slowed by this one's misses.
    const other = await requestFrom('127.0.0.5', url(`/d/${unknownToken()}`));
    expect(other.status).toBe(404);
  });

  it('still answers a valid link to a client refused after ten bad tokens, and counts its download', async () => {
    const client = '127.0.0.3';
    const { token, grant } = await seedGrant({ locale: 'fr' });
    for (let i = 0; i < 10; i++) {
      const response = await requestFrom(client, url(`/d/${unknownToken()}`));
      expect(response.status, `miss ${i + 1}`).toBe(404);
    }
    // The client is now refused for its next miss …
    expect((await requestFrom(client, url(`/d/${unknownToken()}`))).status).toBe(429);
    // … but a valid link is answered as for anyone, and downloads.
    const landing = await requestFrom(client, url(`/d/${token}`));
    expect(landing.status).toBe(200);
    expectSecurityHeaders(landing);
    expect(await landing.text()).toContain('<html lang="fr">');
    const response = await requestFrom(client, url(`/d/${token}/download`), 'POST');
    expect(response.status).toBe(303);
    const file = await fetch(response.headers.get('location') ?? '');
    expect(file.status).toBe(200);
    expect(Buffer.from(await file.arrayBuffer()).equals(archiveBytes)).toBe(true);
    expect(await downloadsOf(grant)).toBe(1);
    // Answering the valid link did not lift the limit on misses.
    expect((await requestFrom(client, url(`/d/${unknownToken()}`))).status).toBe(429);
  });
});

describe('expiry', () => {
  it('answers 410 "expired" for a grant past its expiry, on GET and POST, in its language', async () => {
    const now = runtime.now().getTime();
    const { token, grant } = await seedGrant({
      locale: 'fr',
      createdAt: new Date(now - 8 * DAY_MS).toISOString(),
      expiresAt: new Date(now - 60_000).toISOString(),
    });
    for (const response of [await get(`/d/${token}`), await post(`/d/${token}/download`)]) {
      expect(response.status).toBe(410);
      expectSecurityHeaders(response);
      const body = await response.text();
      expect(body).toContain('Ce lien a expiré');
      expect(body).toContain('data-reason="expired"');
      expectNoS3Error(body);
    }
    expect(await downloadsOf(grant)).toBe(0);
    expect(await downloadAudit(grant.requestId)).toEqual([]);
  });

  // Judged by the functions' clock, which advanceClock moves. By seconds only, on purpose: a move
  // beyond the gateway's 10 s timeout makes invocations race a local runtime bug (see the report:
  // the invocation deadline is set on the host's real clock, the remaining time read on the moved
  // one, so middy's early timeout fires at once and the HTTP API answers 500).
  it('answers 410 "expired" once the functions’ clock passes the expiry', async () => {
    const { token, grant } = await seedGrant({
      locale: 'fr',
      expiresAt: new Date(runtime.now().getTime() + 5_000).toISOString(),
    });
    expect((await get(`/d/${token}`)).status).toBe(200);
    let advanced = 0;
    try {
      runtime.advanceClock(7_000);
      advanced = 7_000;
      expect(runtime.now().getTime()).toBeGreaterThan(Date.parse(grant.expiresAt));
      for (const response of [await get(`/d/${token}`), await post(`/d/${token}/download`)]) {
        expect(response.status).toBe(410);
        expectSecurityHeaders(response);
        const body = await response.text();
        expect(body).toContain('Ce lien a expiré');
        expect(body).toContain('data-reason="expired"');
        expectNoS3Error(body);
      }
      expect(await downloadsOf(grant)).toBe(0);
      expect(await downloadAudit(grant.requestId)).toEqual([]);
    } finally {
      runtime.advanceClock(-advanced);
    }
  });
});

describe('logs', () => {
  it('never hold a token or its full hash', () => {
    const gateway = runtime.logs
      .filter((line) => line.functionName.includes(GATEWAY_FUNCTION))
      .map((l) => l.text);
    const all = runtime.logs.map((line) => line.text).join('\n');
    expect(tokensUsed.size).toBeGreaterThan(30);
    for (const token of tokensUsed) {
      expect(all).not.toContain(token);
      expect(all).not.toContain(hashToken(token));
    }
    const gatewayText = gateway.join('\n');
    expect(gatewayText).not.toMatch(/[A-Za-z0-9_-]{43}/);
    expect(gatewayText).not.toMatch(/[0-9a-f]{64}/);
    expect(gatewayText).toContain('download-granted');
    expect(gatewayText).toContain('grant-not-found');
    expect(gatewayText).toContain('lookup-limited');
  });
});
