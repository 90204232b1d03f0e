import type { z } from 'zod';
import { ApiError } from './api-error.js';

export type RequestPart = 'body' | 'params' | 'query';

/**
 * C0 controls other than tab, newline and carriage return, DEL and C1 controls. PostgreSQL refuses U+0000 in text
 * (it would be a 500) and none of them is ever meant in CRM data, so no string anywhere in a request may hold one.
 */
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** The first string (or object key) in a parsed request part that holds a control character or a lone surrogate. */
function findUnsafeText(value: unknown, path: string[]): { path: string[]; message: string } | undefined {
  if (typeof value === 'string') {
    if (CONTROL_CHARACTER.test(value)) return { path, message: 'must not contain control characters' };
    if (LONE_SURROGATE.test(value)) return { path, message: 'must be well-formed Unicode (no lone surrogates)' };
    return undefined;
  }
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findUnsafeText(item, [...path, String(index)]);
      if (found) return found;
    }
    return undefined;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found = findUnsafeText(key, [...path, key]) ?? findUnsafeText(item, [...path, key]);
      if (found) return found;
    }
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
      details: [{ path: [part, ...unsafe.path].join('.'), message: unsafe.message, code: 'invalid_string' }],
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
