import { randomBytes } from 'node:crypto';
import type { Clock, Ids } from '../core/ports';

export const systemClock: Clock = { now: () => new Date() };

export const randomIds: Ids = { random: (bytes = 16) => randomBytes(bytes).toString('base64url') };
