import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StackTemplate } from './deployment';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Everything the CDK app may read while it builds the stacks (lib/ imports the workflow
 * description, the data map and table layouts from functions/): a change to any means a new synth.
 */
const APP_SOURCES = ['bin', 'lib', 'config', 'functions', 'cdk.json', 'package-lock.json'];

export interface SynthOptions {
  /** CDK context, as `cdk synth -c key=value` would give it (deployment settings of config/deploy.ts). */
  context?: Record<string, unknown>;
  /** Where synthesized templates are kept by the hash of the app's sources; absent: always synthesize. */
  cacheDir?: string;
}

/**
 * Synthesizes the CDK app in-process, exactly as `cdk synth` builds it (bin/app.ts → lib/app.ts),
 * but without what only deploying needs: asset bundling (the local runtime runs each function's
 * source module, which is what the bundle is made from), cdk-nag and CloudFormation's own
 * validation (both run in `npm run test:infra` and `cdk synth`). Templates are cached by a hash of
 * the app's sources and the context, so a change to lib/ or config/ always synthesizes anew.
 */
export async function synthesizeTemplates(options: SynthOptions = {}): Promise<StackTemplate[]> {
  const context: Record<string, unknown> = {
    ...cdkJsonContext(await readFile(join(repoRoot, 'cdk.json'), 'utf8')),
    ...options.context,
    // Skips esbuild: the local runtime does not run bundles.
    'aws:cdk:bundling-stacks': [],
    nag: false,
  };
  // A deployment's own data map or notice may live outside config/: its contents key the cache too.
  const ownFiles = await Promise.all(
    ['dataMapFile', 'privacyNoticeFile'].map((key) =>
      typeof context[key] === 'string'
        ? readFile(resolve(repoRoot, context[key] as string), 'utf8').catch(() => '')
        : '',
    ),
  );
  const cacheFile = options.cacheDir
    ? join(options.cacheDir, `templates-${await sourcesHash({ context, ownFiles })}.json`)
    : undefined;
  if (cacheFile) {
    const cached = await readFile(cacheFile, 'utf8').catch(() => undefined);
    if (cached) return JSON.parse(cached) as StackTemplate[];
  }
  const { buildApp } = await import('../../lib/app');
  const outdir = mkdtempSync(join(tmpdir(), 'pde-cdk-out-'));
  try {
    const { app } = buildApp({ context, outdir, builtinCloudFormationValidation: false });
    const assembly = app.synth();
    const stacks = assembly.stacks.map((stack) => ({
      stackName: stack.stackName,
      template: stack.template as StackTemplate['template'],
    }));
    if (cacheFile && options.cacheDir) {
      await mkdir(options.cacheDir, { recursive: true });
      // Renamed into place: several test files synthesize at once, none may read half a file.
      const partial = `${cacheFile}.${process.pid}-${Date.now()}.tmp`;
      await writeFile(partial, JSON.stringify(stacks));
      await rename(partial, cacheFile);
    }
    return stacks;
  } finally {
    await rm(outdir, { recursive: true, force: true });
  }
}

function cdkJsonContext(text: string): Record<string, unknown> {
  return (JSON.parse(text) as { context?: Record<string, unknown> }).context ?? {};
}

/** A hash of the app's sources (and of `salt`): what a cached synth or bundle was made from. */
export async function sourcesHash(salt: unknown, sources: readonly string[] = APP_SOURCES): Promise<string> {
  const hash = createHash('sha256').update(JSON.stringify(salt));
  for (const source of sources) {
    for (const file of await filesUnder(join(repoRoot, source))) {
      hash.update(relative(repoRoot, file)).update(await readFile(file));
    }
  }
  return hash.digest('hex').slice(0, 24);
}

async function filesUnder(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return [];
  if (info.isFile()) return [path];
  const names = (await readdir(path)).sort();
  const nested = await Promise.all(names.map((name) => filesUnder(join(path, name))));
  return nested.flat();
}
