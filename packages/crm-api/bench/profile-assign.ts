import autocannon from 'autocannon';
import { spawnTs } from '../test/helpers/child-process.js';
import { seedBenchDb } from './seed-bench.js';

/**
 * Loads POST /api/customers/:id/assign on an API started with --cpu-prof (NOTIFIER=off, as benchmark 2), for
 * finding where an assignment's time goes: `tsx bench/profile-assign.ts`, then read the .cpuprofile in PROFILE_DIR.
 */
const dir = process.env.PROFILE_DIR ?? '/tmp/leadnotify-profile';
const db = await seedBenchDb({ sales: 2, customers: 3000 });
const api = await spawnTs('packages/crm-api/src/main.ts', {
  env: { PORT: '0', HOST: '127.0.0.1', DATABASE_URL: db.url, NOTIFIER: 'off', LOG_LEVEL: 'warn' },
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
if (process.env.PROFILE_SQL) console.log(api.output().split('\n').filter((l) => l.includes('SQLT')).join('\n'));
await db.db.close();
