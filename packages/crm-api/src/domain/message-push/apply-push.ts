import { createHash } from 'node:crypto';
import { applySubscriptionEventsAnswerSchema, type SubscriptionChange, type SubscriptionState } from '@leadnotify/contracts';
import type { AppContext } from '../../context.js';
import { recordReceipt, requeueSkippedAsDigest, settleReceipts } from '../../db/outbox/index.js';
import { pushSeen, rememberPush, saveSubscriptionStates } from '../../db/push-store.js';
import { DomainError } from '../errors.js';
import { listOf, openPush, type PushQuery } from './open-push.js';

/** Client results that count as an acceptance (newer clients add the alert and audio variants). */
const ACCEPTED = new Set(['accept', 'acceptWithAudio', 'acceptWithAlert']);

export interface PushOutcome {
  event: string;
  /** false: a replay of a push already applied, refused. */
  applied: boolean;
}

const sha1 = (parts: string[]) => createHash('sha1').update(parts.join('|')).digest('hex');

/**
 * One message push from WeChat, checked, opened and applied once:
 * - `subscribe_msg_popup_event`: each accept is one more message WeChat allows (reject adds none);
 * - `subscribe_msg_change_event` reject: the user turned the template off — none until accepted again;
 *   both are forwarded to the cloud function, whose count decides every send, and its answer is mirrored;
 *   an acceptance also sends the salesperson's recently skipped notifications as one digest;
 * - `subscribe_msg_sent_event`: WeChat's receipt confirms (ErrorCode 0) or refutes a delivery.
 * A push is remembered only once applied, so WeChat's retry of a push that failed here is applied, and a
 * replay of an applied one is refused. It is known by the fields its signature covers (timestamp, nonce), never by
 * `msg_signature`, which a plain push's signature does not cover. A delivery receipt is stored once per MsgID: the
 * same receipt pushed again under another signature must not settle a second delivery.
 */
export async function applyPush(ctx: AppContext, query: PushQuery, body: unknown): Promise<PushOutcome> {
  const token = ctx.config.WECHAT_PUSH_TOKEN;
  if (!token) throw new DomainError({ code: 'PUSH_NOT_CONFIGURED', message: 'message push is not configured: set WECHAT_PUSH_TOKEN' });
  const nowMs = ctx.clock.now();
  const event = openPush(query, body, { token, aesKey: ctx.config.WECHAT_PUSH_AES_KEY, appId: ctx.config.MINIPROGRAM_APPID }, nowMs, ctx.config.WECHAT_PUSH_MAX_AGE_SECONDS * 1000);
  const name = typeof event.Event === 'string' ? event.Event : String(event.MsgType ?? 'unknown');
  const openid = typeof event.FromUserName === 'string' ? event.FromUserName : null;
  const id = sha1([query.timestamp ?? '', query.nonce ?? '', query.signature ?? '']);
  if (await pushSeen(ctx.db.kysely, id)) {
    ctx.logger.warn({ event: name }, 'message push refused: a replay of a push already applied');
    return { event: name, applied: false };
  }
  const now = new Date(nowMs).toISOString();
  const items = listOf(event);
  if (openid && (name === 'subscribe_msg_popup_event' || name === 'subscribe_msg_change_event')) {
    const changes: SubscriptionChange[] = items.flatMap((item, index): SubscriptionChange[] => {
      const templateId = typeof item.TemplateId === 'string' ? item.TemplateId : undefined;
      const status = String(item.SubscribeStatusString ?? '');
      if (!templateId) return [];
      if (name === 'subscribe_msg_popup_event' && ACCEPTED.has(status)) return [{ key: `${id}:${index}`, openid, templateId, change: 'accept' as const }];
      if (name === 'subscribe_msg_change_event' && status === 'reject') return [{ key: `${id}:${index}`, openid, templateId, change: 'turn-off' as const }];
      return [];
    });
    if (changes.length > 0) await applySubscriptionChanges(ctx, changes, now);
  }
  if (openid && name === 'subscribe_msg_sent_event') {
    for (const [index, item] of items.entries()) {
      const delivered = String(item.ErrorCode ?? '') === '0';
      const detail = `${String(item.ErrorCode ?? '')} ${String(item.ErrorStatus ?? '')}`.trim();
      const msgId = typeof item.MsgID === 'string' || typeof item.MsgID === 'number' ? String(item.MsgID) : undefined;
      await recordReceipt(ctx.db.kysely, { id: msgId ? sha1(['receipt', openid, msgId]) : `${id}:${index}`, openid, delivered, detail, receivedAt: now });
    }
    await settleAndWake(ctx, openid, now);
  }
  await rememberPush(ctx.db.kysely, { id, event: name, openid, receivedAt: now });
  return { event: name, applied: true };
}

async function applySubscriptionChanges(ctx: AppContext, changes: SubscriptionChange[], now: string): Promise<void> {
  if (!ctx.wechat) throw new DomainError({ code: 'WECHAT_NOT_CONFIGURED', message: 'WeChat is not configured: the push cannot reach the cloud function' });
  const answer = applySubscriptionEventsAnswerSchema.parse(
    await ctx.wechat.invokeCloudFunction(ctx.config.WECHAT_CLOUD_FUNCTION, { type: 'applySubscriptionEvents', changes }),
  );
  if (!answer.ok) throw new DomainError({ code: 'WECHAT_REFUSED', message: `the cloud function refused the subscription events: ${answer.error.message}` });
  await saveSubscriptionStates(ctx.db.kysely, answer.states.map((state) => mirrorOf(state, now)));
  const accepted = new Set(changes.filter((change) => change.change === 'accept').map((change) => change.openid));
  for (const state of answer.states) {
    if (!state.crmUserId || !accepted.has(state.openid) || ctx.config.NOTIFY_CATCH_UP_DAYS === 0) continue;
    const since = new Date(Date.parse(now) - ctx.config.NOTIFY_CATCH_UP_DAYS * 86_400_000).toISOString();
    const requeued = await requeueSkippedAsDigest(ctx.db.kysely, state.crmUserId, since, now);
    if (requeued.length > 0) {
      ctx.logger.info({ userId: state.crmUserId, notifications: requeued.length }, 'catch-up: skipped notifications go out as one digest');
      ctx.onNotificationsQueued(requeued);
    }
  }
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

/** Settles an openid's waiting receipts; a refuted unconfirmed delivery goes out again at once. */
export async function settleAndWake(ctx: AppContext, openid: string, now: string): Promise<void> {
  const receiptWaitMs = ctx.config.NOTIFY_RECEIPT_WAIT_MINUTES * 60_000;
  for (const settled of await settleReceipts(ctx.db.kysely, ctx.db.engine, openid, { now, receiptWaitMs })) {
    if (settled.status === 'pending') ctx.onNotificationsQueued([settled.deliveryId]);
    ctx.logger.info({ deliveryId: settled.deliveryId, status: settled.status }, 'delivery receipt from WeChat');
  }
}
