import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dist = join(packageDir, 'dist');

describe('the built cloud function (what DevTools uploads)', () => {
  let main: (event: unknown, context: unknown) => Promise<any>;

  beforeAll(() => {
    execFileSync(process.execPath, [join(packageDir, 'scripts', 'build.mjs')], { stdio: 'pipe' });
    const load = createRequire(import.meta.url);
    main = (load(join(dist, 'index.js')) as { main: typeof main }).main;
  }, 60_000);

  it('has index.js exporting main, a package.json depending only on wx-server-sdk, and the openapi permission', () => {
    const manifest = JSON.parse(readFileSync(join(dist, 'package.json'), 'utf8'));
    const config = JSON.parse(readFileSync(join(dist, 'config.json'), 'utf8'));

    expect(typeof main).toBe('function');
    expect(manifest.main).toBe('index.js');
    expect(Object.keys(manifest.dependencies)).toEqual(['wx-server-sdk']);
    expect(manifest.devDependencies).toBeUndefined();
    expect(config.permissions.openapi).toContain('subscribeMessage.send');
  });

  it('bundles the workspace code it imports: index.js requires only wx-server-sdk and Node built-ins', () => {
    const bundle = readFileSync(join(dist, 'index.js'), 'utf8');
    const required = new Set([...bundle.matchAll(/require\("([^"]+)"\)/g)].map((match) => match[1]));

    expect(required.has('wx-server-sdk')).toBe(true);
    expect([...required].filter((name) => name !== 'wx-server-sdk' && !builtinModules.includes(String(name).replace(/^node:/, '')))).toEqual([]);
    expect(bundle).not.toContain('@leadnotify/contracts');
  });

  it('runs with the real wx-server-sdk: dispatches, answers unknown types, refuses untrusted sends', async () => {
    expect(await main({ type: 'nope' }, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_TYPE' } });
    expect(await main(null, {})).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT' } });
    const openId = await main({ type: 'getOpenId' }, {});
    expect(openId).toHaveProperty('openid');
    // Outside WeChat's cloud there is no wx_http SOURCE, so a send must be refused before any network call.
    expect(await main({ type: 'sendCustomerAssignNotification' }, {})).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });
});
