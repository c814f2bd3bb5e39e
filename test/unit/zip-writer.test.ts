import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { type ZipEntry, zipStream } from '../../functions/core/archive/zip-writer';

const execFileAsync = promisify(execFile);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'zip-writer-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/**
 * Writes the zip to a file; resolves once both `done` and the file are finished. The bytes are
 * gathered in memory first: thousands of tiny file writes would dominate the ZIP64 test's time.
 */
async function writeZip(
  name: string,
  entries: Parameters<typeof zipStream>[0],
  level?: number,
): Promise<string> {
  const path = join(dir, name);
  const zip = zipStream(entries, {
    date: new Date('2026-11-23T10:00:00Z'),
    ...(level === undefined ? {} : { level }),
  });
  const chunks: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk);
      callback();
    },
  });
  await Promise.all([zip.done, pipeline(zip.stream, sink)]);
  await writeFile(path, Buffer.concat(chunks));
  return path;
}

/** Opens a zip file, or zip bytes already in memory, with yauzl. */
function openZip(zip: string | Buffer): Promise<yauzl.ZipFile> {
  const options = { lazyEntries: true, strictFileNames: true, validateEntrySizes: true };
  return new Promise((resolve, reject) => {
    const callback = (error: Error | null, zipfile: yauzl.ZipFile) =>
      error ? reject(error) : resolve(zipfile);
    if (typeof zip === 'string') yauzl.open(zip, options, callback);
    else yauzl.fromBuffer(zip, options, callback);
  });
}

function readEntry(zipfile: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    zipfile.openReadStream(entry, (error, stream) => {
      if (error) return reject(error);
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
  });
}

/** Every entry of a zip, read with yauzl; contents only when `withData`. */
async function readZip(
  zip: string | Buffer,
  withData = true,
): Promise<{ entryCount: number; files: Map<string, Buffer> }> {
  const zipfile = await openZip(zip);
  const files = new Map<string, Buffer>();
  await new Promise<void>((resolve, reject) => {
    zipfile.on('entry', (entry: yauzl.Entry) => {
      const content = withData ? readEntry(zipfile, entry) : Promise.resolve(Buffer.alloc(0));
      content.then((data) => {
        files.set(entry.fileName, data);
        zipfile.readEntry();
      }, reject);
    });
    zipfile.on('end', () => resolve());
    zipfile.on('error', reject);
    zipfile.readEntry();
  });
  zipfile.close();
  return { entryCount: zipfile.entryCount, files };
}

const ZIP64_EOCD_SIGNATURE = Buffer.from([0x50, 0x4b, 0x06, 0x06]);

