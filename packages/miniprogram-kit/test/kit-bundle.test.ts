import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// Paths, not new URL(…): under jsdom, URL is jsdom's, which node:url does not take.
const dist = `${join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')}/`;

describe('what the build ships (test/build-once.ts builds it first)', () => {
  const globals = globalThis as { wx?: unknown };
  afterEach(() => {
    delete globals.wx;
  });

  it('dist/kit/leadnotify/index.js carries the request function over wx.request, beside the top-up', async () => {
    const leadnotify = createRequire(import.meta.url)(`${dist}kit/leadnotify/index.js`) as Record<string, unknown>;
    const calls: Array<Record<string, unknown>> = [];
    globals.wx = {
      request(call: Record<string, unknown> & { success(response: unknown): void }) {
        calls.push(call);
        call.success({ statusCode: 401, data: { error: { code: 'UNAUTHENTICATED' } } });
      },
    };

    expect(Object.keys(leadnotify).sort()).toEqual(['createWxRequest', 'prepareTopUp', 'topUpSubscriptions']);
    const request = (leadnotify.createWxRequest as (base: string) => (options: Record<string, unknown>) => Promise<unknown>)('https://crm.example.com/');
    const answer = await request({ method: 'GET', path: '/api/customers/c-1', token: 'lnk_x' });

    expect(answer).toEqual({ statusCode: 401, data: { error: { code: 'UNAUTHENTICATED' } } });
    expect(calls).toEqual([
      expect.objectContaining({ url: 'https://crm.example.com/api/customers/c-1', method: 'GET', header: { 'content-type': 'application/json', Authorization: 'Bearer lnk_x' } }),
    ]);
  });

  it('the demo opens in DevTools with the cloud function under its cloudfunctionRoot, ready to upload and deploy', () => {
    const project = JSON.parse(readFileSync(`${dist}demo/project.config.json`, 'utf8')) as { cloudfunctionRoot?: string };

    expect(project.cloudfunctionRoot).toBe('cloudfunctions/');
    for (const file of ['index.js', 'package.json', 'config.json']) expect(existsSync(`${dist}demo/cloudfunctions/quickstartFunctions/${file}`), file).toBe(true);
    expect(JSON.parse(readFileSync(`${dist}demo/cloudfunctions/quickstartFunctions/config.json`, 'utf8')).permissions.openapi).toContain('subscribeMessage.send');
  });
});
