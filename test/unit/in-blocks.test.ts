import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inBlocks } from '../../functions/core/archive/build-archive';

async function* from(chunks: Buffer[]): AsyncGenerator<Buffer> {
  for (const chunk of chunks) yield chunk;
}

describe('inBlocks (deflate input of the build)', () => {
  it('gives the same bytes in order, every block but the last at least the size', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 1000 }),
        async (arrays, size) => {
          const chunks = arrays.map((a) => Buffer.from(a));
          const blocks: Buffer[] = [];
          for await (const block of inBlocks(from(chunks), size)) blocks.push(block);
          expect(Buffer.concat(blocks).equals(Buffer.concat(chunks))).toBe(true);
          for (const block of blocks.slice(0, -1)) expect(block.length).toBeGreaterThanOrEqual(size);
          expect(blocks.every((b) => b.length > 0)).toBe(true);
        },
      ),
    );
  });

  it('passes a failure of the source on', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield Buffer.from('abc');
      throw new Error('staged object gone');
    }
    const read = async () => {
      for await (const _ of inBlocks(failing(), 2)) {
        // drain
      }
    };
    await expect(read()).rejects.toThrow('staged object gone');
  });
});
