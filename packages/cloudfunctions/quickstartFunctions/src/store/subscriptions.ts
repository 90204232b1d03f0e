import type { CloudDatabase } from '../cloud-sdk.js';
import { COLLECTIONS } from './collections.js';

/**
 * Remaining one-time sends per (openid, template), one document each; `version` goes up with every change. Each acceptance in
 * wx.requestSubscribeMessage allows one later send; the count is kept here so the function skips instead of
 * spending a call on 43101.
 *
 * A send reserves in the same atomic update that counts down: `holds.<delivery>` records that this delivery
 * holds a unit (1) or is trying WeChat without one (0). A run stopped at any instant therefore leaves either
 * no hold and the count untouched, or a hold and the count taken — never a count taken for nobody. The next
 * attempt of that delivery finds its hold and reuses it; giving a unit back removes the hold in the same update.
 * Field paths: https://developers.weixin.qq.com/miniprogram/dev/wxcloud/reference-sdk-api/database/collection/Collection.update.html
 */
function quotaId(openid: string, templateId: string): string {
  return `${openid}:${templateId}`;
}

/** A delivery id as a field name: cloud database field names may not contain "." or start with "$". */
function holdField(deliveryId: string): string {
  return `holds.d${Buffer.from(deliveryId, 'utf8').toString('base64url')}`;
}

/**
 * `unit`: a counted acceptance of `templateId` was taken; `probe`: none was counted for it, but none was refused
 * either; `none`: every template was refused since its last acceptance.
 */
export type Reservation = { kind: 'unit'; templateId: string } | { kind: 'probe'; templateId: string } | { kind: 'none' };

async function quotaDoc(db: CloudDatabase, openid: string, templateId: string) {
  const { data } = await db.collection(COLLECTIONS.subscriptions).where({ _id: quotaId(openid, templateId) }).limit(1).get();
  return data[0];
}

function holdOf(doc: Record<string, unknown> | undefined, deliveryId: string): number | undefined {
  const holds = doc?.holds as Record<string, unknown> | undefined;
  const value = holds?.[holdField(deliveryId).slice('holds.'.length)];
  return typeof value === 'number' ? value : undefined;
}

export async function remainingSends(db: CloudDatabase, openid: string, templateId: string): Promise<number> {
  const remaining = (await quotaDoc(db, openid, templateId))?.remaining;
  return typeof remaining === 'number' ? remaining : 0;
}

export async function addSubscription(db: CloudDatabase, openid: string, templateId: string, now: string): Promise<number> {
  const id = quotaId(openid, templateId);
  const collection = db.collection(COLLECTIONS.subscriptions);
  // An acceptance after a refusal: WeChat may be asked again.
  const increment = () => collection.doc(id).update({ data: { remaining: db.command.inc(1), refused: false, updatedAt: now, version: db.command.inc(1) } });
  if (await quotaDoc(db, openid, templateId)) {
    await increment();
  } else {
    try {
      await collection.add({ data: { _id: id, openid, templateId, remaining: 1, refused: false, updatedAt: now, version: 1 } });
    } catch (error) {
      if (!(await quotaDoc(db, openid, templateId))) throw error;
      await increment();
    }
  }
  return remainingSends(db, openid, templateId);
}

/**
 * Reserves a send for one delivery from the first of `templateIds` (the lead notice's templates, in the order they
 * are spent) with a counted acceptance; reuses the hold an earlier, stopped attempt of the same delivery left, in
 * whichever template it is. With every count at 0, WeChat is asked anyway (a `probe`) with the first template that
 * has no refusal recorded since its last acceptance: an acceptance the mini program never reported, or one WeChat
 * did not push (a silent one, under "always keep this choice"), is not lost; WeChat's 43101 then settles it.
 * Only one run holds a delivery at a time (the delivery record), so read-then-update is safe per delivery;
 * the count itself is only ever changed atomically.
 */
export async function reserveSend(db: CloudDatabase, openid: string, templateIds: readonly string[], deliveryId: string, now: string): Promise<Reservation> {
  const collection = db.collection(COLLECTIONS.subscriptions);
  const docs = await Promise.all(templateIds.map((templateId) => quotaDoc(db, openid, templateId)));
  const field = holdField(deliveryId);
  for (const [index, templateId] of templateIds.entries()) {
    const held = holdOf(docs[index], deliveryId);
    if (held !== undefined) return { kind: held === 1 ? 'unit' : 'probe', templateId };
  }
  for (const [index, templateId] of templateIds.entries()) {
    const remaining = docs[index]?.remaining;
    if (typeof remaining !== 'number' || remaining <= 0) continue;
    const { stats } = await collection
      .where({ _id: quotaId(openid, templateId), remaining: db.command.gt(0) })
      .update({ data: { remaining: db.command.inc(-1), [field]: 1, updatedAt: now, version: db.command.inc(1) } });
    if (stats.updated === 1) return { kind: 'unit', templateId };
  }
  const probeAt = templateIds.findIndex((_, index) => docs[index]?.refused !== true);
  const templateId = templateIds[probeAt];
  if (templateId === undefined) return { kind: 'none' };
  if (docs[probeAt]) {
    await collection.doc(quotaId(openid, templateId)).update({ data: { [field]: 0, updatedAt: now, version: db.command.inc(1) } });
    return { kind: 'probe', templateId };
  }
  try {
    await collection.add({ data: { _id: quotaId(openid, templateId), openid, templateId, remaining: 0, refused: false, holds: { [field.slice('holds.'.length)]: 0 }, updatedAt: now, version: 1 } });
    return { kind: 'probe', templateId };
  } catch (error) {
    // An acceptance was recorded meanwhile (the document exists now): reserve from it. Any other failure is the
    // database's, and goes up — trying again at once would loop until the function is stopped.
    if (!(await quotaDoc(db, openid, templateId))) throw error;
    return reserveSend(db, openid, templateIds, deliveryId, now);
  }
}

