import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadItems } from '../../functions/adapters/dynamodb/batch-writer';
import type { Manifest } from '../../functions/core/archive/manifest';
import { PREVIEW_ROWS } from '../../functions/core/collect/preview';
import { archiveMessages } from '../../functions/core/i18n/archive-messages';
import { DEMO_PLAYER_ID } from '../../functions/seed-demo/demo-data/generate';
import { launchBrowser, type OpenedPage, openFile, type TestBrowser } from '../support/browser';
import { readZip } from '../support/read-zip';
import { exportAndDownload, startTestRuntime, type TestRuntime } from '../support/runtime';
import { fixtureViewerHtml, statRows } from '../support/viewer-fixture';

const execFileAsync = promisify(execFile);

/**
 * No resend cooldown: the demo player is exported twice (Norwegian, then Austrian German), and
 * within the default cooldown the second request would only get a new link to the first archive.
 */
const DEPLOYMENT = { resendCooldownHours: 0 };

let runtime: TestRuntime;
let browser: TestBrowser;

const HOSTILE_ID = 'p-hostile';
const SCRIPT_POST = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">';
const RTL_POST = 'abc \u202Etxt.exe\u202C and שלום עולם';
const EMOJI_POST = 'gg 🎮🔥👩‍👩‍👧 🇳🇴';
const HOSTILE_STATS = 3000;

beforeAll(async () => {
  runtime = await startTestRuntime({ context: DEPLOYMENT });
  const { dynamodb } = runtime.admin;
  await loadItems(dynamodb, runtime.gameTable('players'), [
    { playerId: HOSTILE_ID, username: 'h\u202Eacker</script>🙂', createdAt: '2024-01-01T00:00:00Z' },
  ]);
  const post = (n: number, body: string) => ({
    postId: `hostile-${n}`,
    authorId: HOSTILE_ID,
    threadId: 't-hostile',
    threadTitle: '<b>bold?</b>',
    createdAt: new Date(Date.UTC(2024, 1, 1, 0, n)).toISOString(),
    body,
  });
  await loadItems(dynamodb, runtime.gameTable('forum-posts'), [
    post(0, SCRIPT_POST),
    post(1, RTL_POST),
    post(2, EMOJI_POST),
    post(3, `long ${'ø'.repeat(150_000)}`), // 300 KB of UTF-8
  ]);
  await loadItems(
    dynamodb,
    runtime.gameTable('game-stats'),
    statRows(HOSTILE_STATS).map((row) => ({ ...row, playerId: HOSTILE_ID })),
  );
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
});

/**
 * Runs a real export through the deployed pipeline, downloads it by the player's link, unzips it
 * with Info-ZIP as a player would, and returns its folder. The viewer opened is the index.html the
 * archive holds (read with yauzl, an unzip independent of Info-ZIP, and compared byte for byte).
 */
async function exportAndUnzip(playerId: string, locale: string) {
  const exported = await exportAndDownload(runtime, playerId, locale);
  expect(exported.record.state).toBe('READY');
  // Built for this request, not answered by an earlier request's archive.
  expect(exported.answering.requestId).toBe(exported.requestId);
  const entries = await readZip(await readFile(exported.out));
  const roots = new Set([...entries.keys()].map((name) => name.split('/')[0]));
  expect(roots.size).toBe(1);
  const rootFolder = [...roots][0] ?? '';
  const indexHtml = entries.get(`${rootFolder}/index.html`);
  if (!indexHtml) throw new Error(`No ${rootFolder}/index.html in the archive`);

  const dir = join(runtime.workDir, exported.requestId);
  await execFileAsync('/usr/bin/unzip', ['-q', exported.out, '-d', dir]);
  const root = join(dir, rootFolder);
  const index = join(root, 'index.html');
  expect((await readFile(index)).equals(indexHtml)).toBe(true);
  const manifest = JSON.parse(await readFile(join(root, 'manifest.json'), 'utf8')) as Manifest;
  expect(manifest.player.playerId).toBe(playerId);
  return { root, manifest, index };
}

