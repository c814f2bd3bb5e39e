// The pinned SDK runs fine on Node 20; its notice about 2027 releases is noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { parseArgs } from 'node:util';
import { runLoad } from '../load/load-run';
import { CliError, positiveInteger, reportAndExit } from './cli-support';

const usage =
  'usage: npm run load -- --requests <n> --players <m> [--max-concurrent <k>] [--read-budget <units/s>] [--inject-throttling <fraction>] [--stats <n>] [--timeout <minutes>] [--json]';

async function main(): Promise<void> {
  const values = parseOrExplain();
  const requests = positiveInteger(values.requests, '--requests');
  const players = positiveInteger(values.players, '--players');
  if (!requests || !players)
    throw new CliError(`--requests and --players are required (at least 1)\n${usage}`);
  const maxConcurrent = positiveInteger(values['max-concurrent'], '--max-concurrent');
  const readBudget = positiveInteger(values['read-budget'], '--read-budget');
  const stats = positiveInteger(values.stats, '--stats');
  const timeoutMinutes = positiveInteger(values.timeout, '--timeout') ?? 30;
  const injectThrottling =
    values['inject-throttling'] === undefined ? 0 : Number(values['inject-throttling']);
  if (!(injectThrottling >= 0 && injectThrottling < 1)) {
    throw new CliError(
      `--inject-throttling takes a fraction from 0 to below 1, got ${values['inject-throttling']}`,
    );
  }
  if (maxConcurrent === 0 || readBudget === 0)
    throw new CliError(`--max-concurrent and --read-budget are at least 1\n${usage}`);
  const say = values.json ? undefined : (line: string) => process.stdout.write(`${line}\n`);
  // With --json, progress goes to stderr: stdout's last line is the summary alone.
  const progress = say ?? ((line: string) => process.stderr.write(`${line}\n`));

  const summary = await runLoad({
    requests,
    players,
    ...(maxConcurrent ? { maxConcurrent } : {}),
    ...(readBudget ? { readBudget } : {}),
    injectThrottling,
    ...(stats !== undefined ? { stats } : {}),
    timeoutMs: timeoutMinutes * 60_000,
    say: progress,
  });
  if (say) {
    say(
      `${summary.ready}/${summary.requests} READY with a working link; ${summary.failed} failed, ${summary.lost} lost`,
    );
    say(
      `at most ${summary.peakConcurrentExports} exports at a time; ${summary.throttledReads} reads throttled by the store`,
    );
    say(`busiest second per table (budget ${summary.readBudget} units/s):`);
    for (const [table, units] of Object.entries(summary.peakReadUnitsPerSecond)) {
      say(`  ${table.padEnd(22)} ${String(units).padStart(8)}   total ${summary.totalReadUnits[table] ?? 0}`);
    }
    say(
      `${summary.wallSeconds} s in all; request to READY p50 ${summary.p50Seconds} s, p95 ${summary.p95Seconds} s`,
    );
  } else {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  }
  const overBudget = Object.values(summary.peakReadUnitsPerSecond).some(
    (units) => units > summary.readBudget,
  );
  if (summary.failed > 0 || summary.lost > 0 || overBudget) process.exitCode = 1;
}

function parseOrExplain() {
  try {
    return parseArgs({
      options: {
        requests: { type: 'string' },
        players: { type: 'string' },
        'max-concurrent': { type: 'string' },
        'read-budget': { type: 'string' },
        'inject-throttling': { type: 'string' },
        timeout: { type: 'string' },
        stats: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    throw new CliError(`${error instanceof Error ? error.message : String(error)}\n${usage}`);
  }
}

main().catch(reportAndExit);