/** The send may have happened (sent or unconfirmed): the unit stays used; only the hold goes. */
export async function settleSend(db: CloudDatabase, openid: string, templateId: string, deliveryId: string, now: string): Promise<void> {
  await db
    .collection(COLLECTIONS.subscriptions)
    .doc(quotaId(openid, templateId))
    .update({ data: { [holdField(deliveryId)]: db.command.remove(), updatedAt: now, version: db.command.inc(1) } });
}

/**
 * Certainly not sent, and which template's hold the delivery has is not known (a run stopped between taking it and
 * recording it): each template's hold, where there is one, goes back with its unit.
 */
export async function refundHolds(db: CloudDatabase, openid: string, templateIds: readonly string[], deliveryId: string, now: string): Promise<void> {
  await Promise.all(templateIds.map((templateId) => refundSend(db, openid, templateId, deliveryId, now)));
}

/** Certainly not sent: the unit goes back with the hold, in one update, so it is given back at most once. */
export async function refundSend(db: CloudDatabase, openid: string, templateId: string, deliveryId: string, now: string): Promise<void> {
  const collection = db.collection(COLLECTIONS.subscriptions);
  const id = quotaId(openid, templateId);
  const field = holdField(deliveryId);
  await collection.where({ _id: id, [field]: 1 }).update({ data: { remaining: db.command.inc(1), [field]: db.command.remove(), updatedAt: now, version: db.command.inc(1) } });
  await collection.where({ _id: id, [field]: 0 }).update({ data: { [field]: db.command.remove(), updatedAt: now, version: db.command.inc(1) } });
}

/**
 * 43101: WeChat held no acceptance when it was asked; skip without asking until a new acceptance. Only if the
 * count is as this delivery left it (`version`): an acceptance pushed meanwhile is newer than WeChat's refusal
 * and stays counted — the hold alone goes. Another delivery's change makes the refusal unrecorded too, which
 * costs at most one more question to WeChat.
 */
export async function recordRefusal(db: CloudDatabase, openid: string, templateId: string, deliveryId: string, now: string, version: number): Promise<void> {
  const collection = db.collection(COLLECTIONS.subscriptions);
  const id = quotaId(openid, templateId);
  const field = holdField(deliveryId);
  const { stats } = await collection
    .where({ _id: id, version })
    .update({ data: { remaining: 0, refused: true, [field]: db.command.remove(), updatedAt: now, version: db.command.inc(1) } });
  if (stats.updated === 0) await collection.doc(id).update({ data: { [field]: db.command.remove(), updatedAt: now, version: db.command.inc(1) } });
}

/** The count's version now: what a refusal must still find to be recorded. */
export async function subscriptionVersion(db: CloudDatabase, openid: string, templateId: string): Promise<number> {
  const version = (await quotaDoc(db, openid, templateId))?.version;
  return typeof version === 'number' ? version : 0;
}

/**
 * The mini program says the user accepted: a hint, not a count (the client can be wrong or forged). It only
 * lifts a recorded refusal, so the next delivery asks WeChat, which decides.
 */
export async function clearRefusal(db: CloudDatabase, openid: string, templateId: string, now: string): Promise<void> {
  await db.collection(COLLECTIONS.subscriptions).where({ _id: quotaId(openid, templateId), refused: true }).update({ data: { refused: false, updatedAt: now, version: db.command.inc(1) } });
}

/** WeChat says the user turned the template off in the settings: nothing is left, ask no more. */
export async function turnOff(db: CloudDatabase, openid: string, templateId: string, now: string): Promise<void> {
  const collection = db.collection(COLLECTIONS.subscriptions);
  const { stats } = await collection.where({ _id: quotaId(openid, templateId) }).update({ data: { remaining: 0, refused: true, updatedAt: now, version: db.command.inc(1) } });
  if (stats.updated === 0) await collection.add({ data: { _id: quotaId(openid, templateId), openid, templateId, remaining: 0, refused: true, updatedAt: now, version: 1 } });
}

/** The count now, with its version: every change bumps it, so a reader can tell a newer answer from an older one. */
export async function subscriptionState(db: CloudDatabase, openid: string, templateId: string): Promise<{ remaining: number; refused: boolean; version: number }> {
  const doc = await quotaDoc(db, openid, templateId);
  return { remaining: typeof doc?.remaining === 'number' ? doc.remaining : 0, refused: doc?.refused === true, version: typeof doc?.version === 'number' ? doc.version : 0 };
}
