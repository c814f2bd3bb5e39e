import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { FunctionResource } from '../../local/runtime/deployment';
import { LambdaHost, type LogLine } from '../../local/runtime/lambda-host';

/**
 * The host's REPORT line, Lambda's last log line of an invocation: Max Memory Used must follow
 * what the environment really holds, or the bench's per-function memory figures mean nothing.
 */
const fixture = fileURLToPath(new URL('../support/fixtures/holds-memory.mjs', import.meta.url));
const fn: FunctionResource = {
  logicalId: 'HoldsMemory',
  name: 'test-holds-memory',
  arn: 'arn:aws:lambda:eu-west-1:000000000000:function:test-holds-memory',
  entry: 'test/support/fixtures/holds-memory.mjs',
  embedded: {},
  handlerExport: 'handler',
  environment: {},
  timeoutSeconds: 30,
  memoryMb: 512,
  roleArn: 'arn:aws:iam::000000000000:role/test',
};
const lines: LogLine[] = [];
const host = new LambdaHost([fn], {
  clockOffset: new SharedArrayBuffer(8),
  modulePath: () => fixture,
  baseEnvironment: () => ({}),
  onLog: (line) => lines.push(line),
  maxEnvironmentsPerFunction: 1,
});
afterAll(() => host.stop());

const REPORT =
  /^REPORT RequestId: [0-9a-f-]{36}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: (\d+) MB\tMax Memory Used: (\d+) MB$/;

async function invokeAndReport(event: { mb: number; fail?: boolean }) {
  const from = lines.length;
  const result = await host.invoke(fn.arn, event);
  const reports = lines.slice(from).filter((line) => line.text.startsWith('REPORT'));
  expect(reports).toHaveLength(1);
  const match = REPORT.exec(reports[0]?.text ?? '');
  expect(match, reports[0]?.text).not.toBeNull();
  return { result, memorySizeMb: Number(match?.[1]), maxMemoryUsedMb: Number(match?.[2]) };
}

describe('the local Lambda host', () => {
  it("ends every invocation with Lambda's REPORT line, whose Max Memory Used follows what the environment holds", async () => {
    // One environment for both: the second's figure is its own, not the first's.
    const small = await invokeAndReport({ mb: 1 });
    const big = await invokeAndReport({ mb: 200 });
    expect(small.result.ok && big.result.ok).toBe(true);
    expect(small.memorySizeMb).toBe(512);
    expect(big.maxMemoryUsedMb).toBeGreaterThanOrEqual(200);
    expect(big.maxMemoryUsedMb).toBeLessThan(512);
    expect(small.maxMemoryUsedMb).toBeLessThan(100);
  });

  it('reports a failed invocation too, as Lambda does', async () => {
    const failed = await invokeAndReport({ mb: 64, fail: true });
    expect(failed.result.ok).toBe(false);
    expect(failed.maxMemoryUsedMb).toBeGreaterThanOrEqual(64);
  });
});
