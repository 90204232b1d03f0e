import type { CloudDatabase } from '../cloud-sdk.js';
import { COLLECTIONS } from './collections.js';

export interface Binding {
  crmUserId: string;
  openid: string;
  boundAt: string;
}

/**
 * One WeChat user, one CRM user. `crm_user_bindings` is keyed by CRM user id (a new bind replaces the
 * openid: a new phone); `openid_bindings` is keyed by openid, and its insert is the unique claim that stops
 * two CRM users from binding the same WeChat user, even at the same instant. A claim is written before the
 * binding and removed after it moves, so a run stopped between the two leaves a claim its binding does not
 * confirm; such a leftover is ignored once older than `staleMs`.
 */
export async function findBinding(db: CloudDatabase, crmUserId: string): Promise<Binding | undefined> {
  const { data } = await db.collection(COLLECTIONS.bindings).where({ _id: crmUserId }).limit(1).get();
  const row = data[0];
  return row && typeof row.openid === 'string' ? { crmUserId, openid: row.openid, boundAt: String(row.boundAt) } : undefined;
}

interface Claim {
  crmUserId: string;
  claimedAt: number;
}

async function readClaim(db: CloudDatabase, openid: string): Promise<Claim | undefined> {
  const { data } = await db.collection(COLLECTIONS.openidClaims).where({ _id: openid }).limit(1).get();
  const row = data[0];
  return row && typeof row.crmUserId === 'string' ? { crmUserId: row.crmUserId, claimedAt: Number(row.claimedAt) } : undefined;
}

/** The CRM user this openid is bound to, by its claim, or by a binding written before claims existed. */
export async function findCrmUserOf(db: CloudDatabase, openid: string, nowMs: number, staleMs: number): Promise<string | undefined> {
  const claim = await readClaim(db, openid);
  if (claim && (await isLive(db, openid, claim, nowMs, staleMs))) return claim.crmUserId;
  const { data } = await db.collection(COLLECTIONS.bindings).where({ openid }).limit(1).get();
  const legacy = data[0]?.crmUserId;
  return typeof legacy === 'string' ? legacy : undefined;
}

async function isLive(db: CloudDatabase, openid: string, claim: Claim, nowMs: number, staleMs: number): Promise<boolean> {
  if (nowMs - claim.claimedAt <= staleMs) return true;
  return (await findBinding(db, claim.crmUserId))?.openid === openid;
}

export type ClaimOutcome = { ok: true } | { ok: false; boundTo: string };

/** Claims the openid for a CRM user; refuses while it is bound to another one. */
export async function claimOpenid(db: CloudDatabase, openid: string, crmUserId: string, nowMs: number, staleMs: number): Promise<ClaimOutcome> {
  const collection = db.collection(COLLECTIONS.openidClaims);
  const other = await findCrmUserOf(db, openid, nowMs, staleMs);
  if (other !== undefined && other !== crmUserId) return { ok: false, boundTo: other };
  try {
    await collection.add({ data: { _id: openid, crmUserId, claimedAt: nowMs } });
    return { ok: true };
  } catch (error) {
    const claim = await readClaim(db, openid);
    if (!claim) throw error;
    if (claim.crmUserId === crmUserId) {
      await collection.doc(openid).update({ data: { claimedAt: nowMs } });
      return { ok: true };
    }
    if (await isLive(db, openid, claim, nowMs, staleMs)) return { ok: false, boundTo: claim.crmUserId };
    // A leftover of a stopped run: take it over, unless someone else did first.
    const { stats } = await collection
      .where({ _id: openid, crmUserId: claim.crmUserId, claimedAt: claim.claimedAt })
      .update({ data: { crmUserId, claimedAt: nowMs } });
    const winner = stats.updated === 1 ? crmUserId : (await readClaim(db, openid))?.crmUserId;
    return winner === crmUserId ? { ok: true } : { ok: false, boundTo: winner ?? 'another CRM user' };
  }
}

/** Gives a claim up (a bind that did not complete), if it is still this CRM user's. */
export async function releaseClaim(db: CloudDatabase, openid: string, crmUserId: string): Promise<void> {
  await db.collection(COLLECTIONS.openidClaims).where({ _id: openid, crmUserId }).remove();
}

/**
 * Points the CRM user at the openid, then frees their previous openid (its claim, if still theirs). The caller
 * holds the openid's claim; the emulator's direct bind (no ticket) passes `force` to take the claim outright.
 */
