import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';

export interface AxeViolation {
  /** axe rule id, e.g. "color-contrast". */
  id: string;
  /** "serious" or "critical". */
  impact: string;
  help: string;
  /** CSS selectors of the offending nodes. */
  targets: string[];
}

const SEVERE = new Set(['serious', 'critical']);

/**
 * The serious and critical axe-core violations on the page as it is now (WCAG 2.x A/AA rules and
 * best practices; "region", whose impact is only moderate, is not run). axe is injected through page.evaluate, which a page's Content-Security-Policy
 * does not block, so pages with a strict CSP can be checked as they are served.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  const results = await new AxeBuilder({ page })
    // Only violations are read, which spares axe listing every passing node; "region" (content
    // outside landmarks) is a moderate rule and the slowest on a long page.
    .options({ resultTypes: ['violations'] })
    .disableRules(['region'])
    .analyze();
  return results.violations
    .filter((violation) => SEVERE.has(violation.impact ?? ''))
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact ?? '',
      help: violation.help,
      targets: violation.nodes.map((node) => node.target.map(String).join(' ')),
    }));
}

/**
 * How many CSS pixels the page scrolls sideways (0 when it fits the viewport): the document's
 * scroll width beyond its client width. Scrolling inside an element (a table region) does not count.
 */
export async function horizontalOverflow(page: Page): Promise<number> {
  // A string, so it runs in the page without the DOM types in this (Node) project's lib.
  return page.evaluate<number>(
    'Math.max(0, document.documentElement.scrollWidth - document.documentElement.clientWidth)',
  );
}
