import { DomainError } from './errors.js';

/**
 * The opaque cursor of a list ordered by (created_at, id): the last row's pair, base64url JSON. A client passes back
 * what it was given and never reads it.
 */
export function encodePageCursor(createdAt: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAt, id])).toString('base64url');
}

export function decodePageCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Both parts are ASCII we issued (an ISO timestamp and a UUID); anything else never reaches the database.
    if (Array.isArray(decoded) && decoded.length === 2 && decoded.every((part) => typeof part === 'string' && /^[\x20-\x7e]{1,64}$/.test(part))) {
      return { createdAt: decoded[0] as string, id: decoded[1] as string };
    }
  } catch {
    // fall through to the refusal below
  }
  throw new DomainError({ code: 'VALIDATION_FAILED', message: 'The cursor is not one this API issued', details: [{ path: 'query.cursor' }] });
}
