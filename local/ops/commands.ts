import type { Delivery } from '../../functions/core/requests/delivery-record';
import { reissueLink, revokeRequestLinks } from '../../functions/core/requests/ops/link-actions';
import {
  registerColumns,
  requestRegister,
  retentionFindings,
  toCsv,
} from '../../functions/core/requests/ops/register';
import { cancelRequest, retryRequest } from '../../functions/core/requests/ops/request-actions';
import {
  listRequests,
  type RequestSummary,
  showRequest,
} from '../../functions/core/requests/ops/request-views';
import type { RequestState } from '../../functions/core/requests/request-record';
import type { OpsDeps } from './ops-deps';

/** A command as the CLI parsed it (local/cli/ops.ts). */
export type ParsedCommand =
  | { name: 'requests list'; state?: RequestState; playerId?: string; dueWithinMs?: number }
  | { name: 'requests show' | 'requests retry'; requestId: string }
  | { name: 'requests cancel' | 'links revoke'; requestId: string; reason: string }
  | { name: 'links resend'; requestId: string; revokeOld: boolean; waitMs?: number }
  | { name: 'register'; from: Date; to: Date; format: 'csv' | 'json' }
  | { name: 'retention findings'; from?: Date; to?: Date };

/**
 * One ops command: the use case on the target's adapters, then its output, human or (`json`) one
 * JSON value on the last line.
 */
export async function runCommand(
  command: ParsedCommand,
  deps: OpsDeps,
  options: { json: boolean },
): Promise<string> {
  const out = (value: unknown, human: () => string) => (options.json ? JSON.stringify(value) : human());
  switch (command.name) {
    case 'requests list': {
      const rows = await listRequests(deps.records(), {
        ...(command.state ? { state: command.state } : {}),
        ...(command.playerId ? { playerId: command.playerId } : {}),
        ...(command.dueWithinMs !== undefined ? { dueWithinMs: command.dueWithinMs } : {}),
      });
      return out(rows, () => requestTable(rows));
    }
    case 'requests show': {
      const shown = await showRequest(deps.records(), command.requestId);
      return out(shown, () => {
        const { timeline, requestId, playerId, ...fields } = shown;
        const lines = [`Request ${requestId} of player ${playerId}`];
        for (const [name, value] of Object.entries(fields)) lines.push(...field(name, value));
        lines.push('Timeline');
        for (const entry of timeline) {
          lines.push(`  ${entry.at}  ${entry.event.padEnd(17)} ${entry.detail ?? ''}`.trimEnd());
        }
        return lines.join('\n');
      });
    }
    case 'requests retry': {
      const lifecycle = deps.lifecycle();
      const result = await retryRequest(lifecycle, command.requestId, await deps.target.actor());
      return out(
        result,
        () =>
          `Request ${result.requestId} (${result.from}) is at work again: attempt ${result.attempt}, execution ${result.execution}${
            result.stoppedStuck ? '; the stuck execution was stopped' : ''
          }`,
      );
    }
    case 'requests cancel': {
      const lifecycle = deps.lifecycle();
      const result = await cancelRequest(
        lifecycle,
        command.requestId,
        await deps.target.actor(),
        command.reason,
      );
      return out(
        result,
        () =>
          `Request ${result.requestId} is FAILED: ${result.reason}${result.stopped ? '; its execution was stopped' : ''}; ${result.revoked} link(s) revoked`,
      );
    }
    case 'links resend': {
      const links = deps.links();
      const result = await reissueLink(links, command.requestId, await deps.target.actor(), {
        revokeOld: command.revokeOld,
      });
      const delivery =
        command.waitMs !== undefined
          ? await waitForDelivery(deps, command.requestId, command.waitMs)
          : undefined;
      const state = delivery ? deliveryState(delivery) : 'queued';
      return out({ ...result, delivery: state }, () => {
        const lines = [
          `A new link to the archive of ${result.archiveOf} (valid until ${result.expiresAt}, ${result.maxDownloads} download(s)) is in the delivery outbox of ${result.requestId}; ${
            command.revokeOld ? `${result.revoked} earlier link(s) revoked` : 'earlier links stay valid'
          }.`,
        ];
        lines.push(
          state === 'queued'
            ? 'The delivery function sends the e-mail and ExportReady on its next scheduled run.'
            : `Delivery: ${state}.`,
        );
        if (deps.target.outboxDir) lines.push(`Local e-mails are written to ${deps.target.outboxDir}`);
        return lines.join('\n');
      });
    }
    case 'links revoke': {
      const result = await revokeRequestLinks(
        deps.records(),
        command.requestId,
        await deps.target.actor(),
        command.reason,
      );
      return out(
        result,
        () => `${result.revoked} link(s) of request ${result.requestId} revoked: they answer 410 Gone`,
      );
    }
    case 'register': {
      const rows = await requestRegister(deps.records(), { from: command.from, to: command.to });
      return command.format === 'json' ? JSON.stringify(rows) : toCsv(rows, registerColumns);
    }
    case 'retention findings': {
      const rows = await retentionFindings(deps.records(), {
        ...(command.from ? { from: command.from } : {}),
        ...(command.to ? { to: command.to } : {}),
      });
      return out(rows, () =>
        rows.length === 0
          ? 'No retention findings.'
          : table(
              ['request', 'player', 'found', 'source', 'table', 'records', 'oldest'],
              rows.map((r) => [
                r.requestId,
                r.playerId,
                r.foundAt,
                r.source,
                r.table,
                String(r.records),
                r.oldest,
              ]),
            ),
      );
    }
  }
}

function requestTable(rows: RequestSummary[]): string {
  if (rows.length === 0) return 'No requests.';
  return table(
    ['request', 'player', 'state', 'received', 'due', 'updated', 'reason'],
    rows.map((r) => [
      r.requestId,
      r.playerId,
      r.stuckSince ? `${r.state} (stuck)` : r.state,
      minute(r.receivedAt),
      minute(r.dueAt),
      minute(r.updatedAt),
      r.reason ?? (r.attachedTo ? `answered by ${r.attachedTo}` : ''),
    ]),
  );
}

/** A field of `requests show`: a value on its line; a list or map of them, one per line below. */
function field(name: string, value: unknown): string[] {
  const label = `  ${name.padEnd(18)}`;
  if (value === null || typeof value !== 'object') return [`${label} ${String(value)}`];
  const entries = Array.isArray(value)
    ? value.map((item) =>
        item && typeof item === 'object'
          ? Object.entries(item)
              .map(([k, v]) => `${k} ${String(v)}`)
              .join(', ')
          : String(item),
      )
    : Object.entries(value).map(
        ([k, v]) => `${k.padEnd(26)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
      );
  return [label.trimEnd(), ...entries.map((entry) => `      ${entry}`)];
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function minute(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')}Z`;
}

function deliveryState(delivery: Delivery): string {
  if (!delivery.completedAt) return 'queued';
  return `e-mail ${delivery.mail.toLowerCase().replace('_', ' ')}, ExportReady ${delivery.event.toLowerCase()}`;
}

/** Polls the outbox entry until the delivery function has closed it, or the time is up. */
async function waitForDelivery(
  deps: OpsDeps,
  requestId: string,
  waitMs: number,
): Promise<Delivery | undefined> {
  const { outbox } = deps.records();
  const deadline = Date.now() + waitMs;
  for (;;) {
    const delivery = await outbox.get(requestId);
    if (!delivery || delivery.completedAt || Date.now() >= deadline) return delivery;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
