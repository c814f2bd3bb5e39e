import { describe, expect, it } from 'vitest';
import raw from '../../config/privacy-notice.json';
import { type DataMap, parseDataMap } from '../../functions/core/data-map/data-map';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { defaultPrivacyNotice } from '../../functions/core/data-map/default-privacy-notice';
import type { Art15Facts } from '../../functions/core/data-map/privacy-notice';
import {
  factsFor,
  isPortable,
  PrivacyNoticeError,
  parsePrivacyNotice,
  splitCitations,
} from '../../functions/core/data-map/privacy-notice';

/** The notice as plain JSON, to break in one place per test. */
interface NoticeJson {
  controller: Record<string, unknown>;
  categories: Record<string, unknown>;
  [key: string]: unknown;
}

/** A deep copy of the shipped notice. */
function notice(): NoticeJson {
  return structuredClone(raw) as unknown as NoticeJson;
}

function problem(input: unknown, map: DataMap = defaultDataMap): string {
  try {
    parsePrivacyNotice(input, map);
  } catch (error) {
    expect(error).toBeInstanceOf(PrivacyNoticeError);
    return (error as Error).message;
  }
  throw new Error('expected the notice to be rejected');
}

function facts(overrides: Partial<Art15Facts> = {}): Art15Facts {
  return {
    purposes: [{ text: 'Provide the game', dpv: 'dpv:ServiceProvision' }],
    legalBasis: { article: '6(1)(b)', text: 'Contract', dpv: 'dpv:Contract' },
    recipients: [{ name: 'Amazon Web Services EMEA SARL', role: 'Processor: hosting', country: 'LU' }],
    retention: { rule: 'While the account exists', period: 'P3Y', dpv: 'dpv:StorageDuration' },
    source: { kind: 'the player' },
    automatedDecision: null,
    thirdCountryTransfers: [],
    ...overrides,
  };
}

describe('Method: parsePrivacyNotice', () => {
  it('accepts the shipped notice, with facts for every category of the shipped map', () => {
    for (const category of defaultDataMap.categories) {
      const f = factsFor(defaultPrivacyNotice, category.id);
      expect(f.purposes.length, category.id).toBeGreaterThan(0);
      expect(f.recipients.length, category.id).toBeGreaterThan(0);
      expect(f.retention.rule, category.id).toMatch(/\w{5,}/);
    }
    expect(defaultPrivacyNotice.controller.name).toBe('Nordlys Games AS');
    expect(defaultPrivacyNotice.dpo.email).toMatch(/@/);
    expect(defaultPrivacyNotice.supervisoryAuthority.name).toMatch(/Datatilsynet/);
    expect(defaultPrivacyNotice.rights.items.map((r) => r.article)).toEqual(
      expect.arrayContaining(['15', '16', '17', '18', '20', '21', '22']),
    );
  });

  it('grounds the facts in the source policies: payments 3 years, logs 7 days, bot detection decides alone', () => {
    const purchases = factsFor(defaultPrivacyNotice, 'purchases');
    expect(purchases.retention).toMatchObject({ period: 'P3Y' });
    expect(purchases.retention.rule).toContain('[004 §15.4]');
    const chat = factsFor(defaultPrivacyNotice, 'chat-logs');
    expect(chat.retention.period).toBe('P7D');
    expect(chat.retention.rule).toContain('[002 V.3');
    const sanctions = factsFor(defaultPrivacyNotice, 'sanctions-and-anti-cheat');
    expect(sanctions.automatedDecision?.logic).toContain('[004 §5.A.6]');
    expect(sanctions.automatedDecision?.humanReview).toMatch(/Art\. 22\(3\)/);
    const hosting = factsFor(defaultPrivacyNotice, 'account').recipients.map((r) => r.name);
    expect(hosting).toContain('Amazon Web Services EMEA SARL');
  });

  it('names a category of the data map that has no facts', () => {
    const input = notice();
    delete input.categories['chat-logs'];
    const message = problem(input);
    expect(message).toContain('no Art. 15 facts for category "chat-logs"');
  });

  it('lists every category without facts at once, and facts for a category the map does not have', () => {
    const map = parseDataMap({
      ...structuredClone(defaultDataMap),
      categories: [...defaultDataMap.categories, { id: 'guilds', title: 'Guilds' }],
    });
    const input = notice();
    delete input.categories.forum;
    input.categories['forums-typo'] = input.categories.account;
    const message = problem(input, map);
    expect(message).toContain('category "forum"');
    expect(message).toContain('category "guilds"');
    expect(message).toContain('categories.forums-typo: the data map has no category "forums-typo"');
  });

  it('rejects an unknown legal basis, a bad duration, a bad DPV term and a missing purpose, with paths', () => {
    const input = notice();
    input.categories.account = facts({
      legalBasis: { article: '6(1)(g)' as '6(1)(a)', text: 'x' },
      retention: { rule: 'kept', period: '3 years' },
      purposes: [],
      recipients: [{ name: 'X', role: 'processor', dpv: 'DataProcessor' }],
    });
    const message = problem(input);
    expect(message).toContain('categories.account.legalBasis.article');
    expect(message).toContain('categories.account.retention.period');
    expect(message).toContain('categories.account.purposes');
    expect(message).toContain('categories.account.recipients.0.dpv');
  });

  it('requires every part of an automated decision, and a controller with an e-mail address', () => {
    const input = notice();
    input.categories.account = {
      ...facts(),
      automatedDecision: { logic: 'rules', significance: 'a ban', consequences: 'a ban' },
    };
    input.controller.email = 'not an address';
    const message = problem(input);
    expect(message).toContain('categories.account.automatedDecision.humanReview');
    expect(message).toContain('controller.email');
  });

  it('rejects unknown keys, so a misspelt field is not silently ignored', () => {
    const input = notice();
    input.categories.account = { ...facts(), retentionPeriod: 'P1Y' };
    expect(problem(input)).toContain('retentionPeriod');
  });

  it('accepts ISO 8601 durations of days, months, years and time', () => {
    for (const period of ['P7D', 'P30D', 'P3Y', 'P1Y6M', 'PT12H', 'P2W']) {
      const input = notice();
      input.categories.account = facts({ retention: { rule: 'r', period } });
      expect(() => parsePrivacyNotice(input, defaultDataMap), period).not.toThrow();
    }
    for (const period of ['P', 'PT', '30D', 'P3.5Y']) {
      const input = notice();
      input.categories.account = facts({ retention: { rule: 'r', period } });
      expect(() => parsePrivacyNotice(input, defaultDataMap), period).toThrow(PrivacyNoticeError);
    }
  });
});

