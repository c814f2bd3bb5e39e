import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured logger for every function. Log ids, counts and error names only: never an
 * e-mail, a name, a post's text or a download token (DESIGN.md §7).
 */
// The service (the deployment's name) comes from POWERTOOLS_SERVICE_NAME, set by the stack.
export const logger = new Logger();
