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
