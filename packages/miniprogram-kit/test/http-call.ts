import { request as httpRequest } from 'node:http';

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

/**
 * One HTTP exchange over node:http, so the end-to-end test does not depend on which fetch or AbortSignal the
 * test environment puts on globalThis.
 */
export function httpCall(method: string, url: string, options: { json?: unknown; headers?: Record<string, string> } = {}): Promise<HttpAnswer> {
  const body = options.json === undefined ? undefined : Buffer.from(JSON.stringify(options.json));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method, headers: { ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}), ...options.headers }, timeout: 10_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

/** The JSON body of an answer, or its text when it is not JSON (as wx.request's dataType json does). */
export function bodyOf(answer: HttpAnswer): unknown {
  const text = answer.body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function httpJson<T = unknown>(method: string, url: string, options: { json?: unknown; headers?: Record<string, string> } = {}): Promise<{ status: number; body: T }> {
  const answer = await httpCall(method, url, options);
  return { status: answer.status, body: bodyOf(answer) as T };
}