async function open(path: string): Promise<OpenedPage> {
  const opened = await openFile(browser, path);
  await opened.page.waitForSelector('html[data-ready="true"]');
  return opened;
}

/** Rows of a category's data table on the current page. */
function rowCount(opened: OpenedPage, category: string) {
  return opened.page.locator(`section[data-category="${category}"] table.data tbody tr:not(.empty)`).count();
}

describe('the demo player in Norwegian', () => {
  let opened: OpenedPage;
  let manifest: Manifest;
  let root: string;
  const m = archiveMessages.nb;

  beforeAll(async () => {
    const exported = await exportAndUnzip(DEMO_PLAYER_ID, 'nb');
    manifest = exported.manifest;
    root = exported.root;
    opened = await open(exported.index);
  });

  it('makes no request and shows no error', () => {
    expect(opened.requests).toEqual([]);
    expect(opened.errors).toEqual([]);
  });

  it('is in Norwegian', async () => {
    const { page } = opened;
    expect(await page.getAttribute('html', 'lang')).toBe('nb');
    expect(await page.textContent('h1')).toBe(m.heading);
    expect(await page.textContent('#overview h2')).toBe(m.overview);
    expect(await page.title()).toBe(`Dine data — ${manifest.player.username}`);
    await page.screenshot({ path: '/tmp/viewer-nb.png' });
  });

  it('lists every category with its status, and shows each category', async () => {
    const { page } = opened;
    expect(manifest.categories.length).toBeGreaterThan(4);
    for (const category of manifest.categories) {
      const status = page.locator(`#overview tr[data-category="${category.id}"] td[data-status]`);
      expect(await status.getAttribute('data-status'), category.id).toBe(category.status);
      const text = await status.textContent();
      if (category.status === 'none held') expect(text).toBe(m.statusNoneHeld);
      if (category.status === 'not retained') expect(text).toBe(m.statusNotRetained);
      if (category.status === 'exported') expect(text).toMatch(/oppføring/);
      const section = page.locator(`section[data-category="${category.id}"]`);
      expect(await section.locator('h2').textContent()).toBe(category.title);
      expect(await section.locator('p.status').getAttribute('data-status')).toBe(category.status);
      if (category.status === 'not retained') {
        expect(await section.locator('p.rule').textContent()).toContain(category.retentionNote ?? '');
      }
    }
  });

  it('shows the Art. 15 facts of every category', async () => {
    const { page } = opened;
    for (const category of manifest.categories) {
      const facts = page.locator(`section[data-category="${category.id}"] details.facts`);
      expect(await facts.locator('summary').textContent()).toBe(m.factsHeading);
      const legal = await facts.locator('dd[data-fact="legalBasis"]').textContent();
      expect(legal).toContain(category.facts.legalBasis.text);
      expect(legal).toContain(category.facts.legalBasis.article);
      const purposes = await facts.locator('dd[data-fact="purposes"]').textContent();
      for (const purpose of category.facts.purposes) expect(purposes).toContain(purpose.text);
      expect(await facts.locator('dd[data-fact="retention"]').textContent()).toContain(
        category.facts.retention.rule,
      );
      const automated = await facts.locator('dd[data-fact="automatedDecision"]').textContent();
      if (category.facts.automatedDecision === null) expect(automated).toBe(m.noAutomatedDecision);
      else expect(automated).toContain(category.facts.automatedDecision.logic);
    }
    await page
      .locator('section[data-category="purchases"]')
      .screenshot({ path: '/tmp/viewer-nb-purchases.png' });
  });

  it('filters rows with the search box', async () => {
    const { page } = opened;
    const posts = JSON.parse(await readFile(join(root, 'forum/forum-posts.json'), 'utf8')).records as {
      body: string;
    }[];
    const before = await rowCount(opened, 'forum');
    expect(before).toBe(Math.min(posts.length, 50));
    const word = (posts[0]?.body ?? '').split(/\s+/).find((w) => w.length > 6) ?? '';
    const expected = posts.filter((p) =>
      p.body.toLocaleLowerCase().includes(word.toLocaleLowerCase()),
    ).length;
    expect(expected).toBeLessThan(posts.length);
    await page.fill('section[data-category="forum"] input.search', word);
    expect(await rowCount(opened, 'forum')).toBe(expected);
    await page.fill('section[data-category="forum"] input.search', '');
    expect(await rowCount(opened, 'forum')).toBe(before);
  });

  it('pages through the embedded rows and says the rest is in the files', async () => {
    const { page } = opened;
    const section = page.locator('section[data-category="game-statistics"]');
    const total = manifest.categories.find((c) => c.id === 'game-statistics')?.records ?? 0;
    expect(total).toBeGreaterThan(PREVIEW_ROWS);
    const note = await section.locator('p.preview-note').textContent();
    const nb = new Intl.NumberFormat('nb');
    expect(note).toContain(nb.format(PREVIEW_ROWS));
    expect(note).toContain(nb.format(total));
    expect(note).toContain('game-statistics/game-stats.csv');
    const pages = Math.ceil(PREVIEW_ROWS / 50);
    expect(await section.locator('.pager .page').textContent()).toBe(`Side 1 av ${pages}`);
    const first = await section.locator('table.data tbody tr').first().textContent();
    await section.locator('.pager button.next').click();
    expect(await section.locator('.pager .page').textContent()).toBe(`Side 2 av ${pages}`);
    expect(await section.locator('table.data tbody tr').first().textContent()).not.toBe(first);
    expect(await section.locator('.pager button.prev').isEnabled()).toBe(true);
  });

  it('shows purchase totals per currency, exactly', async () => {
    const { page } = opened;
    const text = await readFile(join(root, 'purchases/purchases.json'), 'utf8');
    // Sum the amounts as written, in ten-thousandths: no float anywhere.
    const expected = new Map<string, bigint>();
    for (const match of text.matchAll(/"amount":(-?\d+(?:\.\d+)?),"currency":"([A-Z]{3})"/g)) {
      const [whole = '0', fraction = ''] = (match[1] ?? '0').split('.');
      const units = BigInt(whole) * 10_000n + BigInt(fraction.padEnd(4, '0'));
      expected.set(match[2] ?? '', (expected.get(match[2] ?? '') ?? 0n) + units);
    }
    expect(expected.size).toBeGreaterThan(0);
    const cells = page.locator('section[data-category="purchases"] .totals td[data-exact]');
    expect(await cells.count()).toBe(expected.size);
    for (const [currency, units] of expected) {
      const cell = page.locator(`section[data-category="purchases"] .totals td[data-currency="${currency}"]`);
      const exact = (await cell.getAttribute('data-exact')) ?? '';
      const [whole = '0', fraction = ''] = exact.split('.');
      expect(BigInt(whole) * 10_000n + BigInt(fraction.padEnd(4, '0'))).toBe(units);
      expect((await cell.textContent())?.trim().length).toBeGreaterThan(0);
    }
  });

  it('draws a timeline of play time and matches per month', async () => {
    const { page } = opened;
    const stats = JSON.parse(await readFile(join(root, 'game-statistics/game-stats.json'), 'utf8'))
      .records as {
      recordedAt?: string;
    }[];
    const months = new Set(stats.flatMap((s) => (s.recordedAt ? [s.recordedAt.slice(0, 7)] : [])));
    const timeline = page.locator('section[data-category="game-statistics"] .timeline');
    expect(await timeline.locator('h3').textContent()).toBe(m.timelineHeading);
    expect(await timeline.locator('tr[data-month]').count()).toBe(months.size);
    const widths = await timeline
      .locator('.bar')
      .evaluateAll((bars) => bars.map((b) => b.getBoundingClientRect().width));
    expect(Math.max(...widths)).toBeGreaterThan(50);
    await timeline.screenshot({ path: '/tmp/viewer-nb-timeline.png' });
  });

  it('shows exact numbers past 2^53', async () => {
    const { page } = opened;
    await page.fill('section[data-category="game-statistics"] input.search', '9007199254740993');
    expect(await rowCount(opened, 'game-statistics')).toBe(1);
  });
});

