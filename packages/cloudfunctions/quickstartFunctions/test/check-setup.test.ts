import { checkSetupAnswerSchema } from '@leadnotify/contracts';
import { describe, expect, it } from 'vitest';
import { hmacSha256, toBase64Url } from '../src/security/hmac.js';
import { createTestFunction, SHARED_SECRET, signEvent } from './helpers.js';

const START_S = Math.floor(Date.parse('2026-11-25T02:00:00Z') / 1000);

/** A probe as crm-api's doctor signs it (contracts' setup-check.ts). */
function probe(secret: string, signedAt = START_S) {
  const nonce = 'nonce-0123456789abcdef';
  return { nonce, signedAt, signature: toBase64Url(hmacSha256(secret, `leadnotify-probe.v1.${nonce}.${signedAt}`)) };
}

describe('checkSetup', () => {
  it('over the HTTP API answers matches for a probe signed with its secret, with its templates and keyword mapping and no secret', async () => {
    const fn = createTestFunction({ SUBSCRIBE_TEMPLATE_IDS: 'tmpl-a,tmpl-b', SUBSCRIBE_TEMPLATE_KEYWORDS: '{"thing1":"customerName","time2":"assignedAt"}' });
    fn.asHttpApi();

    const answer = await fn.handle({ type: 'checkSetup', probe: probe(SHARED_SECRET) });

    expect(checkSetupAnswerSchema.parse(answer)).toEqual({
      ok: true,
      secret: 'matches',
      templates: ['tmpl-a', 'tmpl-b'].map((id) => ({ id, keywords: [{ keyword: 'thing1', field: 'customerName' }, { keyword: 'time2', field: 'assignedAt' }] })),
      problems: [],
    });
    expect(JSON.stringify(answer)).not.toContain(SHARED_SECRET);
  });

  it('answers differs for a probe signed with another secret, or for none while it has a secret', async () => {
    const fn = createTestFunction();
    fn.asHttpApi();

    expect(await fn.handle({ type: 'checkSetup', probe: probe('another-secret-of-at-least-32-characters') })).toMatchObject({ ok: true, secret: 'differs' });
    expect(await fn.handle({ type: 'checkSetup' })).toMatchObject({ ok: true, secret: 'differs' });
  });

  it('answers missing when it has no LEADNOTIFY_SHARED_SECRET, or one too short to use', async () => {
    for (const secret of ['', 'too-short']) {
      const fn = createTestFunction({ LEADNOTIFY_SHARED_SECRET: secret });
      fn.asHttpApi();
      expect(await fn.handle({ type: 'checkSetup', probe: probe(SHARED_SECRET) })).toMatchObject({ ok: true, secret: 'missing' });
    }
  });

  it('answers stale for a probe with the right signature signed more than 5 minutes away from its clock (a replay later learns nothing)', async () => {
    const fn = createTestFunction();
    fn.asHttpApi();

    expect(await fn.handle({ type: 'checkSetup', probe: probe(SHARED_SECRET, START_S - 300) })).toMatchObject({ secret: 'matches' });
    expect(await fn.handle({ type: 'checkSetup', probe: probe(SHARED_SECRET, START_S - 301) })).toMatchObject({ secret: 'stale' });
    expect(await fn.handle({ type: 'checkSetup', probe: probe(SHARED_SECRET, START_S + 301) })).toMatchObject({ secret: 'stale' });
  });

  it('names what in its configuration stops sending', async () => {
    const fn = createTestFunction({ SUBSCRIBE_TEMPLATE_KEYWORDS: 'not json' });
    fn.asHttpApi();

    const answer = await fn.handle({ type: 'checkSetup' });

    expect(answer.problems).toEqual([expect.stringContaining('SUBSCRIBE_TEMPLATE_KEYWORDS is not JSON')]);
  });

  it('refuses a mini-program user (FORBIDDEN) and takes a signed event from another trusted caller', async () => {
    const fn = createTestFunction();
    fn.asMiniProgramUser('openid-curious');

    expect(await fn.handle({ type: 'checkSetup', probe: probe(SHARED_SECRET) })).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(await fn.handle(signEvent({ type: 'checkSetup', probe: probe(SHARED_SECRET) }))).toMatchObject({ ok: true, secret: 'matches' });
  });

  it('refuses a malformed probe as INVALID_EVENT', async () => {
    const fn = createTestFunction();
    fn.asHttpApi();

    expect(await fn.handle({ type: 'checkSetup', probe: { nonce: 'short', signedAt: 'now' } })).toMatchObject({ ok: false, error: { code: 'INVALID_EVENT' } });
  });
});
