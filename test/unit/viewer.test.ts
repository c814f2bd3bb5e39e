import { describe, expect, it } from 'vitest';
import { readmeText } from '../../functions/core/archive/readme';
import { embeddedJson, VIEWER_CSP } from '../../functions/core/archive/viewer/build-viewer';
import { viewerData } from '../../functions/core/archive/viewer/viewer-data';
import { VIEWER_SCRIPT } from '../../functions/core/archive/viewer/viewer-script';
import {
  PREVIEW_BYTES,
  PREVIEW_ROWS,
  PreviewCollector,
  parsePreview,
} from '../../functions/core/collect/preview';
import { addDecimal, decimalText, parseDecimal, summariserFor } from '../../functions/core/collect/summaries';
import { sourceById } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { defaultPrivacyNotice } from '../../functions/core/data-map/default-privacy-notice';
import { defaultTranslations } from '../../functions/core/data-map/default-translations';
import {
  ARCHIVE_LOCALES,
  archiveMessages,
  resolveArchiveLocale,
} from '../../functions/core/i18n/archive-messages';
import type { ObjectStore } from '../../functions/core/ports';
import { ExactNumber, type StoreRecord } from '../../functions/core/values';
import { fixturePlan, fixtureResults, fixtureViewerHtml, statRows } from '../support/viewer-fixture';

const hostile = '</script><script>window.__pwned=1</script><!--<script>';

/** The data block of a page, as the browser's HTML parser would cut it out. */
function dataBlock(html: string): string {
  const start = html.indexOf('<script type="application/json" id="data">');
  const open = html.indexOf('>', start) + 1;
  return html.slice(open, html.toLowerCase().indexOf('</script', open));
}

