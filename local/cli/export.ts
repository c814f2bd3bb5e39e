// The pinned SDK runs fine on Node 20; its notice about 2027 releases is noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { parseArgs } from 'node:util';
import { exportToFile } from '../export-to-file';
import { CliError, positiveInteger, reportAndExit } from './cli-support';

const usage =
  'usage: npm run export -- --player <id> [--data <dir>] [--out <file.zip>] [--locale <tag>] [--json] [--stats <n>]';

async function main(): Promise<void> {
  const values = parseOrExplain();
  if (!values.player) throw new CliError(`--player is required\n${usage}`);
  const stats = positiveInteger(values.stats, '--stats');
  const say = values.json ? undefined : (line: string) => process.stdout.write(`${line}\n`);

  const result = await exportToFile({
    playerId: values.player,
    ...(values.data ? { dataDir: values.data } : {}),
    ...(values.out ? { out: values.out } : {}),
    ...(values.locale ? { locale: values.locale } : {}),
    ...(stats !== undefined ? { stats } : {}),
    ...(say ? { say } : {}),
  });
  const { record } = result;
  const records = record.recordsByCategory ?? {};
  if (say) {
    const volumes = result.files.length;
    say(
      `Archive ${record.archiveKey}: ${record.archiveBytes} bytes${volumes > 1 ? ` in ${volumes} volumes` : ''}`,
    );
    for (const [category, count] of Object.entries(records)) {
      say(`  ${category.padEnd(26)} ${count === 0 ? 'no records' : `${count} records`}`);
    }
    for (const file of result.files) say(`Written to ${file.path}`);
    return;
  }
  const summary = {
    requestId: result.requestId,
    archiveKey: record.archiveKey,
    out: result.out,
    files: result.files.map((file) => file.path),
    bytes: record.archiveBytes,
    records,
    state: record.state,
    dueAt: record.dueAt,
    timings: result.timings,
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

function parseOrExplain() {
  try {
    return parseArgs({
      options: {
        player: { type: 'string' },
        data: { type: 'string' },
        out: { type: 'string' },
        locale: { type: 'string' },
        json: { type: 'boolean', default: false },
        stats: { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  }
}

main().catch(reportAndExit);
