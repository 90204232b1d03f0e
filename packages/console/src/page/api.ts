import type { Session } from './types.js';

/** An answer other than 2xx, with the API's error code (`{ error: { code, message } }`) when it sent one. */
export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrfToken: string | undefined;
let onSignedOut: () => void = () => {};

/** Every call that changes something carries the session's CSRF token; the session itself is the httpOnly cookie. */
export function bindSession(session: Session | null, signedOut: () => void): void {
  csrfToken = session?.csrfToken;
  onSignedOut = signedOut;
}

async function failureOf(response: Response): Promise<ApiFailure> {
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    if (body.error?.code) code = body.error.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  return new ApiFailure(response.status, code, message);
}

/** A request to crm-api; a 401 means the session ended, and the app goes to the sign-in page. */
export async function request(method: 'GET' | 'POST' | 'PATCH', path: string, body?: object): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') {
    headers['content-type'] = 'application/json';
    if (csrfToken) headers['x-csrf-token'] = csrfToken;
  }
  const response = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
  });
  if (response.status === 401 && !path.startsWith('/api/console/sign-in')) {
    onSignedOut();
  }
  return response;
}

export async function api<T>(method: 'GET' | 'POST' | 'PATCH', path: string, body?: object): Promise<T> {
  const response = await request(method, path, body);
  if (!response.ok) throw await failureOf(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** An image from the API (a binding code) as an object URL, or the API's error. */
export async function imageUrl(path: string): Promise<{ url: string; expiresAt: string | null }> {
  const response = await request('GET', path);
  if (!response.ok) throw await failureOf(response);
  return { url: URL.createObjectURL(await response.blob()), expiresAt: response.headers.get('x-binding-code-expires-at') };
}

/** The signed-in session, or null when there is none (401). */
export async function loadSession(): Promise<Session | null> {
  const response = await fetch('/api/console/session', { credentials: 'same-origin', headers: { accept: 'application/json' } });
  if (response.status === 401) return null;
  if (!response.ok) throw await failureOf(response);
  return (await response.json()) as Session;
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}
