import { createWxRequest } from '../wx/create-wx-request.js';
import { DEMO_CONFIG } from '../demo/demo-config.js';

/**
 * How a host app configures the kit: one `leadnotify` object on its App. No token: the kit signs in with the WeChat the
 * salesperson bound (lib/crm-session.ts) and hands its token to `request`.
 */
App({
  leadnotify: {
    request: createWxRequest(DEMO_CONFIG.crmBaseUrl),
    functionName: DEMO_CONFIG.functionName,
  },
  onLaunch() {
    wx.cloud.init({ env: DEMO_CONFIG.cloudEnv, traceUser: true });
  },
});
