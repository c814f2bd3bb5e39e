/**
 * The player's download, end to end: the real local stack (dynalite, s3rver), the real pipeline
 * (start-export → workflow → grant → e-mail into an outbox), the real gateway over HTTP, and a
 * real headless Chromium that opens the link from the e-mail, reads the page and presses the
 * button. Nothing is mocked; the only stand-in is a plain clock object in the expiry scenario.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Download, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkFromEml, parseEml } from '../../functions/adapters/local/read-outbox';
import type { Manifest } from '../../functions/core/archive/manifest';
import { formatBytes, formatCount, formatDateTime } from '../../functions/core/i18n/formats';
import type { DownloadGrant } from '../../functions/core/requests/grant';
import { hashToken } from '../../functions/core/requests/grant';
import { DEMO_PLAYER_ID, demoTableItems } from '../../local/demo-data/generate';
import { loadDemoData } from '../../local/load-demo';
import { type LocalStack, startLocalStack } from '../../local/local-stack';
import { type LocalPipeline, type LocalPipelineOptions, startLocalPipeline } from '../../local/pipeline';
import { requestExport } from '../../local/request-export';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { readZip } from '../support/read-zip';

const DAY_MS = 86_400_000;
/** How long we wait for a download that must not come: the redirect to s3rver takes milliseconds. */
const NO_DOWNLOAD_WAIT_MS = 2_500;

let stack: LocalStack;
let browser: TestBrowser;
let workRoot: string;
const pipelines: LocalPipeline[] = [];

// Everything the run logs: the pipelines' structured log lines and whatever reaches the console or
// the process's streams (a stray console.log in an adapter would bypass the structured log).
const structuredLog: Record<string, unknown>[] = [];
const rawOutput: string[] = [];
/** Every token this file used in a URL; none may show up in any log. */
const tokensSeen = new Set<string>();
let restoreOutput: (() => void) | undefined;

interface DemoPlayer {
  playerId: string;
  username: string;
  email: string;
  fullName: string;
}

function demoPlayer(playerId: string): DemoPlayer {
  for (const item of demoTableItems('players')) {
    if (item.playerId === playerId) {
      return {
        playerId,
        username: String(item.username),
        email: String(item.email),
        fullName: String(item.fullName),
      };
    }
  }
  throw new Error(`No demo player ${playerId}`);
}

function forumBodiesOf(playerId: string): string[] {
  const bodies: string[] = [];
  for (const item of demoTableItems('forum-posts')) {
    if (item.authorId === playerId) bodies.push(String(item.body));
  }
  return bodies;
}

/** Tees console and stdout/stderr into rawOutput; returns the function that puts them back. */
function captureOutput(): () => void {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const originalConsole = methods.map((name) => [name, console[name]] as const);
  for (const name of methods) {
    const original = console[name];
    console[name] = (...args: unknown[]) => {
      rawOutput.push(args.map((a) => (typeof a === 'string' ? a : safeStringify(a))).join(' '));
      original.apply(console, args);
    };
  }
  const streams = [process.stdout, process.stderr];
  const originalWrites = streams.map((stream) => stream.write);
  for (const [index, stream] of streams.entries()) {
    const original = originalWrites[index];
    if (!original) continue;
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      rawOutput.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
    }) as typeof stream.write;
  }
  return () => {
    for (const [name, original] of originalConsole) console[name] = original;
    for (const [index, stream] of streams.entries()) {
      const original = originalWrites[index];
      if (original) stream.write = original;
    }
  };
}

function safeStringify(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}\n${value.stack ?? ''}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

beforeAll(async () => {
  restoreOutput = captureOutput();
  workRoot = await mkdtemp(join(tmpdir(), 'download-e2e-'));
  stack = await startLocalStack();
  await loadDemoData(stack.clients.dynamodb);
  browser = await launchBrowser();
});

afterAll(async () => {
  await Promise.allSettled(pipelines.splice(0).map((p) => p.stop()));
  await browser?.close();
  await stack?.stop();
  if (workRoot) await rm(workRoot, { recursive: true, force: true });
  restoreOutput?.();
});

async function startPipeline(options: Partial<LocalPipelineOptions> = {}): Promise<LocalPipeline> {
  const pipeline = await startLocalPipeline(stack, {
    workDir: await mkdtemp(join(workRoot, 'run-')),
    sweepEveryMs: 0,
    // Every scenario builds its own archive: within the default cooldown a second request of the
    // same player would only re-send a link to another scenario's archive.
    resendCooldownMs: 0,
    retryWaitScale: 0.001,
    log: (line) => structuredLog.push(line),
    ...options,
  });
  pipelines.push(pipeline);
  return pipeline;
}