describe('Method: isPortable', () => {
  it('is true for data the player provided or generated, on consent or contract', () => {
    expect(isPortable(facts())).toBe(true);
    expect(isPortable(facts({ source: { kind: 'observed' } }))).toBe(true);
    expect(isPortable(facts({ legalBasis: { article: '6(1)(a)', text: 'Consent' } }))).toBe(true);
  });

  it('is false for derived or third-party data, and for other legal bases', () => {
    expect(isPortable(facts({ source: { kind: 'derived' } }))).toBe(false);
    expect(isPortable(facts({ source: { kind: 'third party' } }))).toBe(false);
    for (const article of ['6(1)(c)', '6(1)(d)', '6(1)(e)', '6(1)(f)'] as const) {
      expect(isPortable(facts({ legalBasis: { article, text: 'x' } })), article).toBe(false);
    }
  });
});

describe('citations of policy sections', () => {
  it('splits them out of a text, a bare section belonging to the document named before it', () => {
    expect(splitCitations('Kept 3 years [004 §6.5, §21.3; 000 §9.3]. Then deleted [002 V.3–4].')).toEqual({
      text: 'Kept 3 years. Then deleted.',
      citations: [
        { document: '004', section: '§6.5' },
        { document: '004', section: '§21.3' },
        { document: '000', section: '§9.3' },
        { document: '002', section: 'V.3–4' },
      ],
    });
  });

  it('refuses a notice citing a section it gives no title for, naming it', () => {
    const notice = structuredClone(raw) as { rights: { complaint: string } };
    notice.rights.complaint += ' [004 §99.9]';
    expect(() => parsePrivacyNotice(notice, defaultDataMap)).toThrow(/does not describe.*\n {2}004 §99\.9/);
  });

  it('resolves every citation of the shipped notice', () => {
    expect(() => parsePrivacyNotice(raw, defaultDataMap)).not.toThrow();
  });
});
