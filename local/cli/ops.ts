// The pinned SDK runs fine on Node 20; its notice about 2027 releases is noise in a CLI's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { durationSeconds } from '../../config/deploy';
import { OpsRefusedError } from '../../functions/core/requests/ops/ops-errors';
import { RequestNotFoundError } from '../../functions/core/requests/request-errors';
import { type RequestState, requestStates } from '../../functions/core/requests/request-record';
import { type ParsedCommand, runCommand } from '../ops/commands';
import { defaultLocalStackFile, NoLocalStackError } from '../ops/local-stack-file';
import { OpsDeps } from '../ops/ops-deps';
import { awsTarget, localTarget, OpsTargetError } from '../ops/target';
import { CliError } from './cli-support';

const usage = `usage: npm run ops -- <command> [--stack <deploymentName>] [--json]
  requests list [--state <state>] [--player <id>] [--due-within <7d, 12h>]
  requests show <requestId>
  requests retry <requestId>
  requests cancel <requestId> --reason <text>
  links resend <requestId> [--revoke-old] [--wait <2m>]
  links revoke <requestId> --reason <text>
  register --from <date> --to <date> [--format csv|json]
  retention findings [--from <date>] [--to <date>]
Without --stack it acts on the local stack of a running \`npm start\`; with it, on that deployment
(credentials and region from the environment, as the AWS CLI takes them).`;

export interface OpsIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Where `npm start`'s ops.json is looked for (OPS_LOCAL_STACK_FILE overrides). */
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
}

/** What each command accepts besides --stack and --json (anything else is bad input). */
const commandOptions: Record<string, { positional: boolean; options: string[] }> = {
  'requests list': { positional: false, options: ['state', 'player', 'due-within'] },
  'requests show': { positional: true, options: [] },
  'requests retry': { positional: true, options: [] },
  'requests cancel': { positional: true, options: ['reason'] },
  'links resend': { positional: true, options: ['revoke-old', 'wait'] },
  'links revoke': { positional: true, options: ['reason'] },
  register: { positional: false, options: ['from', 'to', 'format'] },
  'retention findings': { positional: false, options: ['from', 'to'] },
};

export interface ParsedArgs {
  command: ParsedCommand;
  stack?: string;
  json: boolean;
}

/**
 * `npm run ops -- …`: the privacy team's and operators' tool, for the local stack or a deployment.
 * Answers the exit code: 0 done, 1 the request is unknown or the action was refused or failed
 * (one line on stderr saying why), 2 bad input (one line, then the usage).
 */
export async function runOps(argv: string[], io: OpsIo): Promise<number> {
  let parsed: ParsedArgs;
  try {
    parsed = parseOpsArgs(argv);
  } catch (error) {
    if (error instanceof CliError) {
      io.stderr(`error: ${error.message} (npm run ops -- --help)\n`);
      return error.exitCode;
    }
    throw error;
  }
  if (parsed === HELP) {
    io.stdout(`${usage}\n`);
    return 0;
  }
  let deps: OpsDeps | undefined;
  try {
    const env = io.env ?? process.env;
    const target = parsed.stack
      ? await awsTarget(parsed.stack)
      : await localTarget(env.OPS_LOCAL_STACK_FILE ?? defaultLocalStackFile(io.cwd));
    deps = new OpsDeps(target);
    const output = await runCommand(parsed.command, deps, { json: parsed.json });
    io.stdout(output.endsWith('\n') ? output : `${output}\n`);
    return 0;
  } catch (error) {
    io.stderr(`error: ${explain(error)}\n`);
    if ((io.env ?? process.env).DEBUG) io.stderr(`${(error as Error)?.stack ?? error}\n`);
    return error instanceof CliError ? error.exitCode : 1;
  } finally {
    deps?.destroy();
  }
}

function explain(error: unknown): string {
  if (error instanceof RequestNotFoundError) return `unknown request ${error.requestId}`;
  if (
    error instanceof CliError ||
    error instanceof NoLocalStackError ||
    error instanceof OpsTargetError ||
    error instanceof OpsRefusedError
  ) {
    return error.message;
  }
  // The stack's file was there, but its endpoint is gone (the process was replaced or killed).
  if (connectionRefused(error)) return new NoLocalStackError().message;
  const name = (error as { name?: string })?.name;
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'CredentialsProviderError' || name === 'ExpiredTokenException') {
    return `no usable AWS credentials: ${message}`;
  }
  return name && name !== 'Error' ? `${name}: ${message}` : message;
}

function connectionRefused(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (e.code === 'ECONNREFUSED') return true;
  }
  return false;
}

const HELP = Symbol('help') as unknown as ParsedArgs;