interface MailedExport {
  requestId: string;
  link: string;
  token: string;
  grant: DownloadGrant;
}

/**
 * Requests an export and takes the link from the e-mail in the outbox (parsed here, not from
 * requestExport's return value): the mail is what the player has, so it must carry the link.
 */
async function exportAndReadMail(pipeline: LocalPipeline, player: DemoPlayer, locale: string) {
  const { requestId, record } = await requestExport(pipeline, { playerId: player.playerId, locale });
  expect(record.state).toBe('READY');
  const emls = (await readdir(pipeline.outboxDir)).filter((n) => n.endsWith('.eml')).sort();
  expect(emls).toHaveLength(1);
  const eml = await readFile(join(pipeline.outboxDir, emls[0] ?? ''), 'utf8');
  expect(parseEml(eml).headers.get('to')).toContain(player.email);
  const link = linkFromEml(eml);
  expect(link.startsWith(`${pipeline.gatewayUrl}/d/`)).toBe(true);
  const token = link.slice(link.lastIndexOf('/') + 1);
  tokensSeen.add(token);
  const grant = await pipeline.deps.grants.get(hashToken(token));
  if (!grant) throw new Error('The mailed link has no grant');
  expect(grant.requestId).toBe(requestId);
  return { requestId, link, token, grant } satisfies MailedExport;
}

/** page.goto that also checks what every gateway answer must carry, whatever its status. */
async function visit(page: Page, url: string): Promise<Response> {
  const response = await page.goto(url);
  if (!response) throw new Error(`No response for ${url}`);
  await expectSafeResponse(response);
  return response;
}

async function expectSafeResponse(response: Response): Promise<void> {
  const headers = response.headers();
  expect(headers['content-security-policy']).toContain("default-src 'none'");
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-content-type-options']).toBe('nosniff');
  const body = await response.text();
  // A player must never see S3's XML error or a stack trace from our code.
  expect(body).not.toContain('<?xml');
  expect(body).not.toContain('Error>');
  expect(body).not.toMatch(/\bat (?:\S+ \()?(?:file:\/\/|node:|\/[\w.-]+\/|[A-Za-z]:\\)/);
}

async function expectPage(page: Page, lang: string, title: string): Promise<void> {
  expect(await page.locator('html').getAttribute('lang')).toBe(lang);
  expect(await page.title()).toBe(title);
  expect(((await page.locator('h1').textContent()) ?? '').trim()).toBe(title);
}

/** The value next to a label in the page's definition list. */
async function detail(page: Page, label: string): Promise<string> {
  const dd = page.locator('dt', { hasText: label }).locator('xpath=following-sibling::dd[1]');
  return ((await dd.textContent()) ?? '').trim();
}

async function pressDownload(page: Page, timeout = 30_000): Promise<{ download: Download; zip: Buffer }> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout }),
    page.getByRole('button').click(),
  ]);
  const saved = join(workRoot, `${randomBytes(6).toString('hex')}.zip`);
  await download.saveAs(saved);
  return { download, zip: await readFile(saved) };
}

/** Opens the landing page exactly as served, its Content-Security-Policy included. */
async function openLanding(page: Page, link: string): Promise<void> {
  const response = await page.goto(link);
  expect(response?.status()).toBe(200);
}

/** Opens the archive as a player's unzip would and checks it against its own manifest. */
async function expectSoundArchive(zip: Buffer, fileName: string, player: DemoPlayer): Promise<Manifest> {
  expect(fileName.endsWith('.zip')).toBe(true);
  expect(fileName.startsWith(`${player.username}-data-export-`)).toBe(true);
  const root = fileName.slice(0, -'.zip'.length);
  const entries = await readZip(zip);
  const files = [...entries.keys()].filter((name) => !name.endsWith('/'));
  for (const name of files) expect(name.startsWith(`${root}/`)).toBe(true);

  const manifestBytes = entries.get(`${root}/manifest.json`);
  if (!manifestBytes) throw new Error(`No ${root}/manifest.json in the archive`);
  const manifest = JSON.parse(manifestBytes.toString('utf8')) as Manifest;
  expect(manifest.player.playerId).toBe(player.playerId);
  expect(manifest.player.username).toBe(player.username);

  // Every file but the manifest itself (it cannot hold its own checksum) is listed, and each
  // listed file is there with the size and checksum the manifest promises.
  const listed = manifest.files.map((f) => `${root}/${f.path}`).sort();
  expect(listed).toEqual(files.filter((name) => name !== `${root}/manifest.json`).sort());
  for (const file of manifest.files) {
    const bytes = entries.get(`${root}/${file.path}`);
    if (!bytes) throw new Error(`${file.path} is listed but not in the archive`);
    expect(bytes.length, file.path).toBe(file.bytes);
    expect(createHash('sha256').update(bytes).digest('hex'), file.path).toBe(file.sha256);
  }
  return manifest;
}

