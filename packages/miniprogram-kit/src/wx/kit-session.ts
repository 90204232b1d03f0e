import { createCrmSession, type CrmSession, type KitStorage } from '../lib/crm-session.js';
import { readKitConfig, type KitConfig, type KitRequest } from '../lib/kit-config.js';
import { cloudCallFunction, hostApp } from './cloud-call-function.js';

const wxStorage: KitStorage = {
  get: (key) => wx.getStorageSync(key),
  set: (key, value) => wx.setStorageSync(key, value),
  remove: (key) => wx.removeStorageSync(key),
};

/** One session per host request function (each page bundle has its own; they share the stored token). */
const sessions = new WeakMap<KitRequest, CrmSession>();

/** The host's kit config and the CRM session over it, for a page or component. */
export function kitSession(): { config: KitConfig; session: CrmSession } {
  const config = readKitConfig(hostApp());
  let session = sessions.get(config.request);
  if (!session) {
    session = createCrmSession({ callFunction: cloudCallFunction, functionName: config.functionName, request: config.request, storage: wxStorage, now: () => Date.now() });
    sessions.set(config.request, session);
  }
  return { config, session };
}
