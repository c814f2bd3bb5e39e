import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaseReport, checkExportCase, type ExportCase, runProperty } from '../fuzz/any-data';
import { startTestRuntime, type TestRuntime } from '../support/runtime';

/**
 * Any player, any data, through the whole deployed path (test/fuzz/any-data.ts has the property
 * and its generators): a fixed seed and a few runs here, on every test run; `npm run fuzz` runs
 * more. Then usernames that must always work, each a full export checked the same way, and the
 * bugs the property found, as failing examples until they are fixed.
 */

/**
 * Fixed, so every run checks the same cases. Seed 1 once found the lower-case "t"/"z" date-time
 * bug (the example at the end) within 14 runs; it is kept for that reason.
 */
const SEED = 1;
const RUNS = 15; // one full export each, about 1–2 s

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime({ demoData: false });
});
afterAll(async () => {
  await runtime?.stop();
});

describe('any player with any data', () => {
  it(`exports every generated case intact and safely named (seed ${SEED}, ${RUNS} runs)`, async () => {
    await runProperty(runtime, { numRuns: RUNS, seed: SEED });
  }, 240_000);
});

const S = (text: string): AttributeValue => ({ S: text });
const N = (text: string): AttributeValue => ({ N: text });

/** A case with a username, an address, and a few items of every kind the checks look at. */
function caseFor(username: string, items: Partial<ExportCase['items']> = {}): ExportCase {
  return {
    username,
    email: 'player@example.com',
    player: {
      createdAt: S('2024-01-01T00:00:00Z'),
      passwordHash: S('SECRET-00000000-0000-4000-8000-000000000001'),
      badges: { SS: ['first-blood', '=cmd'] },
      seasonPasses: { NS: ['3', '1'] },
    },
    items: {
      'game-stats': [
        {
          statId: S("=cmd|' /C calc'!A0#0"),
          score: N('12345678901234567890123456789012345678'),
          points: N('0.30000000000000004'),
          accuracy: N('1E-120'),
          recordedAt: S('2024-05-01T12:00:00.5+02:00'),
          'a.b': { M: { ключ: { L: [{ B: new Uint8Array([0, 255]) }, { NULL: true }, { BOOL: true }] } } },
        },
      ],
      consents: [
        { consentId: S('c-1'), purpose: S('newsletter-email'), wording: S('Yes, "please"\r\nsend') },
      ],
      ...items,
    },
  };
}

/** Exports a case; the report, and the dates the root folder may carry (the export may cross midnight). */
async function exported(c: ExportCase): Promise<{ report: CaseReport; dates: string[] }> {
  const before = new Date().toISOString().slice(0, 10);
  const report = await checkExportCase(runtime, c);
  return { report, dates: [before, new Date().toISOString().slice(0, 10)] };
}

describe('usernames', () => {
  const longName = 'Ünïcødé_'.repeat(125); // 1,000 code points
  it.each([
    ['Thai (tone marks and vowel signs kept)', 'สมชาย_ผู้เล่น', 'สมชาย_ผู้เล่น'],
    ['Arabic (right to left)', 'لاعب محترف', 'لاعب-محترف'],
    ['CJK', '玩家一号', '玩家一号'],
    ['emoji only (a ZWJ family)', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467}\u200d\u{1F466}', 'player'],
    ['path-like', '../../etc/passwd', 'etc-passwd'],
    ['a Windows reserved name', 'CON', 'CON'],
    ['1,000 characters (cut to 40 code points, the cut separator trimmed)', longName, longName.slice(0, 39)],
    ['whitespace only', ' \t\u3000 ', 'player'],
    ['punctuation only', '!?.,;:…—«»', 'player'],
    ['HTML', '<b>Bob</b> & co', 'b-Bob-b-co'],
    ['a right-to-left override', 'abc\u202Egnp.exe', 'abc-gnp-exe'],
  ])('%s: the export succeeds, named after the player', async (_label, username, name) => {
    const { report, dates } = await exported(caseFor(username));
    expect(dates.map((date) => `${name}-data-export-${date}`)).toContain(report.root);
    expect(report.fileName).toBe(`${report.root}.zip`);
    expect(report.mailText).toContain(`Hello ${username},`);
    if (/[^\x20-\x7e]/.test(report.fileName)) {
      expect(report.contentDisposition).toContain(`filename*=UTF-8''`);
    } else {
      expect(report.contentDisposition).toBe(`attachment; filename="${report.fileName}"`);
    }
  });

  it('an empty username: the archive and the e-mail use the player id instead', async () => {
    const { report, dates } = await exported(caseFor(''));
    expect(dates.map((date) => `${report.playerId}-data-export-${date}`)).toContain(report.root);
    expect(report.mailText).toContain(`Hello ${report.playerId},`);
  });

  it('the HTML e-mail escapes the username', async () => {
    const { report } = await exported(caseFor('<img src=x onerror=alert(1)>&amp;'));
    expect(report.mailHtml).toMatch(
      /Hello &(lt|#0*60|#x0*3c);img src=x onerror=alert\(1\)(>|&(gt|#0*62|#x0*3e);)&(amp|#0*38|#x0*26);amp;,/i,
    );
    expect(report.mailHtml).not.toContain('<img src=x');
  });
});

describe('bugs the property found (they fail until fixed)', () => {
  /**
   * A datetime field holding a date-time with a lower-case "t" or "z" (RFC 3339 §5.6 tolerates
   * them; generators SHOULD write upper case) was once written into the CSV's datetime column,
   * where Table Schema readers (ISO 8601's upper-case form) refuse it. It goes to additionalFields,
   * like any value its column does not take, and the notes for operators name the field (the JSON
   * keeps it exactly). fast-check's minimal case (`npm run fuzz -- --runs 30 --seed 1 --shrink`:
   * found at run 4, 29 shrinks; about one generated case in six held one).
   */
  it('a lower-case "t"/"z" date-time in a datetime field stays out of the datetime column', async () => {
    await checkExportCase(runtime, {
      username: '',
      email: undefined,
      player: { createdAt: S('1900-01-01t00:00:00z') },
      items: { 'game-stats': [], consents: [] },
    });
  });
});
