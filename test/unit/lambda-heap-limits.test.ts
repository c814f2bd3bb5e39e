import { describe, expect, it } from 'vitest';
import { lambdaHeapLimits } from '../../local/runtime/lambda-host';

describe("lambdaHeapLimits: the heap of a function environment, as Lambda's Node.js bootstrap sizes it", () => {
  it('gives a tenth of the memory to the young generation (semi-spaces of memory/20) and the rest to the old', () => {
    // The bootstrap: new_space = memory/10, --max-semi-space-size = new_space/2,
    // --max-old-space-size = memory - new_space. V8's young generation is three semi-spaces.
    expect(lambdaHeapLimits(1024)).toEqual({ maxOldGenerationSizeMb: 922, maxYoungGenerationSizeMb: 153 });
    expect(lambdaHeapLimits(128)).toEqual({ maxOldGenerationSizeMb: 116, maxYoungGenerationSizeMb: 18 });
    expect(lambdaHeapLimits(1769)).toEqual({ maxOldGenerationSizeMb: 1593, maxYoungGenerationSizeMb: 264 });
  });
});
