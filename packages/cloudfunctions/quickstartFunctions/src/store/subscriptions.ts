import type { CloudDatabase } from '../cloud-sdk.js';
import { COLLECTIONS } from './collections.js';

/**
 * Remaining one-time sends per (openid, template). Each acceptance in wx.requestSubscribeMessage allows
 * one later send; the count is kept here so the function skips instead of spending a send on 43101.
 */
function quotaId(openid: string, templateId: string): string {
  return `${openid}:${templateId}`;
}

export async function remainingSends(db: CloudDatabase, openid: string, templateId: string): Promise<number> {
  const { data } = await db.collection(COLLECTIONS.subscriptions).where({ _id: quotaId(openid, templateId) }).limit(1).get();
  const remaining = data[0]?.remaining;
  return typeof remaining === 'number' ? remaining : 0;
}

export async function addSubscription(db: CloudDatabase, openid: string, templateId: string, now: string): Promise<number> {
  const id = quotaId(openid, templateId);
  const collection = db.collection(COLLECTIONS.subscriptions);
  const increment = () => collection.doc(id).update({ data: { remaining: db.command.inc(1), updatedAt: now } });
  const { data } = await collection.where({ _id: id }).limit(1).get();
  if (data.length > 0) {
    await increment();
  } else {
    try {
      await collection.add({ data: { _id: id, openid, templateId, remaining: 1, updatedAt: now } });
    } catch (error) {
      const { data: raced } = await collection.where({ _id: id }).limit(1).get();
      if (raced.length === 0) throw error;
      await increment();
    }
  }
  return remainingSends(db, openid, templateId);
}

/** Takes one send atomically; false when none is left. */
export async function consumeSubscription(db: CloudDatabase, openid: string, templateId: string, now: string): Promise<boolean> {
  const { stats } = await db
    .collection(COLLECTIONS.subscriptions)
    .where({ _id: quotaId(openid, templateId), remaining: db.command.gt(0) })
    .update({ data: { remaining: db.command.inc(-1), updatedAt: now } });
  return stats.updated === 1;
}

/** Gives back a send WeChat did not deliver. */
export async function refundSubscription(db: CloudDatabase, openid: string, templateId: string, now: string): Promise<void> {
  await db.collection(COLLECTIONS.subscriptions).doc(quotaId(openid, templateId)).update({ data: { remaining: db.command.inc(1), updatedAt: now } });
}

/** 43101: WeChat says nothing is left, whatever we counted. */
export async function clearSubscription(db: CloudDatabase, openid: string, templateId: string, now: string): Promise<void> {
  await db.collection(COLLECTIONS.subscriptions).doc(quotaId(openid, templateId)).update({ data: { remaining: 0, updatedAt: now } });
}
