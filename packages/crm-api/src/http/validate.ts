import type { z } from 'zod';
import { ApiError } from './api-error.js';

export type RequestPart = 'body' | 'params' | 'query';

/**
 * C0 controls other than tab, newline and carriage return, DEL and C1 controls. PostgreSQL refuses U+0000 in text
 * (it would be a 500) and none of them is ever meant in CRM data, so no string anywhere in a request may hold one.
 */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * How deep a request value may nest. No schema goes past an object holding an array of ids (depth 2); a deeper value
 * (a 20 KB body can nest 10,000 levels) is refused before it is walked any further, so the walk stays cheap and
 * bounded, and zod never sees it.
 */
export const MAX_REQUEST_DEPTH = 16;

interface UnsafeText {
  path: string[];
  message: string;
  code: 'invalid_string' | 'too_deep';
}

function unsafeTextMessage(text: string): string | undefined {
  if (CONTROL_CHARACTER.test(text)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(text)) return 'must be well-formed Unicode (no lone surrogates)';
  return undefined;
}

/**
 * The first string (or object key) in a parsed request part that holds a control character or a lone surrogate, or
 * the first value nested deeper than MAX_REQUEST_DEPTH. `path` is the walk's own stack (pushed and popped in place,
 * copied only for the answer): this runs on every request.
 */
function findUnsafeText(value: unknown, path: string[]): UnsafeText | undefined {
  if (typeof value === 'string') {
    const message = unsafeTextMessage(value);
    return message ? { path: [...path], message, code: 'invalid_string' } : undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  if (path.length >= MAX_REQUEST_DEPTH) {
    return { path: [...path], message: `is nested more than ${MAX_REQUEST_DEPTH} levels deep; no field of this API is`, code: 'too_deep' };
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      path.push(String(index));
      const found = findUnsafeText(value[index], path);
      path.pop();
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    path.push(key);
    const keyMessage = unsafeTextMessage(key);
    const found: UnsafeText | undefined = keyMessage
      ? { path: [...path], message: keyMessage, code: 'invalid_string' }
      : findUnsafeText((value as Record<string, unknown>)[key], path);
    path.pop();
    if (found) return found;
  }
  return undefined;
}

/** Parses one part of a request; zod's issues become the 400's details. */
export function parseRequest<Schema extends z.ZodType>(schema: Schema, value: unknown, part: RequestPart): z.infer<Schema> {
  const unsafe = findUnsafeText(value, []);
  if (unsafe) {
    throw new ApiError({
      code: 'VALIDATION_FAILED',
      message: `The request ${part} is invalid`,
      details: [{ path: [part, ...unsafe.path].join('.'), message: unsafe.message, code: unsafe.code }],
    });
  }
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
