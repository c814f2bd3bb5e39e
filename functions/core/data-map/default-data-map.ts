// `#data-map` is config/data-map.json (package.json "imports"); a deployment's bundles embed the
// file its dataMapFile setting names instead (lib/constructs/export-function.ts, esbuild alias).
import raw from '#data-map' with { type: 'json' };
import { type DataMap, parseDataMap } from './data-map';

/** The data map of this deployment, bundled into each Lambda so a bad map fails at deploy, not at 3 a.m. */
export const defaultDataMap: DataMap = parseDataMap(raw);
