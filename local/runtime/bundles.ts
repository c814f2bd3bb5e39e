import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { bundling } from '../../lib/constructs/export-function';
import type { FunctionResource } from './deployment';
import { repoRoot, sourcesHash } from './synth';

/**
 * Everything a bundle is made of, by which cached bundles are keyed: the code, the configuration it
 * embeds (the data map and the privacy notice), and the dependencies.
 */
export const BUNDLE_SOURCES = ['functions', 'config', 'package-lock.json'] as const;
const SOURCE_MAPS = 'linked';

/**
 * Bundles each function's source module (its template metadata names it) with the options the CDK
 * deploys it with (lib/constructs/export-function.ts), so what runs locally is what is deployed,
 * a bundling problem (an ESM/CommonJS mix-up, a missing dependency) shows up here, and an
 * environment starts in a fraction of the time of compiling the sources on the fly. Not minified,
 * so stack traces name our functions; the source maps are files beside the bundles, read only when
 * source maps are on (NODE_OPTIONS=--enable-source-maps, see lambda-host.ts): an inline map made
 * every environment's start 2.4 times as costly (750 ms of CPU instead of 310 for a collector),
 * paid by every runtime a test or `npm start` starts. Cached by a hash of the sources and options.
 */
export async function bundleFunctions(
  functions: readonly FunctionResource[],
  cacheDir: string,
): Promise<Map<string, string>> {
  const entries = [...new Set(functions.map((fn) => fn.entry))].sort();
  // One deployment embeds the same files in every function (lib/pipeline-stack.ts).
  const alias = Object.fromEntries(
    Object.entries(functions[0]?.embedded ?? {}).map(([specifier, file]) => [
      specifier,
      resolve(repoRoot, file),
    ]),
  );
  // Keyed on the embedded files' contents too: a deployment's own data map may live outside config/.
  const embedded = await Promise.all(Object.values(alias).map((file) => readFile(file, 'utf8')));
  const options = {
    ...bundling,
    entries,
    alias,
    embedded,
    node: process.versions.node,
    sourcemap: SOURCE_MAPS,
  };
  const outdir = join(cacheDir, `bundles-${await sourcesHash(options, BUNDLE_SOURCES)}`);
  const outputs = new Map(entries.map((entry) => [entry, join(outdir, `${entry.replace(/\.ts$/, '')}.mjs`)]));
  const complete = await stat(outdir).then(
    () => true,
    () => false,
  );
  if (!complete) {
    // Built beside and renamed into place: several test files start runtimes at once.
    const partial = `${outdir}.${process.pid}-${Date.now()}.tmp`;
    await build({
      entryPoints: entries.map((entry) => ({ in: join(repoRoot, entry), out: entry.replace(/\.ts$/, '') })),
      outdir: partial,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      target: `node${process.versions.node.split('.')[0]}`,
      format: bundling.format,
      mainFields: [...bundling.mainFields],
      banner: { js: bundling.banner },
      charset: bundling.charset,
      alias,
      sourcemap: SOURCE_MAPS,
      logLevel: 'error',
    });
    await mkdir(cacheDir, { recursive: true });
    await rename(partial, outdir).catch(async (error: NodeJS.ErrnoException) => {
      // Another process put the same bundles in place first.
      if (error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error;
      await rm(partial, { recursive: true, force: true });
    });
  }
  return outputs;
}
