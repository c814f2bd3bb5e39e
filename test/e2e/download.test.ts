/**
 * The player's download, end to end on the local runtime: the synthesized templates' event rule,
 * state machine and Lambdas (each its bundled handler with the template's environment and role),
 * the e-mail written to the outbox, the real gateway Lambda behind the local HTTP API, and a real
 * headless Chromium that opens the link from the e-mail, reads the page and presses the button.
 * Nothing is mocked; days pass on the runtime's clock (advanceClock), not on a stand-in.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import type { Download, Page, Response } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Manifest } from '../../functions/core/archive/manifest';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { defaultPrivacyNotice } from '../../functions/core/data-map/default-privacy-notice';
import { defaultTranslations } from '../../functions/core/data-map/default-translations';
import { type GatewayLocale, gatewayMessages } from '../../functions/core/gateway/gateway-messages';
import { gonePage, landingPage, notFoundPage, tooManyPage } from '../../functions/core/gateway/gateway-pages';
import { ARCHIVE_LOCALES, resolveArchiveLocale } from '../../functions/core/i18n/archive-messages';
import { contentCatalog, localiser } from '../../functions/core/i18n/content';
import { formatBytes, formatCount, formatDateTime } from '../../functions/core/i18n/formats';
import type { DownloadGrant } from '../../functions/core/requests/grant';
import { hashToken } from '../../functions/core/requests/grant';
import { revokeLinks } from '../../functions/core/requests/revoke-links';
import { DEMO_PLAYER_ID, demoTableItems } from '../../functions/seed-demo/demo-data/generate';
import { requestExport } from '../../local/portal';
import type { LogLine } from '../../local/runtime/lambda-host';
import { linkFromEml, parseEml } from '../../local/runtime/read-outbox';
import { horizontalOverflow, seriousViolations } from '../support/axe';
import { launchBrowser, type TestBrowser } from '../support/browser';
import { readZip } from '../support/read-zip';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

const DAY_MS = 86_400_000;
/** How long we wait for a download that must not come: the redirect to the local S3 takes milliseconds. */
const NO_DOWNLOAD_WAIT_MS = 2_500;
/**
 * One deployment for the whole file: two downloads per link, so a link is used up quickly, and no
 * resend cooldown, so every scenario builds its own archive (within the default cooldown a second
 * request of the same player only gets a new link to another scenario's archive). The link
 * lifetime is the default seven days.
 */
const DEPLOYMENT = { maxDownloads: 2, resendCooldownHours: 0 };

let runtime: TestRuntime;
let browser: TestBrowser;

// Everything the run logs: every line every function wrote (CloudWatch Logs on AWS), and whatever
// reaches this process's console or streams (the runtime itself, or a stray console.log).
const functionLog: LogLine[] = [];
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

/** The function log lines that are JSON objects (the structured ones), parsed. */
function structuredLines(lines: readonly LogLine[]): (Record<string, unknown> & { functionName: string })[] {
  return lines.flatMap((line) => {
    try {
      const value = JSON.parse(line.text) as unknown;
      return value !== null && typeof value === 'object' && !Array.isArray(value)
        ? [{ ...(value as Record<string, unknown>), functionName: line.functionName }]
        : [];
    } catch {
      return [];
    }
  });
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
  runtime = await startTestRuntime({ context: DEPLOYMENT, onLog: (line) => functionLog.push(line) });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  restoreOutput?.();
});

interface MailedExport {
  requestId: string;
  link: string;
  token: string;
  grant: DownloadGrant;
}

async function emlNames(): Promise<string[]> {
  const names = await readdir(runtime.outboxDir).catch(() => [] as string[]);
  return names.filter((name) => name.endsWith('.eml')).sort();
}

/**
 * Requests an export as the portal does and takes the link from the e-mail it sent (parsed here,
 * not taken from requestExport's answer): the mail is what the player has, so it must carry the
 * link. The outbox is the file's, so the mail is the one that arrived with this request.
 */
