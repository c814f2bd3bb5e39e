/** The deployment the bench measures: the demo game's tables, without the deploy's seed (it loads its own sizes). */
export const BENCH_CONTEXT = { seedDemoData: false } as const;
