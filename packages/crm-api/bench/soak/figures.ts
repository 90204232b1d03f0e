import { createHash } from 'node:crypto';
import type { LoggedDelivery } from '@leadnotify/wechat-emulator';
import type { DeliveredMessage, GroundTruth, HistoryRecord, NotificationRecord } from './ground-truth.js';

/**
 * A reassignment that committed less than this before its invocation arrived could have slipped past even a check
 * made right before the call; one committed earlier shows the check was stale.
 */
export const STALE_MARGIN_MS = 50;
const EXAMPLES = 5;

/** The figures whose target is 0, each with what it counts. */
export interface DefectFigures {
  lost: {
    /** Rows the CRM shows `sent` none of whose delivery ids brought the user a message telling them of the row's customers. */
    sent: number;
    /** Of those, rows a delivery receipt confirmed (`confirmed_at` set). */
    confirmed: number;
    ofSentRows: number;
    ofConfirmedRows: number;
    /** What the receipt that confirmed a lost row was really about. */
    confirmedBy: Record<'a host-template message' | 'another of our messages' | 'unidentified', number>;
    examples: unknown[];
  };
  duplicated: {
    /** Delivery ids WeChat delivered more than once. */
    deliveryIdsDeliveredTwice: number;
    /** Rows whose customers reached the user under two or more delivery ids. */
    rowsDeliveredUnderTwoIds: number;
    examples: unknown[];
  };
  withdrawnButDelivered: {
    /** Rows the CRM shows `withdrawn` that a delivered message had already told the user about. */
    count: number;
    ofWithdrawnRows: number;
    /** What the notifier heard from the invocation that delivered them. */
    byAnswer: Record<string, number>;
    examples: unknown[];
  };
  misdirected: {
    /** Delivered messages naming a customer whose move away from the recipient committed > STALE_MARGIN_MS before their invocation arrived. */
    staleCheck: { messages: number; customers: number };
    /** Delivered messages naming a customer moved away after their invocation arrived and before the send: no check before the call could know. */
    inherentRace: { messages: number; customers: number };
    messagesChecked: number;
    examples: unknown[];
  };
  pushes5xx: {
    /** Push attempts the server answered with HTTP ≥ 500. */
    attempts: number;
    /** Pushes with at least one such attempt (WeChat tries a push three times in all). */
    pushes: number;
    /** Of those, pushes all three of whose tries failed: the event never reached the CRM. */
    lost: number;
    byEvent: Record<string, number>;
    examples: unknown[];
  };
}

export interface ContextFigures {
  assignments: { made: number; byVia: Record<string, number>; releases: number; changesWithKnownCommitBound: number };
  requests: { total: number; byOperation: Record<string, Record<string, number>> };
  notificationsByStatus: Record<string, number>;
  messages: { ours: number; host: number; distinctDeliveryIds: number };
  invocations: { total: number; sends: number; byAnswer: Record<string, number>; stoppedSends: number };
  pushes: { total: number; byEvent: Record<string, number>; byState: Record<string, number>; attempts: number; attemptsByStatus: Record<string, number> };
  receipts: { stored: number; settled: number; settledByHostTemplateReceipts: number };
  /** (delivery, customer) pairs whose customer moved away from the assignee between 3 s before the invocation arrived and its answer. */
  reassignedWhileInFlight: number;
}

/** Everything the soak knows about one row: its customers, every delivery id it went under, the ids that reached the user. */
interface RowTruth {
  row: NotificationRecord;
  customers: Set<string>;
  deliveryIds: Set<string>;
  /**
   * Delivery ids whose message told the user about this row: it named one of the row's customers (or, its
   * invocation unknown or its list cut short, it came before the row was withdrawn, if it was).
   */
  deliveredUnder: string[];
}