/** Waits a little for a download that must not happen; true if one came. */
async function downloadArrives(page: Page): Promise<boolean> {
  return page.waitForEvent('download', { timeout: NO_DOWNLOAD_WAIT_MS }).then(
    () => true,
    () => false,
  );
}

const p1001 = demoPlayer(DEMO_PLAYER_ID);

const landingCases = [
  {
    player: p1001,
    locale: 'de',
    title: 'Ihre Daten sind bereit',
    labels: { size: 'Größe', expires: 'Link gültig bis', left: 'Verbleibende Downloads' },
    leftText: '5 von 5',
    button: 'Herunterladen',
    screenshot: '/tmp/landing-de.png',
  },
  {
    player: demoPlayer('p-1003'),
    locale: 'fr',
    title: 'Vos données sont prêtes',
    labels: { size: 'Taille', expires: 'Lien valable jusqu’au', left: 'Téléchargements restants' },
    leftText: '5 sur 5',
    button: 'Télécharger',
    screenshot: undefined,
  },
];

describe('the player opens the e-mailed link', () => {
  for (const c of landingCases) {
    it(`${c.player.playerId} (${c.locale}): the landing page shows size, contents, expiry, downloads left and a button`, async () => {
      const pipeline = await startPipeline();
      const { link, grant } = await exportAndReadMail(pipeline, c.player, c.locale);
      const page = await browser.context.newPage();
      try {
        const response = await visit(page, link);
        expect(response.status()).toBe(200);
        await expectPage(page, c.locale, c.title);
        if (c.screenshot) await page.screenshot({ path: c.screenshot, fullPage: true });

        const size = formatBytes(c.locale, grant.archiveBytes);
        expect(grant.archiveBytes).toBeGreaterThan(0);
        expect(await detail(page, c.labels.size)).toBe(size);
        expect(await detail(page, c.labels.expires)).toBe(formatDateTime(c.locale, grant.expiresAt));
        expect(await detail(page, c.labels.left)).toBe(c.leftText);
        // The promised seven days, counted from when the grant was made.
        expect(Date.parse(grant.expiresAt) - Date.parse(grant.createdAt)).toBe(7 * DAY_MS);

        const categories = Object.entries(grant.recordsByCategory);
        expect(categories.length).toBeGreaterThan(0);
        const rows = await page
          .locator('tbody tr')
          .evaluateAll((trs) =>
            trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
          );
        expect(rows).toEqual(categories.map(([id, count]) => [id, formatCount(c.locale, count)]));

        const button = page.getByRole('button');
        expect(await button.count()).toBe(1);
        expect(((await button.textContent()) ?? '').trim()).toBe(`${c.button} (${size})`);
      } finally {
        await page.close();
      }
    });

    it(`${c.player.playerId} (${c.locale}): the Download button saves a zip whose manifest matches its files`, async () => {
      const pipeline = await startPipeline();
      const { link, grant } = await exportAndReadMail(pipeline, c.player, c.locale);
      const page = await browser.context.newPage();
      try {
        await openLanding(page, link);
        await expectPage(page, c.locale, c.title);
        const { download, zip } = await pressDownload(page);
        // The page promised this size; the file is exactly that.
        expect(zip.length).toBe(grant.archiveBytes);
        const manifest = await expectSoundArchive(zip, download.suggestedFilename(), c.player);
        expect(manifest.locale).toBe(c.locale);
        // What the page listed per category is what the archive holds.
        for (const [id, count] of Object.entries(grant.recordsByCategory)) {
          expect(manifest.categories.find((category) => category.id === id)?.records, id).toBe(count);
        }
        expect((await pipeline.deps.grants.get(grant.tokenHash))?.downloads).toBe(1);
      } finally {
        await page.close();
      }
    });
  }
});