async function exportAndReadMail(player: DemoPlayer, locale: string): Promise<MailedExport> {
  const before = new Set(await emlNames());
  const exported = await requestExport(runtime, { playerId: player.playerId, locale });
  const { requestId, record } = exported;
  expect(record.state).toBe('READY');
  // Built for this request, not answered by an earlier scenario's archive.
  expect(exported.answering.requestId).toBe(requestId);
  expect(exported.mailed).toBe(true);
  const emls = (await emlNames()).filter((name) => !before.has(name));
  expect(emls).toHaveLength(1);
  const eml = await readFile(join(runtime.outboxDir, emls[0] ?? ''), 'utf8');
  expect(parseEml(eml).headers.get('to')).toContain(player.email);
  const link = linkFromEml(eml);
  expect(link).toBe(exported.link);
  expect(link.startsWith(`${runtime.gatewayUrl}/d/`)).toBe(true);
  const token = link.slice(link.lastIndexOf('/') + 1);
  tokensSeen.add(token);
  const grant = await runtime.records.grants.get(hashToken(token));
  if (!grant) throw new Error('The mailed link has no grant');
  expect(grant.requestId).toBe(requestId);
  expect(grant.maxDownloads).toBe(DEPLOYMENT.maxDownloads);
  return { requestId, link, token, grant };
}

async function downloadsOf(grant: DownloadGrant): Promise<number | undefined> {
  return (await runtime.records.grants.get(grant.tokenHash))?.downloads;
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
  const saved = join(runtime.workDir, `${randomBytes(6).toString('hex')}.zip`);
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
    title: 'Deine Daten sind bereit',
    labels: { size: 'Größe', expires: 'Link gültig bis', left: 'Verbleibende Downloads' },
    leftText: '2 von 2',
    button: 'Herunterladen',
    screenshot: '/tmp/landing-de.png',
  },
  {
    player: demoPlayer('p-1003'),
    locale: 'fr',
    title: 'Vos données sont prêtes',
    labels: { size: 'Taille', expires: 'Lien valable jusqu’au', left: 'Téléchargements restants' },
    leftText: '2 sur 2',
    button: 'Télécharger',
    screenshot: undefined,
  },
];

describe('the player opens the e-mailed link', () => {
  for (const c of landingCases) {
    it(`${c.player.playerId} (${c.locale}): the landing page shows size, contents, expiry, downloads left and a button`, async () => {
      const { link, grant } = await exportAndReadMail(c.player, c.locale);
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

        const categories = Object.entries(grant.recordsByCategory);
        expect(categories.length).toBeGreaterThan(0);
        const rows = await page
          .locator('tbody tr')
          .evaluateAll((trs) =>
            trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => (td.textContent ?? '').trim())),
          );
        // Each category by its title in the player's language (the data map's, translated).
        const title = localiser(
          contentCatalog(defaultDataMap, defaultPrivacyNotice),
          defaultTranslations,
          resolveArchiveLocale(c.locale),
        );
        expect(rows).toEqual(
          categories.map(([id, count]) => [title(`category.${id}.title`), formatCount(c.locale, count)]),
        );
        if (c.locale.startsWith('de')) expect(rows[0]?.[0]).toBe('Konto und Profil');

        const button = page.getByRole('button');
        expect(await button.count()).toBe(1);
        expect(((await button.textContent()) ?? '').trim()).toBe(`${c.button} (${size})`);

        // The promised seven days, counted from when the grant was made. Checked last: it fails
        // now and then (by a millisecond) because the grant's createdAt and expiresAt come from
        // two readings of the clock (openDelivery in delivery.ts reads it again after
        // publishExport in request-steps.ts computed expiresAt from its own reading).
        expect(Date.parse(grant.expiresAt) - Date.parse(grant.createdAt)).toBe(7 * DAY_MS);
      } finally {
        await page.close();
      }
    });

    it(`${c.player.playerId} (${c.locale}): the Download button saves a zip whose manifest matches its files`, async () => {
      const { link, grant } = await exportAndReadMail(c.player, c.locale);
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
        expect(await downloadsOf(grant)).toBe(1);
      } finally {
        await page.close();
      }
    });
  }
});

