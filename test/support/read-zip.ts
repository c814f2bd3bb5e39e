import yauzl from 'yauzl';

/** One entry as yauzl read it: its name, general purpose flags (bit 11: UTF-8 name) and bytes. */
export interface ZipEntryRead {
  name: string;
  flags: number;
  data: Buffer;
}

/** Every entry of a zip, in order, read with yauzl (a reader independent of the writer), names strict. */
export async function readZipEntries(zip: Buffer): Promise<ZipEntryRead[]> {
  const zipfile = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, strictFileNames: true }, (error, file) =>
      error || !file ? reject(error ?? new Error('no zip')) : resolve(file),
    ),
  );
  const entries: ZipEntryRead[] = [];
  await new Promise<void>((resolve, reject) => {
    zipfile.on('error', reject);
    zipfile.on('end', () => resolve());
    zipfile.on('entry', (entry: yauzl.Entry) => {
      zipfile.openReadStream(entry, (error, stream) => {
        if (error || !stream) return reject(error ?? new Error('no stream'));
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('error', reject);
        stream.on('end', () => {
          entries.push({
            name: entry.fileName,
            flags: entry.generalPurposeBitFlag,
            data: Buffer.concat(chunks),
          });
          zipfile.readEntry();
        });
      });
    });
    zipfile.readEntry();
  });
  return entries;
}

/** Every entry's bytes by name. */
export async function readZip(zip: Buffer): Promise<Map<string, Buffer>> {
  return new Map((await readZipEntries(zip)).map((entry) => [entry.name, entry.data]));
}
