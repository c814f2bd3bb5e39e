import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  answerCustomResource,
  type CustomResourceEvent,
} from '../../functions/adapters/cloudformation/custom-resource';
import { CustomResourceError, deployCustomResources } from '../../local/runtime/custom-resources';
import type { CustomResourceResource } from '../../local/runtime/deployment';

const SEED = 'arn:aws:lambda:us-east-1:000000000000:function:Demo-SeedDemo';
const resource = (version: string): CustomResourceResource => ({
  stackName: 'PlayerDataExportDemoGame',
  logicalId: 'DemoData',
  resourceType: 'Custom::DemoData',
  serviceToken: SEED,
  properties: { ServiceToken: SEED, version },
});

let dir: string;
let state: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pde-cr-'));
  state = join(dir, 'custom-resources.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A function that answers the way the seed does, through the real response adapter. */
function answering(outcome: 'SUCCESS' | 'FAILED' | 'silent', seen: CustomResourceEvent[]) {
  return async (arn: string, event: unknown) => {
    expect(arn).toBe(SEED);
    const request = event as CustomResourceEvent;
    seen.push(request);
    if (outcome !== 'silent') {
      await answerCustomResource(
        request,
        'DemoData-demo-data',
        outcome === 'SUCCESS' ? { status: 'SUCCESS' } : { status: 'FAILED', reason: 'AccessDenied: no' },
      );
    }
    return { ok: true as const, payload: null };
  };
}

describe('custom resources at deploy', () => {
  it('creates once, skips an unchanged resource on the next start, updates a changed one', async () => {
    const seen: CustomResourceEvent[] = [];
    await deployCustomResources([resource('1')], answering('SUCCESS', seen), state, 5_000);
    await deployCustomResources([resource('1')], answering('SUCCESS', seen), state, 5_000);
    await deployCustomResources([resource('2')], answering('SUCCESS', seen), state, 5_000);
    expect(seen.map((e) => e.RequestType)).toEqual(['Create', 'Update']);
    expect(seen[0]?.ResourceProperties).toEqual({ ServiceToken: SEED, version: '1' });
    expect(seen[1]).toMatchObject({ PhysicalResourceId: 'PlayerDataExportDemoGame/DemoData' });
  });

  it('a FAILED answer fails the deploy with the reason, and is tried again on the next start', async () => {
    const seen: CustomResourceEvent[] = [];
    await expect(
      deployCustomResources([resource('1')], answering('FAILED', seen), state, 5_000),
    ).rejects.toThrow(
      new CustomResourceError('DemoData (Custom::DemoData) failed to deploy: AccessDenied: no'),
    );
    await deployCustomResources([resource('1')], answering('SUCCESS', seen), state, 5_000);
    expect(seen.map((e) => e.RequestType)).toEqual(['Create', 'Create']);
  });

  it('no answer in time fails the deploy', async () => {
    await expect(deployCustomResources([resource('1')], answering('silent', []), state, 200)).rejects.toThrow(
      /no answer at the response URL in time/,
    );
  });
});
