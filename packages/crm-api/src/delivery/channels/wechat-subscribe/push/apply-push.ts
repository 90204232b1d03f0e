import { createHash } from 'node:crypto';
import type { SubscriptionChange, SubscriptionState } from '@leadnotify/contracts';
import { saveSubscriptionStates, storePush } from '../../../../db/push-store.js';
import { DomainError } from '../../../../domain/errors.js';
import { catchUp } from '../../../catch-up.js';
import type { DeliveryDeps } from '../../../deps.js';
import { storeReceipt } from '../../../outbox/receipts.js';
import { settleReceipts } from '../../../settle-receipts.js';
import type { CloudFunction } from '../cloud-function.js';
import { listOf, openPush, type PushEvent, type PushQuery } from './open-push.js';

/** Client results that count as an acceptance (newer clients add the alert and audio variants). */
const ACCEPTED = new Set(['accept', 'acceptWithAudio', 'acceptWithAlert']);

export interface PushDeps extends DeliveryDeps {
  /** Absent when WeChat is not configured: subscription changes then wait in the inbox. */
  cloudFunction?: CloudFunction | undefined;
}

const sha1 = (parts: string[]) => createHash('sha1').update(parts.join('|')).digest('hex');

/**
 * Receives one message push from WeChat: checked, opened, and stored in the inbox — nothing else happens before WeChat
 * is answered, so no failure behind it (the cloud function, say) turns into an error WeChat gives up on after three
 * tries. A push is known by the fields its signature covers (timestamp, nonce), never by `msg_signature`, which a
 * plain push's signature does not cover; storing it is the replay check, in one statement: a copy (WeChat's retry, or a
 * replay within the allowed age) is stored no more and changes nothing.
 */
export async function receivePush(deps: PushDeps, query: PushQuery, body: unknown): Promise<{ id: string; event: string } | { copy: true; event: string }> {
  const token = deps.config.WECHAT_PUSH_TOKEN;
  if (!token) throw new DomainError({ code: 'PUSH_NOT_CONFIGURED', message: 'message push is not configured: set WECHAT_PUSH_TOKEN' });
  const nowMs = deps.clock.now();
  const event = openPush(query, body, { token, aesKey: deps.config.WECHAT_PUSH_AES_KEY, appId: deps.config.MINIPROGRAM_APPID }, nowMs, deps.config.WECHAT_PUSH_MAX_AGE_SECONDS * 1000);
  const name = eventName(event);
  const id = sha1([query.timestamp ?? '', query.nonce ?? '', query.signature ?? '']);
  const openid = typeof event.FromUserName === 'string' ? event.FromUserName : null;
  const stored = await storePush(deps.db.kysely, { id, event: name, openid, body: JSON.stringify(event), receivedAt: new Date(nowMs).toISOString() });
  return stored ? { id, event: name } : { copy: true, event: name };
}

function eventName(event: PushEvent): string {
  return typeof event.Event === 'string' ? event.Event : String(event.MsgType ?? 'unknown');
}

/**
 * Applies one stored push; throws when it could not be applied (whatever it applied is idempotent, and the inbox tries
 * again):
 * - `subscribe_msg_popup_event`: each accept is one more message WeChat allows (reject adds none);
 * - `subscribe_msg_change_event` reject: the user turned the template off — none until accepted again;
 *   both are forwarded to the cloud function, whose count decides every send (and which counts only our templates),
 *   and its answer is mirrored; an acceptance of ours catches up on the salesperson's skipped notifications;
 * - `subscribe_msg_sent_event`: WeChat's receipt for a delivery, stored once per MsgID (the same receipt pushed again
 *   under another signature must not settle a second delivery) and settled through the state machine.
 */
export async function applyPush(deps: PushDeps, push: { id: string; body: string; receivedAt: string }): Promise<void> {
  const event = JSON.parse(push.body) as PushEvent;
  const name = eventName(event);
  const openid = typeof event.FromUserName === 'string' ? event.FromUserName : undefined;
  if (!openid) return;
  const items = listOf(event);
  if (name === 'subscribe_msg_popup_event' || name === 'subscribe_msg_change_event') {
    const changes = items.flatMap((item, index): SubscriptionChange[] => {
      const templateId = typeof item.TemplateId === 'string' ? item.TemplateId : undefined;
      const status = String(item.SubscribeStatusString ?? '');
      if (!templateId) return [];
      const key = `${push.id}:${index}`;
      if (name === 'subscribe_msg_popup_event' && ACCEPTED.has(status)) return [{ key, openid, templateId, change: 'accept' }];
      if (name === 'subscribe_msg_change_event' && status === 'reject') return [{ key, openid, templateId, change: 'turn-off' }];
      return [];
    });
    if (changes.length > 0) await applySubscriptionChanges(deps, changes);
  }
  if (name === 'subscribe_msg_sent_event') {
    const pushedAt = typeof event.CreateTime === 'number' ? new Date(event.CreateTime * 1000).toISOString() : push.receivedAt;
    for (const [index, item] of items.entries()) {
      const msgId = typeof item.MsgID === 'string' || typeof item.MsgID === 'number' ? String(item.MsgID) : null;
      await storeReceipt(deps.db.kysely, {
        id: msgId ? sha1(['receipt', openid, msgId]) : `${push.id}:${index}`,
        openid,
        delivered: String(item.ErrorCode ?? '') === '0',
        detail: `${String(item.ErrorCode ?? '')} ${String(item.ErrorStatus ?? '')}`.trim(),
        templateId: typeof item.TemplateId === 'string' ? item.TemplateId : null,
        msgId,
        createdAt: pushedAt,
        receivedAt: push.receivedAt,
      });
    }
    await settleReceipts(deps, [openid]);
  }
}

async function applySubscriptionChanges(deps: PushDeps, changes: SubscriptionChange[]): Promise<void> {
  if (!deps.cloudFunction) throw new DomainError({ code: 'WECHAT_NOT_CONFIGURED', message: 'WeChat is not configured: the push cannot reach the cloud function' });
  const answer = await deps.cloudFunction.applySubscriptionChanges(changes);
  if (!answer.ok) throw new DomainError({ code: 'WECHAT_REFUSED', message: `the cloud function refused the subscription events: ${answer.error.message}` });
  const now = new Date(deps.clock.now()).toISOString();
  await saveSubscriptionStates(deps.db.kysely, answer.states.map((state) => mirrorOf(state, now)));
  // The function answers states only for templates it counts: an acceptance of the host mini program's own template
  // starts nothing here.
  const accepted = new Set(changes.filter((change) => change.change === 'accept').map((change) => `${change.openid}\u0000${change.templateId}`));
  const users = new Set(answer.states.flatMap((state) => (state.crmUserId && accepted.has(`${state.openid}\u0000${state.templateId}`) ? [state.crmUserId] : [])));
  for (const userId of users) await catchUp(deps, userId);
}

function mirrorOf(state: SubscriptionState, now: string) {
  return {
    openid: state.openid,
    template_id: state.templateId,
    crm_user_id: state.crmUserId ?? null,
    remaining: state.remaining,
    refused: state.refused ? 1 : 0,
    version: state.version,
    updated_at: now,
  };
}
