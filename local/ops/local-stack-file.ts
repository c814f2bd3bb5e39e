import { readFileSync, rmSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { ADMIN_ACCESS_KEY } from '../runtime/aws-endpoint';
import { LOCAL_REGION } from '../runtime/deployment';
import type { LocalRuntime } from '../runtime/runtime';

/**
 * What a second process needs to act on the local stack of a running `npm start`
 * (`npm run ops`): the one AWS endpoint the runtime serves and the harness's credentials for it,
 * the stacks' outputs, the gateway, the outbox folder and the deployment settings. Written by
 * `npm start` once its stack is up, removed when it stops; a file whose process is gone is stale.
 */
export interface LocalStackFile {
  version: 1;
  /** The `npm start` process: the file is stale once it is gone. */
  pid: number;
  startedAt: string;
  /** The local AWS endpoint (DynamoDB, S3, EventBridge, Step Functions, SES, KMS). */
  endpoint: string;
  region: string;
  /** The harness's key (local/runtime/runtime.ts adminClients): not subject to any role. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  /** Stack outputs by output name (all stacks), e.g. PipelineTableName, StateMachineArn. */
  outputs: Record<string, string>;
  gatewayUrl: string;
  outboxDir: string;
  workDir: string;
  /** The deployment settings the templates were synthesized with (CDK context). */
  context: Record<string, unknown>;
  /**
   * Where the pipeline publishes ExportStatusChanged, as the template gives its functions
   * (EVENT_BUS_NAME, EVENT_SOURCE): the stacks have no output for it yet.
   */
  events: { busName: string; source: string };
}

/** Where `npm start` writes it, below the folder it runs in. */
export function defaultLocalStackFile(cwd = process.cwd()): string {
  return resolve(cwd, '.local', 'run', 'ops.json');
}

export function localStackInfo(
  runtime: Pick<LocalRuntime, 'endpoint' | 'outputs' | 'gatewayUrl' | 'outboxDir' | 'context' | 'deployment'>,
  workDir: string,
  pid = process.pid,
): LocalStackFile {
  const publisher = runtime.deployment.functions.find(
    (fn) => fn.environment.EVENT_BUS_NAME && fn.environment.EVENT_SOURCE,
  );
  if (!publisher) throw new Error('No function of the template publishes events (EVENT_BUS_NAME)');
  return {
    version: 1,
    pid,
    startedAt: new Date().toISOString(),
    endpoint: runtime.endpoint,
    region: LOCAL_REGION,
    credentials: { accessKeyId: ADMIN_ACCESS_KEY, secretAccessKey: ADMIN_ACCESS_KEY },
    outputs: runtime.outputs,
    gatewayUrl: runtime.gatewayUrl,
    outboxDir: resolve(runtime.outboxDir),
    workDir: resolve(workDir),
    context: runtime.context,
    events: {
      busName: publisher.environment.EVENT_BUS_NAME as string,
      source: publisher.environment.EVENT_SOURCE as string,
    },
  };
}

export async function writeLocalStackFile(file: string, info: LocalStackFile): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // The harness's key opens every local store: readable by this user only.
  await writeFile(file, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
}

/** Removes the file if it is still this process's (a newer `npm start` may have replaced it). */
export async function removeLocalStackFile(file: string, pid = process.pid): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text && ownedBy(text, pid)) await rm(file, { force: true });
}

/** The same, synchronously: for process 'exit', where nothing asynchronous runs any more. */
export function removeLocalStackFileSync(file: string, pid = process.pid): void {
  try {
    if (ownedBy(readFileSync(file, 'utf8'), pid)) rmSync(file, { force: true });
  } catch {
    // Gone already.
  }
}

function ownedBy(text: string, pid: number): boolean {
  try {
    return (JSON.parse(text) as { pid?: unknown }).pid === pid;
  } catch {
    return false;
  }
}

export class NoLocalStackError extends Error {
  override name = 'NoLocalStackError';
  constructor() {
    super('No local stack is running: start one with npm start');
  }
}

/** The running stack's file; NoLocalStackError when there is none, or its process has ended. */
export async function readLocalStackFile(file: string): Promise<LocalStackFile> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) throw new NoLocalStackError();
  let info: LocalStackFile;
  try {
    info = JSON.parse(text) as LocalStackFile;
  } catch {
    throw new NoLocalStackError();
  }
  if (info.version !== 1 || !isAlive(info.pid)) throw new NoLocalStackError();
  return info;
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, run by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
