import { parseArgs } from 'node:util';
import { OPERATOR } from './domain/actor.js';
import { createApiToken, listApiTokens, revokeApiToken } from './domain/api-tokens.js';
import { BULK_RETRYABLE, retryInBulk, type BulkRetryableStatus } from './domain/bulk-retry.js';
import { createConsoleSignInLink } from './domain/console-sessions.js';
import { ConfigError, loadConfig, loadEnvFile } from './config.js';
import type { AppContext } from './context.js';
import { openConfiguredDatabase } from './database-from-config.js';
import { createLogger } from './logger.js';
import { ROLES } from './domain/roles.js';
import { createUser, getUser, listUsers, setWecomUserId, setWecomUserIdByMobile } from './domain/users.js';
import { wechatFromConfig } from './delivery/wechat-from-config.js';
import { wecomFromConfig } from './delivery/wecom-from-config.js';
import { exitCodeOf } from './doctor/findings.js';
import { formatFindings } from './doctor/report-findings.js';
import { runDoctor } from './doctor/run-doctor.js';

const USAGE = `Usage (from anywhere in the repository; .env and DATABASE_URL resolve from its root):
  pnpm cli user:create --name NAME --role admin|manager|sales [--with-token]
  pnpm cli user:list
  pnpm cli user:set-wecom --user USER_ID --wecom-userid WECOM_USERID|--mobile MOBILE|--clear
  pnpm cli token:create --user USER_ID
  pnpm cli token:list [--user USER_ID]
  pnpm cli token:revoke --id TOKEN_ID
  pnpm cli console:link --user USER_ID      a one-time link that signs the user in to the console
  pnpm cli notifications:retry [--reason CODE] [--user USER_ID] [--from DATE] [--to DATE] [--status failed,dead] [--dry-run]
                             send failed and dead notifications again (each message whole); --dry-run lists them
  pnpm cli doctor [--json]   checks WeChat, the deployed function, the shared secret, the templates, message push
                             and WeCom; one line per check with its fix; exit code 1 when any has a problem`;

