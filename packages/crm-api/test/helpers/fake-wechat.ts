import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface InvokedEvent {
  type: string;
  deliveryId?: string;
  deliveries?: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

type FunctionBehaviour = (event: InvokedEvent) => unknown;
/** `afterRun`: the function ran (and sent what it sent) before the answer was lost — WeChat's "maybe sent". */
type Fault = { kind: 'errcode'; errcode: number; errmsg: string } | { kind: 'http'; status: number; afterRun?: boolean } | { kind: 'drop' };

/**
 * A small WeChat stand-in on a real port for the notifier tests: stable_token and invokecloudfunction with
 * WeChat's shapes; the function answers "sent" for every notification unless told otherwise. Faults can
 * be queued per call.
 */
export async function startFakeWechat() {
  let tokenSerial = 0;
  let validTokens = new Set<string>();
  const invocations: InvokedEvent[] = [];
  const faults: Fault[] = [];
  const sentIds = new Set<string>();
  let behaviour: FunctionBehaviour = (event) => idempotentFunction(event, sentIds);
  let delayMs = 0;
  let held: Promise<void> | undefined;
  let invocationsReceived = 0;
  let tokenRequests = 0;
  const sockets = new Set<Socket>();

  const server: Server = createServer(async (req, res) => {
    const body = await readJson(req);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method === 'POST' && url.pathname === '/cgi-bin/stable_token') {
      tokenRequests++;
      const token = `TOKEN-${++tokenSerial}`;
      validTokens.add(token);
      return json(res, { access_token: token, expires_in: 7200 });
    }
    if (req.method === 'POST' && url.pathname === '/wxa/getwxacodeunlimit') {
      // Only WeChat's refusals are faked here; the emulator draws real codes.
      const fault = faults.shift();
      if (fault?.kind === 'errcode') return json(res, { errcode: fault.errcode, errmsg: fault.errmsg });
      return json(res, { errcode: 40097, errmsg: 'the fake draws no codes: queue an errcode fault' });
    }
    if (req.method === 'POST' && url.pathname === '/tcb/invokecloudfunction') {
      invocationsReceived++;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      await held;
      const fault = faults.shift();
      if (fault?.kind === 'drop') return req.socket.destroy();
      if (fault?.kind === 'http' && fault.afterRun) {
        invocations.push(body as InvokedEvent);
        await behaviour(body as InvokedEvent);
        return json(res, { message: 'upstream error' }, fault.status);
      }
      if (fault?.kind === 'http') return json(res, { message: 'upstream error' }, fault.status);
      if (fault?.kind === 'errcode') return json(res, { errcode: fault.errcode, errmsg: fault.errmsg });
      if (!validTokens.has(url.searchParams.get('access_token') ?? '')) {
        return json(res, { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
      }
      const event = body as InvokedEvent;
      invocations.push(event);
      return json(res, { errcode: 0, errmsg: 'ok', resp_data: JSON.stringify(await behaviour(event)) });
    }
    return json(res, { errcode: 40101, errmsg: 'missing parameter' }, 404);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let port = (server.address() as AddressInfo).port;

  const sentEvents = () =>
    invocations.flatMap((event) => {
      if (event.type === 'sendBatchCustomerAssignNotification') return event.deliveries ?? [];
      return event.type === 'sendCustomerAssignNotification' ? [event] : [];
    });

  return {
    get baseUrl() {
      return `http://127.0.0.1:${port}`;
    },
    invocations,
    /** Every notification event the function received, batch or single. */
    sentEvents,
    /** Every delivery id the CRM asked the function to recall. */
    recalledIds: () => invocations.flatMap((event) => (event.type === 'recallDeliveries' ? ((event.deliveryIds as string[] | undefined) ?? []) : [])),
    tokenRequests: () => tokenRequests,
    setFunction(next: FunctionBehaviour) {
      behaviour = next;
    },
    /** Back to the function that sends each delivery id once. */
    resetFunction() {
      behaviour = (event) => idempotentFunction(event, sentIds);
    },
    setDelay(ms: number) {
      delayMs = ms;
    },
    /** Invocations that have reached the fake, answered or not. */
    invocationsReceived: () => invocationsReceived,
    /** Holds every invocation's answer until `release()`: WeChat as slow as the test needs, and no slower. */
    holdAnswers() {
      let release = () => {};
      held = new Promise<void>((resolve) => (release = resolve));
      return {
        release() {
          held = undefined;
          release();
        },
      };
    },
    queueFault(fault: Fault, times = 1) {
      for (let index = 0; index < times; index++) faults.push(fault);
    },
    /** Invalidate every token handed out so far, as WeChat does when a token expires. */
    expireTokens() {
      validTokens = new Set();
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    /** Start listening again on the same port after stop(). */
    async restart() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      port = (server.address() as AddressInfo).port;
    },
  };
}

export type FakeWechat = Awaited<ReturnType<typeof startFakeWechat>>;

/**
 * Answers like the cloud function when every notification can be sent: each delivery id goes out once (a repeat is
 * answered ALREADY_SENT), and a recall answers ALREADY_SENT for one that went out and RECALLED for the others.
 */
function idempotentFunction(event: InvokedEvent, sentIds: Set<string>): unknown {
  if (event.type === 'recallDeliveries') {
    const ids = (event.deliveryIds as string[] | undefined) ?? [];
    return { ok: true, results: ids.map((deliveryId) => ({ deliveryId, reason: sentIds.has(deliveryId) ? 'ALREADY_SENT' : 'RECALLED' })) };
  }
  const send = (item: Record<string, unknown>) => {
    const deliveryId = String(item.deliveryId);
    const reason = sentIds.has(deliveryId) ? 'ALREADY_SENT' : 'SENT';
    sentIds.add(deliveryId);
    return { deliveryId, reason, sentAt: new Date().toISOString() };
  };
  if (event.type === 'sendBatchCustomerAssignNotification') return { ok: true, results: (event.deliveries ?? []).map(send) };
  return { ok: true, result: send(event) };
}

/** Answers every notification with the same result fields. */
export function functionAnswering(fields: Record<string, unknown>): FunctionBehaviour {
  return (event) => {
    const result = (item: Record<string, unknown>) => ({ deliveryId: item.deliveryId, ...fields });
    if (event.type === 'sendBatchCustomerAssignNotification') return { ok: true, results: (event.deliveries ?? []).map(result) };
    return { ok: true, result: result(event) };
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
