import { parseArgs } from 'node:util';
import { LEAD_TEMPLATES } from './create-emulator.js';
import { startEmulator } from './start-emulator.js';
import type { TemplateDefinition } from './subscribe-gate.js';

const USAGE = `Usage: pnpm --filter @leadnotify/wechat-emulator start -- [options]

The local WeChat (mini-program API, cloud function, message push, WeCom) for development. Nothing leaves the machine.

Options:
  --port N                  port to listen on (default: EMULATOR_PORT or 3900; 0 picks a free one)
  --appid ID                the mini program's AppID (default: MINIPROGRAM_APPID or wx-emulator-app)
  --secret S                its AppSecret (default: MINIPROGRAM_APPSECRET, else made up and not printed)
  --env ENV                 the cloud environment (default: MINIPROGRAM_CLOUD_ENV or emulator-env)
  --extra-template ID:k1,k2 a template of the host mini program besides the lead notice's (repeatable)
  -h, --help                this text`;

function parseFlags(args: string[]) {
  try {
    return parseArgs({
      args,
      options: {
        help: { type: 'boolean', short: 'h', default: false },
        port: { type: 'string', default: process.env.EMULATOR_PORT ?? '3900' },
        appid: { type: 'string', default: process.env.MINIPROGRAM_APPID ?? 'wx-emulator-app' },
        secret: { type: 'string', default: process.env.MINIPROGRAM_APPSECRET },
        env: { type: 'string', default: process.env.MINIPROGRAM_CLOUD_ENV ?? 'emulator-env' },
        // The host mini program's own templates, besides the lead notice's: ID:keyword1,keyword2 (repeatable).
        'extra-template': { type: 'string', multiple: true, default: [] },
      },
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
}

// `pnpm --filter … start -- --port 3900` hands the script a leading `--`; the flags come after it.
const args = process.argv.slice(2);
const values = parseFlags(args[0] === '--' ? args.slice(1) : args);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function templateFromFlag(flag: string): TemplateDefinition {
  const [id, keywords] = flag.split(':');
  if (!id || !keywords) throw new TypeError(`--extra-template ${flag}: expected ID:keyword1,keyword2 (e.g. host-order:thing1,time2)`);
  return { id, title: id, keywords: keywords.split(','), host: true };
}

const emulator = await startEmulator({
  port: Number(values.port),
  portSetting: '--port (or EMULATOR_PORT)',
  appId: values.appid,
  cloudEnv: values.env,
  templates: [...LEAD_TEMPLATES, ...values['extra-template'].map(templateFromFlag)],
  ...(values.secret ? { appSecret: values.secret } : {}),
  ...(process.env.LEADNOTIFY_SHARED_SECRET ? { functionEnv: { LEADNOTIFY_SHARED_SECRET: process.env.LEADNOTIFY_SHARED_SECRET } } : {}),
}).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
console.log(`WeChat emulator on ${emulator.url} (appid ${emulator.credentials.appId}, env ${emulator.credentials.cloudEnv})`);
if (!values.secret) console.log('AppSecret generated for this run; pass --secret to choose one (it is not printed).');
console.log(`Inspect: ${emulator.url}/_emulator/messages, /_emulator/invocations, /_emulator/bindings, /_emulator/subscriptions, /_emulator/pushes, /_emulator/faults`);
const stop = () => void emulator.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
