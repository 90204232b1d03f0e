import { KitError } from './kit-error.js';

export interface KitRequestOptions {
  method: 'GET' | 'POST';
  /** A CRM API path with its query, e.g. /api/customers/c-1; the host adds the base URL and credentials. */
  path: string;
  /** JSON body for POST. */
  data?: Record<string, unknown>;
  /** The CRM token the kit's session (crm-session.ts) signed in with: send it as `Authorization: Bearer <token>`. */
  token?: string;
}

export interface KitResponse {
  statusCode: number;
  data: unknown;
}

/**
 * Calls the CRM API. Resolves with whatever status the server answered (4xx and 5xx included) and rejects
 * only when no answer arrived (wx.request's fail). The kit never sees a URL; the token it passes is the session's.
 */
export type KitRequest = (options: KitRequestOptions) => Promise<KitResponse>;

/** What the host app puts on its App object as `leadnotify`. */
export interface KitConfig {
  request: KitRequest;
  /** The deployed cloud function; default quickstartFunctions. */
  functionName: string;
}

export const DEFAULT_FUNCTION_NAME = 'quickstartFunctions';

/**
 * Reads `getApp().leadnotify` once per page. Checked here rather than trusted, because a missing request
 * function would otherwise surface as "undefined is not a function" deep inside a tap handler.
 */
export function readKitConfig(app: unknown): KitConfig {
  const value = (app as { leadnotify?: unknown } | null | undefined)?.leadnotify;
  const problems: string[] = [];
  const config = (value ?? {}) as Partial<Record<keyof KitConfig, unknown>>;
  if (typeof value !== 'object' || value === null) problems.push('set App({ leadnotify: { request } })');
  else {
    if (typeof config.request !== 'function') problems.push('leadnotify.request must be a function(options) returning Promise<{statusCode, data}>');
    if (config.functionName !== undefined && (typeof config.functionName !== 'string' || config.functionName.trim() === '')) {
      problems.push('leadnotify.functionName must be a cloud function name');
    }
  }
  if (problems.length > 0) throw new KitError({ code: 'KIT_NOT_CONFIGURED', message: `leadnotify kit: ${problems.join('; ')}` });
  return {
    request: config.request as KitRequest,
    functionName: typeof config.functionName === 'string' ? config.functionName.trim() : DEFAULT_FUNCTION_NAME,
  };
}
