import { text as textBody, type IRouter } from 'express';
import type { AppContext } from '../../context.js';
import { checkSignature, parsePushJson, receivePush, type PushQuery } from '../../delivery/channels/wechat-subscribe/index.js';
import { DomainError } from '../../domain/errors.js';

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** WeChat's JSON push, whatever Content-Type it came with; not JSON is refused as a push that cannot be read. */
function parseJson(body: unknown): unknown {
  try {
    return typeof body === 'string' ? parsePushJson(body) : undefined;
  } catch {
    return undefined;
  }
}
const pushQuery = (query: Record<string, unknown>): PushQuery => ({
  signature: text(query.signature),
  timestamp: text(query.timestamp),
  nonce: text(query.nonce),
  msg_signature: text(query.msg_signature),
});

/**
 * The URL for the mini program's 消息推送 setting. GET answers WeChat's URL check; POST checks a push, stores it in the
 * inbox (once: a copy is answered `success` and stored no more) and answers `success` at once — before applying it, so no failure behind it turns into an error WeChat gives up
 * on after three tries. The inbox applies it right after, and again until it is applied.
 */
export function messagePushRoutes(router: IRouter, ctx: AppContext): void {
  router.get('/wechat/push', (req, res) => {
    const token = ctx.config.WECHAT_PUSH_TOKEN;
    if (!token) throw new DomainError({ code: 'PUSH_NOT_CONFIGURED', message: 'message push is not configured: set WECHAT_PUSH_TOKEN' });
    checkSignature(pushQuery(req.query), { token }, ctx.clock.now(), ctx.config.WECHAT_PUSH_MAX_AGE_SECONDS * 1000);
    res.type('text/plain').send(text(req.query.echostr) ?? '');
  });
  router.post('/wechat/push', textBody({ type: () => true, limit: '256kb' }), async (req, res) => {
    try {
      const received = await receivePush({ ...ctx, wake: ctx.wakeNotifier }, pushQuery(req.query), parseJson(req.body));
      // A copy of a push already stored is WeChat trying again after it missed our answer: it is stored, and applied,
      // once, so the copy changes nothing and is answered as the first was — a refusal would count as a failed try.
      if ('copy' in received) req.log?.info({ event: received.event }, 'message push already received: a copy, answered success');
      res.type('text/plain').send('success');
      if ('id' in received) ctx.pushInbox?.kick(received.id);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'PUSH_REFUSED') req.log?.warn({ reason: error.message }, 'message push refused');
      throw error;
    }
  });
}
