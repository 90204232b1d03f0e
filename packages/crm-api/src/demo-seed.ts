import type { AppContext } from './context.js';
import { OPERATOR } from './domain/actor.js';
import { createApiToken } from './domain/api-tokens.js';
import { createCustomer } from './domain/customers.js';
import type { Role } from './domain/roles.js';
import { createUser, listUsers, setWecomUserId } from './domain/users.js';

/**
 * What the console's 团队触达 shows for a demo salesperson right after `pnpm start`, each a state a real team has:
 * - `stock`: bound, accepted every lead template in a dialog (WeChat pushed it): 会立即收到;
 * - `wecom`: a WeCom userid, no subscription, WeChat has told nothing: reached on WeCom;
 * - `not-bound`: never bound; a lead was skipped NOT_BOUND;
 * - `turned-off`: bound, turned the lead notice off in WeChat's settings (pushed): no subscription;
 * - `wecom-refused`: a WeCom userid WeCom does not know; a lead was skipped WECOM_USER_INVALID;
 * - `always`: accepted with "总是保持以上选择" ticked, and the phone told the CRM;
 * - `unknown`: bound on the phone, but WeChat has told the CRM nothing yet: 尚不确定.
 */
export const DEMO_STATES = ['stock', 'wecom', 'not-bound', 'turned-off', 'wecom-refused', 'always', 'unknown'] as const;
export type DemoState = (typeof DEMO_STATES)[number];

export interface DemoSeed {
  users: Array<{ id: string; name: string; role: Role; token: string; state?: DemoState }>;
  customers: Array<{ id: string; name: string }>;
}

const DEMO_USERS: Array<{ name: string; role: Role; state?: DemoState; wecomUserId?: string }> = [
  { name: '演示管理员', role: 'admin' },
  { name: '王经理', role: 'manager' },
  { name: '张三', role: 'sales', state: 'stock' },
  { name: '李四', role: 'sales', state: 'wecom', wecomUserId: 'lisi' },
  { name: '王五', role: 'sales', state: 'not-bound' },
  { name: '赵六', role: 'sales', state: 'turned-off' },
  { name: '钱七', role: 'sales', state: 'wecom-refused', wecomUserId: 'qianqi' },
  { name: '孙八', role: 'sales', state: 'always' },
  { name: '周九', role: 'sales', state: 'unknown' },
];
const DEMO_WECOM_USER = DEMO_USERS[3];

/**
 * What the local WeChat is set up with for a user at start (it forgets everything on restart): bound or not, how many
 * acceptances, and whether their WeCom userid is a member of the local WeCom. Right after seeding, from the demo state;
 * on a restart, from what the CRM knows, so the emulator does not contradict it (a user the CRM knows to be unbound is
 * not bound again, a userid WeCom refused stays refused, a turned-off user gets no acceptance).
 */
export interface LocalPhone {
  bind: boolean;
  subscriptions: number;
  wecomMember: boolean;
}

export function localPhoneOf(state: DemoState | undefined, known: { bound: boolean | null; turnedOff: boolean; mainSwitchOff: boolean; wecomUserId: string | null; wecomReachable: boolean }, plenty: number): LocalPhone {
  if (state !== undefined) {
    return {
      bind: state !== 'not-bound',
      // Plenty for those the subscription reaches, so the demo keeps delivering; none for the others.
      subscriptions: state === 'stock' || state === 'always' || state === 'unknown' ? plenty : 0,
      wecomMember: state === 'wecom',
    };
  }
  return {
    bind: known.bound !== false,
    subscriptions: known.wecomUserId !== null || known.turnedOff || known.mainSwitchOff ? 0 : plenty,
    wecomMember: known.wecomUserId !== null && known.wecomReachable,
  };
}

const DEMO_CUSTOMERS = [
  { name: '杭州云栖科技有限公司', company: '云栖科技', source: '官网表单' },
  { name: '上海浦江贸易', company: '浦江贸易', source: '展会' },
  { name: '深圳南山智造', company: '南山智造', source: '电话' },
  { name: '北京海淀教育', company: '海淀教育', source: '转介绍' },
  { name: '成都天府餐饮', company: '天府餐饮', source: '官网表单' },
  { name: '广州珠江物流', company: '珠江物流', source: '展会' },
];

/** An empty database gets a demo: an admin, a manager and seven salespeople with tokens, and customers in the pool. */
export async function seedDemoIfEmpty(ctx: AppContext): Promise<DemoSeed | undefined> {
  if ((await listUsers(ctx, OPERATOR, {})).length > 0) return undefined;
  const users = [];
  for (const spec of DEMO_USERS) {
    const created = await createUser(ctx, OPERATOR, { name: spec.name, role: spec.role });
    // The second channel: a WeCom userid (李四's reaches him; 钱七's is one WeCom does not know).
    const user = spec.wecomUserId ? await setWecomUserId(ctx, OPERATOR, created.id, spec.wecomUserId) : created;
    const token = await createApiToken(ctx.db.kysely, user.id, new Date(ctx.clock.now()), { ttlDays: ctx.config.API_TOKEN_TTL_DAYS });
    users.push({ id: user.id, name: user.name, role: user.role, token, ...(spec.state ? { state: spec.state } : {}) });
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