describe('the link over its life', () => {
  it('opening the landing page (GET) never uses up a download', async () => {
    const player = demoPlayer('p-1002');
    const { requestId, link, grant } = await exportAndReadMail(player, 'de');
    const page = await browser.context.newPage();
    try {
      expect((await visit(page, link)).status()).toBe(200);
      for (let i = 0; i < 3; i++) {
        const reloaded = await page.reload();
        if (!reloaded) throw new Error('No response on reload');
        expect(reloaded.status()).toBe(200);
        await expectSafeResponse(reloaded);
      }
      expect(await downloadsOf(grant)).toBe(0);
      expect(await detail(page, 'Verbleibende Downloads')).toBe('2 von 2');
      const audit = await runtime.records.requests.audit(requestId);
      expect(audit.map((a) => a.action)).not.toContain('download');
    } finally {
      await page.close();
    }
  });

  it('a used-up link shows the 410 page in the player’s language and never yields a file again', async () => {
    const player = demoPlayer('p-1002');
    const { requestId, link, grant } = await exportAndReadMail(player, 'de');
    const page = await browser.context.newPage();
    // A second tab opened before the downloads: its button is still on screen afterwards.
    const staleTab = await browser.context.newPage();
    try {
      expect((await visit(staleTab, link)).status()).toBe(200);
      expect(await detail(staleTab, 'Verbleibende Downloads')).toBe('2 von 2');

      // Both downloads, by the button; the page counts down in between.
      await openLanding(page, link);
      const first = await pressDownload(page);
      await expectSoundArchive(first.zip, first.download.suggestedFilename(), player);
      expect(await downloadsOf(grant)).toBe(1);
      await openLanding(page, link);
      expect(await detail(page, 'Verbleibende Downloads')).toBe('1 von 2');
      const second = await pressDownload(page);
      expect(second.download.suggestedFilename()).toBe(first.download.suggestedFilename());
      expect(second.zip.equals(first.zip)).toBe(true);
      expect(await downloadsOf(grant)).toBe(2);
      const audit = await runtime.records.requests.audit(requestId);
      expect(audit.filter((a) => a.action === 'download').map((a) => a.detail)).toEqual(['1/2', '2/2']);

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
      expect(await downloadsOf(grant)).toBe(2);
    } finally {
      await Promise.all([page.close(), staleTab.close()]);
    }
  });

  it('a withdrawn (revoked) link shows the 410 page in the player’s language', async () => {
    const player = demoPlayer('p-1003');
    const { requestId, link, token } = await exportAndReadMail(player, 'fr');
    // What the privacy team does (issue 12 gives it a CLI): the pipeline's own records, its clock.
    const { requests, grants } = runtime.records;
    const revoked = await revokeLinks(
      { requests, grants, clock: { now: () => runtime.now() } },
      requestId,
      'sent to the wrong address',
    );
    expect(revoked).toEqual({ revoked: 1 });
    const page = await browser.context.newPage();
    try {
      const response = await visit(page, link);
      expect(response.status()).toBe(410);
      await expectPage(page, 'fr', 'Ce lien a été retiré');
      expect(await page.locator('[data-reason]').getAttribute('data-reason')).toBe('revoked');
      const posted = await page.request.post(`${link}/download`, { maxRedirects: 0 });
      expect(posted.status()).toBe(410);
      expect((await runtime.records.grants.get(hashToken(token)))?.downloads).toBe(0);
    } finally {
      await page.close();
    }
  });

  // Runs last in this block on purpose: it moves the functions' clock eight days ahead for the rest
  // of the file, and the sweep reads every READY request in the table, so it also expires the
  // earlier scenarios' requests.
  it('after expiry and the sweep, the link shows the expired page, the request is EXPIRED and the archive is gone', async () => {
    const player = demoPlayer('p-1004');
    const { requestId, link, grant } = await exportAndReadMail(player, 'de');
    const archiveKey = (await runtime.records.requests.get(requestId))?.archiveKey;
    if (!archiveKey) throw new Error('READY request without an archive key');
    const page = await browser.context.newPage();
    try {
      expect((await visit(page, link)).status()).toBe(200);

      runtime.advanceClock(8 * DAY_MS);
      expect(runtime.now().getTime()).toBeGreaterThan(Date.parse(grant.expiresAt));
      const logged = functionLog.length;
      await runtime.runSchedule('SweepSchedule');
      // The deployed expire-exports Lambda ran, without an error, and says it expired this request.
      const sweepLines = structuredLines(functionLog.slice(logged)).filter((line) =>
        line.functionName.includes('ExpireExports'),
      );
      expect(
        sweepLines.filter((line) => line.level === 'ERROR'),
        'the expire-exports Lambda failed',
      ).toEqual([]);
      const sweeps = sweepLines.filter((line) => line.message === 'sweep done');
      expect(sweeps).toHaveLength(1);
      expect(sweeps[0]?.expired).toContain(requestId);

      const response = await visit(page, link);
      expect(response.status()).toBe(410);
      await expectPage(page, 'de', 'Dieser Link ist abgelaufen');
      expect(await page.locator('[data-reason]').getAttribute('data-reason')).toBe('expired');
      expect(await page.locator('[data-reason]').textContent()).toContain(
        formatDateTime('de', grant.expiresAt),
      );
      const posted = await page.request.post(`${link}/download`, { maxRedirects: 0 });
      expect(posted.status()).toBe(410);

      expect((await runtime.records.requests.get(requestId))?.state).toBe('EXPIRED');
      const head = runtime.admin.s3.send(new HeadObjectCommand({ Bucket: runtime.bucket, Key: archiveKey }));
      await expect(head).rejects.toMatchObject({ name: 'NotFound' });
    } finally {
      await page.close();
    }
  });
});