describe('the link over its life', () => {
  it('opening the landing page (GET) never uses up a download', async () => {
    const pipeline = await startPipeline();
    const player = demoPlayer('p-1002');
    const { requestId, link, grant } = await exportAndReadMail(pipeline, player, 'de');
    const page = await browser.context.newPage();
    try {
      expect((await visit(page, link)).status()).toBe(200);
      for (let i = 0; i < 3; i++) {
        const reloaded = await page.reload();
        if (!reloaded) throw new Error('No response on reload');
        expect(reloaded.status()).toBe(200);
        await expectSafeResponse(reloaded);
      }
      const after = await pipeline.deps.grants.get(grant.tokenHash);
      expect(after?.downloads).toBe(0);
      expect(await detail(page, 'Verbleibende Downloads')).toBe('5 von 5');
      const audit = await pipeline.deps.requests.audit(requestId);
      expect(audit.map((a) => a.action)).not.toContain('download');
    } finally {
      await page.close();
    }
  });

  it('a used-up link shows the 410 page in the player’s language and never yields a file again', async () => {
    const pipeline = await startPipeline({ maxDownloads: 1 });
    const player = demoPlayer('p-1002');
    const { link, grant } = await exportAndReadMail(pipeline, player, 'de');
    const page = await browser.context.newPage();
    // A second tab opened before the download: its button is still on screen afterwards.
    const staleTab = await browser.context.newPage();
    try {
      expect((await visit(staleTab, link)).status()).toBe(200);
      expect(await detail(staleTab, 'Verbleibende Downloads')).toBe('1 von 1');
      // The one download, by the button.
      await openLanding(page, link);

      const { download, zip } = await pressDownload(page);
      await expectSoundArchive(zip, download.suggestedFilename(), player);
      expect((await pipeline.deps.grants.get(grant.tokenHash))?.downloads).toBe(1);

      await page.unroute(link);
      const gone = await visit(page, link);
      expect(gone.status()).toBe(410);
      await expectPage(page, 'de', 'Dieser Link ist aufgebraucht');
      expect(await page.locator('[data-reason]').getAttribute('data-reason')).toBe('used-up');
      expect(await page.getByRole('button').count()).toBe(0);

      // Pressing the stale button posts the form: 410 page, no file.
      const noFile = downloadArrives(staleTab);
      const [posted] = await Promise.all([
        staleTab.waitForResponse((r) => r.url().endsWith('/download') && r.request().method() === 'POST'),
        staleTab.getByRole('button').click(),
      ]);
      expect(posted.status()).toBe(410);
      await expectSafeResponse(posted);
      expect(await noFile).toBe(false);
      await expectPage(staleTab, 'de', 'Dieser Link ist aufgebraucht');

      const direct = await page.request.post(`${link}/download`, { maxRedirects: 0 });
      expect(direct.status()).toBe(410);
      expect(direct.headers().location).toBeUndefined();
      expect((await pipeline.deps.grants.get(grant.tokenHash))?.downloads).toBe(1);
    } finally {
      await Promise.all([page.close(), staleTab.close()]);
    }
  });

  it('a withdrawn (revoked) link shows the 410 page in the player’s language', async () => {
    const pipeline = await startPipeline();
    const player = demoPlayer('p-1003');
    const { link, token } = await exportAndReadMail(pipeline, player, 'fr');
    await pipeline.deps.grants.revoke(hashToken(token), new Date().toISOString());
    const page = await browser.context.newPage();
    try {
      const response = await visit(page, link);
      expect(response.status()).toBe(410);
      await expectPage(page, 'fr', 'Ce lien a été retiré');
      expect(await page.locator('[data-reason]').getAttribute('data-reason')).toBe('revoked');
      const posted = await page.request.post(`${link}/download`, { maxRedirects: 0 });
      expect(posted.status()).toBe(410);
      expect((await pipeline.deps.grants.get(hashToken(token)))?.downloads).toBe(0);
    } finally {
      await page.close();
    }
  });

  // Runs last in this block on purpose: the sweep reads every READY request in the shared pipeline
  // table, so with the clock 8 days ahead it also expires the earlier scenarios' requests.
  it('after expiry and the sweep, the link shows the expired page, the request is EXPIRED and the archive is gone', async () => {
    // A plain clock whose time the test moves: the pipeline, its grants and its gateway all read it.
    const clock = { current: Date.now(), now: () => new Date(clock.current) };
    const pipeline = await startPipeline({ clock });
    const player = demoPlayer('p-1004');
    const { requestId, link, grant } = await exportAndReadMail(pipeline, player, 'de');
    const archiveKey = (await pipeline.deps.requests.get(requestId))?.archiveKey;
    if (!archiveKey) throw new Error('READY request without an archive key');
    const page = await browser.context.newPage();
    try {
      expect((await visit(page, link)).status()).toBe(200);

      clock.current += 8 * DAY_MS;
      const swept = await pipeline.sweep();
      expect(swept.requests).toContain(requestId);

      const response = await visit(page, link);
      expect(response.status()).toBe(410);
      await expectPage(page, 'de', 'Dieser Link ist abgelaufen');
      expect(await page.locator('[data-reason]').getAttribute('data-reason')).toBe('expired');
      expect(await page.locator('[data-reason]').textContent()).toContain(
        formatDateTime('de', grant.expiresAt),
      );
      const posted = await page.request.post(`${link}/download`, { maxRedirects: 0 });
      expect(posted.status()).toBe(410);

      expect((await pipeline.deps.requests.get(requestId))?.state).toBe('EXPIRED');
      const head = stack.clients.s3.send(new HeadObjectCommand({ Bucket: stack.bucket, Key: archiveKey }));
      await expect(head).rejects.toMatchObject({ name: 'NotFound' });
    } finally {
      await page.close();
    }
  });
});