/** Indexes over the ground truth shared by every figure. */
function indexTruth(truth: GroundTruth) {
  const ourMessages = truth.messages.filter((message) => message.templateId === truth.ourTemplateId && message.deliveryId !== null);
  const messagesByDelivery = groupBy(ourMessages, (message) => message.deliveryId as string);
  const invocationById = new Map(truth.invocations.map((entry) => [entry.id, entry]));
  /** What the invocation that sent this message asked for it: its assignee and the customers it named. */
  const requestedIn = (message: DeliveredMessage): { delivery: LoggedDelivery; arrivedAtMs: number; answer?: string; answeredAt?: string } | undefined => {
    const entry = message.invocationId === null ? undefined : invocationById.get(message.invocationId);
    const delivery = entry?.deliveries.find((candidate) => candidate.deliveryId === message.deliveryId);
    return entry && delivery ? { delivery, arrivedAtMs: entry.arrivedAtMs, ...(entry.answer ? { answer: entry.answer } : {}), ...(entry.answeredAt ? { answeredAt: entry.answeredAt } : {}) } : undefined;
  };
  const customersOf = groupBy(truth.notificationCustomers, (link) => link.notification_id);
  const attemptsOf = groupBy(
    [...truth.attempts].sort((a, b) => a.started_at.localeCompare(b.started_at)),
    (attempt) => attempt.notification_id,
  );
  const rows: RowTruth[] = truth.notifications.map((row) => {
    const customers = new Set((customersOf.get(row.id) ?? []).map((link) => link.customer_id));
    const attempts = attemptsOf.get(row.id) ?? [];
    // A row's own id is its first delivery's id; later ones are in its attempts and in delivery_id.
    const deliveryIds = new Set([row.id, ...(row.delivery_id ? [row.delivery_id] : []), ...attempts.map((attempt) => attempt.delivery_id)]);
    // The build that withdrew the row left it out of that invocation and every later one.
    const withdrawnAt = attempts.find((attempt) => attempt.outcome === 'withdrawn')?.started_at;
    const toldAbout = (message: DeliveredMessage) => {
      const requested = requestedIn(message);
      if (withdrawnAt !== undefined && requested && requested.arrivedAtMs >= Date.parse(withdrawnAt)) return false;
      // A long digest lists only its first customers (and the count): one not listed may still be this row's.
      const listedAll = requested !== undefined && (requested.delivery.customerCount ?? 0) <= requested.delivery.customerIds.length;
      return !listedAll || requested.delivery.customerIds.some((customerId) => customers.has(customerId));
    };
    const deliveredUnder = [...deliveryIds].filter((id) => (messagesByDelivery.get(id) ?? []).some(toldAbout));
    return { row, customers, deliveryIds, deliveredUnder };
  });
  return { ourMessages, messagesByDelivery, requestedIn, rows, attemptsOf, history: historyIndex(truth) };
}

type Index = ReturnType<typeof indexTruth>;

/** One change of a customer's owner, with the interval its commit lies in. */
interface Change extends HistoryRecord {
  /** The transaction's own time: the commit came at or after it. */
  notBeforeMs: number;
  /** When the soak read the answer to the request that made it: the commit came before. Infinity when no answer came. */
  committedByMs: number;
}

/** Each customer's changes in order, each with its commit bounded by its history time and the answer the soak read. */
function historyIndex(truth: GroundTruth): Map<string, Change[]> {
  const answeredRequests = truth.requests.filter((request) => request.status >= 200 && request.status < 300 && request.receivedAtMs !== undefined);
  const requestsByCustomer = groupBy(
    answeredRequests.flatMap((request) => request.customerIds.map((customerId) => ({ customerId, request }))),
    (entry) => entry.customerId,
  );
  const changes = new Map<string, Change[]>();
  for (const record of truth.history) {
    const notBeforeMs = Date.parse(record.created_at);
    // Millisecond timestamps on both sides: a few ms of slack for rounding.
    const answered = (requestsByCustomer.get(record.customer_id) ?? []).find(
      ({ request }) =>
        request.assigneeId === record.to_owner_id &&
        request.changedIds.includes(record.customer_id) &&
        request.sentAtMs - 5 <= notBeforeMs &&
        notBeforeMs <= (request.receivedAtMs as number) + 5,
    );
    const change: Change = { ...record, notBeforeMs, committedByMs: answered?.request.receivedAtMs ?? Number.POSITIVE_INFINITY };
    const ofCustomer = changes.get(record.customer_id);
    if (ofCustomer) ofCustomer.push(change);
    else changes.set(record.customer_id, [change]);
  }
  return changes;
}

/**
 * A move of `customerId` away from `assigneeId` after which it did not come back to them before `backBeforeMs`,
 * among those passing `when`: the one that makes a message to `assigneeId` about it wrong.
 */