describe('the demo player in Austrian German', () => {
  it('falls back to the German catalogue and formats dates for de-AT', async () => {
    const exported = await exportAndUnzip(DEMO_PLAYER_ID, 'de-AT');
    const opened = await open(exported.index);
    const { page } = opened;
    expect(opened.requests).toEqual([]);
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    expect(await page.textContent('h1')).toBe(archiveMessages.de.heading);
    expect(await page.textContent('section[data-category="purchases"] .totals h3')).toBe(
      archiveMessages.de.totalsHeading,
    );
    const month = new Intl.DateTimeFormat('de-AT', { month: 'long' }).format(
      new Date(exported.manifest.generatedAt),
    );
    expect(await page.textContent('#overview time')).toContain(month);
    await page.screenshot({ path: '/tmp/viewer-de.png' });
    await page.close();
  });
});

describe('a player whose data is hostile', () => {
  let opened: OpenedPage;

  beforeAll(async () => {
    const exported = await exportAndUnzip(HOSTILE_ID, 'th');
    opened = await open(exported.index);
  });

  it('runs none of it, and shows it as text', async () => {
    const { page } = opened;
    expect(opened.requests).toEqual([]);
    expect(opened.errors).toEqual([]);
    expect(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned)).toBeUndefined();
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.locator('script').count()).toBe(2);
    const forum = page.locator('section[data-category="forum"]');
    expect(await forum.textContent()).toContain(SCRIPT_POST);
    expect(await forum.textContent()).toContain(EMOJI_POST);
    expect(await forum.textContent()).toContain(RTL_POST);
    expect(await page.locator('#overview dd').first().textContent()).toBe('h\u202Eacker</script>🙂');
    expect(await page.textContent('h1')).toBe(archiveMessages.th.heading);
  });

  it('renders the tables and searches them', async () => {
    const { page } = opened;
    expect(await rowCount(opened, 'forum')).toBe(4);
    await page.fill('section[data-category="forum"] input.search', 'onerror');
    expect(await rowCount(opened, 'forum')).toBe(1);
    expect(await rowCount(opened, 'game-statistics')).toBe(50);
    const note = await page.textContent('section[data-category="game-statistics"] p.preview-note');
    expect(note).toContain(new Intl.NumberFormat('th').format(HOSTILE_STATS));
    await page.fill('section[data-category="game-statistics"] input.search', 'needle-map');
    expect(await rowCount(opened, 'game-statistics')).toBe(1);
    await page.fill('section[data-category="game-statistics"] input.search', 'no such text');
    expect(await rowCount(opened, 'game-statistics')).toBe(0);
    expect(await page.textContent('section[data-category="game-statistics"] tbody tr.empty')).toBe(
      archiveMessages.th.noRows,
    );
    await page.fill('section[data-category="game-statistics"] input.search', '');
    await page.screenshot({ path: '/tmp/viewer-th.png' });
  });
});

