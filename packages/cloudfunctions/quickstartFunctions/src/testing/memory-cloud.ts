import { AsyncLocalStorage } from 'node:async_hooks';
import type { CloudDatabase, CloudSdk, Collection, Query, SubscribeMessage, WxContext } from '../cloud-sdk.js';
import { COLLECTIONS } from '../store/collections.js';

type Doc = Record<string, unknown>;
type Command = { __command: 'inc' | 'gt' | 'lt'; value: number };

function isCommand(value: unknown): value is Command {
  return typeof value === 'object' && value !== null && '__command' in value;
}

/** The error wx-server-sdk throws: an Error with errCode and errMsg. */
export function wxError(errCode: number, errMsg: string): Error {
  return Object.assign(new Error(`errCode: ${errCode} | errMsg: ${errMsg}`), { errCode, errMsg });
}

/**
 * An in-memory implementation of exactly the wx-server-sdk slice the function uses, for tests and the local
 * WeChat emulator. Like the cloud database it refuses collections that were not created and duplicate
 * _ids; it records every message WeChat accepted.
 */
export function createMemoryCloud() {
  const collections = new Map<string, Map<string, Doc>>();
  const sent: SubscribeMessage[] = [];
  let context: WxContext = { SOURCE: 'wx_http', ENV: 'test-env' };
  // Concurrent invocations each see their own caller, as in the cloud.
  const scopedContext = new AsyncLocalStorage<WxContext>();
  let nextId = 1;
  let sendBehaviour: (message: SubscribeMessage) => Promise<void> = async () => {};
  let sendsInFlight = 0;
  let maxSendsInFlight = 0;

  function table(name: string): Map<string, Doc> {
    const docs = collections.get(name);
    if (!docs) throw wxError(-502005, `database collection not exists: ${name}`);
    return docs;
  }

  function matches(doc: Doc, condition: Doc): boolean {
    return Object.entries(condition).every(([field, expected]) => {
      const actual = doc[field];
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
      doc[field] = isCommand(value) ? Number(doc[field] ?? 0) + value.value : structuredClone(value);
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
      async get() {
        const data = candidates(name, condition).filter((doc) => matches(doc, condition)).slice(0, max);
        return { data: data.map((doc) => structuredClone(doc)) };
      },
      async update({ data }) {
        let updated = 0;
        for (const doc of candidates(name, condition)) {
          if (matches(doc, condition)) {
            apply(doc, data);
            updated++;
          }
        }
        return { stats: { updated } };
      },
    };
  }

  const database: CloudDatabase = {
    collection(name): Collection {
      return {
        ...query(name),
        async add({ data }) {
          const docs = table(name);
          const id = typeof data._id === 'string' ? data._id : `auto-${nextId++}`;
          if (docs.has(id)) throw wxError(-502001, `duplicate key: _id ${id}`);
          docs.set(id, { ...structuredClone(data), _id: id });
          return { _id: id };
        },
        doc(id) {
          return {
            async update({ data }) {
              const doc = table(name).get(id);
              if (!doc) return { stats: { updated: 0 } };
              apply(doc, data);
              return { stats: { updated: 1 } };
            },
          };
        },
      };
    },
    command: {
      inc: (value) => ({ __command: 'inc', value }),
      gt: (value) => ({ __command: 'gt', value }),
      lt: (value) => ({ __command: 'lt', value }),
    },
  };

  const cloud: CloudSdk = {
    DYNAMIC_CURRENT_ENV: Symbol('DYNAMIC_CURRENT_ENV'),
    init() {},
    getWXContext: () => ({ ...(scopedContext.getStore() ?? context) }),
    database: () => database,
    openapi: {
      subscribeMessage: {
        async send(message) {
          sendsInFlight++;
          maxSendsInFlight = Math.max(maxSendsInFlight, sendsInFlight);
          try {
            await sendBehaviour(message);
            sent.push(structuredClone(message));
            return { errCode: 0, errMsg: 'openapi.subscribeMessage.send:ok' };
          } finally {
            sendsInFlight--;
          }
        },
      },
    },
  };

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
      return scopedContext.run(caller, work);
    },
    /** Replaces what a send does before it is recorded; throw wxError(...) to make WeChat refuse it. */
    onSend(behaviour: (message: SubscribeMessage) => Promise<void>) {
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