function moveAway(changes: Change[], assigneeId: string, backBeforeMs: number, when: (change: Change) => boolean): Change | undefined {
  return changes.find(
    (change) =>
      change.from_owner_id === assigneeId &&
      when(change) &&
      !changes.some((later) => later.customer_version > change.customer_version && later.to_owner_id === assigneeId && later.notBeforeMs < backBeforeMs),
  );
}

export function lostFigures(truth: GroundTruth, index: Index): DefectFigures['lost'] {
  const sentRows = index.rows.filter(({ row }) => row.status === 'sent');
  const lost = sentRows.filter(({ deliveredUnder }) => deliveredUnder.length === 0);
  const receiptAbout = identifyReceipts(truth);
  // The receipt that settled a lost row, and the message it was really about.
  const settledBy = (entry: RowTruth) => {
    const receipt = truth.receipts.find((candidate) => candidate.settled_delivery_id !== null && entry.deliveryIds.has(candidate.settled_delivery_id));
    return receipt ? { receipt, about: receiptAbout.get(receipt.id) } : undefined;
  };
  const confirmedBy: DefectFigures['lost']['confirmedBy'] = { 'a host-template message': 0, 'another of our messages': 0, unidentified: 0 };
  for (const entry of lost.filter(({ row }) => row.confirmed_at !== null)) {
    const about = settledBy(entry)?.about;
    if (!about) confirmedBy.unidentified++;
    else if (about.templateId !== truth.ourTemplateId) confirmedBy['a host-template message']++;
    else confirmedBy['another of our messages']++;
  }
  const examples = lost.slice(0, EXAMPLES).map((entry) => {
    const settled = settledBy(entry);
    return {
      notificationId: entry.row.id,
      deliveryIds: [...entry.deliveryIds],
      confirmedAt: entry.row.confirmed_at,
      attempts: describeAttempts(index, entry.row.id),
      ...(settled ? { settledByReceipt: settled.about ? { templateId: settled.about.templateId, msgId: settled.about.msgId, deliveryId: settled.about.deliveryId } : 'unidentified' } : {}),
    };
  });
  return {
    sent: lost.length,
    confirmed: lost.filter(({ row }) => row.confirmed_at !== null).length,
    ofSentRows: sentRows.length,
    ofConfirmedRows: sentRows.filter(({ row }) => row.confirmed_at !== null).length,
    confirmedBy,
    examples,
  };
}

/** A row's attempts in order, short: delivery id prefix, outcome, reason. */
function describeAttempts(index: Index, rowId: string): string[] {
  return (index.attemptsOf.get(rowId) ?? []).map((attempt) => `${attempt.delivery_id.slice(0, 8)} ${attempt.outcome} ${attempt.reason ?? ''}`.trim());
}

/**
 * The message each stored receipt was about. crm-api stores a receipt under sha1('receipt|openid|MsgID') (its
 * message-push domain); should that change, receipts show as unidentified and only this breakdown suffers.
 */
function identifyReceipts(truth: GroundTruth): Map<string, DeliveredMessage> {
  const byId = new Map<string, DeliveredMessage>();
  for (const message of truth.messages) byId.set(createHash('sha1').update(['receipt', message.touser, message.msgId].join('|')).digest('hex'), message);
  return byId;
}

export function duplicatedFigures(index: Index): DefectFigures['duplicated'] {
  const twice = [...index.messagesByDelivery].filter(([, messages]) => messages.length > 1);
  const rowsTwice = index.rows.filter(({ deliveredUnder }) => deliveredUnder.length > 1);
  return {
    deliveryIdsDeliveredTwice: twice.length,
    rowsDeliveredUnderTwoIds: rowsTwice.length,
    examples: [
      ...twice.slice(0, EXAMPLES).map(([deliveryId, messages]) => ({ deliveryId, messages: messages.map((message) => ({ msgId: message.msgId, sentAt: message.sentAt })) })),
      ...rowsTwice.slice(0, EXAMPLES).map(({ row, deliveredUnder }) => ({ notificationId: row.id, deliveredUnder })),
    ],
  };
}

