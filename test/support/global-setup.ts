import { resolve } from 'node:path';
import { bundleFunctions } from '../../local/runtime/bundles';
import { readDeployment } from '../../local/runtime/deployment';
import { synthesizeTemplates } from '../../local/runtime/synth';

/**
 * Before the tiers that run the local runtime: synthesize the app and bundle its functions once,
 * into the cache every test file's runtime then reads (test files run in parallel and would all
 * do it at the same moment otherwise).
 */
export default async function setup(): Promise<void> {
  const cacheDir = resolve('.local', 'cache');
  const templates = await synthesizeTemplates({ cacheDir });
  await bundleFunctions(readDeployment(templates, { httpApiEndpoint: () => '' }).functions, cacheDir);
}
