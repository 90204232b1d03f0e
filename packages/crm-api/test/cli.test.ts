import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/domain/api-tokens.js';
import { migrateToLatest, openDatabase } from '../src/db/database.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'crm-api-cli-'));
const databaseUrl = join(dir, 'cli.db');

async function cli(...args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: packageDir,
      env: { ...process.env, DATABASE_URL: databaseUrl },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the crm-api CLI', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("sets and clears a user's WeCom userid, and lists it", async () => {
    const userId = /id=(\S+)/.exec((await cli('user:create', '--name', '企微销售', '--role', 'sales')).stdout)?.[1] as string;

    const set = await cli('user:set-wecom', '--user', userId, '--wecom-userid', 'QiWei');
    expect([set.code, set.stdout.trim()]).toEqual([0, `user ${userId}: wecom=qiwei`]);
    expect((await cli('user:list')).stdout).toContain(`id=${userId} role=sales active=true wecom=qiwei`);
    expect((await cli('user:set-wecom', '--user', userId)).code).toBe(2);
    expect((await cli('user:set-wecom', '--user', userId, '--wecom-userid', '不合法')).code).toBe(1);

    expect((await cli('user:set-wecom', '--user', userId, '--clear')).stdout.trim()).toBe(`user ${userId}: wecom=-`);
  });

  it('creates a user and a token, printing the token once and storing only its hash', async () => {
    const created = await cli('user:create', '--name', '管理员', '--role', 'admin');
    expect(created.code).toBe(0);
    const userId = /id=(\S+)/.exec(created.stdout)?.[1];
    expect(userId).toBeDefined();

    const issued = await cli('token:create', '--user', userId!);
    expect(issued.code).toBe(0);
    const token = /token \(shown once, store it now\): (\S+)/.exec(issued.stdout)?.[1];
    expect(token).toMatch(/^lnk_/);

    const db = openDatabase({ url: databaseUrl });
    await migrateToLatest(db);
    const rows = await db.kysely.selectFrom('api_tokens').selectAll().execute();
    await db.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ user_id: userId, token_hash: hashToken(token!) });
    expect(JSON.stringify(rows)).not.toContain(token);

    const listed = await cli('token:list', '--user', userId!);
    const tokenId = /id=(\S+) user=/.exec(listed.stdout)?.[1];
    expect(listed.stdout).toContain('active');
    const revoked = await cli('token:revoke', '--id', tokenId!);
    expect(revoked.code).toBe(0);
    expect((await cli('token:list', '--user', userId!)).stdout).toContain('revoked');
  }, 60_000);

  it('console:link prints a one-time sign-in link for an active user, storing only its hash', async () => {
    const userId = /id=(\S+)/.exec((await cli('user:create', '--name', '控制台管理员', '--role', 'admin')).stdout)?.[1] as string;

    const printed = await cli('console:link', '--user', userId);

    expect(printed.code).toBe(0);
    const url = printed.stdout.trim();
    expect(url).toMatch(/^http:\/\/localhost:3000\/console\/sign-in\?link=[A-Za-z0-9_-]{43}$/);
    const db = openDatabase({ url: databaseUrl });
    const rows = await db.kysely.selectFrom('console_sign_in_links').selectAll().where('user_id', '=', userId).execute();
    await db.close();
    expect(rows.map((row) => row.token_hash)).toEqual([hashToken(new URL(url).searchParams.get('link') as string)]);
    expect((await cli('console:link')).code).toBe(2);
    expect((await cli('console:link', '--user', 'nobody')).stderr).toContain('No user with id nobody');
  }, 60_000);

  it('--help prints every command and exits 0; no command prints them and exits 2', async () => {
    const help = await cli('--help');
    const none = await cli();

    expect([help.code, none.code]).toEqual([0, 2]);
    for (const command of ['user:create', 'console:link', 'doctor']) expect(help.stdout).toContain(`pnpm cli ${command}`);
  }, 30_000);

  it('refuses a bad role or a missing user with a usage message and a non-zero exit', async () => {
    const badRole = await cli('user:create', '--name', 'X', '--role', 'boss');
    const missingUser = await cli('token:create');
    const unknownUser = await cli('token:create', '--user', 'nobody');

    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('--role');
    expect(missingUser.code).toBe(2);
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.stderr).toContain('No user with id nobody');
  }, 30_000);

  it('refuses a name with a line break or a zero-width character, as the API does, and creates no user', async () => {
    const lineBreak = await cli('user:create', '--name', 'a\nb', '--role', 'sales');
    const zeroWidth = await cli('user:create', '--name', '张\u200b三', '--role', 'sales');

    expect([lineBreak.code, zeroWidth.code]).toEqual([1, 1]);
    expect(lineBreak.stderr).toContain('The name must not contain U+000A');
    expect(zeroWidth.stderr).toContain('The name must not contain U+200B');
    const db = openDatabase({ url: databaseUrl });
    await migrateToLatest(db);
    const stored = await db.kysely.selectFrom('users').select('name').where('name', 'in', ['a\nb', '张\u200b三']).execute();
    await db.close();
    expect(stored).toEqual([]);
  }, 30_000);
});
