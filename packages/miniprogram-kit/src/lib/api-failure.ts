import { KitError, type KitErrorCode } from './kit-error.js';
import type { KitResponse } from './kit-config.js';

/** The CRM API's error body: `{error: {code, message}}` (crm-api http/api-error.ts). */
export function apiErrorCode(data: unknown): string | undefined {
  const code = (data as { error?: { code?: unknown } } | null | undefined)?.error?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The HTTP statuses every CRM route may answer, and what they mean to the kit. */
const CODE_BY_STATUS: Readonly<Record<number, KitErrorCode>> = { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND' };

/** A non-2xx answer from any CRM route, as a KitError; callers handle their route's own codes first. */
export function apiFailure(what: string, response: KitResponse): KitError {
  const code = CODE_BY_STATUS[response.statusCode] ?? 'SERVICE_ERROR';
  const apiCode = apiErrorCode(response.data) ?? 'no error code';
  return new KitError({ code, message: `${what}: HTTP ${response.statusCode} (${apiCode})` });
}

/** The host's request function rejected: no answer arrived. */
export async function send<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (thrown) {
    // Signing in on the way (crm-session.ts) has its own outcome, e.g. NOT_BOUND: not a network failure.
    if (thrown instanceof KitError) throw thrown;
    const detail = (thrown as { errMsg?: unknown } | null)?.errMsg ?? (thrown instanceof Error ? thrown.message : String(thrown));
    throw new KitError({ code: 'NETWORK', message: `${what}: ${String(detail)}`, cause: thrown });
  }
}