describe('viewer page', () => {
  const html = fixtureViewerHtml('nb', { 'forum-posts': 1 }, [
    { sourceId: 'forum-posts', category: 'forum', records: 1, rows: [{ postId: 'x', body: hostile }] },
  ]);

  it('escapes "<" in the data, so nothing in it can close the script element', () => {
    const block = dataBlock(html);
    expect(block).not.toContain('<');
    const data = JSON.parse(block);
    expect(data.rows['forum-posts'][0].body).toBe(hostile);
    // Our two scripts, and no third one made from the data.
    expect(html.match(/<script/gi)).toHaveLength(2);
  });

  it('keeps exact numbers in the embedded rows', () => {
    const big = '9007199254740993';
    const data = viewerData({
      manifest: {
        requestId: 'r',
        generatedAt: 'x',
        player: { username: 'u' },
        files: [],
        sources: [],
        categories: [],
      },
      dataMap: defaultDataMap,
      notice: defaultPrivacyNotice,
      translations: defaultTranslations,
      previews: new Map(),
      locale: 'en',
    });
    expect(embeddedJson({ ...data, rows: { s: [{ score: new ExactNumber(big) }] } })).toContain(
      `"rows":{"s":[{"score":${big}}]}`,
    );
  });

  it('pins the inline script by its hash and allows no network source', () => {
    expect(VIEWER_CSP).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'/);
    expect(VIEWER_CSP).not.toContain('unsafe-inline');
    expect(html).toContain(`<script>${VIEWER_SCRIPT}</script>`);
    // The page's own markup, script and style name no address; the data may (the privacy
    // policy and contacts are links for the player to follow, never loaded by the page).
    expect(html.replace(dataBlock(html), '')).not.toMatch(/https?:\/\//);
    expect(VIEWER_CSP).not.toMatch(/https?:|\*/);
  });

  it("makes links only to web and mail addresses and to the archive's files", () => {
    expect(VIEWER_SCRIPT).toContain('/^(https?:\\/\\/|mailto:)/i');
    expect(VIEWER_SCRIPT).not.toMatch(/\.href\s*=|setAttribute\('href'/);
  });

  it('never writes data into the page as markup', () => {
    expect(VIEWER_SCRIPT).not.toMatch(
      /innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|new Function/,
    );
  });
});

describe('locale', () => {
  it.each([
    ['nb', 'nb'],
    ['de-AT', 'de'],
    ['fr_CA', 'fr'],
    ['DA', 'da'],
    ['th-TH', 'th'],
    ['no', 'nb'],
    ['pt', 'en'],
    ['pt-BR', 'en'],
    ['', 'en'],
    [undefined, 'en'],
    ['not a tag!', 'en'],
  ])('%j reads %j', (tag, expected) => {
    expect(resolveArchiveLocale(tag)).toBe(expected);
  });

  it('sets <html lang> and embeds the catalogue of the resolved language', () => {
    for (const [tag, lang] of [
      ['de-AT', 'de'],
      ['pt', 'en'],
      ['th', 'th'],
    ] as const) {
      const html = fixtureViewerHtml(tag, {}, []);
      expect(html).toContain(`<html lang="${lang}">`);
      const data = JSON.parse(dataBlock(html));
      expect(data.messages).toEqual(archiveMessages[lang]);
      expect(data.formatLocale).toBe(tag === 'pt' ? 'en' : tag);
    }
  });

  it('has every message in every language, and none is markup', () => {
    const keys = Object.keys(archiveMessages.en).sort();
    for (const locale of ARCHIVE_LOCALES) {
      expect(Object.keys(archiveMessages[locale]).sort(), locale).toEqual(keys);
      for (const text of Object.values(archiveMessages[locale])) {
        expect(text.trim().length, locale).toBeGreaterThan(0);
        expect(text, locale).not.toMatch(/[<>&]/);
      }
    }
  });

  it('writes README.txt in the player language first, then in English', () => {
    const plan = fixturePlan('de-AT');
    const content = {
      dataMap: defaultDataMap,
      notice: defaultPrivacyNotice,
      translations: defaultTranslations,
    };
    const text = readmeText({ plan, results: fixtureResults({ purchases: 3 }), ...content });
    const de = text.indexOf(archiveMessages.de.readmeHowTo);
    const en = text.indexOf(archiveMessages.en.readmeHowTo);
    expect(de).toBeGreaterThan(-1);
    expect(en).toBeGreaterThan(de);
    expect(text).toContain('3 Datensätze');
    expect(text).toContain('3 records');
    expect(text).toContain('index.html');
    expect(text.split('\r\n').every((line) => !line.includes('\n'))).toBe(true);
    const english = readmeText({ plan: fixturePlan('en-GB'), results: fixtureResults({}), ...content });
    expect(english.split(archiveMessages.en.readmeHowTo)).toHaveLength(2);
  });

  for (const locale of ['de', 'th'] as const) {
    it(`README.txt in ${locale}: rights with how to use them, controller, DPO, joint controller, complaint route and authority`, () => {
      const content = {
        dataMap: defaultDataMap,
        notice: defaultPrivacyNotice,
        translations: defaultTranslations,
      };
      const text = readmeText({ plan: fixturePlan(locale), results: fixtureResults({}), ...content });
      const mine = text.slice(0, text.indexOf('-'.repeat(96)));
      const m = archiveMessages[locale];
      const t = (key: string) => defaultTranslations[locale]?.[key] ?? '';
      for (const heading of [
        m.rightsHeading,
        m.controllerHeading,
        m.dpoHeading,
        m.jointControllersHeading,
        m.complaintHeading,
        m.transfersSafeguardsHeading,
        m.supportHeading,
      ]) {
        expect(mine).toContain(heading);
      }
      for (const right of defaultPrivacyNotice.rights.items) {
        expect(mine).toContain(t(`notice.rights.${right.article}.name`));
      }
      expect(mine).toContain(t('notice.rights.complaint').slice(0, 40));
      expect(mine).toContain(t('notice.supervisoryAuthority.name'));
      expect(mine).toContain(defaultPrivacyNotice.controller.name);
      expect(mine).toContain(defaultPrivacyNotice.controller.email);
      expect(mine).toContain(defaultPrivacyNotice.dpo.email);
      expect(mine).toContain(defaultPrivacyNotice.supervisoryAuthority.address ?? '');
      expect(mine).toContain('Modern Times Group MTG AB');
      // Citations are resolved for the reader: no "[004 §…]" left, the policy's address instead.
      expect(text).not.toMatch(/\[\d{3} /);
      expect(mine).toContain(defaultPrivacyNotice.policyDocuments['004']?.url ?? 'missing');
      // And none of the English rights texts in the player's part.
      expect(mine).not.toContain(defaultPrivacyNotice.rights.summary);
    });
  }
});

describe('capped preview', () => {
  it('says how many of how many records it shows, and where the rest is', () => {
    const html = fixtureViewerHtml('en', { 'game-stats': 1_000_000 }, [
      {
        sourceId: 'game-stats',
        category: 'game-statistics',
        records: 1_000_000,
        rows: statRows(PREVIEW_ROWS),
      },
    ]);
    const data = JSON.parse(dataBlock(html));
    expect(data.rows['game-stats']).toHaveLength(PREVIEW_ROWS);
    const source = data.categories
      .flatMap((c: { sources: { id: string }[] }) => c.sources)
      .find((s: { id: string }) => s.id === 'game-stats');
    expect(source.records).toBe(1_000_000);
    expect(source.files).toEqual(['game-statistics/game-stats.csv', 'game-statistics/game-stats.json']);
    expect(html.length).toBeLessThan(1_000_000);
  });

  function memoryStore() {
    const objects = new Map<string, Buffer>();
    const store: ObjectStore = {
      async put(key, body) {
        const chunks: Buffer[] = [];
        for await (const chunk of body) chunks.push(chunk as Buffer);
        objects.set(key, Buffer.concat(chunks));
      },
      async get() {
        throw new Error('not used');
      },
      async exists(key) {
        return objects.has(key);
      },
      async keysUnder(prefix) {
        return [...objects.keys()].filter((key) => key.startsWith(prefix));
      },
      async delete() {},
    };
    return { store, objects };
  }

  async function collect(sourceId: string, records: StoreRecord[]) {
    const { store, objects } = memoryStore();
    const preview = new PreviewCollector(sourceById(defaultDataMap, sourceId));
    for (const record of records) preview.add(record, JSON.stringify(record));
    const key = await preview.save(store, 'staging/r/', records.length);
    return parsePreview(objects.get(key) as Buffer);
  }

  it(`keeps the first ${PREVIEW_ROWS} rows but summarises all of them`, async () => {
    const preview = await collect('game-stats', statRows(2000));
    expect(preview.records).toBe(2000);
    expect(preview.rows).toHaveLength(PREVIEW_ROWS);
    expect(preview.rows[0]?.statId).toBe('match#0000000');
    expect(preview.summary?.kind).toBe('timeline');
    const months = preview.summary?.kind === 'timeline' ? preview.summary.months : [];
    expect(months.reduce((sum, m) => sum + m.matches, 0)).toBe(2000);
    expect(months[0]).toMatchObject({ month: '2024-01', matches: 744, wins: 248, losses: 248, draws: 248 });
    expect(months[0]?.playSeconds).toBe(String(744 * 600));
  });

  it(`stops at ${PREVIEW_BYTES / 1024} KiB of JSON, keeping the rows in order`, async () => {
    const big = 'x'.repeat(200 * 1024);
    const posts = Array.from({ length: 5 }, (_, i) => ({ postId: `p${i}`, body: i === 3 ? 'small' : big }));
    const preview = await collect('forum-posts', posts);
    expect(preview.rows.map((r) => r.postId)).toEqual(['p0', 'p1']);
    expect(preview.records).toBe(5);
  });

  it('totals money per status and currency exactly, with no float on the way', async () => {
    const amount = (text: string) => new ExactNumber(text);
    const purchases: StoreRecord[] = [
      { amount: amount('0.1'), currency: 'EUR', status: 'completed' },
      { amount: amount('0.2'), currency: 'EUR', status: 'completed' },
      { amount: amount('0.7'), currency: 'EUR', status: 'refunded' },
      { amount: amount('99999999999999999999.99'), currency: 'NOK' },
      { amount: amount('0.01'), currency: 'NOK' },
      { amount: amount('1e2'), currency: 'THB', status: 'completed' },
      { amount: amount('-5.5'), currency: 'THB', status: 'completed' },
      { amount: amount('1e999999'), currency: 'THB', status: 'completed' },
      { currency: 'DKK', status: 'completed' },
    ];
    const preview = await collect('purchases', purchases);
    const summary = preview.summary?.kind === 'money' ? preview.summary : undefined;
    expect(summary).toMatchObject({ kind: 'money', count: 7, statusField: 'status' });
    const key = (x: { currency: string; status: string | null }) => `${x.currency} ${x.status}`;
    expect([...(summary?.totals ?? [])].sort((a, b) => key(a).localeCompare(key(b)))).toEqual([
      { currency: 'EUR', status: 'completed', count: 2, total: '0.3' },
      { currency: 'EUR', status: 'refunded', count: 1, total: '0.7' },
      { currency: 'NOK', status: null, count: 2, total: '100000000000000000000' },
      { currency: 'THB', status: 'completed', count: 2, total: '94.5' },
    ]);
  });

  it('adds decimals as scaled integers', () => {
    const sum = (a: string, b: string) =>
      decimalText(
        addDecimal(parseDecimal(a) ?? { digits: 0n, scale: 0 }, parseDecimal(b) ?? { digits: 0n, scale: 0 }),
      );
    expect(sum('0.1', '0.2')).toBe('0.3');
    expect(sum('-0.05', '0.05')).toBe('0');
    expect(sum('-0.5', '0.25')).toBe('-0.25');
    expect(sum('1.5E-3', '0')).toBe('0.0015');
    expect(parseDecimal('abc')).toBeUndefined();
  });

  it('picks a summariser by the fields a source holds', () => {
    expect(summariserFor(sourceById(defaultDataMap, 'purchases'))?.result().kind).toBe('money');
    expect(summariserFor(sourceById(defaultDataMap, 'game-stats'))?.result().kind).toBe('timeline');
    expect(summariserFor(sourceById(defaultDataMap, 'forum-posts'))).toBeUndefined();
  });

  it('reads back a preview with exact numbers', () => {
    const text = '{"sourceId":"s","category":"c","records":3,"rows":[{"n":9007199254740993}]}';
    const preview = parsePreview(Buffer.from(text));
    expect(preview.rows[0]?.n).toEqual(new ExactNumber('9007199254740993'));
  });
});
