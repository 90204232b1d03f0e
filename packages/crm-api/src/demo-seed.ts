import type { AppContext } from './context.js';
import { OPERATOR } from './domain/actor.js';
import { createApiToken } from './domain/api-tokens.js';
import { createCustomer } from './domain/customers.js';
import type { Role } from './domain/roles.js';
import { createUser, listUsers, setWecomUserId } from './domain/users.js';

export interface DemoSeed {
  users: Array<{ id: string; name: string; role: Role; token: string }>;
  customers: Array<{ id: string; name: string }>;
}

const DEMO_USERS: Array<{ name: string; role: Role }> = [
  { name: '演示管理员', role: 'admin' },
  { name: '王经理', role: 'manager' },
  { name: '张三', role: 'sales' },
  { name: '李四', role: 'sales' },
];
const DEMO_WECOM_USER = DEMO_USERS[3];

const DEMO_CUSTOMERS = [
  { name: '杭州云栖科技有限公司', company: '云栖科技', source: '官网表单' },
  { name: '上海浦江贸易', company: '浦江贸易', source: '展会' },
  { name: '深圳南山智造', company: '南山智造', source: '电话' },
  { name: '北京海淀教育', company: '海淀教育', source: '转介绍' },
  { name: '成都天府餐饮', company: '天府餐饮', source: '官网表单' },
  { name: '广州珠江物流', company: '珠江物流', source: '展会' },
];

/** An empty database gets a demo: four users with tokens and customers in the pool. */
export async function seedDemoIfEmpty(ctx: AppContext): Promise<DemoSeed | undefined> {
  if ((await listUsers(ctx, OPERATOR, {})).length > 0) return undefined;
  const users = [];
  for (const spec of DEMO_USERS) {
    const created = await createUser(ctx, OPERATOR, spec);
    // The last salesperson shows the second channel: a WeCom userid, and (locally) no subscription left.
    const user = spec === DEMO_WECOM_USER ? await setWecomUserId(ctx, OPERATOR, created.id, 'lisi') : created;
    users.push({ id: user.id, name: user.name, role: user.role, token: await createApiToken(ctx.db.kysely, user.id, new Date(ctx.clock.now()), { ttlDays: ctx.config.API_TOKEN_TTL_DAYS }) });
  }
  const customers = [];
  for (const spec of DEMO_CUSTOMERS) {
    const customer = await createCustomer(ctx, spec);
    customers.push({ id: customer.id, name: customer.name });
  }
  return { users, customers };
}

/** What a newcomer copies: tokens, and three curl lines that assign a customer and show the message. */
export function demoInstructions(seed: DemoSeed, apiUrl: string, emulatorUrl: string): string {
  const manager = seed.users.find((user) => user.role === 'manager');
  const sales = seed.users.find((user) => user.role === 'sales');
  const customer = seed.customers[0];
  if (!manager || !sales || !customer) return '';
  const lines = [
    '',
    'Demo data created (tokens are shown once):',
    ...seed.users.map((user) => `  ${user.role.padEnd(8)} ${user.name}  id=${user.id}  token=${user.token}`),
    `  ${seed.customers.length} customers are in the pool.`,
    '',
    `Try it: assign "${customer.name}" to ${sales.name}, see the notification, see the message WeChat would show:`,
    `curl -s -X POST ${apiUrl}/api/customers/${customer.id}/assign -H 'authorization: Bearer ${manager.token}' -H 'content-type: application/json' -d '{"assigneeId":"${sales.id}"}'`,
    `curl -s '${apiUrl}/api/notifications?customerId=${customer.id}' -H 'authorization: Bearer ${manager.token}'`,
    `curl -s ${emulatorUrl}/_emulator/messages`,
    ...wecomLines(seed, apiUrl, emulatorUrl, manager.token),
    '',
  ];
  return lines.join('\n');
}

/** 李四 has no subscription left but a WeCom userid: a lead for him goes out on WeCom at once. */
function wecomLines(seed: DemoSeed, apiUrl: string, emulatorUrl: string, managerToken: string): string[] {
  const wecomUser = seed.users.find((user) => user.name === DEMO_WECOM_USER?.name);
  const customer = seed.customers[1];
  if (!wecomUser || !customer) return [];
  return [
    '',
    `${wecomUser.name} has no subscription left but a WeCom userid (lisi): a lead for him goes out on WeCom, the second channel, at once:`,
    `curl -s -X POST ${apiUrl}/api/customers/${customer.id}/assign -H 'authorization: Bearer ${managerToken}' -H 'content-type: application/json' -d '{"assigneeId":"${wecomUser.id}"}'`,
    `curl -s ${emulatorUrl}/_emulator/wecom/messages`,
  ];
}
