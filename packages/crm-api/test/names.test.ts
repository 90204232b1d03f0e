import { joinedEmojiSequences } from '@leadnotify/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR } from '../src/domain/actor.js';
import { createCustomer, updateCustomer } from '../src/domain/customers.js';
import { checkName } from '../src/domain/names.js';
import { createUser } from '../src/domain/users.js';
import { singleLineText } from '../src/http/schemas.js';
import { createTestApp, tableCounts, type TestApp } from './helpers/test-app.js';

/** The name rule is the domain's: whoever calls createUser or createCustomer (the CLI, a seed) meets it. */
describe('the name rule, applied by the domain', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp('sqlite');
  });
  afterAll(() => t.close());

  it('createUser refuses a name with a line break or a zero-width character, with the API\'s detail shape, and stores nothing', async () => {
    const before = await tableCounts(t);

    await expect(createUser(t.ctx, OPERATOR, { name: 'a\nb', role: 'sales' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'name', code: 'custom', message: expect.stringContaining('must not contain U+000A') }],
    });
    await expect(createUser(t.ctx, OPERATOR, { name: '张\u200b三', role: 'sales' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'name', message: expect.stringContaining('U+200B') }],
    });
    expect(await tableCounts(t)).toEqual(before);
  });

  it('createCustomer and updateCustomer refuse it in the name, the company and the source', async () => {
    const customer = await t.customer();
    const refused = (field: string, codePoint: string) => ({ code: 'VALIDATION_FAILED', details: [{ path: field, message: expect.stringContaining(codePoint) }] });

    await expect(createCustomer(t.ctx, { name: 'A\u2028B' })).rejects.toMatchObject(refused('name', 'U+2028'));
    await expect(createCustomer(t.ctx, { name: 'A', company: '\u202eevil' })).rejects.toMatchObject(refused('company', 'U+202E'));
    await expect(createCustomer(t.ctx, { name: 'A', source: 'x\u00ady' })).rejects.toMatchObject(refused('source', 'U+00AD'));
    await expect(updateCustomer(t.ctx, OPERATOR, customer.id, { name: 'A\tB' })).rejects.toMatchObject(refused('name', 'U+0009'));
    await expect(updateCustomer(t.ctx, OPERATOR, customer.id, { company: 'B\u2029C' })).rejects.toMatchObject(refused('company', 'U+2029'));

    const unchanged = await t.db.selectFrom('customers').select(['name', 'company', 'version']).where('id', '=', customer.id).executeTakeFirstOrThrow();
    expect(unchanged).toEqual({ name: customer.name, company: null, version: 1 });
  });

  it('accepts every emoji ZWJ and tag sequence of Unicode\'s list in a name, in the domain and in the API alike', async () => {
    const sequences = joinedEmojiSequences();
    const refusedByDomain = sequences.filter((sequence) => {
      try {
        return checkName('name', `${sequence}王`, 100) !== `${sequence}王`;
      } catch {
        return true;
      }
    });
    const refusedByApi = sequences.filter((sequence) => !singleLineText(100).safeParse(`客户${sequence}`).success);

    expect(refusedByDomain).toEqual([]);
    expect(refusedByApi).toEqual([]);
    const user = await createUser(t.ctx, OPERATOR, { name: '👩‍💻王经理', role: 'manager' });
    const customer = await createCustomer(t.ctx, { name: '👨‍👩‍👧‍👦王家', company: '🏳️‍🌈彩虹工作室', source: '🏴󠁧󠁢󠁳󠁣󠁴󠁿展会' });
    expect([user.name, customer.name, customer.company, customer.source]).toEqual(['👩‍💻王经理', '👨‍👩‍👧‍👦王家', '🏳️‍🌈彩虹工作室', '🏴󠁧󠁢󠁳󠁣󠁴󠁿展会']);
  });

  it.each([
    ['a joiner between letters', '张\u200d三', 'U+200D'],
    ['a joiner after an emoji, before a letter', '👩\u200d程序员', 'U+200D'],
    ['a joiner at the end', '王家👩\u200d', 'U+200D'],
    ['two joiners in a row', '👩\u200d\u200d💻', 'U+200D'],
    ['tag characters without the black flag', '王\u{e0067}\u{e0062}\u{e007f}', 'U+E0067'],
  ])('refuses %s, naming the character', async (_, name, codePoint) => {
    await expect(createUser(t.ctx, OPERATOR, { name, role: 'sales' })).rejects.toMatchObject({ details: [{ path: 'name', message: expect.stringContaining(codePoint) }] });
    expect(singleLineText(100).safeParse(name).success).toBe(false);
  });

  it('stores names trimmed, and clears a company or source with null', async () => {
    const created = await createCustomer(t.ctx, { name: '  云栖科技 ', company: ' 杭州云栖\n', source: '展会' });
    const updated = await updateCustomer(t.ctx, OPERATOR, created.id, { name: '\ufeff云栖 ', source: null });

    expect([created.name, created.company]).toEqual(['云栖科技', '杭州云栖']);
    expect([updated.name, updated.company, updated.source]).toEqual(['云栖', '杭州云栖', null]);
  });

  it.each([
    ['', 100],
    ['   ', 100],
    [' 张三 ', 100],
    ['x'.repeat(100), 100],
    ['x'.repeat(101), 100],
    [' '.repeat(5) + 'x'.repeat(100) + '\n', 100],
    ['😀'.repeat(50), 100],
    ['😀'.repeat(51), 100],
    ['😀'.repeat(101), 100],
    ['\ud800'.repeat(101), 100],
    ['a\nb', 100],
    ['A\u200dB', 200],
    ['👨‍👩‍👧‍👦', 100],
    ['👨‍👩‍👧‍👦\u200d', 100],
    ['\u00a0名字\u00a0', 100],
    ['名\u3000字', 100],
  ])('the API\'s schema and the domain agree on %j (at most %i)', (value, max) => {
    const api = singleLineText(max).safeParse(value);
    let domain: { ok: true; value: string } | { ok: false };
    try {
      domain = { ok: true, value: checkName('name', value, max) };
    } catch {
      domain = { ok: false };
    }

    expect(api.success ? { ok: true, value: api.data } : { ok: false }).toEqual(domain);
  });
});