export function withdrawnFigures(index: Index): DefectFigures['withdrawnButDelivered'] {
  const withdrawn = index.rows.filter(({ row }) => row.status === 'withdrawn');
  const delivered = withdrawn.filter(({ deliveredUnder }) => deliveredUnder.length > 0);
  const byAnswer: Record<string, number> = {};
  const examples: unknown[] = [];
  for (const { row, deliveredUnder } of delivered) {
    const message = index.messagesByDelivery.get(deliveredUnder[0]!)![0]!;
    const requested = index.requestedIn(message);
    const answer = requested?.answer ?? 'unknown';
    byAnswer[answer] = (byAnswer[answer] ?? 0) + 1;
    if (examples.length < EXAMPLES) {
      examples.push({
        notificationId: row.id,
        deliveryId: message.deliveryId,
        deliveredAt: message.sentAt,
        invocationAnswered: answer,
        attempts: describeAttempts(index, row.id),
      });
    }
  }
  return { count: delivered.length, ofWithdrawnRows: withdrawn.length, byAnswer, examples };
}

export function misdirectedFigures(index: Index): DefectFigures['misdirected'] {
  const figures: DefectFigures['misdirected'] = { staleCheck: { messages: 0, customers: 0 }, inherentRace: { messages: 0, customers: 0 }, messagesChecked: 0, examples: [] };
  const examples = { stale: [] as unknown[], race: [] as unknown[] };
  for (const message of index.ourMessages) {
    const requested = index.requestedIn(message);
    if (!requested?.delivery.assigneeId) continue;
    figures.messagesChecked++;
    const assigneeId = requested.delivery.assigneeId;
    const arrivedAtMs = requested.arrivedAtMs;
    const sentAtMs = Date.parse(message.sentAt);
    let stale = 0;
    let race = 0;
    for (const customerId of requested.delivery.customerIds) {
      const changes = index.history.get(customerId) ?? [];
      const staleMove = moveAway(changes, assigneeId, arrivedAtMs, (change) => change.committedByMs < arrivedAtMs - STALE_MARGIN_MS);
      const racingMove = staleMove ? undefined : moveAway(changes, assigneeId, sentAtMs, (change) => change.notBeforeMs <= sentAtMs && change.committedByMs >= arrivedAtMs - STALE_MARGIN_MS);
      const move = staleMove ?? racingMove;
      if (staleMove) stale++;
      if (racingMove) race++;
      const kept = staleMove ? examples.stale : examples.race;
      if (move && kept.length < EXAMPLES) {
        kept.push({
          kind: staleMove ? 'stale check' : 'inherent race',
          deliveryId: message.deliveryId,
          customerId,
          recipient: assigneeId,
          movedTo: move.to_owner_id ?? 'pool',
          moveCommittedBetween: [new Date(move.notBeforeMs).toISOString(), Number.isFinite(move.committedByMs) ? new Date(move.committedByMs).toISOString() : 'no answer'],
          invocationArrivedAt: new Date(arrivedAtMs).toISOString(),
          sentAt: message.sentAt,
          committedBeforeArrivalMs: Number.isFinite(move.committedByMs) ? Math.round(arrivedAtMs - move.committedByMs) : null,
        });
      }
    }
    figures.staleCheck.customers += stale;
    figures.inherentRace.customers += race;
    if (stale > 0) figures.staleCheck.messages++;
    else if (race > 0) figures.inherentRace.messages++;
  }
  // The defect's examples first; the race's only to show the difference.
  figures.examples = [...examples.stale, ...examples.race.slice(0, 2)];
  return figures;
}

export function pushFigures(truth: GroundTruth): DefectFigures['pushes5xx'] {
  const byEvent: Record<string, number> = {};
  const examples: unknown[] = [];
  let attempts = 0;
  let pushes = 0;
  let lost = 0;
  for (const push of truth.pushes) {
    const failed = push.attempts.filter((attempt) => attempt.status !== undefined && attempt.status >= 500);
    if (failed.length === 0) continue;
    attempts += failed.length;
    pushes++;
    if (push.state === 'failed') lost++;
    const event = pushKind(truth, push.event);
    byEvent[event] = (byEvent[event] ?? 0) + failed.length;
    if (examples.length < EXAMPLES) {
      examples.push({ pushId: push.id, event, state: push.state, attempts: push.attempts.map((attempt) => attempt.status ?? attempt.error), body: failed[0]!.body?.slice(0, 200) });
    }
  }
  return { attempts, pushes, lost, byEvent, examples };
}

