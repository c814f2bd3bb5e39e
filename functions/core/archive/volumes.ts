/**
 * Volumes: an export bigger than the configured volume size is several complete zips (like
 * Google Takeout's 2 GB parts), each packed by its own build invocation so that no invocation
 * nears Lambda's 15 minutes. Every volume holds whole data files under the same root folder, so
 * unpacking them all into one folder gives the one tree the viewer and manifest describe. Volume 1
 * holds the viewer, README, schemas, datapackage.json and manifest.json; it is packed last, when
 * every other volume's files and checksums are known.
 */

/** The data files of each volume, volume 1 first; always at least one volume. */
export function planVolumes(
  files: readonly { path: string; bytes: number }[],
  volumeBytes: number,
): string[][] {
  const volumes: string[][] = [[]];
  let filled = 0;
  for (const file of files) {
    const current = volumes[volumes.length - 1] as string[];
    // A file never splits: one larger than a volume starts (and fills) a volume of its own.
    if (current.length > 0 && filled + file.bytes > volumeBytes) {
      volumes.push([file.path]);
      filled = file.bytes;
    } else {
      current.push(file.path);
      filled += file.bytes;
    }
  }
  return volumes;
}

/** Volume 1 is the attempt's archive key itself; volume n is stored beside it (`….part<n>.zip`). */
export function volumeKey(archiveKey: string, volume: number): string {
  return volume === 1 ? archiveKey : archiveKey.replace(/\.zip$/, `.part${volume}.zip`);
}

/** The name a player's browser saves volume n of `count` under: "<root>.zip", or "<root>-part2-of-3.zip". */
export function volumeFileName(fileName: string, volume: number, count: number): string {
  return count === 1 ? fileName : fileName.replace(/\.zip$/, `-part${volume}-of-${count}.zip`);
}
