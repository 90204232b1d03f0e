import { AsyncLocalStorage } from 'node:async_hooks';
import type { CloudDatabase, CloudSdk, Collection, Query, SubscribeMessage, WxContext } from '../cloud-sdk.js';
import { COLLECTIONS } from '../store/collections.js';

type Doc = Record<string, unknown>;
type Command = { __command: 'inc' | 'gt' | 'lt' | 'remove'; value: number };

function isCommand(value: unknown): value is Command {
  return typeof value === 'object' && value !== null && '__command' in value;
}

/** The error wx-server-sdk throws: an Error with errCode and errMsg. */
export function wxError(errCode: number, errMsg: string): Error {
  return Object.assign(new Error(`errCode: ${errCode} | errMsg: ${errMsg}`), { errCode, errMsg });
}

/** What WeChat's HTTP answer to a send carried besides errcode and errmsg; numbers as their digits. */
export interface SendAnswer {
  msgid?: string;
}

/**
 * A number of WeChat's answer as wx-server-sdk 4.x hands it to the function: json-bigint (`useNativeBigInt: false`)
 * keeps up to 15 digits as a number and makes a bignumber.js BigNumber of longer ones, which the SDK's key-case
 * conversion then copies field by field into a plain `{s, e, c}` (sign, exponent, base-1e14 coefficient whose first
 * chunk is unpadded and whose trailing zero chunks are dropped).
 */
function asSdkParsesIt(digits: string): number | { s: number; e: number; c: number[] } {
  if (digits.length <= 15) return Number(digits);
  const head = ((digits.length - 1) % 14) + 1;
  const c = [Number(digits.slice(0, head))];
  for (let index = head; index < digits.length; index += 14) c.push(Number(digits.slice(index, index + 14)));
  while (c.length > 1 && c[c.length - 1] === 0) c.pop();
  return { s: 1, e: digits.length - 1, c };
}

/** One run of the function: who called it, whether WeChat has stopped it, and what it still has under way. */
interface Invocation {
  context: WxContext;
  killed: boolean;
  /** Its work returned or threw. */
  settled: boolean;
  /** Sends of it WeChat is still answering. */
  sending: number;
  /** A call of the stopped run has hung: its code went as far as it could. */
  hung: boolean;
  /** Resolves `finished()`. */
  over: () => void;
}

export interface InvocationHandle {
  run<T>(work: () => Promise<T>): Promise<T>;
  /** WeChat stops the run: from now on its database calls and sends never happen and never answer. */
  kill(): void;
  readonly killed: boolean;
  /**
   * Resolves when the run is over: its work returned or threw, or it was stopped and has come to rest — a call of it
   * hangs and none of its sends is still with WeChat, so it can change nothing more. Judged by what the run does, not
   * by the kill alone: a stopped run that went on writing or sending would be over only once it ended.
   */
  finished(): Promise<void>;
}

/** A write the function is about to make, for tests that stop a run at a chosen point. */
export interface WriteEvent {
  collection: string;
  kind: 'add' | 'update' | 'remove';
  data?: Doc;
  invocation: InvocationHandle | undefined;
}

/** What a stopped run's pending cloud call looks like from inside it: it never settles. */
const FROZEN = new Promise<never>(() => {});

function readPath(doc: Doc, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Doc)[part];
  }
  return value;
}

/**
 * An in-memory implementation of exactly the wx-server-sdk slice the function uses, for tests and the local
 * WeChat emulator. Like the cloud database it refuses collections that were not created and duplicate
 * _ids; it records every message WeChat accepted. Like WeChat it can stop a run at its time limit: a run
 * started with `startInvocation` and killed makes no database call or send afterwards (each one hangs, as
 * if the process were frozen), while a send WeChat accepted before the kill stays delivered.
 */
