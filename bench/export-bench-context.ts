/**
 * The deployment the bench measures: the demo game's tables, without the deploy's seed (it loads
 * its own sizes), and a read budget far above what one export can read, so the figure is the
 * record path's speed rather than the budget's pace (the budget is `npm run load`'s measure).
 */
export const BENCH_CONTEXT = { seedDemoData: false, readBudget: 1_000_000 } as const;
