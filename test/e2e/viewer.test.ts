import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadItems } from '../../functions/adapters/dynamodb/batch-writer';
import type { Manifest } from '../../functions/core/archive/manifest';
import type { ViewerCategory, ViewerData } from '../../functions/core/archive/viewer/viewer-data';
import type { SourcePreview } from '../../functions/core/collect/preview';
import { PREVIEW_ROWS } from '../../functions/core/collect/preview';
import { ARCHIVE_LOCALES, archiveMessages } from '../../functions/core/i18n/archive-messages';
import { DEMO_PLAYER_ID } from '../../functions/seed-demo/demo-data/generate';
import { horizontalOverflow, seriousViolations } from '../support/axe';
import { launchBrowser, type OpenedPage, openFile, type TestBrowser } from '../support/browser';
import { readZip } from '../support/read-zip';
import { exportAndDownload, startTestRuntime, type TestRuntime } from '../support/runtime';
import { demoPreviews, demoViewerHtml, fixtureViewerHtml, statRows } from '../support/viewer-fixture';

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

/** The page's data block: what the script renders, in the player's language. */
async function embedded(page: Page): Promise<ViewerData> {
  return JSON.parse(await page.evaluate<string>('document.getElementById("data").textContent')) as ViewerData;
}

function viewerCategory(data: ViewerData, id: string): ViewerCategory {
  const category = data.categories.find((c) => c.id === id);
  if (!category) throw new Error(`No category ${id} in the viewer data`);
  return category;
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
      if (category.status === 'not stored') expect(text).toBe(m.statusNotStored);
      if (category.status === 'exported') expect(text).toMatch(/oppføring/);
      const section = page.locator(`section[data-category="${category.id}"]`);
      const shown = viewerCategory(await embedded(page), category.id);
      expect(await section.locator('h2').textContent()).toBe(shown.title);
      expect(await section.locator('p.status').getAttribute('data-status')).toBe(category.status);
    }
  });

  it('shows the Art. 15 facts of every category, in Norwegian', async () => {
    const { page } = opened;
    const data = await embedded(page);
    for (const category of manifest.categories) {
      const { facts: f } = viewerCategory(data, category.id);
      const facts = page.locator(`section[data-category="${category.id}"] details.facts`);
      expect(await facts.locator('summary').textContent()).toBe(m.factsHeading);
      const legal = await facts.locator('dd[data-fact="legalBasis"]').textContent();
      expect(legal).toContain(f.legalBasis.text.text);
      expect(legal).toContain(`GDPR art. ${f.legalBasis.article.replace(/^Art\.\s*/i, '')}`);
      const purposes = await facts.locator('dd[data-fact="purposes"]').textContent();
      for (const purpose of f.purposes) expect(purposes).toContain(purpose.text);
      const retention = await facts.locator('dd[data-fact="retention"]').textContent();
      expect(retention).toContain(f.retention.rule.text);
      if (f.retention.periodText) expect(retention).toContain(f.retention.periodText);
      expect(await facts.locator('dd[data-fact="source"]').textContent()).toContain(f.source.kindText);
      const recipients = await facts.locator('dd[data-fact="recipients"]').textContent();
      for (const r of f.recipients) {
        expect(recipients).toContain(r.name);
        if (r.countryName) expect(recipients).toContain(r.countryName);
      }
      const automated = await facts.locator('dd[data-fact="automatedDecision"]').textContent();
      if (f.automatedDecision === null) expect(automated).toBe(m.noAutomatedDecision);
      else expect(automated).toContain(f.automatedDecision.logic.text);
      // Cited policy sections are links to the policy.
      const cited = f.purposes.flatMap((p) => p.references);
      for (const ref of cited) {
        expect(await facts.locator(`.refs a[href="${ref.url}"]`).count()).toBeGreaterThan(0);
      }
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
    // One row per status and currency: the rows of a currency add up to all its purchases.
    const cells = page.locator('section[data-category="purchases"] .totals td[data-exact]');
    const shown = new Map<string, bigint>();
    for (const cell of await cells.all()) {
      const currency = (await cell.getAttribute('data-currency')) ?? '';
      const [whole = '0', fraction = ''] = ((await cell.getAttribute('data-exact')) ?? '').split('.');
      // As the expected sums are made (the demo's amounts are positive).
      const units = BigInt(whole) * 10_000n + BigInt(fraction.padEnd(4, '0'));
      shown.set(currency, (shown.get(currency) ?? 0n) + units);
      expect((await cell.textContent())?.trim().length).toBeGreaterThan(0);
    }
    expect(shown).toEqual(expected);
    // Statuses read as the field guide's labels, not as the stored words.
    const statuses = await page.locator('section[data-category="purchases"] .totals td[data-status]').all();
    expect(statuses.length).toBeGreaterThan(0);
    const data = await embedded(page);
    const source = viewerCategory(data, 'purchases').sources.find((x) => x.id === 'purchases');
    const labels = source?.fields.find((f) => f.name === 'status')?.values ?? {};
    for (const status of statuses) {
      const raw = (await status.getAttribute('data-status')) ?? '';
      if (labels[raw]) expect(await status.textContent()).toBe(labels[raw]);
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
      archiveMessages.de.totalsByStatusHeading,
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

/**
 * The demo player's viewer built directly (no pipeline run) in each language, from previews made
 * as an export makes them, with a few rows per source: every kind of table, value, fact and
 * contact is on the page, and axe has few repeated rows to walk.
 */
describe('the viewer for people, in every language', () => {
  const pages = new Map<string, string>();
  let previews: SourcePreview[];

  beforeAll(async () => {
    previews = await demoPreviews({ rowsPerSource: 6 });
    for (const locale of ARCHIVE_LOCALES) {
      const path = join(runtime.workDir, `viewer-${locale}.html`);
      await writeFile(path, await demoViewerHtml(locale, previews));
      pages.set(locale, path);
    }
  });

  async function openLocale(locale: string) {
    const opened = await open(pages.get(locale) ?? '');
    expect(opened.requests).toEqual([]);
    expect(opened.errors).toEqual([]);
    return opened;
  }

  /** Texts the page shows that come from the data map and the notice, keyed by where they are. */
  async function contentTexts(page: Page): Promise<Map<string, string>> {
    const pairs = await page.evaluate<[string, string][]>(`(() => {
      const out = [];
      const text = (e) => (e ? e.textContent.trim() : '');
      for (const s of document.querySelectorAll('section[data-category]')) {
        const id = s.getAttribute('data-category');
        out.push(['title ' + id, text(s.querySelector('h2'))]);
        const description = s.querySelector('p.description');
        if (description) out.push(['description ' + id, text(description)]);
        for (const dd of s.querySelectorAll('details.facts dd[data-fact]')) {
          const fact = dd.getAttribute('data-fact');
          if (fact === 'legalBasis' || fact === 'portability' || fact === 'automatedDecision') continue;
          for (const [i, li] of [...dd.querySelectorAll(':scope > ul > li .cited > span:first-child, :scope > span .cited > span:first-child')].entries()) {
            out.push(['fact ' + id + ' ' + fact + ' ' + i, text(li)]);
          }
        }
        for (const th of s.querySelectorAll('table.data thead th[data-field], table.single th[data-field], tr[data-field] > th')) {
          const field = th.getAttribute('data-field') || th.parentElement.getAttribute('data-field');
          out.push(['label ' + id + ' ' + field, text(th.querySelector('.label'))]);
        }
        for (const [i, li] of [...s.querySelectorAll('.field-guide li[data-field]')].entries()) {
          const key = ' ' + id + ' ' + i + ' ' + li.getAttribute('data-field');
          out.push(['field label' + key, text(li.querySelector(':scope > .label'))]);
          const description = li.querySelector(':scope > .description');
          if (description) out.push(['field description' + key, text(description)]);
          for (const [j, value] of [...li.querySelectorAll(':scope > .values .value > span')].entries()) {
            out.push(['field value' + key + ' ' + j, text(value)]);
          }
        }
      }
      for (const [i, li] of [...document.querySelectorAll('#rights ul.rights > li')].entries()) {
        out.push(['right ' + i, text(li)]);
      }
      return out;
    })()`);
    return new Map(pairs);
  }

  // Names of products, the same in every language; and words German shares with English.
  const NAMES = new Set([
    'Adjust',
    'Google Analytics for Firebase',
    'Singular',
    '24metrics',
    'Apple Push Notification service',
    'Firebase Cloud Messaging',
  ]);
  const SAME_IN_GERMAN = new Set([
    'Status',
    'Name',
    'Ultra',
    'Audio',
    'Thread',
    'Forum',
    'Text',
    'Newsletter',
    'Screenshots',
    'Global',
    'Clan',
    'Match',
    'Downloads',
  ]);
  const same = (locale: string, text: string) =>
    NAMES.has(text) || (locale === 'de' && SAME_IN_GERMAN.has(text));

  it.each(['de', 'th'])('shows no English category title, fact or field label in %s', async (locale) => {
    const en = await openLocale('en');
    const english = await contentTexts(en.page);
    await en.page.close();
    const opened = await openLocale(locale);
    const local = await contentTexts(opened.page);
    expect(local.size).toBeGreaterThan(100);
    expect([...local.keys()].sort()).toEqual([...english.keys()].sort());
    const untranslated = [...local].filter(
      ([key, text]) => text !== '' && text === english.get(key) && !same(locale, text),
    );
    expect(untranslated).toEqual([]);
    if (locale === 'th') {
      // Thai text throughout: every category title and fact holds Thai letters.
      const latinOnly = [...local].filter(
        ([key, text]) => /^(title|fact|right)/.test(key) && !/[\u0E00-\u0E7F]/.test(text),
      );
      expect(latinOnly).toEqual([]);
    }
    await opened.page.close();
  });

  it('shows the rights, the controller, the DPO and the supervisory authority', async () => {
    const { page } = await openLocale('de');
    const { notice } = await embedded(page);
    const m = archiveMessages.de;
    const rights = page.locator('#rights');
    expect(await rights.locator('h2').textContent()).toBe(m.rightsHeading);
    const text = (await rights.textContent()) ?? '';
    for (const right of notice.rights.items) {
      expect(text).toContain(right.name);
      expect(text).toContain(right.text.text);
      expect(text).toContain(right.how);
    }
    expect(text).toContain(`${m.howToUse}: `);
    expect(text).toContain(notice.rights.howToExercise);
    for (const heading of [
      m.controllerHeading,
      m.dpoHeading,
      m.complaintHeading,
      m.supervisoryAuthority,
      m.transfersSafeguardsHeading,
      m.supportHeading,
    ]) {
      expect(await rights.locator('h3, h4').filter({ hasText: heading }).count(), heading).toBe(1);
    }
    expect(text).toContain(notice.controller.name);
    if (notice.controller.organisationNumber) expect(text).toContain(notice.controller.organisationNumber);
    expect(text).toContain(notice.dpo.name);
    expect(text).toContain(notice.supervisoryAuthority.name);
    expect(text).toContain(notice.rights.complaint);
    expect(text).toContain(notice.transferSafeguards);
    for (const joint of notice.jointControllers) {
      expect(await rights.locator('h3').filter({ hasText: m.jointControllersHeading }).count()).toBe(1);
      expect(text).toContain(joint.name);
      expect(text).toContain(joint.scope.text);
    }
    for (const email of [
      notice.controller.email,
      notice.dpo.email,
      notice.supervisoryAuthority.email,
      notice.support.email,
    ]) {
      if (email) expect(await rights.locator(`a[href="mailto:${email}"]`).count(), email).toBeGreaterThan(0);
    }
    expect(await page.locator(`nav a[href="#rights"]`).textContent()).toBe(m.rightsHeading);
    await page.close();
  });

  it('labels the columns and shows values as people read them', async () => {
    const { page } = await openLocale('de');
    const data = await embedded(page);
    const purchases = viewerCategory(data, 'purchases').sources[0];
    const guide = new Map((purchases?.fields ?? []).map((f) => [f.name, f]));
    const table = page.locator('section[data-category="purchases"] table.data');
    for (const th of await table.locator('thead th').all()) {
      const field = (await th.getAttribute('data-field')) ?? '';
      const label = guide.get(field)?.label ?? field;
      expect(await th.locator('.label').textContent()).toBe(label);
      if (label !== field) expect(await th.locator('code.raw').textContent()).toBe(field);
    }
    // Date and time in the archive's zone, which is named; the raw value is kept in the title.
    const rows = data.rows.purchases ?? [];
    const first = table.locator('tbody tr').first();
    const index = (purchases?.columns ?? []).indexOf('purchasedAt');
    const time = first.locator('td').nth(index).locator('time');
    expect(await time.getAttribute('datetime')).toBe(rows[0]?.purchasedAt);
    const zone = data.timeZone;
    expect(await time.textContent()).toBe(
      new Intl.DateTimeFormat('de', {
        year: 'numeric',
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
        timeZone: zone,
        timeZoneName: 'short',
      }).format(new Date(String(rows[0]?.purchasedAt))),
    );
    // Every date and time in every data table names the zone.
    const times = await page
      .locator('table.data time, table.single time')
      .evaluateAll((nodes) => nodes.map((n) => [n.getAttribute('datetime') ?? '', n.textContent ?? '']));
    const dateTimes = times.filter(([raw]) => raw.includes('T'));
    expect(dateTimes.length).toBeGreaterThan(20);
    for (const [raw, shown] of dateTimes) expect(shown, raw).toContain(zone === 'UTC' ? 'UTC' : '');
    // Enumerated values by their label, the stored word in the title.
    const statusIndex = (purchases?.columns ?? []).indexOf('status');
    const status = first.locator('td').nth(statusIndex).locator('[data-raw]');
    const raw = String(rows[0]?.status);
    expect(await status.getAttribute('title')).toBe(raw);
    expect(await status.textContent()).toBe(guide.get('status')?.values?.[raw]);
    // The account: a date of birth is a date, never shifted; yes/no; the address as its parts.
    const account = page.locator('section[data-category="account"] table.single');
    const player = data.rows.players?.[0] ?? {};
    const birth = String(player.birthDate);
    expect(await account.locator('tr[data-field="birthDate"] td').textContent()).toBe(
      new Intl.DateTimeFormat('de', { dateStyle: 'medium', timeZone: 'UTC' }).format(
        new Date(`${birth}T00:00:00Z`),
      ),
    );
    expect(await account.locator('tr[data-field="newsletterEmail"] td').textContent()).toBe(
      player.newsletterEmail ? 'Ja' : 'Nein',
    );
    const address = account.locator('tr[data-field="mailingAddress"] td dl.nested');
    expect(await address.locator('dt').first().textContent()).toContain('Adresszeile 1');
    // The field guide names each field with its raw name and allowed values.
    const fieldGuide = page.locator('section[data-category="purchases"] details.field-guide');
    expect(await fieldGuide.locator('summary').textContent()).toBe(archiveMessages.de.fieldGuide);
    const statusEntry = fieldGuide.locator('li[data-field="status"]');
    for (const [value, label] of Object.entries(guide.get('status')?.values ?? {})) {
      expect(await statusEntry.textContent()).toContain(`${label} ${value}`);
    }
    // The search finds a row by what it shows as well as by what the file holds.
    const label = guide.get('status')?.values?.[raw] ?? raw;
    await page.fill('section[data-category="purchases"] input.search', label);
    expect(await rowCount({ page } as OpenedPage, 'purchases')).toBe(
      rows.filter((r) => r.status === raw).length,
    );
    await page.fill('section[data-category="purchases"] input.search', raw);
    expect(await rowCount({ page } as OpenedPage, 'purchases')).toBe(
      rows.filter((r) => r.status === raw).length,
    );
    await page.close();
  });

  it.each([...ARCHIVE_LOCALES])(
    'has no serious accessibility problem in %s, wide and narrow, light and dark, and never scrolls sideways',
    async (locale) => {
      const { page } = await openLocale(locale);
      // Open every details element, so axe checks the contrast of what is inside too.
      await page.evaluate('document.querySelectorAll("details").forEach((d) => { d.open = true; })');
      // Colours change only with the scheme and layout only with the width: de and th (the
      // longest words, another script) get all four; the others are checked narrow and dark,
      // with their overflow wide too. One axe run on this long page takes about ten seconds,
      // and npm test has a time budget.
      const full = locale === 'de' || locale === 'th';
      for (const [width, height] of [
        [1280, 900],
        [390, 844],
      ] as const) {
        await page.setViewportSize({ width, height });
        const schemes = full ? (['light', 'dark'] as const) : width === 1280 ? [] : (['dark'] as const);
        for (const colorScheme of schemes) {
          await page.emulateMedia({ colorScheme });
          expect(await seriousViolations(page), `${locale} ${width}px ${colorScheme}`).toEqual([]);
        }
        expect(await horizontalOverflow(page), `${locale} ${width}px`).toBe(0);
      }
      await page.close();
    },
    300_000,
  );

  it('lets the keyboard reach every table region, with a visible focus', async () => {
    const { page } = await openLocale('de');
    await page.setViewportSize({ width: 390, height: 844 });
    const regions = await page
      .locator('.scroll[role="region"]')
      .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('aria-label') ?? ''));
    expect(regions.length).toBeGreaterThan(15);
    expect(regions.every((label) => label.trim().length > 0)).toBe(true);
    const reached = new Set<number>();
    const focusable = await page.evaluate<number>(
      'document.querySelectorAll("a[href], button:not([disabled]), input, summary, [tabindex=\'0\']").length',
    );
    for (let i = 0; i < focusable + 5 && reached.size < regions.length; i++) {
      await page.keyboard.press('Tab');
      const at = await page.evaluate<[number, string]>(`(() => {
        const e = document.activeElement;
        const all = [...document.querySelectorAll('.scroll[role="region"]')];
        return [all.indexOf(e), e ? getComputedStyle(e).outlineStyle : ''];
      })()`);
      if (at[0] >= 0) {
        reached.add(at[0]);
        expect(at[1]).not.toBe('none');
      }
    }
    expect(reached.size).toBe(regions.length);
    // A focused region scrolls with the arrow keys.
    const wide = page.locator('section[data-category="purchases"] .scroll[role="region"]').last();
    await wide.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    expect(await wide.evaluate((e) => e.scrollLeft)).toBeGreaterThan(0);
    await page.close();
  });
});
