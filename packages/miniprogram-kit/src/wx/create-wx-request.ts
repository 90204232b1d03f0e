import type { KitRequest } from '../lib/kit-config.js';

/**
 * A request function for the kit over wx.request: the base URL comes from the host, the token from the kit's session
 * (options.token). The URL's domain must be in the mini program's request domain list (mp.weixin.qq.com → 开发管理 →
 * 服务器域名), or DevTools must skip the domain check.
 */
export function createWxRequest(baseUrl: string): KitRequest {
  const base = baseUrl.replace(/\/+$/, '');
  return (options) =>
    new Promise((resolve, reject) => {
      wx.request({
        url: `${base}${options.path}`,
        method: options.method,
        ...(options.data === undefined ? {} : { data: options.data }),
        header: { 'content-type': 'application/json', ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}) },
        success: (response) => resolve({ statusCode: response.statusCode, data: response.data }),
        fail: reject,
      });
    });
}
