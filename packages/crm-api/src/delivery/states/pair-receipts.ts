/**
 * Which delivery a WeChat delivery receipt (subscribe_msg_sent_event) is about. A receipt names the openid, the
 * template, WeChat's MsgID and when it was pushed; the send answer does not reliably carry the MsgID, so a receipt
 * can usually be told from another only by its template and time. A receipt settles a delivery only when it can be
 * for no other: sends WeChat answered take their receipts before sends whose fate is unknown (a send stopped at the
 * function's limit may never have reached WeChat, and then no receipt is its), and when it still cannot be told
 * apart it waits rather than guess.
 */
export interface WaitingReceipt {
  id: string;
  delivered: boolean;
  templateId: string | null;
  msgId: string | null;
  /** When WeChat pushed it (its CreateTime), ISO. */
  createdAt: string;
  /** When the CRM received it, ISO. */
  receivedAt: string;
}

export interface ReceiptCandidate {
  deliveryId: string;
  /** `sent`: WeChat answered the send; `unconfirmed`: its fate is unknown. */
  status: 'sent' | 'unconfirmed';
  templateId: string | null;
  msgId: string | null;
  /** When it was first tried: it cannot have reached WeChat before. */
  firstTriedAt: string;
}

export interface PairingRules {
  /** Templates this product sends with: a delivery whose template is not known takes only their receipts. */
  ourTemplates: ReadonlySet<string>;
  /** A receipt pairs only with deliveries first tried at most this long before it arrived (NOTIFY_RECEIPT_WAIT_MINUTES). */
  windowMs: number;
  /**
   * Deliveries to the same person not yet answered — on their way, or to be tried again after an answer was lost —
   * with when they were first tried: a receipt pushed after that may be theirs, and waits until they are recorded.
   */
  unanswered?: ReadonlyArray<{ firstTriedAt: string }>;
}

/** WeChat's CreateTime counts seconds, and its clock is not ours. */
const CLOCK_SKEW_MS = 2_000;

/** Whether `receipt` may be about `candidate` at all: same template, no other MsgID, and not before it was tried. */
export function couldBeFor(receipt: WaitingReceipt, candidate: ReceiptCandidate, rules: PairingRules): boolean {
  const sameTemplate =
    candidate.templateId !== null ? candidate.templateId === receipt.templateId : receipt.templateId !== null && rules.ourTemplates.has(receipt.templateId);
  if (!sameTemplate) return false;
  if (candidate.msgId !== null && receipt.msgId !== null && candidate.msgId !== receipt.msgId) return false;
  const triedAt = Date.parse(candidate.firstTriedAt);
  return triedAt <= Date.parse(receipt.createdAt) + CLOCK_SKEW_MS && triedAt >= Date.parse(receipt.receivedAt) - rules.windowMs;
}

/**
 * Pairs one openid's waiting receipts with its deliveries waiting for one. Returns the pairs to settle; receipts and
 * deliveries left out keep waiting.
 */
export function pairReceipts(receipts: readonly WaitingReceipt[], candidates: readonly ReceiptCandidate[], rules: PairingRules): Array<{ receiptId: string; deliveryId: string }> {
  const pairs: Array<{ receiptId: string; deliveryId: string }> = [];
  const taken = new Set<string>();
  const open = [...receipts].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.receivedAt.localeCompare(b.receivedAt) || a.id.localeCompare(b.id));
  const byAge = [...candidates].sort((a, b) => a.firstTriedAt.localeCompare(b.firstTriedAt) || a.deliveryId.localeCompare(b.deliveryId));
  const pair = (receipt: WaitingReceipt, candidate: ReceiptCandidate) => {
    pairs.push({ receiptId: receipt.id, deliveryId: candidate.deliveryId });
    taken.add(receipt.id);
    taken.add(candidate.deliveryId);
  };

  // The MsgID, where both sides know it, says exactly which.
  for (const receipt of open) {
    if (receipt.msgId === null) continue;
    const exact = byAge.filter((candidate) => candidate.msgId === receipt.msgId && couldBeFor(receipt, candidate, rules));
    if (exact.length === 1) pair(receipt, exact[0]!);
  }

  // The rest, in groups of receipts that could be for the same deliveries: a group settles when its outcome is the
  // same whichever receipt is whose. What one round settles can leave another receipt only one delivery: again, until
  // nothing more settles.
  for (let settled = Infinity; settled > 0; ) {
    const before = pairs.length;
    settleGroups(open.filter((receipt) => !taken.has(receipt.id)), byAge.filter((candidate) => !taken.has(candidate.deliveryId)), rules, pair);
    settled = pairs.length - before;
  }
  return pairs;
}

