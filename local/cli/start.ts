// The pinned SDK runs fine on Node 20; its notice about 2027 releases is noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { durationSeconds, readDeployConfig } from '../../config/deploy';
import { DEMO_PLAYER_ID } from '../../functions/seed-demo/demo-data/generate';
import { loadDataDirectory } from '../load-data';
import {
  defaultLocalStackFile,
  localStackInfo,
  removeLocalStackFile,
  removeLocalStackFileSync,
  writeLocalStackFile,
} from '../ops/local-stack-file';
import { requestExport } from '../portal';
import { startLocalRuntime } from '../runtime/runtime';
import { CliError, positiveInteger, reportAndExit } from './cli-support';

const usage =
  'usage: npm start -- [--player <id>] [--data <dir>] [--locale <tag>] [--link-ttl <duration, e.g. 7d, 2h, 10m>] [--max-downloads <n>]';

/**
 * `npm start`: the deployed pipeline on one machine. Synthesizes the CDK app, runs what the
 * templates say (event rule, state machine, functions with their environment and roles) against
 * embedded stores, puts the demo player's ExportRequested on the bus, and prints the states, the
 * due date and the link from the e-mail in .local/outbox. Then keeps serving the download gateway,
 * with the schedules (expiry, watchdog, delivery retries) running, until Ctrl-C.
 */
async function main(): Promise<void> {
  const values = parseOrExplain();
  const context: Record<string, unknown> = {};
  if (values['link-ttl']) {
    if (durationSeconds(values['link-ttl']) === undefined) {
      throw new CliError(
        `--link-ttl takes a duration such as 7d, 12h, 10m or 90s, got ${JSON.stringify(values['link-ttl'])}`,
      );
    }
    context.linkTtl = values['link-ttl'];
  }
  const maxDownloads = positiveInteger(values['max-downloads'], '--max-downloads');
  if (maxDownloads !== undefined) {
    if (maxDownloads < 1) throw new CliError('--max-downloads must be at least 1');
    context.maxDownloads = maxDownloads;
  }
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const playerId = values.player ?? DEMO_PLAYER_ID;
  const { linkTtlSeconds: linkSeconds } = readDeployConfig((key) => context[key]);

  say(
    'Synthesizing the CDK app and starting its local runtime (dynalite, s3rver, the template’s functions)…',
  );
  // Your own data replaces the demo's: the deploy then leaves the demo tables empty.
  if (values.data) context.seedDemoData = false;
  const workDir = resolve('.local', 'run');
  await rm(workDir, { recursive: true, force: true });
  const runtime = await startLocalRuntime({
    workDir,
    context,
    gatewayPort: 0,
    // Often enough that a short --link-ttl visibly expires while you watch.
    scheduleEveryMs: Math.min(60_000, Math.max(1_000, (linkSeconds * 1000) / 4)),
  });
  // For `npm run ops` in another terminal: where this stack is; gone when it stops (a file left
  // by a killed process is stale: its pid no longer runs).
  const opsFile = defaultLocalStackFile();
  await writeLocalStackFile(opsFile, localStackInfo(runtime, workDir));
  process.once('exit', () => removeLocalStackFileSync(opsFile));
  const stop = async () => {
    say('\nStopping…');
    await removeLocalStackFile(opsFile);
    await runtime.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());

  try {
    const tables = runtime.deployment.tables.map((t) => t.name);
    if (values.data) {
      const loaded = await loadDataDirectory(
        runtime.admin.dynamodb,
        resolve(values.data),
        tables,
        runtime.gameTables,
      );
      say(
        `Loaded ${Object.values(loaded).reduce((a, b) => a + b, 0)} items into ${Object.keys(loaded).length} tables`,
      );
    } else {
      say('The demo game’s data was seeded by its stack (Custom::DemoData), as `cdk deploy` does');
    }
    say(`Player ${playerId} asks for a copy of their data (ExportRequested on the local event bus)…`);
    const started = performance.now();
    const request = await requestExport(runtime, {
      playerId,
      ...(values.locale ? { locale: values.locale } : {}),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const record = request.answering;
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
        ? `E-mail written to ${runtime.outboxDir}`
        : 'The player has no e-mail address: the link is in the ExportReady event',
    );
    say(`Events: ${resolve(workDir, 'events.jsonl')}; function logs: ${resolve(workDir, 'logs')}`);
    say(`The link expires at ${record.expiresAt}. Event to link: ${seconds} s.`);
    say('');
    say(`Download link: ${request.link}`);
    say('');
    say(
      `Serving the download gateway at ${runtime.gatewayUrl} — open the link in a browser. Ctrl-C to stop.`,
    );
    say('In another terminal: npm run ops -- requests list (the requests of this stack; --help for more)');
  } catch (error) {
    await removeLocalStackFile(opsFile);
    await runtime.stop();
    throw error;
  }
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
