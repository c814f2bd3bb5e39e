import { describe, expect, it } from 'vitest';
import { defaultDataMap } from '../../functions/core/data-map/default-data-map';
import { defaultPrivacyNotice } from '../../functions/core/data-map/default-privacy-notice';
import { defaultTranslations } from '../../functions/core/data-map/default-translations';
import { ARCHIVE_LOCALES } from '../../functions/core/i18n/archive-messages';
import { contentCatalog, forEachField, translationProblems } from '../../functions/core/i18n/content';

const catalog = contentCatalog(defaultDataMap, defaultPrivacyNotice);

describe('the texts the player reads, in every language', () => {
  for (const locale of ARCHIVE_LOCALES.filter((l) => l !== 'en')) {
    it(`${locale}: every text of the data map and the notice is translated, with its citations`, () => {
      const translation = defaultTranslations[locale as Exclude<typeof locale, 'en'>] ?? {};
      expect(translationProblems(catalog, translation)).toEqual([]);
    });
  }

  it('finds a missing, an extra and a changed-citation translation', () => {
    const [first = '', second = ''] = Object.keys(catalog);
    const partial = { ...catalog, extra: 'x' } as Record<string, string>;
    delete partial[first];
    const cited = Object.entries(catalog).find(([, text]) => /\[\d{3} /.test(text));
    if (cited) partial[cited[0]] = cited[1].replace(/\[\d{3} [^\]]+\]/, '[999 §1]');
    const problems = translationProblems(catalog, partial);
    expect(problems).toContain(`missing: ${first}`);
    expect(problems).toContain('not in the catalogue (remove it): extra');
    expect(problems.some((p) => p.startsWith('citations differ'))).toBe(true);
    expect(second).not.toBe('');
  });

  it('the shipped data map labels every field, and its catalogue holds every category and value', () => {
    const unlabelled: string[] = [];
    for (const source of defaultDataMap.sources) {
      forEachField(source.fields, '', (field, path) => {
        if (!field.label) unlabelled.push(`${source.id}.${path}`);
        for (const value of Object.keys(field.values ?? {})) {
          expect(catalog[`field.${source.id}.${path}.value.${value}`]).toBeTruthy();
        }
      });
    }
    expect(unlabelled).toEqual([]);
    for (const category of defaultDataMap.categories)
      expect(catalog[`category.${category.id}.title`]).toBeTruthy();
  });
});
