import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured logger for every function. Log ids, counts and error names only: never an
 * e-mail, a name, a post's text or a download token (DESIGN.md §7).
 */
export const logger = new Logger({ serviceName: 'player-data-export' });
