import type { CategorySpec } from '../data-map/data-map';
import { type Art15Facts, isPortable } from '../data-map/privacy-notice';
import type { CollectResult } from '../workflow-types';

export type CategoryStatus = 'exported' | 'none held' | 'not retained';

export interface CategoryCoverage {
  id: string;
  title: string;
  status: CategoryStatus;
  records: number;
  /** Items read but past the stated retention, so not exported (DESIGN.md §5 "not retained"). */
  droppedByRetention: number;
  /** Why there is nothing (or less) to see: the retention rule, present when retention explains it. */
  retentionNote?: string;
  /** Whether this category's files belong to the Art. 20 portability set. */
  portability: boolean;
  files: string[];
  facts: Art15Facts;
}

/**
 * What the player got for one category, and why. "None held" and "not retained" both mean no
 * records, but say different things: we never had any, or we had some and deleted them as our
 * notice promises. A player must be able to tell the two apart (privacy-policies.md §5.8).
 */
export function categoryCoverage(
  category: CategorySpec,
  facts: Art15Facts,
  results: CollectResult[],
): CategoryCoverage {
  const fed = results.filter((r) => r.category === category.id);
  const records = fed.reduce((sum, r) => sum + r.records, 0);
  const droppedByRetention = fed.reduce((sum, r) => sum + (r.droppedByRetention ?? 0), 0);
  const status: CategoryStatus =
    records > 0
      ? 'exported'
      : droppedByRetention > 0 || category.stored === false
        ? 'not retained'
        : 'none held';
  return {
    id: category.id,
    title: category.title,
    status,
    records,
    droppedByRetention,
    ...(status === 'not retained' || droppedByRetention > 0 ? { retentionNote: facts.retention.rule } : {}),
    portability: isPortable(facts),
    files: fed.flatMap((r) => r.files.map((f) => f.path)),
    facts,
  };
}