/** The event's name, and for ours vs the host's templates which kind it was about. */
function pushKind(truth: GroundTruth, event: GroundTruth['pushes'][number]['event']): string {
  const items = Array.isArray(event.List) ? event.List : [event.List];
  const ours = items.some((item) => item.TemplateId === truth.ourTemplateId);
  const host = items.some((item) => item.TemplateId !== truth.ourTemplateId);
  return `${event.Event} (${ours && host ? 'ours + host' : ours ? 'ours' : 'host'})`;
}

export function contextFigures(truth: GroundTruth, index: Index): ContextFigures {
  const assignments = truth.history.filter((change) => change.to_owner_id !== null);
  const allChanges = [...index.history.values()].flat();
  const byOperation: Record<string, Record<string, number>> = {};
  for (const request of truth.requests) {
    const outcome = request.status === 0 ? `no answer (${request.error ?? '?'})` : request.status < 300 ? '2xx' : `${request.status} ${request.error ?? ''}`.trim();
    const counts = (byOperation[request.operation] ??= {});
    counts[outcome] = (counts[outcome] ?? 0) + 1;
  }
  const sends = truth.invocations.filter((entry) => entry.deliveries.length > 0);
  const receiptAbout = identifyReceipts(truth);
  const settled = truth.receipts.filter((receipt) => receipt.settled_delivery_id !== null);
  return {
    assignments: {
      made: assignments.length,
      byVia: countBy(assignments, (change) => change.via),
      releases: truth.history.length - assignments.length,
      changesWithKnownCommitBound: allChanges.filter((change) => Number.isFinite(change.committedByMs)).length,
    },
    requests: { total: truth.requests.length, byOperation },
    notificationsByStatus: countBy(truth.notifications, (row) => row.status),
    messages: { ours: index.ourMessages.length, host: truth.messages.filter((message) => message.templateId !== truth.ourTemplateId).length, distinctDeliveryIds: index.messagesByDelivery.size },
    invocations: {
      total: truth.invocations.length,
      sends: sends.length,
      byAnswer: countBy(sends, (entry) => entry.answer ?? 'unanswered'),
      stoppedSends: sends.reduce((sum, entry) => sum + entry.stoppedSends, 0),
    },
    pushes: {
      total: truth.pushes.length,
      byEvent: countBy(truth.pushes, (push) => pushKind(truth, push.event)),
      byState: countBy(truth.pushes, (push) => push.state),
      attempts: truth.pushes.reduce((sum, push) => sum + push.attempts.length, 0),
      attemptsByStatus: countBy(
        truth.pushes.flatMap((push) => push.attempts),
        (attempt) => (attempt.status === undefined ? `no answer` : String(attempt.status)),
      ),
    },
    receipts: {
      stored: truth.receipts.length,
      settled: settled.length,
      settledByHostTemplateReceipts: settled.filter((receipt) => {
        const about = receiptAbout.get(receipt.id);
        return about !== undefined && about.templateId !== truth.ourTemplateId;
      }).length,
    },
    reassignedWhileInFlight: reassignedWhileInFlight(truth, index),
  };
}

/** (delivery, customer) pairs of every send invocation whose customer moved away from the assignee from 3 s before its arrival to its answer. */
function reassignedWhileInFlight(truth: GroundTruth, index: Index): number {
  let pairs = 0;
  for (const entry of truth.invocations) {
    const endMs = entry.answeredAt ? Date.parse(entry.answeredAt) : entry.arrivedAtMs + 5000;
    for (const delivery of entry.deliveries) {
      for (const customerId of delivery.customerIds) {
        const moved = (index.history.get(customerId) ?? []).some(
          (change) => change.from_owner_id === delivery.assigneeId && change.notBeforeMs >= entry.arrivedAtMs - 3000 && change.notBeforeMs <= endMs,
        );
        if (moved) pairs++;
      }
    }
  }
  return pairs;
}

export interface SoakFigures {
  defects: DefectFigures;
  context: ContextFigures;
}

/** Every figure of one soak run, from its ground truth. */
export function computeFigures(truth: GroundTruth): SoakFigures {
  const index = indexTruth(truth);
  return {
    defects: {
      lost: lostFigures(truth, index),
      duplicated: duplicatedFigures(index),
      withdrawnButDelivered: withdrawnFigures(index),
      misdirected: misdirectedFigures(index),
      pushes5xx: pushFigures(truth),
    },
    context: contextFigures(truth, index),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const name = key(item);
    const group = groups.get(name);
    if (group) group.push(item);
    else groups.set(name, [item]);
  }
  return groups;
}

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