describe('links that do not exist', () => {
  it('the 404 page speaks the browser’s language (Accept-Language), served with Content-Language', async () => {
    const unknown = randomBytes(32).toString('base64url');
    tokensSeen.add(unknown);
    const page = await browser.context.newPage();
    try {
      for (const [header, lang] of [
        ['de-CH, de;q=0.9, en;q=0.8', 'de'],
        ['pt-BR, th;q=0.8', 'th'],
        ['nn, en;q=0.5', 'nb'],
      ] as const) {
        await page.setExtraHTTPHeaders({ 'Accept-Language': header });
        const response = await visit(page, `${runtime.gatewayUrl}/d/${unknown}`);
        expect(response.status()).toBe(404);
        expect(response.headers()['content-language']).toBe(lang);
        expect(response.headers().vary).toBe('Accept-Language');
        await expectPage(page, lang, gatewayMessages[lang].notFoundTitle);
      }
    } finally {
      await page.close();
    }
  });

  it('an unknown and a malformed token get the plain 404 page with the security headers', async () => {
    const unknown = randomBytes(32).toString('base64url');
    expect(unknown).toMatch(/^[A-Za-z0-9_-]{43}$/);
    tokensSeen.add(unknown);
    const page = await browser.context.newPage();
    try {
      for (const token of [unknown, 'abc', `${'A'.repeat(42)}%3Cscript%3E`, '..%2F..%2Fetc%2Fpasswd']) {
        const response = await visit(page, `${runtime.gatewayUrl}/d/${token}`);
        expect(response.status(), token).toBe(404);
        await expectPage(page, 'en', 'Link not found');
        expect(await page.getByRole('button').count()).toBe(0);
      }
      const posted = await page.request.post(`${runtime.gatewayUrl}/d/${unknown}/download`, {
        maxRedirects: 0,
      });
      expect(posted.status()).toBe(404);
      expect(posted.headers()['content-security-policy']).toContain("default-src 'none'");
    } finally {
      await page.close();
    }
  });
});

/**
 * Accessibility of the gateway's pages, checked by axe-core (WCAG 2 A/AA and best practices): no
 * serious or critical violation, no sideways scrolling on a phone, a visible focus ring, in every
 * language, light and dark, at a desktop and a phone size. The pages are the gateway's own page
 * functions filled from a real grant (its file name, sizes and categories); the served landing
 * page is checked once more as the gateway sends it, under its Content-Security-Policy, so the
 * hashed stylesheet is known to apply there too.
 */
