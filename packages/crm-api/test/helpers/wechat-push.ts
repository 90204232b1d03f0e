import { randomBytes } from 'node:crypto';
import { encrypt } from '@wecom/crypto';
import { pushMessageSignature, pushSignature } from '@leadnotify/wechat-emulator';

export interface PushSecrets {
  token: string;
  /** Safe mode when given. */
  aesKey?: string;
  appId: string;
}

/** A message push as WeChat sends it: query signature, and in safe mode an encrypted, msg_signature'd body. */
export function signedPush(
  event: Record<string, unknown>,
  secrets: PushSecrets,
  at: { timestamp?: string; nonce?: string } = {},
): { query: Record<string, string>; body: Record<string, unknown> } {
  const timestamp = at.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = at.nonce ?? String(randomBytes(4).readUInt32BE());
  const signature = pushSignature(secrets.token, timestamp, nonce);
  if (!secrets.aesKey) return { query: { signature, timestamp, nonce }, body: event };
  const Encrypt = encrypt(secrets.aesKey, JSON.stringify(event), secrets.appId);
  return {
    query: { signature, timestamp, nonce, encrypt_type: 'aes', msg_signature: pushMessageSignature(secrets.token, timestamp, nonce, Encrypt) },
    body: { ToUserName: 'gh_emulator', Encrypt },
  };
}

/** The envelope WeChat wraps every subscribe-message event in. */
export function subscribeEvent(openid: string, event: string, list: Record<string, unknown> | Array<Record<string, unknown>>) {
  return { ToUserName: 'gh_emulator', FromUserName: openid, CreateTime: Math.floor(Date.now() / 1000), MsgType: 'event', Event: event, List: list };
}

/**
 * POSTs a push to a running API as WeChat does, then waits until its inbox has applied what it stored (the API answers
 * WeChat before it applies a push). Returns WeChat's view of the answer.
 */
export async function postPush(
  running: { url: string; context: { pushInbox?: { idle(): Promise<void> } } },
  pushed: { query: Record<string, string>; body: unknown },
  options: { contentType?: string } = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${running.url}/wechat/push?${new URLSearchParams(pushed.query)}`, {
    method: 'POST',
    headers: { 'content-type': options.contentType ?? 'application/json' },
    body: JSON.stringify(pushed.body),
  });
  const answer = { status: response.status, text: await response.text() };
  await running.context.pushInbox?.idle();
  return answer;
}
