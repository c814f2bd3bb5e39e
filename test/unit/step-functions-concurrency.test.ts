import { describe, expect, it } from 'vitest';
import { concurrencyByFunction } from '../../local/runtime/step-functions';

const FN = 'arn:aws:lambda:us-east-1:000000000000:function:plan-export';
const OTHER = 'arn:aws:lambda:us-east-1:000000000000:function:collect-category';
const INNER = 'arn:aws:lambda:us-east-1:000000000000:function:build-archive';

const task = (resource: string, end = true) => ({
  Type: 'Task',
  Resource: resource,
  ...(end ? { End: true } : {}),
});
const map = (states: Record<string, unknown>, maxConcurrency?: number) => ({
  Type: 'Map',
  ...(maxConcurrency === undefined ? {} : { MaxConcurrency: maxConcurrency }),
  ItemProcessor: { StartAt: Object.keys(states)[0], States: states },
  End: true,
});
const counts = (states: Record<string, unknown>) =>
  Object.fromEntries(concurrencyByFunction({ StartAt: Object.keys(states)[0], States: states }));

describe('concurrencyByFunction', () => {
  it('a Task at the top level runs once at a time', () => {
    expect(counts({ Plan: task(FN) })).toEqual({ [FN]: 1 });
  });

  it('a Task inside a Map runs MaxConcurrency at once', () => {
    expect(counts({ Plan: task(FN, false), Each: map({ Collect: task(OTHER) }, 4) })).toEqual({
      [FN]: 1,
      [OTHER]: 4,
    });
  });

  it('the legacy Iterator counts as the ItemProcessor does', () => {
    expect(
      counts({
        Each: {
          Type: 'Map',
          MaxConcurrency: 6,
          Iterator: { StartAt: 'Collect', States: { Collect: task(OTHER) } },
        },
      }),
    ).toEqual({ [OTHER]: 6 });
  });

  it('nested Maps multiply', () => {
    expect(
      counts({ Outer: map({ Middle: task(OTHER, false), Inner: map({ Leaf: task(INNER) }, 3) }, 4) }),
    ).toEqual({
      [OTHER]: 4,
      [INNER]: 12,
    });
  });

  it('MaxConcurrency 0 (or none) counts as 1', () => {
    expect(counts({ Each: map({ Collect: task(OTHER) }, 0) })).toEqual({ [OTHER]: 1 });
    expect(counts({ Each: map({ Collect: task(OTHER) }) })).toEqual({ [OTHER]: 1 });
    expect(counts({ Outer: map({ Inner: map({ Leaf: task(INNER) }, 5) }, 0) })).toEqual({ [INNER]: 5 });
  });

  it('a function used in several places gets the largest count; version qualifiers are one function', () => {
    expect(
      counts({
        First: task(`${OTHER}:$LATEST`, false),
        Each: map({ Collect: task(`${OTHER}:7`) }, 8),
        Last: task(OTHER),
      }),
    ).toEqual({ [OTHER]: 8 });
  });

  it('states that are not Tasks count for nothing', () => {
    expect(
      counts({ Start: { Type: 'Pass', Next: 'Wait' }, Wait: { Type: 'Wait', Seconds: 1, End: true } }),
    ).toEqual({});
  });

  // Bug (step-functions.ts, concurrencyByFunction): only Map states are descended into, not the
  // Branches of a Parallel state (the module's own walk() visits them), so a Task inside a Parallel
  // branch is not counted at all and its function is not warmed, against the doc comment's "one per
  // Task". (Two branches running the same function would need 2.)
  it('a Task inside a Parallel branch counts too', () => {
    expect(
      counts({
        Both: {
          Type: 'Parallel',
          Branches: [
            { StartAt: 'A', States: { A: task(OTHER) } },
            { StartAt: 'B', States: { B: task(INNER) } },
          ],
          End: true,
        },
      }),
    ).toEqual({ [OTHER]: 1, [INNER]: 1 });
  });
});