describe('a category of a million records', () => {
  it('embeds only the preview, and the page stays usable', async () => {
    const html = fixtureViewerHtml('de', { 'game-stats': 1_000_000 }, [
      {
        sourceId: 'game-stats',
        category: 'game-statistics',
        records: 1_000_000,
        rows: statRows(PREVIEW_ROWS),
        summary: {
          kind: 'timeline',
          months: [
            { month: '2024-01', matches: 1_000_000, wins: 1, losses: 2, draws: 3, playSeconds: '600000000' },
          ],
        },
      },
    ]);
    const path = join(runtime.workDir, 'million.html');
    await writeFile(path, html);
    const opened = await open(path);
    const { page } = opened;
    expect(opened.requests).toEqual([]);
    const section = page.locator('section[data-category="game-statistics"]');
    expect(await section.locator('p.preview-note').textContent()).toContain(
      `${new Intl.NumberFormat('de').format(PREVIEW_ROWS)} von ${new Intl.NumberFormat('de').format(1_000_000)}`,
    );
    expect(await rowCount(opened, 'game-statistics')).toBe(50);
    await page.fill('section[data-category="game-statistics"] input.search', 'needle-map');
    expect(await rowCount(opened, 'game-statistics')).toBe(1);
    expect(await section.locator('.match-count').textContent()).toBe('1 passende Zeilen');
    await page.close();
  });
});
