import { diagnose, type ObservedNotification } from './diagnose.js';

const FINAL = new Set(['sent', 'skipped', 'withdrawn', 'failed', 'dead']);

export interface SmokeOptions {
  api: string;
  token: string;
  customer: string;
  assignee: string;
  timeoutMs: number;
  force: boolean;
}

/**
 * Assigns a customer through the real API, follows the notification until it is final, and says what a
 * human should do when it was not delivered. Exit code 0 only when delivered.
 */
export async function runSmoke(options: SmokeOptions, print: (line: string) => void, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<number> {
  const call = async (method: string, path: string, body?: unknown) => {
    let response: Response;
    try {
      response = await fetch(`${options.api}${path}`, {
        method,
        headers: { authorization: `Bearer ${options.token}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new Error(`cannot reach the API at ${options.api}: ${error instanceof Error ? error.message : String(error)}`);
    }
    const json = (await response.json().catch(() => ({}))) as Record<string, any>;
    return { status: response.status, json };
  };

  print(`Assigning customer ${options.customer} to user ${options.assignee} via ${options.api} …`);
  let assigned = await call('POST', `/api/customers/${encodeURIComponent(options.customer)}/assign`, { assigneeId: options.assignee, note: 'notify:smoke' });
  if (assigned.status === 200 && !assigned.json.changed && options.force) {
    print('The customer already belongs to the assignee; releasing it first (--force).');
    await call('POST', `/api/customers/${encodeURIComponent(options.customer)}/release`, { note: 'notify:smoke --force' });
    assigned = await call('POST', `/api/customers/${encodeURIComponent(options.customer)}/assign`, { assigneeId: options.assignee, note: 'notify:smoke' });
  }
  if (assigned.status !== 200) {
    const error = assigned.json.error ?? {};
    print(`✗ The API refused the assignment: HTTP ${assigned.status} ${error.code ?? ''} ${error.message ?? ''}`.trim());
    if (assigned.status === 401) print('  Fix: pass a valid token (--token or LEADNOTIFY_API_TOKEN); create one with `pnpm cli token:create --user ID`.');
    if (assigned.status === 403) print('  Fix: use a manager or admin token.');
    return 1;
  }
  const notificationId: string | undefined = assigned.json.notification?.id;
  if (!notificationId) {
    print(`✗ Nothing to send: ${assigned.json.message ?? 'no notification was created'}. Pass --force to release and assign again.`);
    return 3;
  }
  print(`Assigned. Notification ${notificationId} is pending; following it …`);

  const deadline = Date.now() + options.timeoutMs;
  let observed: ObservedNotification | undefined;
  while (Date.now() < deadline) {
    const shown = await call('GET', `/api/notifications/${notificationId}`);
    if (shown.status === 200) {
      observed = shown.json as ObservedNotification;
      if (FINAL.has(observed.status)) break;
    }
    await sleep(500);
  }
  if (!observed) {
    print('✗ Could not read the notification back from the API.');
    return 1;
  }
  const diagnosis = diagnose(observed);
  print(`${diagnosis.delivered ? '✓' : '✗'} ${diagnosis.summary}`);
  if (diagnosis.fix) print(`  Fix: ${diagnosis.fix}`);
  return diagnosis.delivered ? 0 : 2;
}
