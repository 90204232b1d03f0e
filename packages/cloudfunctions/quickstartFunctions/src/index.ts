import cloud from 'wx-server-sdk';
import type { CloudSdk } from './cloud-sdk.js';
import { loadFunctionConfig } from './config.js';
import { createHandler } from './create-handler.js';

const sdk = cloud as unknown as CloudSdk;
sdk.init({ env: sdk.DYNAMIC_CURRENT_ENV });

const config = loadFunctionConfig(process.env);
for (const problem of [...config.sendProblems, ...config.bindProblems]) console.warn(`[quickstartFunctions] config: ${problem}`);

const handle = createHandler({
  cloud: sdk,
  config,
  now: () => Date.now(),
  log: {
    info: (message, fields) => console.log(message, fields ?? ''),
    warn: (message, fields) => console.warn(message, fields ?? ''),
    error: (message, fields) => console.error(message, fields ?? ''),
  },
});

/** The entry WeChat calls. */
export async function main(event: unknown, _context: unknown): Promise<unknown> {
  return handle(event);
}
