// The pinned SDK runs fine on Node 20; its notice about 2027 releases is noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { parseArgs } from 'node:util';
import { DEMO_PLAYER_ID } from '../demo-data/generate';
import { exportToFile } from '../export-to-file';
import { CliError, reportAndExit } from './cli-support';

/** `npm start`: the whole job for a demo player on the demo data, with progress, on the embedded stack. */
async function main(): Promise<void> {
  let values: { player?: string; data?: string; locale?: string };
  try {
    values = parseArgs({
      options: { player: { type: 'string' }, data: { type: 'string' }, locale: { type: 'string' } },
      strict: true,
    }).values;
  } catch (error) {
    throw new CliError(
      `${error instanceof Error ? error.message : String(error)}\nusage: npm start -- [--player <id>] [--data <dir>] [--locale <tag>]`,
    );
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const playerId = values.player ?? DEMO_PLAYER_ID;
  say(
    `Exporting the data of player ${playerId}${values.data ? ` from ${values.data}` : ' from the demo game'}`,
  );
  const result = await exportToFile({
    playerId,
    outDir: '.local/exports',
    say,
    ...(values.data ? { dataDir: values.data } : {}),
    ...(values.locale ? { locale: values.locale } : {}),
  });
  say('');
  for (const [category, records] of Object.entries(result.archive.recordsByCategory)) {
    say(`  ${category.padEnd(26)} ${records === 0 ? 'none held' : `${records} records`}`);
  }
  say('');
  say(
    `Archive ready (${result.archive.bytes} bytes, ${result.archive.files} files, sha256 ${result.archive.sha256.slice(0, 16)}…):`,
  );
  say(`  ${result.out}`);
  say('Open it with any unzip tool; manifest.json lists every file with its checksum.');
}

main().catch(reportAndExit);