const VIEWPORTS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;
type Combo = readonly [keyof typeof VIEWPORTS, 'light' | 'dark'];
const ALL_COMBOS: readonly Combo[] = [
  ['desktop', 'light'],
  ['desktop', 'dark'],
  ['phone', 'light'],
  ['phone', 'dark'],
];
/**
 * One axe run takes seconds on the shared test machine, so not every page gets all four. The
 * colours differ only by scheme and the layout only by width (the stylesheet's width query changes
 * spacing and the grid, never a colour), so a desktop-light and a phone-dark run see every colour
 * and every layout of a page; Thai (no spaces, the longest unbroken lines) and the served page get
 * all four. Overflow is measured at both schemes wherever the phone width is checked.
 */
const TWO_COMBOS: readonly Combo[] = [
  ['desktop', 'light'],
  ['phone', 'dark'],
];
const SCREENS = join(import.meta.dirname, '..', '..', 'scratch', 'screens');

/** axe, sideways overflow and the body's explicit colours at each viewport and colour scheme given. */
async function expectAccessible(
  page: Page,
  label: string,
  combos: readonly Combo[],
  screenshot?: (combo: Combo) => string | undefined,
): Promise<void> {
  for (const combo of combos) {
    const [size, scheme] = combo;
    await page.emulateMedia({ colorScheme: scheme });
    await page.setViewportSize(VIEWPORTS[size]);
    const where = `${label} ${VIEWPORTS[size].width}px ${scheme}`;
    expect(await seriousViolations(page), where).toEqual([]);
    expect(await horizontalOverflow(page), where).toBe(0);
    // Explicit colours, so contrast is measured against what the reader sees, not a default.
    const background = await page.evaluate<string>('getComputedStyle(document.body).backgroundColor');
    expect(background, where).toBe(scheme === 'dark' ? 'rgb(22, 24, 29)' : 'rgb(255, 255, 255)');
    const path = screenshot?.(combo);
    if (path) await page.screenshot({ path, fullPage: true });
  }
  // The other scheme at phone width too, for overflow (cheap, no axe run).
  await page.setViewportSize(VIEWPORTS.phone);
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    expect(await horizontalOverflow(page), `${label} 390px ${scheme}`).toBe(0);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(VIEWPORTS.desktop);
}

/**
 * Tabs to the first link or button, as a keyboard user would, and checks that its focus ring shows
 * (solid, at least 3 px) in light and in dark.
 */