describe('zipStream', () => {
  it('writes string, Buffer and Readable entries that yauzl and unzip -t read back', async () => {
    // Prepare
    const big = Buffer.alloc(2 * 1024 * 1024 + 17, 'x');
    const binary = Buffer.from([0, 1, 2, 255, 254, 0x50, 0x4b, 0x03, 0x04]);
    const text = 'Ingrid Øvre — 🎮 مرحبا\r\n"quoted",=1\n';
    const entries: ZipEntry[] = [
      { name: 'root/README.txt', data: text },
      { name: 'root/account/players.json', data: Buffer.from('{"records":[]}') },
      { name: 'root/bin/binary.dat', data: binary },
      { name: 'root/forum/posts.csv', data: Readable.from([Buffer.from('a,b\r\n'), Buffer.from('1,2\r\n')]) },
      { name: 'root/big/large.txt', data: Readable.from([big.subarray(0, 1000), big.subarray(1000)]) },
      { name: 'root/empty.txt', data: '' },
      { name: 'root/spiller-ø/ภาษาไทย.txt', data: 'ไทย' },
    ];
    // Act
    const path = await writeZip('small.zip', entries);
    // Assess
    const { entryCount, files } = await readZip(path);
    expect(entryCount).toBe(entries.length);
    expect([...files.keys()]).toEqual(entries.map((e) => e.name));
    expect(files.get('root/README.txt')?.toString('utf8')).toBe(text);
    expect(files.get('root/account/players.json')?.toString('utf8')).toBe('{"records":[]}');
    expect(files.get('root/bin/binary.dat')).toEqual(binary);
    expect(files.get('root/forum/posts.csv')?.toString('utf8')).toBe('a,b\r\n1,2\r\n');
    expect(files.get('root/big/large.txt')?.equals(big)).toBe(true);
    expect(files.get('root/empty.txt')?.length).toBe(0);
    expect(files.get('root/spiller-ø/ภาษาไทย.txt')?.toString('utf8')).toBe('ไทย');

    const { stdout } = await execFileAsync('/usr/bin/unzip', ['-t', path]);
    expect(stdout).toMatch(/No errors detected/);
    expect(stdout).toContain('root/big/large.txt');
    const printed = await execFileAsync('/usr/bin/unzip', ['-p', path, 'root/README.txt'], {
      encoding: 'buffer',
    });
    expect(printed.stdout.toString('utf8')).toBe(text);
  });

  it('accepts a sync iterable, and an empty one gives a valid empty zip', async () => {
    const path = await writeZip('empty.zip', []);
    const { entryCount } = await readZip(path);
    expect(entryCount).toBe(0);
  });

  it('writes ZIP64 with more than 65,535 entries, and yauzl lists every one', {
    timeout: 60_000,
  }, async () => {
    // Prepare
    const total = 65_536 + 10;
    function* many(): Generator<ZipEntry> {
      for (let i = 0; i < total; i++) yield { name: `f/${i}.txt`, data: String(i) };
    }
    // Act
    const path = await writeZip('many.zip', many(), 1);
    // Assess
    const bytes = await readFile(path);
    expect(bytes.includes(ZIP64_EOCD_SIGNATURE)).toBe(true);
    const { entryCount, files } = await readZip(bytes, false);
    expect(entryCount).toBe(total);
    expect(files.size).toBe(total);
    expect(files.has('f/0.txt')).toBe(true);
    expect(files.has(`f/${total - 1}.txt`)).toBe(true);
  });

  it('rejects `done` with the error of a failing Readable and fails the stream', {
    timeout: 10_000,
  }, async () => {
    // Prepare
    const failure = new Error('S3 GET reset');
    async function* failing() {
      yield Buffer.from('first part,');
      await new Promise((r) => setTimeout(r, 10));
      throw failure;
    }
    const entries: ZipEntry[] = [
      { name: 'ok.txt', data: 'fine' },
      { name: 'broken.csv', data: Readable.from(failing()) },
      { name: 'never.txt', data: 'never' },
    ];
    // Act
    const zip = zipStream(entries);
    const streamSettled = new Promise<string>((resolve) => {
      zip.stream.once('error', () => resolve('error'));
      zip.stream.once('close', () => resolve('close'));
    });
    zip.stream.resume();
    // Assess
    await expect(zip.done).rejects.toBe(failure);
    expect(['error', 'close']).toContain(await streamSettled);
    expect(zip.stream.destroyed).toBe(true);
  });

  it('fails an upload that pipes the stream, instead of completing it', { timeout: 10_000 }, async () => {
    async function* failing() {
      yield Buffer.from('x');
      throw new Error('boom');
    }
    const zip = zipStream([{ name: 'broken', data: Readable.from(failing()) }]);
    const sink = new Writable({ write: (_chunk, _enc, cb) => cb() });
    const upload = pipeline(zip.stream, sink);
    await expect(zip.done).rejects.toThrow('boom');
    await expect(upload).rejects.toThrow();
  });

  it('rejects `done` when the entries iterable itself fails', { timeout: 10_000 }, async () => {
    async function* entries(): AsyncGenerator<ZipEntry> {
      yield { name: 'a.txt', data: 'a' };
      throw new Error('listing failed');
    }
    const zip = zipStream(entries());
    zip.stream.on('error', () => undefined);
    zip.stream.resume();
    await expect(zip.done).rejects.toThrow('listing failed');
  });

  it('consumes the entries lazily: the next source is created only after the previous entry was written', async () => {
    // Prepare
    const events: string[] = [];
    const source = (name: string) =>
      new Readable({
        read() {
          events.push(`read ${name}`);
          this.push(`content of ${name}`);
          this.push(null);
        },
      });
    async function* entries(): AsyncGenerator<ZipEntry> {
      for (const name of ['a', 'b', 'c']) {
        events.push(`create ${name}`);
        yield { name, data: source(name) };
      }
      events.push('end of entries');
    }
    // Act
    const zip = zipStream(entries());
    zip.stream.on('entry', (entry: { name: string }) => events.push(`written ${entry.name}`));
    const path = join(dir, 'lazy.zip');
    await Promise.all([zip.done, pipeline(zip.stream, createWriteStream(path))]);
    // Assess
    expect(events.filter((e) => !e.startsWith('read'))).toEqual([
      'create a',
      'written a',
      'create b',
      'written b',
      'create c',
      'written c',
      'end of entries',
    ]);
    expect(events.indexOf('read b')).toBeGreaterThan(events.indexOf('written a'));
    const { files } = await readZip(path);
    expect(files.get('b')?.toString()).toBe('content of b');
  });
});