const COMMANDS = ['user:create', 'user:list', 'user:set-wecom', 'token:create', 'token:list', 'token:revoke', 'console:link', 'notifications:retry', 'doctor'];

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    console.log(USAGE);
    return 0;
  }
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      role: { type: 'string' },
      user: { type: 'string' },
      id: { type: 'string' },
      'with-token': { type: 'boolean' },
      'wecom-userid': { type: 'string' },
      mobile: { type: 'string' },
      clear: { type: 'boolean' },
      json: { type: 'boolean' },
      reason: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      status: { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
    strict: true,
  });
  if (!command || !COMMANDS.includes(command)) {
    console.error(USAGE);
    return 2;
  }
  loadEnvFile();
  const config = loadConfig();
  const { db, description } = await openConfiguredDatabase(config);
  // stderr: stdout stays what scripts parse (ids, tokens).
  console.error(`database: ${description}`);
  try {
    const ctx: AppContext = {
      db,
      config,
      clock: { now: () => Date.now() },
      logger: createLogger('warn'),
      wakeNotifier: () => {},
    };
    if (command === 'doctor') {
      const wechat = wechatFromConfig(config, ctx.logger);
      const findings = await runDoctor({ ...ctx, wechat: wechat.client, cloudFunction: wechat.cloudFunction, wecom: wecomFromConfig(config, ctx) });
      console.log(values.json ? JSON.stringify({ findings, exitCode: exitCodeOf(findings) }, null, 2) : formatFindings(findings));
      return exitCodeOf(findings);
    }
    if (command === 'notifications:retry') {
      const statuses = values.status?.split(',').map((status) => status.trim());
      if (statuses?.some((status) => !(BULK_RETRYABLE as readonly string[]).includes(status))) {
        console.error(`--status takes ${BULK_RETRYABLE.join(', ')} (comma-separated)\n${USAGE}`);
        return 2;
      }
      const result = await retryInBulk(ctx, OPERATOR, {
        statuses: statuses as BulkRetryableStatus[] | undefined,
        reason: values.reason,
        assigneeId: values.user,
        from: values.from,
        to: values.to,
        dryRun: values['dry-run'] === true,
      });
      for (const message of result.messages) {
        console.log(`${message.deliveryId}\t${message.assigneeId}\t${message.status}\t${message.reason ?? ''}\t${message.notificationIds.length} notification(s)`);
      }
      // The running notifier picks the rows up at its next poll (NOTIFY_POLL_MS).
      console.error(`${result.dryRun ? 'would send again' : 'sent again'}: ${result.messages.length} message(s), ${result.notifications} notification(s)`);
      return 0;
    }
    if (command === 'user:create') {
      const role = ROLES.find((known) => known === values.role);
      if (values.name === undefined || !role) {
        console.error(`user:create needs --name and --role (admin, manager or sales)\n${USAGE}`);
        return 2;
      }
      const user = await createUser(ctx, OPERATOR, { name: values.name, role });
      console.log(`user created: id=${user.id} name=${user.name} role=${user.role}`);
      if (values['with-token']) printToken(await createApiToken(db.kysely, user.id, new Date(), { ttlDays: config.API_TOKEN_TTL_DAYS }));
      return 0;
    }
    if (command === 'user:list') {
      for (const user of await listUsers(ctx, OPERATOR, {})) {
        console.log(`id=${user.id} role=${user.role} active=${user.active} wecom=${user.wecomUserId ?? '-'} name=${user.name}`);
      }
      return 0;
    }
    if (command === 'user:set-wecom') {
      const given = [values['wecom-userid'] !== undefined, values.mobile !== undefined, values.clear === true].filter(Boolean).length;
      if (!values.user || given !== 1) {
        console.error(`user:set-wecom needs --user and one of --wecom-userid, --mobile or --clear\n${USAGE}`);
        return 2;
      }
      const wecom = wecomFromConfig(config, { clock: ctx.clock, logger: ctx.logger });
      const user =
        values.mobile !== undefined
          ? await setWecomUserIdByMobile({ ...ctx, ...(wecom ? { wecom } : {}) }, OPERATOR, values.user, values.mobile)
          : await setWecomUserId(ctx, OPERATOR, values.user, values.clear ? null : (values['wecom-userid'] as string));
      console.log(`user ${user.id}: wecom=${user.wecomUserId ?? '-'}`);
      return 0;
    }
    if (command === 'token:list') {
      for (const token of await listApiTokens(ctx, OPERATOR, { userId: values.user })) {
        const state = token.revokedAt ? `revoked ${token.revokedAt}` : token.expiresAt <= new Date().toISOString() ? 'expired' : 'active';
        console.log(`id=${token.id} user=${token.userId} ${state} created=${token.createdAt} expires=${token.expiresAt} lastUsed=${token.lastUsedAt ?? 'never'}`);
      }
      return 0;
    }
    if (command === 'token:revoke') {
      if (!values.id) {
        console.error(`token:revoke needs --id TOKEN_ID (pnpm cli token:list shows them)\n${USAGE}`);
        return 2;
      }
      const revoked = await revokeApiToken(ctx, OPERATOR, values.id);
      console.log(`token revoked: id=${revoked.id} at ${revoked.revokedAt}`);
      return 0;
    }
    if (command === 'console:link') {
      if (!values.user) {
        console.error(`console:link needs --user USER_ID\n${USAGE}`);
        return 2;
      }
      const link = await createConsoleSignInLink(ctx, values.user);
      console.error(`valid once, until ${link.expiresAt}:`);
      console.log(link.url);
      return 0;
    }
    if (!values.user) {
      console.error(`token:create needs --user USER_ID\n${USAGE}`);
      return 2;
    }
    const user = await getUser(ctx, OPERATOR, values.user);
    if (!user.active) {
      console.error(`user ${user.id} is deactivated`);
      return 1;
    }
    printToken(await createApiToken(db.kysely, user.id, new Date(), { ttlDays: config.API_TOKEN_TTL_DAYS }));
    return 0;
  } finally {
    await db.close();
  }
}

function printToken(token: string): void {
  console.log(`token (shown once, store it now): ${token}`);
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof ConfigError || error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