function settleGroups(
  remaining: readonly WaitingReceipt[],
  free: readonly ReceiptCandidate[],
  rules: PairingRules,
  pair: (receipt: WaitingReceipt, candidate: ReceiptCandidate) => void,
): void {
  const options = new Map(remaining.map((receipt) => [receipt.id, poolFor(receipt, free, rules)]));
  for (const group of groupsOf(remaining, options)) {
    const [onlyReceipt] = group.receipts;
    const [onlyCandidate] = group.candidates;
    if (group.receipts.length === 1 && group.candidates.length === 1 && onlyReceipt && onlyCandidate) {
      pair(onlyReceipt, onlyCandidate);
      continue;
    }
    // Several, all saying "delivered": every send WeChat answered was accepted by it, so whichever of these receipts it
    // gets says what is true of it — as many as can be, each to a different send it could be for. A send of unknown
    // fate is never counted in so (it may never have reached WeChat): it takes a receipt only when it is the only one
    // left that receipt can be for, next round. A receipt saying "failed" cannot be told apart: its group waits.
    if (!group.receipts.every((receipt) => receipt.delivered)) continue;
    const answeredOptions = new Map(group.receipts.map((receipt) => [receipt.id, (options.get(receipt.id) ?? []).filter((candidate) => candidate.status === 'sent')]));
    for (const [receipt, candidate] of maximumMatching(group.receipts, answeredOptions)) pair(receipt, candidate);
  }
}

/**
 * The deliveries `receipt` may settle: those WeChat answered first, else those whose fate is unknown — none while a
 * delivery not yet answered could be its own (its answer, when it comes, makes it one WeChat answered).
 */
function poolFor(receipt: WaitingReceipt, candidates: readonly ReceiptCandidate[], rules: PairingRules): ReceiptCandidate[] {
  if (rules.unanswered?.some((delivery) => Date.parse(delivery.firstTriedAt) <= Date.parse(receipt.createdAt) + CLOCK_SKEW_MS)) return [];
  const possible = candidates.filter((candidate) => candidate.msgId === null && couldBeFor(receipt, candidate, rules));
  const answered = possible.filter((candidate) => candidate.status === 'sent');
  return answered.length > 0 ? answered : possible.filter((candidate) => candidate.status === 'unconfirmed');
}

/** Receipts joined when they could be for a common delivery, with the deliveries they could be for. */
function groupsOf(receipts: readonly WaitingReceipt[], options: ReadonlyMap<string, ReceiptCandidate[]>): Array<{ receipts: WaitingReceipt[]; candidates: ReceiptCandidate[] }> {
  const groups: Array<{ receipts: WaitingReceipt[]; candidates: Map<string, ReceiptCandidate> }> = [];
  for (const receipt of receipts) {
    const possible = options.get(receipt.id) ?? [];
    if (possible.length === 0) continue;
    const joined = groups.filter((group) => possible.some((candidate) => group.candidates.has(candidate.deliveryId)));
    const merged = { receipts: [...joined.flatMap((group) => group.receipts), receipt], candidates: new Map(joined.flatMap((group) => [...group.candidates])) };
    for (const candidate of possible) merged.candidates.set(candidate.deliveryId, candidate);
    for (const group of joined) groups.splice(groups.indexOf(group), 1);
    groups.push(merged);
  }
  return groups.map((group) => ({ receipts: group.receipts, candidates: [...group.candidates.values()] }));
}

/** As many receipts as can be, each paired with a different delivery it could be for (augmenting paths). */
function maximumMatching(receipts: readonly WaitingReceipt[], options: ReadonlyMap<string, ReceiptCandidate[]>): Array<[WaitingReceipt, ReceiptCandidate]> {
  const owner = new Map<string, WaitingReceipt>();
  const assign = (receipt: WaitingReceipt, seen: Set<string>): boolean => {
    for (const candidate of options.get(receipt.id) ?? []) {
      if (seen.has(candidate.deliveryId)) continue;
      seen.add(candidate.deliveryId);
      const holder = owner.get(candidate.deliveryId);
      if (!holder || assign(holder, seen)) {
        owner.set(candidate.deliveryId, receipt);
        return true;
      }
    }
    return false;
  };
  for (const receipt of receipts) assign(receipt, new Set());
  const byId = new Map([...options.values()].flat().map((candidate) => [candidate.deliveryId, candidate]));
  return [...owner].map(([deliveryId, receipt]) => [receipt, byId.get(deliveryId)!]);
}
