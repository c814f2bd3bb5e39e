/**
 * When a scheduled run must stop taking new work. The expiry sweep, the watchdog and the clean-up
 * check it before each item and leave the rest of their work list to the next run; what they
 * handled has left the list (or is looked at again harmlessly), so the next run carries on.
 */
export interface Deadline {
  /** True once no further item may be started. */
  passed(): boolean;
}

/** No time limit (a caller that must see the whole list, and tests). */
export const noDeadline: Deadline = { passed: () => false };

/**
 * A deadline from the time an invocation has left (the Lambda context's getRemainingTimeInMillis:
 * real time, whatever a test's clock says): passed once only `reserveMs` is left, or, with `share`,
 * once that share of the time from now until then is used (a phase that leaves time to later ones).
 */
export function deadlineFromRemaining(remainingMs: () => number, reserveMs: number, share = 1): Deadline {
  const budget = Math.max(0, remainingMs() - reserveMs);
  const stopWhenLeft = reserveMs + budget * (1 - Math.min(1, Math.max(0, share)));
  return { passed: () => remainingMs() <= stopWhenLeft };
}

/**
 * Runs `work` on each item of `pages` that `wanted` picks, one page in memory at a time, until
 * `deadline` passes. Answers true when it stopped with wanted items left (the next run's work). The
 * deadline is checked only before wanted items, so reading past the ones that need nothing is not
 * taken for work left.
 */
export async function workThrough<T>(
  pages: AsyncIterable<T[]>,
  deadline: Deadline,
  wanted: (item: T) => boolean,
  work: (item: T) => Promise<void>,
): Promise<{ truncated: boolean }> {
  for await (const page of pages) {
    for (const item of page) {
      if (!wanted(item)) continue;
      if (deadline.passed()) return { truncated: true };
      await work(item);
    }
  }
  return { truncated: false };
}
