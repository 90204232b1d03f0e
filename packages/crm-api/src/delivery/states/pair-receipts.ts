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

  for (const receipt of open) {
    if (taken.has(receipt.id)) continue;
    const pool = poolFor(receipt, byAge.filter((candidate) => !taken.has(candidate.deliveryId)), rules);
    if (pool.length === 0) continue;
    if (pool.length === 1) {
      pair(receipt, pool[0]!);
      continue;
    }
    // Several sends WeChat answered, each of which will have exactly one receipt: if exactly as many waiting receipts
    // could be for exactly these, none could be a send's of unknown fate, and all say the same, every one of them gets a
    // receipt with that verdict, whichever is whose. Sends of unknown fate cannot be counted so (some never reached
    // WeChat): they, and every other case, wait.
    if (!pool.every((candidate) => candidate.status === 'sent')) continue;
    const rivals = open.filter((other) => !taken.has(other.id) && sameDeliveries(poolFor(other, byAge, rules), pool));
    const unknownFate = byAge.filter((candidate) => candidate.status === 'unconfirmed' && rivals.some((other) => couldBeFor(other, candidate, rules)));
    if (rivals.length === pool.length && unknownFate.length === 0 && rivals.every((other) => other.delivered === receipt.delivered)) {
      for (const [index, candidate] of pool.entries()) pair(rivals[index]!, candidate);
    }
  }
  return pairs;
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

function sameDeliveries(a: readonly ReceiptCandidate[], b: readonly ReceiptCandidate[]): boolean {
  return a.length === b.length && a.every((candidate, index) => candidate.deliveryId === b[index]?.deliveryId);
}
