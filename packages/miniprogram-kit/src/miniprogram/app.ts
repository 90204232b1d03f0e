import { createWxRequest } from '../wx/create-wx-request.js';
import { DEMO_CONFIG, TOKEN_STORAGE_KEY } from '../demo/demo-config.js';

/** How a host app configures the kit: one `leadnotify` object on its App. */
App({
  leadnotify: {
    request: createWxRequest(DEMO_CONFIG.crmBaseUrl, () => wx.getStorageSync(TOKEN_STORAGE_KEY) || undefined),
    functionName: DEMO_CONFIG.functionName,
  },
  onLaunch() {
    wx.cloud.init({ env: DEMO_CONFIG.cloudEnv, traceUser: true });
  },
});