describe('links that do not exist', () => {
  it('an unknown and a malformed token get the plain 404 page with the security headers', async () => {
    const pipeline = await startPipeline();
    const unknown = randomBytes(32).toString('base64url');
    expect(unknown).toMatch(/^[A-Za-z0-9_-]{43}$/);
    tokensSeen.add(unknown);
    const page = await browser.context.newPage();
    try {
      for (const token of [unknown, 'abc', `${'A'.repeat(42)}%3Cscript%3E`, '..%2F..%2Fetc%2Fpasswd']) {
        const response = await visit(page, `${pipeline.gatewayUrl}/d/${token}`);
        expect(response.status(), token).toBe(404);
        await expectPage(page, 'en', 'Link not found');
        expect(await page.getByRole('button').count()).toBe(0);
      }
      const posted = await page.request.post(`${pipeline.gatewayUrl}/d/${unknown}/download`, {
        maxRedirects: 0,
      });
      expect(posted.status()).toBe(404);
      expect(posted.headers()['content-security-policy']).toContain("default-src 'none'");
    } finally {
      await page.close();
    }
  });
});

// Last on purpose: it checks what the whole file logged, including the scenarios above. It also
// runs one download of its own, so it has something to check when run alone.
describe('logs', () => {
  it('the run’s logs hold none of the player’s e-mail, full name, forum posts or any token', async () => {
    const pipeline = await startPipeline();
    const { link, grant } = await exportAndReadMail(pipeline, p1001, 'en');
    const page = await browser.context.newPage();
    try {
      expect((await visit(page, link)).status()).toBe(200);
      await openLanding(page, link);
      await pressDownload(page);
      const unknown = randomBytes(32).toString('base64url');
      tokensSeen.add(unknown);
      await visit(page, `${pipeline.gatewayUrl}/d/${unknown}`);
    } finally {
      await page.close();
    }
    // The gateway logged the download, so the collector is wired and the check is not vacuous.
    expect(structuredLog.some((line) => line.msg === 'download-granted')).toBe(true);
    expect(structuredLog.some((line) => line.requestId === grant.requestId)).toBe(true);

    const text = [...structuredLog.map((line) => JSON.stringify(line)), ...rawOutput].join('\n');
    const forbidden = [
      p1001.email,
      p1001.fullName,
      ...forumBodiesOf(p1001.playerId),
      ...tokensSeen,
      ...[...tokensSeen].map(hashToken),
    ];
    expect(tokensSeen.size).toBeGreaterThan(0);
    for (const secret of forbidden) {
      // Also JSON-escaped: a value inside a JSON log line has its quotes and newlines escaped.
      const escaped = JSON.stringify(secret).slice(1, -1);
      expect(text.includes(secret) || text.includes(escaped), `log contains ${secret.slice(0, 12)}…`).toBe(
        false,
      );
    }
  });
});
