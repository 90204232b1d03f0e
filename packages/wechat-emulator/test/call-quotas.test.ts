import { afterEach, describe, expect, it } from 'vitest';
import { createCallQuota } from '../src/call-quota.js';
import { startEmulator, type RunningEmulator } from '../src/index.js';

describe('a call quota', () => {
  it('refuses the call past the per-minute limit within any 60 s, and takes calls again as the oldest leave the window', () => {
    let now = Date.parse('2026-11-25T02:00:30Z');
    const quota = createCallQuota({ perMinute: 3, now: () => now });

    const first = [quota.take(), quota.take()];
    now += 40_000; // across a calendar minute: the window slides, it does not reset
    const later = [quota.take(), quota.take()];
    now += 20_000; // the first two are now 60 s old
    const after = quota.take();

    expect(first).toEqual([undefined, undefined]);
    expect(later).toEqual([undefined, 'minute']);
    expect(after).toBeUndefined();
  });

  it('refuses past the daily limit until the next Beijing day', () => {
    let now = Date.parse('2026-11-25T15:00:00Z'); // 23:00 in Beijing
    const quota = createCallQuota({ perMinute: 100, perDay: 2, now: () => now });

    const today = [quota.take(), quota.take(), quota.take()];
    now += 3_600_000; // 00:00 in Beijing
    const tomorrow = quota.take();

    expect(today).toEqual([undefined, undefined, 'day']);
    expect(tomorrow).toBeUndefined();
  });
});

describe('WeChat call limits through the emulator', () => {
  let emulator: RunningEmulator;
  afterEach(() => emulator?.stop());

  /** `count` POSTs of `body` to `path`, 200 at a time; the errcodes answered, in order. */
  async function post(path: string, body: unknown, count: number): Promise<number[]> {
    const codes: number[] = [];
    for (let sent = 0; sent < count; sent += 200) {
      const batch = Array.from({ length: Math.min(200, count - sent) }, async () => {
        const response = await fetch(`${emulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const text = await response.text();
        return text.startsWith('{') ? ((JSON.parse(text) as { errcode?: number }).errcode ?? 0) : 0;
      });
      codes.push(...(await Promise.all(batch)));
    }
    return codes;
  }

  it('stable_token: the 10,001st call in a minute answers 45011; a minute later it answers again', async () => {
    let now = Date.parse('2026-11-25T02:00:00Z');
    emulator = await startEmulator({ now: () => now });
    const body = { grant_type: 'client_credential', appid: emulator.credentials.appId, secret: emulator.credentials.appSecret };

    const codes = await post('/cgi-bin/stable_token', body, 10_001);
    now += 60_000;
    const [afterAMinute] = await post('/cgi-bin/stable_token', body, 1);

    expect(codes.filter((code) => code === 0)).toHaveLength(10_000);
    expect(codes.filter((code) => code === 45011)).toHaveLength(1);
    expect(afterAMinute).toBe(0);
  }, 60_000);

  it('getwxacodeunlimit: every call with a valid token counts, refused ones too; the 5,001st in a minute answers 45009', async () => {
    emulator = await startEmulator({ now: () => Date.parse('2026-11-25T02:00:00Z') });
    const tokenAnswer = await fetch(`${emulator.url}/cgi-bin/stable_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credential', appid: emulator.credentials.appId, secret: emulator.credentials.appSecret }),
    });
    const path = `/wxa/getwxacodeunlimit?access_token=${((await tokenAnswer.json()) as { access_token: string }).access_token}`;

    // Refused for the scene (40169), so no PNG is drawn: cheap calls that still count.
    const refused = await post(path, { scene: '' }, 5000);
    const [over] = await post(path, { scene: 'S1', page: 'pages/bind/index' }, 1);

    expect(refused.every((code) => code === 40169)).toBe(true);
    expect(over).toBe(45009);
  }, 60_000);
});
