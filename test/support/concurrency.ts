/**
 * A fixed number of slots for concurrent tests that each start a local runtime (in the test process
 * or in a CLI child process): a runtime warms a worker thread per function and holds over a gigabyte
 * while it runs, and two cores gain nothing from more than a few starting at once. Waiters are
 * served in the order they asked.
 */
export class Slots {
  private readonly waiting: (() => void)[] = [];

  constructor(private free: number) {}

  /** Waits for a slot; call the function returned to give it back (once). */
  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // The slot passes straight to the next waiter, so no newcomer can take it in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }

  /** Runs `task` in a slot. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const release = await this.acquire();
    try {
      return await task();
    } finally {
      release();
    }
  }
}

/**
 * One value (a runtime) shared by a known number of tests that do not disturb one another: started
 * by the first to ask, stopped as soon as the last of them is done with it (not at the end of the
 * file, so it holds no memory or slot while other tests run). `stopUnused` stops it anyway, for an
 * afterAll, in case some of its tests were skipped or filtered out.
 */
export function sharedBetween<T>(
  users: number,
  start: () => Promise<T>,
  stop: (value: T) => Promise<void>,
): { use<R>(run: (value: T) => Promise<R>): Promise<R>; stopUnused(): Promise<void> } {
  let started: Promise<T> | undefined;
  let stopped: Promise<void> | undefined;
  let done = 0;
  const stopOnce = () => {
    stopped ??= started ? started.then(stop, () => undefined) : Promise.resolve();
    return stopped;
  };
  return {
    async use(run) {
      started ??= start();
      try {
        return await run(await started);
      } finally {
        if (++done === users) await stopOnce();
      }
    },
    stopUnused: stopOnce,
  };
}
