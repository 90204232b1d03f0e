import { createHmac } from 'node:crypto';
import { sessionVouchClaimsSchema } from '@leadnotify/contracts';
import { describe, expect, it } from 'vitest';
import { createTestFunction, SHARED_SECRET } from './helpers.js';

/** Checks a vouch as the CRM does, written independently of the function's signer. */
function openVouch(vouch: string, secret = SHARED_SECRET) {
  const [version, payload, signature] = vouch.split('.');
  expect(version).toBe('v1');
  const expected = createHmac('sha256', secret).update(`leadnotify-session.v1.${payload}`).digest('base64url');
  expect(signature, 'signed with the shared secret and the session prefix').toBe(expected);
  return sessionVouchClaimsSchema.parse(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')));
}

describe('vouchCrmSession', () => {
  it('vouches for the CRM user the caller\'s WeChat is bound to, for 60 seconds, with a fresh nonce each time', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    fn.asMiniProgramUser('openid-zhang');

    const first = await fn.handle({ type: 'vouchCrmSession' });
    const second = await fn.handle({ type: 'vouchCrmSession' });

    expect(first).toMatchObject({ ok: true, crmUserId: 'crm-user-1', expiresAt: '2026-11-25T02:01:00.000Z' });
    const claims = openVouch(first.vouch);
    expect(claims).toMatchObject({ uid: 'crm-user-1', oid: 'openid-zhang', bat: '2026-11-25T02:00:00.000Z', iat: claims.exp - 60 });
    expect(openVouch(second.vouch).nonce).not.toBe(claims.nonce);
  });

  it('takes the openid from WeChat, never from the event: naming a bound openid vouches for nobody', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    fn.asMiniProgramUser('openid-stranger');

    const answer = await fn.handle({ type: 'vouchCrmSession', openid: 'openid-zhang', OPENID: 'openid-zhang' });

    expect(answer).toMatchObject({ ok: false, error: { code: 'NOT_BOUND' } });
  });

  it('answers NOT_BOUND after the caller unbound, and FORBIDDEN over the HTTP API (no OPENID)', async () => {
    const fn = createTestFunction();
    await fn.bind('crm-user-1', 'openid-zhang');
    fn.asMiniProgramUser('openid-zhang');
    expect(await fn.handle({ type: 'unbindCrmUser' })).toMatchObject({ ok: true, unbound: true });

    expect(await fn.handle({ type: 'vouchCrmSession' })).toMatchObject({ ok: false, error: { code: 'NOT_BOUND' } });
    fn.asHttpApi();
    expect(await fn.handle({ type: 'vouchCrmSession' })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
  });

  it('without the shared secret answers CONFIG_INVALID and signs nothing', async () => {
    const fn = createTestFunction({ LEADNOTIFY_SHARED_SECRET: '' });
    await fn.bind('crm-user-1', 'openid-zhang');
    fn.asMiniProgramUser('openid-zhang');

    expect(await fn.handle({ type: 'vouchCrmSession' })).toMatchObject({ ok: false, error: { code: 'CONFIG_INVALID' } });
  });
});
