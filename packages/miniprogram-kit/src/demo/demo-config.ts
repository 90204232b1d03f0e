/**
 * The demo's settings: edit before opening dist/demo in DevTools. A real host app sets these from its own
 * configuration; the kit reads only what App({ leadnotify }) gives it.
 */
export const DEMO_CONFIG = {
  /** The CRM API; `pnpm start` serves it on port 3000. Needs DevTools' "不校验合法域名" for http://127.0.0.1. */
  crmBaseUrl: 'http://127.0.0.1:3000',
  /** 云开发 → 设置 → 环境 ID. */
  cloudEnv: 'REPLACE-WITH-CLOUD-ENV',
  functionName: 'quickstartFunctions',
};
