import { loadFunctionConfig } from '../src/config.js';
import { createHandler } from '../src/create-handler.js';
import type { DeliveryEventInput } from '@leadnotify/contracts';
import { canonicalJson, hmacSha256, toBase64Url } from '../src/security/hmac.js';
import { createMemoryCloud } from '../src/testing/memory-cloud.js';

export const TEMPLATE_ID = 'tmpl-lead-assigned';
export const SHARED_SECRET = 'shared-secret-for-tests-0123456789abcdef';

export function createTestFunction(env: Record<string, string> = {}, options: { realClock?: boolean } = {}) {
  const fake = createMemoryCloud();
  fake.createCollections();
  let now = Date.parse('2026-11-25T02:00:00Z');
  const logs: string[] = [];
  const config = loadFunctionConfig({ ...(env.SUBSCRIBE_TEMPLATE_IDS ? {} : { SUBSCRIBE_TEMPLATE_ID: TEMPLATE_ID }), LEADNOTIFY_SHARED_SECRET: SHARED_SECRET, ...env });
  const handle = createHandler({
    cloud: fake.cloud,
    config,
    now: () => (options.realClock ? Date.now() : now),
    log: {
      info: (message) => logs.push(message),
      warn: (message) => logs.push(message),
      error: (message) => logs.push(message),
    },
  });
  return {
    fake,
    config,
    logs,
    handle: handle as (event: unknown) => Promise<any>,
    clock: {
      now: () => now,
      advance(ms: number) {
        now += ms;
      },
    },
    /** As the mini program user with this openid would call. */
    asMiniProgramUser(openid: string) {
      fake.setContext({ OPENID: openid, APPID: 'wx-app', SOURCE: 'wx_client', ENV: 'test-env' });
    },
    asHttpApi() {
      fake.setContext({ SOURCE: 'wx_http', ENV: 'test-env' });
    },
    async bind(crmUserId: string, openid: string) {
      await fake.cloud.database().collection('crm_user_bindings').add({ data: { _id: crmUserId, crmUserId, openid, boundAt: new Date(now).toISOString() } });
    },
    /** `refused`: WeChat answered 43101 since the last acceptance, so the function does not ask again. */
    async subscribe(openid: string, remaining: number, options: { templateId?: string; refused?: boolean } = {}) {
      const templateId = options.templateId ?? TEMPLATE_ID;
      await fake.cloud
        .database()
        .collection('subscription_quotas')
        .add({ data: { _id: `${openid}:${templateId}`, openid, templateId, remaining, refused: options.refused ?? false } });
    },
    /** The delivery records' states, by deliveryId. */
    deliveryStates() {
      return Object.fromEntries(fake.docs('notification_deliveries').map((doc) => [doc._id, doc.state]));
    },
    remaining(openid: string, templateId = TEMPLATE_ID) {
      return fake.docs('subscription_quotas').find((doc) => doc._id === `${openid}:${templateId}`)?.remaining;
    },
  };
}

let counter = 0;

export function notification(overrides: Partial<DeliveryEventInput> = {}): DeliveryEventInput {
  counter++;
  return {
    deliveryId: `n-${counter}`,
    assigneeId: 'crm-user-1',
    customers: [{ id: `c-${counter}`, name: '杭州某某科技有限公司' }],
    actor: { id: 'manager-1', name: '王经理' },
    via: 'web',
    assignedAt: '2026-11-25T02:30:00.000Z',
    ...overrides,
  };
}

export function sendEvent(item: DeliveryEventInput) {
  return { type: 'sendCustomerAssignNotification', ...item };
}

/** The event as a trusted server signs it; `signedAt` defaults to the test function's start time. */
export function signEvent(event: Record<string, unknown>, secret = SHARED_SECRET, signedAt = Math.floor(Date.parse('2026-11-25T02:00:00Z') / 1000)) {
  const timed = { ...event, signedAt };
  return { ...timed, signature: toBase64Url(hmacSha256(secret, `leadnotify-send.v2.${canonicalJson(timed)}`)) };
}

/** A ticket as crm-api issues it (format in docs/cloud-function.md). */
export function bindingTicket(claims: { uid: string; iat: number; exp: number; nonce?: string }, secret = SHARED_SECRET): string {
  const payload = toBase64Url(Buffer.from(JSON.stringify({ nonce: `nonce-${Math.random()}`, ...claims })));
  return `v1.${payload}.${toBase64Url(hmacSha256(secret, `leadnotify-bind.v1.${payload}`))}`;
}
