import { reasonOf } from '@leadnotify/contracts';

/** What the smoke test saw of a notification: GET /api/notifications/:id. */
export interface ObservedNotification {
  status: string;
  reason: string | null;
  lastError: string | null;
  attempts: number;
}

export interface Diagnosis {
  delivered: boolean;
  summary: string;
  fix?: string;
}

/** A notification's state → what a human should do, from the one reason table in @leadnotify/contracts. */
export function diagnose(notification: ObservedNotification): Diagnosis {
  if (notification.status === 'sent') return { delivered: true, summary: 'Delivered: the subscribe message was sent.' };
  const known = reasonOf(notification.reason);
  const detail = notification.lastError ? ` (${notification.lastError})` : '';
  if (notification.status === 'pending' || notification.status === 'sending') {
    if (notification.attempts === 0) {
      return {
        delivered: false,
        summary: 'Still waiting: no delivery attempt yet',
        fix: 'Is a notifier running? NOTIFIER=inline needs the WeChat variables set; with NOTIFIER=off run `pnpm worker`.',
      };
    }
    return {
      delivered: false,
      summary: `Not delivered yet after ${notification.attempts} attempt(s): ${known?.summary ?? notification.reason ?? 'unknown'}${detail}`,
      ...(known ? { fix: known.fix } : {}),
    };
  }
  return {
    delivered: false,
    summary: `${notification.status}: ${known?.summary ?? notification.reason ?? 'unknown reason'}${detail}`,
    fix: known?.fix ?? 'Look the reason up in docs/troubleshooting.md.',
  };
}
