import raw from '../../../config/data-map.json' with { type: 'json' };
import { type DataMap, parseDataMap } from './data-map';

/** The data map ops ship in config/; bundled into each Lambda so a bad map fails at deploy, not at 3 a.m. */
export const defaultDataMap: DataMap = parseDataMap(raw);