export function parseOpsArgs(argv: string[]): ParsedArgs {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        stack: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        state: { type: 'string' },
        player: { type: 'string' },
        'due-within': { type: 'string' },
        reason: { type: 'string' },
        'revoke-old': { type: 'boolean' },
        wait: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        format: { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    throw bad(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return HELP;
  const [first, second, ...rest] = positionals;
  const name = first === 'register' ? 'register' : `${first ?? ''} ${second ?? ''}`.trim();
  const spec = commandOptions[name];
  if (!spec) throw bad(first ? `unknown command ${JSON.stringify(name)}` : 'a command is required');
  const args = first === 'register' ? [second, ...rest].filter((a) => a !== undefined) : rest;
  for (const option of Object.keys(values)) {
    if (['stack', 'json', 'help'].includes(option) || values[option] === undefined) continue;
    if (!spec.options.includes(option)) throw bad(`--${option} is not an option of ${name}`);
  }
  if (spec.positional ? args.length !== 1 : args.length !== 0) {
    throw bad(spec.positional ? `${name} takes one request id` : `${name} takes no further arguments`);
  }
  const stack = text(values.stack);
  if (stack !== undefined && !/^[A-Za-z][A-Za-z0-9-]{0,31}$/.test(stack)) {
    throw bad('--stack takes the deployment name (deploymentName), e.g. PlayerDataExport');
  }
  const json = values.json === true;
  const common = { ...(stack ? { stack } : {}), json };
  const requestId = spec.positional ? requestIdOf(args[0] as string) : '';
  switch (name) {
    case 'requests list': {
      const state = text(values.state);
      if (state !== undefined && !(requestStates as readonly string[]).includes(state)) {
        throw bad(`--state takes one of ${requestStates.join(', ')}`);
      }
      const player = text(values.player);
      if (player !== undefined && !/^[A-Za-z0-9_.:-]{1,128}$/.test(player)) {
        throw bad('--player takes a player id (1–128 characters from A–Z, a–z, 0–9, "_", ".", ":", "-")');
      }
      const within = text(values['due-within']);
      const seconds = within === undefined ? undefined : durationSeconds(within);
      if (within !== undefined && seconds === undefined) {
        throw bad(`--due-within takes a duration such as 7d or 12h, got ${JSON.stringify(within)}`);
      }
      return {
        ...common,
        command: {
          name,
          ...(state ? { state: state as RequestState } : {}),
          ...(player ? { playerId: player } : {}),
          ...(seconds !== undefined ? { dueWithinMs: seconds * 1000 } : {}),
        },
      };
    }
    case 'requests show':
    case 'requests retry':
      return { ...common, command: { name, requestId } };
    case 'requests cancel':
    case 'links revoke':
      return { ...common, command: { name, requestId, reason: reasonOf(values.reason) } };
    case 'links resend': {
      const wait = text(values.wait);
      const seconds = wait === undefined ? undefined : durationSeconds(wait);
      if (wait !== undefined && seconds === undefined) {
        throw bad(`--wait takes a duration such as 2m or 30s, got ${JSON.stringify(wait)}`);
      }
      return {
        ...common,
        command: {
          name,
          requestId,
          revokeOld: values['revoke-old'] === true,
          ...(seconds !== undefined ? { waitMs: seconds * 1000 } : {}),
        },
      };
    }
    case 'register': {
      const format = text(values.format) ?? (json ? 'json' : 'csv');
      if (format !== 'csv' && format !== 'json') throw bad('--format takes csv or json');
      if (json && format === 'csv') throw bad('--json writes JSON: leave out --format csv');
      if (values.from === undefined || values.to === undefined) {
        throw bad('register needs --from and --to (dates such as 2026-01-01)');
      }
      const { from, to } = period(values.from, values.to);
      return { ...common, command: { name, from: from as Date, to: to as Date, format } };
    }
    default:
      return { ...common, command: { name: 'retention findings', ...period(values.from, values.to) } };
  }
}

function bad(message: string): CliError {
  return new CliError(message, 2);
}

function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function requestIdOf(value: string): string {
  if (!/^[A-Za-z0-9_-]{1,72}$/.test(value)) {
    throw bad(`${JSON.stringify(value)} is not a request id (1–72 characters from A–Z, a–z, 0–9, "_", "-")`);
  }
  return value;
}

function reasonOf(value: string | boolean | undefined): string {
  const reason = text(value)?.replace(/\s+/g, ' ').trim();
  if (!reason) throw bad('--reason is required: say why, for the audit trail');
  if (reason.length > 200) throw bad('--reason takes at most 200 characters');
  return reason;
}

/** --from and --to: a day (YYYY-MM-DD, UTC; --to includes its whole day) or an ISO date-time. */
function period(
  fromText: string | boolean | undefined,
  toText: string | boolean | undefined,
): { from?: Date; to?: Date } {
  const from = fromText === undefined ? undefined : dateOf(String(fromText), '--from', false);
  const to = toText === undefined ? undefined : dateOf(String(toText), '--to', true);
  if (from && to && from.getTime() >= to.getTime()) throw bad('--from must be before --to');
  return { ...(from ? { from } : {}), ...(to ? { to } : {}) };
}

function dateOf(value: string, flag: string, endOfDay: boolean): Date {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const date = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]) + (endOfDay ? 1 : 0)));
    const check = new Date(date.getTime() - (endOfDay ? 86_400_000 : 0)).toISOString().slice(0, 10);
    if (check === value) return date;
  } else if (
    /^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(value) &&
    !Number.isNaN(Date.parse(value))
  ) {
    return new Date(value);
  }
  throw bad(`${flag} takes a date such as 2026-01-31 or 2026-01-31T12:00:00Z, got ${JSON.stringify(value)}`);
}

// Run as a program (`tsx local/cli/ops.ts`), not when a test imports runOps.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runOps(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
