import { createHash, timingSafeEqual } from 'node:crypto';
import { decrypt, getSignature } from '@wecom/crypto';
import { DomainError } from '../../../../domain/errors.js';

/**
 * Checks and opens one message push from WeChat (mini program 开发管理 → 消息推送; the same scheme as WeCom's,
 * implemented by the official @wecom/crypto):
 * - `signature` = SHA1 of the sorted token, timestamp and nonce — every request, and the URL check (GET);
 * - in safe mode the JSON body carries `Encrypt`, signed by `msg_signature` (SHA1 of the sorted token,
 *   timestamp, nonce and Encrypt) and AES-256-CBC encrypted with the EncodingAESKey; the plaintext names the
 *   AppID it is for. Compatible mode sends both forms; the encrypted one is used when a key is configured.
 * Source: https://developers.weixin.qq.com/miniprogram/dev/framework/server-ability/message-push.html
 */
export interface PushQuery {
  signature?: string | undefined;
  timestamp?: string | undefined;
  nonce?: string | undefined;
  msg_signature?: string | undefined;
}

export interface PushSecrets {
  token: string;
  aesKey?: string | undefined;
  appId?: string | undefined;
}

/** What a push looks like once opened: WeChat's JSON event. */
export type PushEvent = Record<string, unknown> & { Event?: unknown; FromUserName?: unknown; CreateTime?: unknown; List?: unknown };

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function refused(message: string): DomainError {
  return new DomainError({ code: 'PUSH_REFUSED', message });
}

/** The request's own signature (token, timestamp, nonce) and its age. */
export function checkSignature(query: PushQuery, secrets: PushSecrets, nowMs: number, maxAgeMs: number): { timestamp: string; nonce: string } {
  const { signature, timestamp, nonce } = query;
  if (!signature || !timestamp || !nonce) throw refused('signature, timestamp and nonce are required');
  const expected = createHash('sha1').update([secrets.token, timestamp, nonce].sort().join('')).digest('hex');
  if (!sameText(signature, expected)) throw refused('the signature does not match the configured WECHAT_PUSH_TOKEN');
  const ageMs = Math.abs(nowMs - Number(timestamp) * 1000);
  if (!Number.isFinite(ageMs) || ageMs > maxAgeMs) throw refused('the timestamp is too far from now: a replay, or a wrong clock');
  return { timestamp, nonce };
}

/** The event a verified push carries, decrypted when it is encrypted. */
export function openPush(query: PushQuery, body: unknown, secrets: PushSecrets, nowMs: number, maxAgeMs: number): PushEvent {
  const { timestamp, nonce } = checkSignature(query, secrets, nowMs, maxAgeMs);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw refused('the push body is not a JSON object');
  const fields = body as Record<string, unknown>;
  if (typeof fields.Encrypt !== 'string') {
    if (secrets.aesKey) throw refused('an unencrypted push while WECHAT_PUSH_AES_KEY is set (safe mode)');
    return fields as PushEvent;
  }
  if (!secrets.aesKey) throw refused('an encrypted push but WECHAT_PUSH_AES_KEY is not set');
  if (!query.msg_signature || !sameText(query.msg_signature, getSignature(secrets.token, timestamp, nonce, fields.Encrypt))) {
    throw refused('msg_signature does not match the encrypted body');
  }
  let opened: { message: string; id: string };
  try {
    opened = decrypt(secrets.aesKey, fields.Encrypt);
  } catch {
    throw refused('the encrypted body cannot be decrypted with WECHAT_PUSH_AES_KEY');
  }
  if (secrets.appId && opened.id !== secrets.appId) throw refused('the push is for another AppID');
  try {
    const event: unknown = parsePushJson(opened.message);
    if (event && typeof event === 'object' && !Array.isArray(event)) return event as PushEvent;
  } catch {
    // refused below
  }
  throw refused('the decrypted push is not a JSON object (set the message format to JSON)');
}

/**
 * A push's JSON, with every MsgID kept as its digits: WeChat writes it as a 19-digit number, which JSON.parse would
 * round (a double holds 15 to 17 digits), and the MsgID the function read from the send answer is exact.
 */
export function parsePushJson(text: string): unknown {
  return JSON.parse(text.replace(/("MsgID"\s*:\s*)(-?\d+)(?=\s*[,}])/g, '$1"$2"'));
}

/** WeChat's `List` is an object for one item and an array for several. */
export function listOf(event: PushEvent): Array<Record<string, unknown>> {
  const list = event.List;
  if (Array.isArray(list)) return list.filter((item): item is Record<string, unknown> => item !== null && typeof item === 'object');
  return list !== null && typeof list === 'object' ? [list as Record<string, unknown>] : [];
}
