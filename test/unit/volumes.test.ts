import { fc, it as property } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { archiveKey, attemptArchivesPrefix } from '../../functions/core/archive/layout';
import { planVolumes, volumeFileName, volumeKey } from '../../functions/core/archive/volumes';

const files = fc
  .array(fc.nat({ max: 5000 }), { maxLength: 40 })
  .map((sizes) => sizes.map((bytes, i) => ({ path: `c/s${i}.json`, bytes })));

describe('planVolumes', () => {
  property.prop([files, fc.integer({ min: 1, max: 6000 })])(
    'puts every file in exactly one volume, in order, and no volume over the size unless one file alone is',
    (list, volumeBytes) => {
      const volumes = planVolumes(list, volumeBytes);
      expect(volumes.flat()).toEqual(list.map((f) => f.path));
      expect(volumes.length).toBeGreaterThanOrEqual(1);
      const size = new Map(list.map((f) => [f.path, f.bytes]));
      for (const volume of volumes) {
        const bytes = volume.reduce((sum, path) => sum + (size.get(path) ?? 0), 0);
        if (volume.length > 1) expect(bytes).toBeLessThanOrEqual(volumeBytes);
        if (list.length > 0) expect(volume.length).toBeGreaterThan(0);
      }
      // Greedy: a volume was only closed because the next file did not fit.
      for (let i = 0; i + 1 < volumes.length; i++) {
        const bytes = (volumes[i] ?? []).reduce((sum, path) => sum + (size.get(path) ?? 0), 0);
        expect(bytes + (size.get(volumes[i + 1]?.[0] ?? '') ?? 0)).toBeGreaterThan(volumeBytes);
      }
    },
  );

  it('is one volume for an archive under the size, and for no files at all', () => {
    expect(planVolumes([{ path: 'a', bytes: 10 }], 2 ** 31)).toEqual([['a']]);
    expect(planVolumes([], 100)).toEqual([[]]);
  });
});

describe('volume names', () => {
  it('keeps volume 1 at the attempt’s archive key and names the others beside it, under the attempt’s prefix', () => {
    const key = archiveKey('r-1', 1);
    expect(volumeKey(key, 1)).toBe(key);
    const keys = [1, 2, 3, 10].map((n) => volumeKey(key, n));
    expect(keys).toEqual([
      'archives/r-1/1.zip',
      'archives/r-1/1.part2.zip',
      'archives/r-1/1.part3.zip',
      'archives/r-1/1.part10.zip',
    ]);
    for (const k of keys) expect(k.startsWith(attemptArchivesPrefix('r-1', 1))).toBe(true);
    // Attempt 1's prefix never takes in attempt 10's archive.
    expect(archiveKey('r-1', 10).startsWith(attemptArchivesPrefix('r-1', 1))).toBe(false);
  });

  it('names the player’s files "<root>.zip", or "<root>-part<n>-of-<count>.zip"', () => {
    expect(volumeFileName('ingrid-data-export-2026-11-30.zip', 1, 1)).toBe(
      'ingrid-data-export-2026-11-30.zip',
    );
    expect(volumeFileName('ingrid-data-export-2026-11-30.zip', 2, 3)).toBe(
      'ingrid-data-export-2026-11-30-part2-of-3.zip',
    );
  });
});
