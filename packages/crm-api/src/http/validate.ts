import type { z } from 'zod';
import { ApiError } from './api-error.js';

export type RequestPart = 'body' | 'params' | 'query';

/** Parses one part of a request; zod's issues become the 400's details. */
export function parseRequest<Schema extends z.ZodType>(schema: Schema, value: unknown, part: RequestPart): z.infer<Schema> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError({
    code: 'VALIDATION_FAILED',
    message: `The request ${part} is invalid`,
    details: result.error.issues.map((issue) => ({
      path: [part, ...issue.path.map(String)].join('.'),
      message: issue.message,
      code: issue.code,
    })),
  });
}
