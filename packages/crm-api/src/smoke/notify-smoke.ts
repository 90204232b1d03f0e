import { parseArgs } from 'node:util';
import { loadEnvFile } from '../config.js';
import { runSmoke } from './run-smoke.js';

const USAGE = `Usage: pnpm notify:smoke --customer CUSTOMER_ID --assignee USER_ID [--api URL] [--token TOKEN] [--timeout SECONDS] [--force]
  --api      API base URL (env LEADNOTIFY_API_URL, default http://localhost:3000)
  --token    a manager's or admin's API token; better LEADNOTIFY_API_TOKEN in the environment (pnpm echoes the command line)
  --force    if the customer already belongs to the assignee, release it to the pool first`;

async function main(): Promise<number> {
  loadEnvFile();
  const { values } = parseArgs({
    options: {
      customer: { type: 'string' },
      assignee: { type: 'string' },
      api: { type: 'string', default: process.env.LEADNOTIFY_API_URL ?? 'http://localhost:3000' },
      token: { type: 'string', default: process.env.LEADNOTIFY_API_TOKEN },
      timeout: { type: 'string', default: '60' },
      force: { type: 'boolean', default: false },
    },
  });
  const timeoutSeconds = Number(values.timeout);
  if (!values.customer || !values.assignee || !values.token || !Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    console.error(USAGE);
    return 64;
  }
  return runSmoke(
    {
      api: values.api.replace(/\/+$/, ''),
      token: values.token,
      customer: values.customer,
      assignee: values.assignee,
      timeoutMs: timeoutSeconds * 1000,
      force: values.force,
    },
    (line) => console.log(line),
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`✗ ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
