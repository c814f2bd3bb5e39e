// The pinned SDK runs fine on Node 20; its notice about 2027 releases is noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { DEMO_PLAYER_ID } from '../demo-data/generate';
import { demoTableNames } from '../demo-tables';
import { loadDataDirectory } from '../load-data';
import { loadDemoData } from '../load-demo';
import { startLocalStack } from '../local-stack';
import { startLocalPipeline } from '../pipeline';
import { requestExport } from '../request-export';
import { CliError, positiveInteger, reportAndExit } from './cli-support';

const usage =
  'usage: npm start -- [--player <id>] [--data <dir>] [--locale <tag>] [--link-ttl <duration, e.g. 7d, 2h, 10m>] [--max-downloads <n>]';

/**
 * `npm start`: the whole path on the embedded stack — ExportRequested → workflow → archive →
 * grant → e-mail in .local/outbox → download gateway on localhost — and then keeps serving the
 * gateway, with the expiry sweep running, until Ctrl-C.
 */
async function main(): Promise<void> {
  const values = parseOrExplain();
  const linkTtlSeconds = values['link-ttl'] ? durationSeconds(values['link-ttl']) : 7 * 24 * 3600;
  const maxDownloads = positiveInteger(values['max-downloads'], '--max-downloads') ?? 5;
  if (maxDownloads < 1) throw new CliError('--max-downloads must be at least 1');
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const playerId = values.player ?? DEMO_PLAYER_ID;

  say('Starting the embedded stores (dynalite for DynamoDB, s3rver for S3)…');
  const stack = await startLocalStack();
  const workDir = resolve('.local');
  const pipeline = await startLocalPipeline(stack, {
    workDir,
    linkTtlSeconds,
    maxDownloads,
    // Often enough that a short --link-ttl visibly expires while you watch.
    sweepEveryMs: Math.min(60_000, Math.max(1_000, (linkTtlSeconds * 1000) / 4)),
    log: () => undefined,
  });
  const stop = async () => {
    say('\nStopping…');
    await pipeline.stop();
    await stack.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  try {
    const loaded = values.data
      ? await loadDataDirectory(stack.clients.dynamodb, resolve(values.data), demoTableNames)
      : await loadDemoData(stack.clients.dynamodb);
    say(
      `Loaded ${Object.values(loaded).reduce((a, b) => a + b, 0)} items into ${Object.keys(loaded).length} tables`,
    );
    say(`Player ${playerId} asks for a copy of their data (ExportRequested on the local event bus)…`);
    const request = await requestExport(pipeline, {
      playerId,
      ...(values.locale ? { locale: values.locale } : {}),
    });
    const { record } = request;
    for (const [state, at] of Object.entries(record.stateTimes)) say(`  ${state.padEnd(10)} ${at}`);
    say(`Legal due date: ${record.dueAt}`);
    say('');
    for (const [category, count] of Object.entries(record.recordsByCategory ?? {})) {
      say(`  ${category.padEnd(26)} ${count === 0 ? 'no records' : `${count} records`}`);
    }
    say('');
    say(`Archive: ${record.archiveKey} (${record.archiveBytes} bytes) in the local S3 bucket`);
    say(
      request.mailed
        ? `E-mail written to ${pipeline.outboxDir}`
        : 'The player has no e-mail address: the link is in the ExportReady event',
    );
    say(`Events: ${pipeline.eventsFile}`);
    say(`The link expires at ${record.expiresAt} and allows ${maxDownloads} downloads.`);
    say('');
    say(`Download link: ${request.link}`);
    say('');
    say(
      `Serving the download gateway at ${pipeline.gatewayUrl} — open the link in a browser. Ctrl-C to stop.`,
    );
  } catch (error) {
    await pipeline.stop();
    await stack.stop();
    throw error;
  }
}

function durationSeconds(text: string): number {
  const match = /^([0-9]+)(s|m|h|d)$/.exec(text);
  if (!match)
    throw new CliError(
      `--link-ttl takes a duration such as 7d, 12h, 10m or 90s, got ${JSON.stringify(text)}`,
    );
  const factor = { s: 1, m: 60, h: 3600, d: 86400 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const seconds = Number(match[1]) * factor;
  if (seconds < 1) throw new CliError('--link-ttl must be at least 1s');
  return seconds;
}

function parseOrExplain() {
  try {
    return parseArgs({
      options: {
        player: { type: 'string' },
        data: { type: 'string' },
        locale: { type: 'string' },
        'link-ttl': { type: 'string' },
        'max-downloads': { type: 'string' },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  }
}

main().catch(reportAndExit);
