import type { CallFunction } from '../lib/call-function.js';

/** wx.cloud.callFunction in its promise form; the host's App must have called wx.cloud.init({env}). */
export const cloudCallFunction: CallFunction = (options) => wx.cloud.callFunction(options) as Promise<{ result?: unknown }>;

/** getApp() of the host, typed loosely: readKitConfig checks what it finds. */
export function hostApp(): unknown {
  return getApp();
}
