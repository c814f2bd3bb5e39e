import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DeployConfigError } from '../config/deploy';
import { type DataMap, parseDataMap } from '../functions/core/data-map/data-map';
import { defaultTranslations } from '../functions/core/data-map/default-translations';
import { type PrivacyNotice, parsePrivacyNotice } from '../functions/core/data-map/privacy-notice';
import { contentCatalog, translationProblems } from '../functions/core/i18n/content';
import { repoRoot } from './constructs/export-function';

/** What a deployment's functions embed in place of the shipped files (package.json "imports"). */
export type EmbeddedFiles = Readonly<Record<'#data-map' | '#privacy-notice', string>>;

export interface DeploymentFiles {
  dataMap: DataMap;
  notice: PrivacyNotice;
  /** Absolute paths, by the import specifier the functions use. */
  embedded: EmbeddedFiles;
}

// The bundler runs in a shell: a path it is given must need no quoting.
const SAFE_PATH = /^[A-Za-z0-9_./@+-]+$/;

/**
 * Reads and checks the deployment's data map and privacy notice before any construct is built: a
 * missing file or an invalid map fails synth naming the setting, not a half-built stack or a
 * Lambda at its first request.
 */
export function readDeploymentFiles(config: {
  dataMapFile: string;
  privacyNoticeFile: string;
}): DeploymentFiles {
  const dataMapPath = resolveFile('dataMapFile', config.dataMapFile);
  const noticePath = resolveFile('privacyNoticeFile', config.privacyNoticeFile);
  const dataMap = parsed('dataMapFile', dataMapPath, (raw) => parseDataMap(raw));
  const notice = parsed('privacyNoticeFile', noticePath, (raw) => parsePrivacyNotice(raw, dataMap));
  checkTranslations(dataMap, notice);
  return { dataMap, notice, embedded: { '#data-map': dataMapPath, '#privacy-notice': noticePath } };
}

/**
 * Every text of the map and the notice needs its translation in config/translations: a deployment
 * with its own map or notice fails synth naming what is missing, rather than show a player English.
 */
function checkTranslations(dataMap: DataMap, notice: PrivacyNotice): void {
  const catalog = contentCatalog(dataMap, notice);
  const problems = Object.entries(defaultTranslations).flatMap(([locale, translation]) =>
    translationProblems(catalog, translation ?? {}).map((p) => `config/translations/${locale}.json: ${p}`),
  );
  if (problems.length > 0) {
    const shown = problems.slice(0, 10).join('\n  ');
    throw new DeployConfigError(
      `The data map's and privacy notice's texts lack ${problems.length} translation(s):\n  ${shown}${problems.length > 10 ? '\n  …' : ''}`,
    );
  }
}

function resolveFile(key: string, file: string): string {
  const absolute = path.resolve(repoRoot, file);
  if (!SAFE_PATH.test(absolute)) {
    throw new DeployConfigError(
      `${key}: ${absolute} has characters the bundler's command line cannot take; use letters, digits and _ . / @ + -`,
    );
  }
  return absolute;
}

function parsed<T>(key: string, file: string, parse: (raw: unknown) => T): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new DeployConfigError(`${key}: cannot read ${file}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new DeployConfigError(`${key}: ${file} is not JSON (${(error as Error).message})`);
  }
  try {
    return parse(raw);
  } catch (error) {
    throw new DeployConfigError(`${key}: ${file}: ${(error as Error).message}`);
  }
}
