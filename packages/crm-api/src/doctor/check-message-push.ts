import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import { lastPushReceivedAt, subscribeMessagesSentBetween } from '../db/push-store.js';
import { DAY_MS } from '@leadnotify/contracts';
import { finding, type Finding } from './findings.js';

/** A mini program in use pushes something (an acceptance, a receipt) every few days; this long without one is worth a look. */
export const PUSH_SILENCE_DAYS = 7;

const VERIFY_PUSH =
  'in mp.weixin.qq.com → 开发管理 → 开发设置 → 消息推送 check the URL (https://<crm-api host>/wechat/push, reachable from the internet), the Token (= WECHAT_PUSH_TOKEN), the EncodingAESKey (= WECHAT_PUSH_AES_KEY) and the JSON format; docs/operations.md, "WeChat message push"';

/**
 * Message push, from the CRM's own inbox (wechat_pushes): when the last push arrived, and whether subscribe messages
 * went out since then that WeChat would have sent a delivery receipt for (it pushes one within seconds of a delivery).
 */
export async function checkMessagePush(deps: { config: Config; db: Db; clock: Clock }): Promise<Finding> {
  const { config, db, clock } = deps;
  if (!config.WECHAT_PUSH_TOKEN) {
    return finding(
      'message-push',
      'warning',
      "message push is not configured (WECHAT_PUSH_TOKEN not set): no delivery receipts reach the CRM (an unconfirmed delivery stays unconfirmed, a message WeChat failed to deliver looks sent) and no acceptances or turn-offs from the subscribe dialog (the counts the function and reachability go by)",
      `set WECHAT_PUSH_TOKEN (and WECHAT_PUSH_AES_KEY for safe mode), then ${VERIFY_PUSH}`,
    );
  }
  const now = clock.now();
  const last = await lastPushReceivedAt(db.kysely);
  // A receipt may take a moment: only messages older than the receipt wait count as ones a push should have followed.
  const sentUnanswered = await subscribeMessagesSentBetween(db.kysely, last ?? new Date(0).toISOString(), new Date(now - config.NOTIFY_RECEIPT_WAIT_MINUTES * 60_000).toISOString());
  if (sentUnanswered > 0) {
    const since = last ? `since the last push (${last})` : 'and no push ever arrived';
    return finding('message-push', 'problem', `${sentUnanswered} subscribe message(s) went out ${since}: WeChat's delivery receipts do not reach the CRM`, VERIFY_PUSH);
  }
  if (!last) {
    return finding('message-push', 'warning', 'message push is configured but no push has arrived yet (and no subscribe message went out that would have caused one): not verified', VERIFY_PUSH);
  }
  const silentDays = Math.floor((now - Date.parse(last)) / DAY_MS);
  if (silentDays >= PUSH_SILENCE_DAYS) {
    return finding('message-push', 'warning', `no push for ${silentDays} days (the last at ${last})`, VERIFY_PUSH);
  }
  return finding('message-push', 'ok', `the last push arrived at ${last}`);
}
