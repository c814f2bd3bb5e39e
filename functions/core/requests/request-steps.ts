import { type DataMap, sourceById, sourceQuery } from '../data-map/data-map';
import { describe } from '../errors';
import { exportReadyMail } from '../mail/export-ready-mail';
import type {
  Clock,
  EventPublisher,
  GrantRepository,
  Mailer,
  RequestRepository,
  SourceReader,
} from '../ports';
import type { ExportSteps } from '../workflow';
import type { ArchiveResult, ExportPlan, ExportRequest, PublishResult } from '../workflow-types';
import { hashToken, newToken } from './grant';
import { failRequest, type LifecycleDeps, moveRequest } from './lifecycle';
import type { RequestState } from './request-record';

export interface DeliverySettings {
  /** Base URL of the download gateway, e.g. https://downloads.example.com (no trailing slash). */
  gatewayBaseUrl: string;
  linkTtlSeconds: number;
  maxDownloads: number;
}

export interface RequestStepsDeps {
  requests: RequestRepository;
  grants: GrantRepository;
  events: EventPublisher;
  mailer: Mailer;
  clock: Clock;
  reader: SourceReader;
  dataMap: DataMap;
  settings: DeliverySettings;
}

export const defaultDeliverySettings: Omit<DeliverySettings, 'gatewayBaseUrl'> = {
  linkTtlSeconds: 7 * 24 * 3600,
  maxDownloads: 5,
};

/**
 * The engine's steps with the request's life around them: each step moves the request record
 * (RECEIVED → COLLECTING → PACKAGING → READY, or FAILED) and publishes the change. Moves are
 * idempotent, so a step that Step Functions retries does not trip over its own earlier move.
 */
export function withRequestLifecycle(steps: ExportSteps, deps: RequestStepsDeps): ExportSteps {
  const ensure = (requestId: string, from: RequestState, to: RequestState) =>
    enterState(deps, requestId, from, to);
  return {
    async planExport(request) {
      await ensure(request.requestId, 'RECEIVED', 'COLLECTING');
      return steps.planExport(request);
    },
    collectCategory: (task) => steps.collectCategory(task),
    async buildArchive(input) {
      await ensure(input.plan.requestId, 'COLLECTING', 'PACKAGING');
      return steps.buildArchive(input);
    },
    publishExport: (input) => publishExport(deps, input),
    async cleanUp(input) {
      await steps.cleanUp(input);
      await failRequest(deps, input.request.requestId, failureReason(input.error));
    },
  };
}

/** Moves a request into `to` unless it is there already: a retried step must not trip over its own move. */
export async function enterState(
  deps: LifecycleDeps,
  requestId: string,
  from: RequestState,
  to: RequestState,
): Promise<void> {
  const record = await deps.requests.get(requestId);
  if (record?.state === to) return;
  await moveRequest(deps, requestId, from, to);
}

/**
 * The reason kept on a FAILED request: the error's name and message. Our errors name sources,
 * tables and ids, never a player's e-mail, name or text, so they are safe to store and show.
 */
export function failureReason(error: unknown): string {
  return describe(error).slice(0, 500);
}

/**
 * Last step: a download grant for the archive, the request READY, the e-mail (when the player has
 * an address) and the "ExportReady" event with the link, so the portal can show it in-app too.
 */
export async function publishExport(
  deps: RequestStepsDeps,
  input: { request: ExportRequest; plan: ExportPlan; archive: ArchiveResult },
): Promise<PublishResult> {
  const { request, plan, archive } = input;
  const record = await deps.requests.get(request.requestId);
  const now = deps.clock.now();
  const expiresAt = new Date(now.getTime() + deps.settings.linkTtlSeconds * 1000).toISOString();
  const link = await issueLink(deps, { plan, archive, expiresAt, createdAt: now.toISOString() });
  if (record?.state !== 'READY') {
    await moveRequest(deps, request.requestId, 'PACKAGING', 'READY', {
      archiveKey: archive.archiveKey,
      archiveBytes: archive.bytes,
      expiresAt,
      recordsByCategory: archive.recordsByCategory,
    });
  }
  const mailed = await mailLink(deps, {
    request,
    username: plan.username,
    locale: plan.locale,
    link,
    expiresAt,
    requestedAt: record?.requestedAt ?? plan.generatedAt,
  });
  await deps.requests.appendAudit({
    requestId: request.requestId,
    at: deps.clock.now().toISOString(),
    action: 'link-sent',
    detail: mailed ? 'e-mail and ExportReady event' : 'ExportReady event only (no e-mail address)',
  });
  await deps.events.publish('ExportReady', {
    requestId: request.requestId,
    playerId: request.playerId,
    link,
    expiresAt,
    maxDownloads: deps.settings.maxDownloads,
    archiveBytes: archive.bytes,
    // Tells the portal whether the player also got the link by e-mail.
    mailed,
  });
  return { requestId: request.requestId, link, expiresAt, mailed };
}

export async function issueLink(
  deps: RequestStepsDeps,
  input: {
    plan: Pick<ExportPlan, 'requestId' | 'playerId' | 'rootFolder' | 'locale'>;
    archive: Pick<ArchiveResult, 'archiveKey' | 'bytes' | 'recordsByCategory'>;
    expiresAt: string;
    createdAt: string;
  },
): Promise<string> {
  const token = newToken();
  await deps.grants.create({
    tokenHash: hashToken(token),
    requestId: input.plan.requestId,
    playerId: input.plan.playerId,
    archiveKey: input.archive.archiveKey,
    fileName: `${input.plan.rootFolder}.zip`,
    locale: input.plan.locale,
    createdAt: input.createdAt,
    expiresAt: input.expiresAt,
    maxDownloads: deps.settings.maxDownloads,
    downloads: 0,
    archiveBytes: input.archive.bytes,
    recordsByCategory: input.archive.recordsByCategory,
  });
  return `${deps.settings.gatewayBaseUrl}/d/${token}`;
}

export async function mailLink(
  deps: RequestStepsDeps,
  input: {
    request: ExportRequest;
    username: string;
    locale: string;
    link: string;
    expiresAt: string;
    requestedAt: string;
  },
): Promise<boolean> {
  const record = await deps.requests.get(input.request.requestId);
  const to = record?.contactEmail ?? input.request.email ?? (await playerEmail(deps, input.request.playerId));
  if (!to) return false;
  await deps.mailer.send(
    exportReadyMail({
      locale: input.locale,
      username: input.username,
      link: input.link,
      requestedAt: input.requestedAt,
      expiresAt: input.expiresAt,
      maxDownloads: deps.settings.maxDownloads,
      to,
    }),
  );
  return true;
}

/** The address in the identity source; read at send time so it never travels in workflow state. */
export async function playerEmail(deps: RequestStepsDeps, playerId: string): Promise<string | undefined> {
  const identity = sourceById(deps.dataMap, deps.dataMap.identity.source);
  for await (const page of deps.reader.pages(sourceQuery(identity, playerId))) {
    const email = page[0]?.[deps.dataMap.identity.emailField];
    return typeof email === 'string' && email.includes('@') ? email : undefined;
  }
  return undefined;
}