export function createMemoryCloud() {
  const collections = new Map<string, Map<string, Doc>>();
  const sent: SubscribeMessage[] = [];
  let context: WxContext = { SOURCE: 'wx_http', ENV: 'test-env' };
  // Concurrent invocations each see their own caller and their own kill switch, as in the cloud.
  const scoped = new AsyncLocalStorage<{ invocation: Invocation; handle: InvocationHandle }>();
  let nextId = 1;
  let sendBehaviour: (message: SubscribeMessage) => Promise<SendAnswer | void> = async () => {};
  let beforeWrite: (event: WriteEvent) => void = () => {};
  let sendsInFlight = 0;
  let maxSendsInFlight = 0;

  function table(name: string): Map<string, Doc> {
    const docs = collections.get(name);
    if (!docs) throw wxError(-502005, `database collection not exists: ${name}`);
    return docs;
  }

  const killed = () => scoped.getStore()?.invocation.killed === true;

  /**
   * Whether the run is over (see finished()). Announced after a turn of the event loop, so that whatever its code does
   * next in promise jobs alone (no cloud call answers later than that) has happened.
   */
  function checkOver(invocation: Invocation): void {
    if (invocation.settled || (invocation.killed && invocation.hung && invocation.sending === 0)) setImmediate(invocation.over);
  }

  /** What a stopped run's call gets: an answer that never comes. */
  function hang(): Promise<never> {
    const store = scoped.getStore();
    if (store) {
      store.invocation.hung = true;
      checkOver(store.invocation);
    }
    return FROZEN;
  }

  /** Every database call goes through here: a stopped run's calls never happen. */
  async function guarded<T>(write: Omit<WriteEvent, 'invocation'> | undefined, operation: () => T): Promise<T> {
    if (write) beforeWrite({ ...write, invocation: scoped.getStore()?.handle });
    if (killed()) return hang();
    return operation();
  }

  function matches(doc: Doc, condition: Doc): boolean {
    return Object.entries(condition).every(([field, expected]) => {
      const actual = readPath(doc, field);
      if (isCommand(expected)) {
        if (typeof actual !== 'number') return false;
        return expected.__command === 'gt' ? actual > expected.value : actual < expected.value;
      }
      return actual === expected;
    });
  }

  function apply(doc: Doc, data: Doc): void {
    for (const [field, value] of Object.entries(data)) {
      if (field === '_id') continue;
      const parts = field.split('.');
      const last = parts.pop() as string;
      let target = doc;
      for (const part of parts) {
        if (target[part] === null || typeof target[part] !== 'object') target[part] = {};
        target = target[part] as Doc;
      }
      if (isCommand(value) && value.__command === 'remove') delete target[last];
      else target[last] = isCommand(value) ? Number(target[last] ?? 0) + value.value : structuredClone(value);
    }
  }

  /** A condition on a literal _id reads one document, as the cloud database's primary key does. */
  function candidates(name: string, condition: Doc): Doc[] {
    const docs = table(name);
    if (typeof condition._id === 'string') {
      const doc = docs.get(condition._id);
      return doc ? [doc] : [];
    }
    return [...docs.values()];
  }

  function query(name: string, condition: Doc = {}, max = 100): Query {
    return {
      where: (next) => query(name, { ...condition, ...next }, max),
      limit: (count) => query(name, condition, count),
      get: () =>
        guarded(undefined, () => {
          const data = candidates(name, condition).filter((doc) => matches(doc, condition)).slice(0, max);
          return { data: data.map((doc) => structuredClone(doc)) };
        }),
      update: ({ data }) =>
        guarded({ collection: name, kind: 'update', data }, () => {
          let updated = 0;
          for (const doc of candidates(name, condition)) {
            if (matches(doc, condition)) {
              apply(doc, data);
              updated++;
            }
          }
          return { stats: { updated } };
        }),
      remove: () =>
        guarded({ collection: name, kind: 'remove' }, () => {
          const docs = table(name);
          let removed = 0;
          for (const doc of candidates(name, condition)) {
            if (matches(doc, condition) && docs.delete(String(doc._id))) removed++;
          }
          return { stats: { removed } };
        }),
    };
  }

  const database: CloudDatabase = {
    collection(name): Collection {
      return {
        ...query(name),
        add: ({ data }) =>
          guarded({ collection: name, kind: 'add', data }, () => {
            const docs = table(name);
            const id = typeof data._id === 'string' ? data._id : `auto-${nextId++}`;
            if (docs.has(id)) throw wxError(-502001, `duplicate key: _id ${id}`);
            docs.set(id, { ...structuredClone(data), _id: id });
            return { _id: id };
          }),
        doc(id) {
          return {
            update: ({ data }) =>
              guarded({ collection: name, kind: 'update', data }, () => {
                const doc = table(name).get(id);
                if (!doc) return { stats: { updated: 0 } };
                apply(doc, data);
                return { stats: { updated: 1 } };
              }),
            remove: () => guarded({ collection: name, kind: 'remove' }, () => ({ stats: { removed: table(name).delete(id) ? 1 : 0 } })),
          };
        },
      };
    },
    command: {
      inc: (value) => ({ __command: 'inc', value }),
      gt: (value) => ({ __command: 'gt', value }),
      lt: (value) => ({ __command: 'lt', value }),
      remove: () => ({ __command: 'remove', value: 0 }),
    },
  };

  const cloud: CloudSdk = {
    DYNAMIC_CURRENT_ENV: Symbol('DYNAMIC_CURRENT_ENV'),
    init() {},
    getWXContext: () => ({ ...(scoped.getStore()?.invocation.context ?? context) }),
    database: () => database,
    openapi: {
      subscribeMessage: {
        async send(message) {
          if (killed()) return hang();
          const invocation = scoped.getStore()?.invocation;
          sendsInFlight++;
          maxSendsInFlight = Math.max(maxSendsInFlight, sendsInFlight);
          if (invocation) invocation.sending++;
          let answer: SendAnswer | void;
          try {
            answer = await sendBehaviour(message);
            sent.push(structuredClone(message));
          } finally {
            sendsInFlight--;
            if (invocation) invocation.sending--;
          }
          // WeChat accepted it; a run stopped meanwhile never hears so.
          if (killed()) return hang();
          return { ...(answer?.msgid === undefined ? {} : { msgid: asSdkParsesIt(answer.msgid) }), errCode: 0, errMsg: 'openapi.subscribeMessage.send:ok' };
        },
      },
    },
  };

  function startInvocation(caller: WxContext = context): InvocationHandle {
    let over = () => {};
    const finished = new Promise<void>((resolve) => (over = resolve));
    const invocation: Invocation = { context: caller, killed: false, settled: false, sending: 0, hung: false, over };
    const handle: InvocationHandle = {
      run(work) {
        const running = scoped.run({ invocation, handle }, work);
        const ended = () => {
          invocation.settled = true;
          checkOver(invocation);
        };
        running.then(ended, ended);
        return running;
      },
      kill() {
        invocation.killed = true;
      },
      get killed() {
        return invocation.killed;
      },
      finished: () => finished,
    };
    return handle;
  }

  return {
    cloud,
    sent,
    createCollections(names: string[] = Object.values(COLLECTIONS)) {
      for (const name of names) if (!collections.has(name)) collections.set(name, new Map());
    },
    docs(name: string): Doc[] {
      return [...table(name).values()].map((doc) => structuredClone(doc));
    },
    setContext(next: WxContext) {
      context = next;
    },
    /** Runs `work` as one invocation by the given caller. */
    withContext<T>(caller: WxContext, work: () => Promise<T>): Promise<T> {
      return startInvocation(caller).run(work);
    },
    /** One invocation that can be killed like WeChat kills a function at its time limit. */
    startInvocation,
    /** Called before every database write (also a stopped run's, which then does not happen). */
    onWrite(hook: (event: WriteEvent) => void) {
      beforeWrite = hook;
    },
    /**
     * Replaces what a send does before it is recorded; throw wxError(...) to make WeChat refuse it, return
     * `{msgid}` (its digits) for an answer that carries WeChat's MsgID.
     */
    onSend(behaviour: (message: SubscribeMessage) => Promise<SendAnswer | void>) {
      sendBehaviour = behaviour;
    },
    failSendsWith(errCode: number, errMsg = 'refused by the test', times = Infinity) {
      let left = times;
      sendBehaviour = async () => {
        if (left-- > 0) throw wxError(errCode, `openapi.subscribeMessage.send:fail ${errCode} ${errMsg}`);
      };
    },
    maxSendsInFlight: () => maxSendsInFlight,
  };
}

export type MemoryCloud = ReturnType<typeof createMemoryCloud>;
