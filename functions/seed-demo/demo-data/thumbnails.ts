import type { DemoRng } from './context';

/**
 * Tiny PNG pictures for the demo's binary attributes (avatars, contest screenshots): real files a
 * player can open once the export's base64 text is decoded. Built byte by byte, without zlib's
 * compressor, so a seed gives the same bytes on every machine and Node version.
 */

const SIZE = 8;

/** An 8×8 identicon: a random pattern mirrored left to right, in one colour on a light ground. */
export function identiconPng(rng: DemoRng): Buffer {
  const ink = [rng.int(20, 160), rng.int(20, 160), rng.int(20, 160)];
  const paper = [240, 240, 236];
  const rows: number[] = [];
  for (let y = 0; y < SIZE; y++) {
    const half = Array.from({ length: SIZE / 2 }, () => rng.chance(0.5));
    const pixels = [...half, ...[...half].reverse()];
    // Each scanline starts with its filter type: 0, none.
    rows.push(0, ...pixels.flatMap((on) => (on ? ink : paper)));
  }
  return png(SIZE, SIZE, Buffer.from(rows));
}

function png(width: number, height: number, scanlines: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  // Bit depth 8, colour type 2 (RGB), deflate, filter method 0, no interlace.
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', storedZlib(scanlines)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** A zlib stream of one stored (uncompressed) deflate block: at most 65535 bytes, plenty here. */
function storedZlib(data: Buffer): Buffer {
  if (data.length > 0xffff) throw new RangeError('A stored deflate block holds at most 65535 bytes');
  const block = Buffer.alloc(5);
  block[0] = 1; // the final block, stored
  block.writeUInt16LE(data.length, 1);
  block.writeUInt16LE(~data.length & 0xffff, 3);
  const adler = Buffer.alloc(4);
  adler.writeUInt32BE(adler32(data));
  return Buffer.concat([Buffer.from([0x78, 0x01]), block, data, adler]);
}

function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = (CRC_TABLE[(crc ^ byte) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