async function expectVisibleFocus(page: Page, label: string): Promise<void> {
  await page.keyboard.press('Tab');
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    const ring = await page.evaluate<{ tag: string; style: string; width: string }>(
      `(() => { const el = document.activeElement; const s = getComputedStyle(el);
        return { tag: el.tagName, style: s.outlineStyle, width: s.outlineWidth }; })()`,
    );
    expect(['A', 'BUTTON'], `${label} ${scheme}`).toContain(ring.tag);
    expect(ring.style, `${label} ${scheme}`).toBe('solid');
    expect(Number.parseFloat(ring.width), `${label} ${scheme}`).toBeGreaterThanOrEqual(3);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

describe('accessibility of the gateway pages', () => {
  let sample: DownloadGrant;
  let sampleLink: string;

  beforeAll(async () => {
    await mkdir(SCREENS, { recursive: true });
    const { grant, link } = await exportAndReadMail(demoPlayer('p-1005'), 'th');
    sample = grant;
    sampleLink = link;
  });

  it('the landing page as served (CSP and all) has no serious violation, light and dark', async () => {
    const page = await browser.context.newPage();
    try {
      const response = await visit(page, sampleLink);
      expect(response.status()).toBe(200);
      expect(response.headers()['content-language']).toBe('th');
      await expectAccessible(page, 'served landing th', ALL_COMBOS, ([size, scheme]) =>
        size === 'phone' && scheme === 'dark' ? join(SCREENS, 'landing-th-390-dark.png') : undefined,
      );
      await expectVisibleFocus(page, 'served landing th');
    } finally {
      await page.close();
    }
  });

  it('the landing page of an archive in three volumes passes axe (Thai at all four, English at two)', async () => {
    const third = Math.floor(sample.archiveBytes / 3);
    const volumes = [1, 2, 3].map((n) => ({
      archiveKey: n === 1 ? sample.archiveKey : sample.archiveKey.replace(/\.zip$/, `.part${n}.zip`),
      bytes: n === 3 ? sample.archiveBytes - 2 * third : third,
      // A checksum is 64 characters without a break: it must wrap, not widen a phone's screen.
      sha256: createHash('sha256').update(`volume ${n}`).digest('hex'),
    }));
    const page = await browser.context.newPage();
    try {
      for (const locale of ['th', 'en'] as const) {
        const grant = { ...sample, locale, volumes, maxDownloads: sample.maxDownloads * 3 };
        await page.setContent(landingPage(grant, 'A'.repeat(43), runtime.now()), { waitUntil: 'load' });
        expect(await page.locator('html').getAttribute('lang')).toBe(locale);
        expect(await page.getByRole('button').count()).toBe(3);
        const inputs = page.locator('input[type="hidden"][name="volume"]');
        const values: (string | null)[] = [];
        for (let i = 0; i < (await inputs.count()); i++)
          values.push(await inputs.nth(i).getAttribute('value'));
        expect(values).toEqual(['1', '2', '3']);
        await expectAccessible(
          page,
          `landing in volumes ${locale}`,
          locale === 'th' ? ALL_COMBOS : TWO_COMBOS,
        );
        await expectVisibleFocus(page, `landing in volumes ${locale}`);
      }
    } finally {
      await page.close();
    }
  });

  for (const locale of ARCHIVE_LOCALES as readonly GatewayLocale[]) {
    it(`${locale}: landing, 410, 404 and 429 pages pass axe at 1280 and 390 px, in light and dark`, async () => {
      const grant = { ...sample, locale };
      const options = { portalUrl: 'https://account.example.com/privacy' };
      const pages: [string, string][] = [
        ['landing', landingPage(grant, 'A'.repeat(43), runtime.now(), options)],
        ['410', gonePage('expired', grant, options)],
        ['404', notFoundPage(options, locale)],
        ['429', tooManyPage(120, locale)],
      ];
      const page = await browser.context.newPage();
      try {
        for (const [name, html] of pages) {
          await page.setContent(html, { waitUntil: 'load' });
          expect(await page.locator('html').getAttribute('lang')).toBe(locale);
          await expectAccessible(
            page,
            `${name} ${locale}`,
            locale === 'th' ? ALL_COMBOS : TWO_COMBOS,
            ([size, scheme]) =>
              name === '429' && locale === 'de' && size === 'desktop' && scheme === 'light'
                ? join(SCREENS, '429-de.png')
                : undefined,
          );
          if (name !== '429') await expectVisibleFocus(page, `${name} ${locale}`);
        }
      } finally {
        await page.close();
      }
    });
  }
});

// Last on purpose: it checks what the whole file logged, including the scenarios above. It also
// runs one download of its own, so it has something to check when run alone.
describe('logs', () => {
  it('the run’s logs hold none of the player’s e-mail, full name, forum posts or any token', async () => {
    const { link, grant } = await exportAndReadMail(p1001, 'en');
    const page = await browser.context.newPage();
    try {
      expect((await visit(page, link)).status()).toBe(200);
      await openLanding(page, link);
      await pressDownload(page);
      const unknown = randomBytes(32).toString('base64url');
      tokensSeen.add(unknown);
      await visit(page, `${runtime.gatewayUrl}/d/${unknown}`);
    } finally {
      await page.close();
    }
    // The gateway Lambda logged the download, so the collector is wired and the check is not vacuous.
    const structured = structuredLines(functionLog);
    expect(
      structured.some(
        (line) =>
          line.event === 'download-granted' &&
          line.requestId === grant.requestId &&
          line.functionName.includes('Gateway'),
      ),
    ).toBe(true);

    const text = [...functionLog.map((line) => line.text), ...rawOutput].join('\n');
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
