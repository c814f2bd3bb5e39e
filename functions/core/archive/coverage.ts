import type { CategorySpec } from '../data-map/data-map';
import { type Art15Facts, isPortable } from '../data-map/privacy-notice';
import type { DescribedSource } from '../workflow-types';

export type CategoryStatus = 'exported' | 'none held' | 'not stored';

export interface CategoryCoverage {
  id: string;
  title: string;
  status: CategoryStatus;
  records: number;
  /**
   * Whether this category's files belong to the Art. 20 portability set (a source of others'
   * words, such as messages received, stays out of it: see the files' `set`).
   */
  portability: boolean;
  files: string[];
  facts: Art15Facts;
}

/**
 * What the player got for one category. "None held" and "not stored" both mean no records, but
 * say different things: the game keeps this kind of data and holds none about the player, or
 * the game does not keep it at all. Every record held is exported, whatever its age: retention
 * findings are for operators (manifest notesForOperators), never a reason to leave data out.
 */
export function categoryCoverage(
  category: CategorySpec,
  facts: Art15Facts,
  results: DescribedSource[],
): CategoryCoverage {
  const fed = results.filter((r) => r.category === category.id);
  const records = fed.reduce((sum, r) => sum + r.records, 0);
  const status: CategoryStatus =
    records > 0 ? 'exported' : category.stored === false ? 'not stored' : 'none held';
  return {
    id: category.id,
    title: category.title,
    status,
    records,
    portability: isPortable(facts),
    files: fed.flatMap((r) => r.files.map((f) => f.path)),
    facts,
  };
}