export async function saveBinding(db: CloudDatabase, binding: Binding, options: { force?: boolean } = {}): Promise<void> {
  const collection = db.collection(COLLECTIONS.bindings);
  const fields = { crmUserId: binding.crmUserId, openid: binding.openid, boundAt: binding.boundAt };
  if (options.force) await forceClaim(db, binding.openid, binding.crmUserId, Date.parse(binding.boundAt));
  const previous = await findBinding(db, binding.crmUserId);
  if (previous) {
    await collection.doc(binding.crmUserId).update({ data: fields });
  } else {
    try {
      await collection.add({ data: { _id: binding.crmUserId, ...fields } });
    } catch (error) {
      // Another bind for the same user won the insert race: overwrite it with ours.
      if (!(await findBinding(db, binding.crmUserId))) throw error;
      await collection.doc(binding.crmUserId).update({ data: fields });
    }
  }
  if (previous && previous.openid !== binding.openid) await releaseClaim(db, previous.openid, binding.crmUserId);
}

async function forceClaim(db: CloudDatabase, openid: string, crmUserId: string, nowMs: number): Promise<void> {
  const collection = db.collection(COLLECTIONS.openidClaims);
  const claim = await readClaim(db, openid);
  if (claim && claim.crmUserId !== crmUserId) {
    await db.collection(COLLECTIONS.bindings).where({ _id: claim.crmUserId, openid }).remove();
  }
  if (claim) await collection.doc(openid).update({ data: { crmUserId, claimedAt: nowMs } });
  else await collection.add({ data: { _id: openid, crmUserId, claimedAt: nowMs } });
}

/** Removes the openid's binding (the person moves their WeChat); answers whom it was bound to. */
export async function removeBindingOf(db: CloudDatabase, openid: string, nowMs: number, staleMs: number): Promise<string | undefined> {
  const crmUserId = await findCrmUserOf(db, openid, nowMs, staleMs);
  if (crmUserId === undefined) return undefined;
  await db.collection(COLLECTIONS.bindings).where({ _id: crmUserId, openid }).remove();
  await db.collection(COLLECTIONS.openidClaims).doc(openid).remove();
  return crmUserId;
}

/**
 * Removes the CRM user's binding, then every openid claim of theirs (the server's unbind: an admin releases a
 * salesperson who left). The binding goes first, so their deliveries answer NOT_BOUND from the first write on; stopped
 * before the second, the claim left behind is not confirmed by a binding and stops blocking its WeChat user once
 * stale, and the next release removes it. Answers whether anything was removed.
 */
export async function releaseBindingOf(db: CloudDatabase, crmUserId: string): Promise<boolean> {
  const binding = await db.collection(COLLECTIONS.bindings).where({ _id: crmUserId }).remove();
  const claims = await db.collection(COLLECTIONS.openidClaims).where({ crmUserId }).remove();
  return binding.stats.removed + claims.stats.removed > 0;
}

/** Who used a binding ticket, when, and whether the binding it made was saved. */
export interface TicketUse {
  /** Absent on records written before the user was kept: such a ticket only ever answers "used". */
  openid?: string;
  crmUserId?: string;
  usedAt: string;
  completed: boolean;
}

/**
 * Records a ticket nonce as used by this caller (tickets are single-use). Answers the earlier use when it was
 * used before, so a retry by the same caller can be told from a replay.
 */
export async function markTicketUsed(
  db: CloudDatabase,
  nonce: string,
  use: { openid: string; crmUserId: string; usedAt: string },
): Promise<{ fresh: true } | { fresh: false; earlier: TicketUse }> {
  const collection = db.collection(COLLECTIONS.usedTickets);
  try {
    await collection.add({ data: { _id: nonce, ...use, completed: false } });
    return { fresh: true };
  } catch (error) {
    const { data } = await collection.where({ _id: nonce }).limit(1).get();
    const row = data[0];
    if (!row) throw error;
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const earlier: TicketUse = { usedAt: String(row.usedAt), completed: row.completed === true };
    const openid = text(row.openid);
    const crmUserId = text(row.crmUserId);
    if (openid !== undefined) earlier.openid = openid;
    if (crmUserId !== undefined) earlier.crmUserId = crmUserId;
    return { fresh: false, earlier };
  }
}

/** The binding a ticket made is saved: from now on a retry with it only confirms that binding. */
export async function completeTicketUse(db: CloudDatabase, nonce: string): Promise<void> {
  await db.collection(COLLECTIONS.usedTickets).doc(nonce).update({ data: { completed: true } });
}
