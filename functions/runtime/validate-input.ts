import type { MiddlewareObj } from '@middy/core';
import type { z } from 'zod';

/** A step's input did not have the expected shape; Step Functions does not retry it. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}

/**
 * Validates the event at the edge, before any business logic sees it; past this point the types
 * are trusted. The message lists each field and its problem, never the values (they may be
 * personal data).
 */
export function validateInput<S extends z.ZodType>(schema: S): MiddlewareObj<unknown> {
  return {
    before: (request) => {
      const result = schema.safeParse(request.event);
      if (!result.success) {
        const problems = result.error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`);
        throw new ValidationError(`Invalid input: ${problems.join('; ')}`);
      }
      request.event = result.data;
    },
  };
}
