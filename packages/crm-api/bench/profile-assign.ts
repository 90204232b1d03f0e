import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { spawnTs } from '../test/helpers/child-process.js';
import { emulatorControl, startEmulatorProcess } from './processes.js';
import { seedBenchDb } from './seed-bench.js';

/**
 * Loads POST /api/customers/:id/assign on an API started with --cpu-prof, for finding where an assignment's time
 * goes: `tsx bench/profile-assign.ts`, then read the .cpuprofile in PROFILE_DIR. NOTIFIER=off, as benchmark 2, unless
 * PROFILE_NOTIFIER=inline: then the notifier runs in the process against an emulated WeChat answering in 1 s, as
 * benchmark 1's slow side. PROFILE_CUSTOMERS (3000) sets how many customers the load moves back and forth.
 */
const dir = process.env.PROFILE_DIR ?? '/tmp/leadnotify-profile';
const notifier = process.env.PROFILE_NOTIFIER === 'inline' ? 'inline' : 'off';
const db = await seedBenchDb({ sales: 2, customers: Number(process.env.PROFILE_CUSTOMERS ?? 3000) });
const wechat = notifier === 'inline' ? await slowWechat(db.salesIds) : undefined;
const api = await spawnTs('packages/crm-api/src/main.ts', {
  env: { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, NOTIFIER: notifier, LOG_LEVEL: 'warn', ...wechat?.env },
  ready: /crm-api listening on (http:\/\/localhost:\d+)/,
  nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
});
let counter = 0;
const result = await autocannon({
  url: api.url,
  connections: 10,
  duration: Number(process.env.PROFILE_SECONDS ?? 10),
  requests: [
    {
      method: 'POST',
      setupRequest: (request) => {
        const index = counter++;
        return {
          ...request,
          path: `/api/customers/${db.customerIds[index % db.customerIds.length]}/assign`,
          headers: { authorization: `Bearer ${db.managerToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ assigneeId: db.salesIds[Math.floor(index / db.customerIds.length) % db.salesIds.length] }),
        };
      },
    },
  ],
});
console.log(`${result.requests.average}/s, p99 ${result.latency.p99} ms, non2xx ${result.non2xx}; profile in ${dir}`);
await api.stop();
await wechat?.child.stop();
if (process.env.PROFILE_SQL) console.log(api.output().split('\n').filter((l) => l.includes('SQLT')).join('\n'));
await db.db.close();

async function slowWechat(salesIds: string[]) {
  const secret = randomBytes(16).toString('hex');
  const child = await startEmulatorProcess(secret);
  await emulatorControl(child.url, 'PUT', '/faults', { latencyMs: 1000 });
  const info = await emulatorControl(child.url, 'GET', '/info');
  for (const id of salesIds) {
    await emulatorControl(child.url, 'POST', '/bindings', { crmUserId: id });
    await emulatorControl(child.url, 'POST', '/subscriptions', { openid: `emu-openid-${id}`, count: 10 });
  }
  return { child, env: { MINIPROGRAM_APPID: info.appId, MINIPROGRAM_APPSECRET: secret, MINIPROGRAM_CLOUD_ENV: info.cloudEnv, WECHAT_API_BASE_URL: child.url } };
}
