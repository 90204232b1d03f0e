import type { KitConfig } from '../src/lib/kit-config.js';

type Callbacks<S, F> = { success?: (result: S) => void; fail?: (error: F) => void; complete?: (result: S | F) => void };

export type SubscribeAnswer = { result: string } | { fail: { errCode: number; errMsg: string } };

export type FunctionHandler = (data: Record<string, unknown>) => unknown;

/** Answers any fake wx has promised and not given yet: what render.ts's settle() waits out. */
let answersOwed = 0;
export const owedAnswers = (): number => answersOwed;

/** Gives an answer later, in a timer of its own, as wx does. */
function later(give: () => void): void {
  answersOwed++;
  setTimeout(() => {
    answersOwed--;
    give();
  }, 0);
}

/**
 * The slice of `wx` the kit uses, behaving like the real one where it matters: answers arrive later
 * through success/fail/complete (or a promise when no callback is given); requestSubscribeMessage fails
 * unless it is called while a tap is being handled; results have WeChat's shapes.
 */
export interface FakeSubscriptionsSetting {
  mainSwitch: boolean;
  itemSettings: Record<string, string>;
}

export function createFakeWx(
  options: { subscribe?: SubscribeAnswer; functions?: Record<string, FunctionHandler>; functionName?: string; subscriptionsSetting?: FakeSubscriptionsSetting } = {},
) {
  const state = {
    insideTap: false,
    /** What wx.getSetting({withSubscriptions: true}) answers: itemSettings only for templates kept "always". */
    subscriptionsSetting: options.subscriptionsSetting ?? ({ mainSwitch: true, itemSettings: {} } as FakeSubscriptionsSetting),
    subscribe: options.subscribe ?? ({ result: 'accept' } as SubscribeAnswer),
    subscribeCalls: [] as Array<{ tmplIds: unknown }>,
    functionCalls: [] as Array<{ name: string; data: Record<string, unknown> }>,
    openSettingCalls: 0,
    navigations: [] as string[],
    phoneCalls: [] as string[],
    storage: new Map<string, unknown>(),
  };
  const functions = options.functions ?? {};
  const functionName = options.functionName ?? 'quickstartFunctions';

  function answer<S, F>(callbacks: Callbacks<S, F>, outcome: { ok: true; value: S } | { ok: false; value: F }): void {
    later(() => {
      if (outcome.ok) callbacks.success?.(outcome.value);
      else callbacks.fail?.(outcome.value);
      callbacks.complete?.(outcome.value);
    });
  }

  const wx = {
    requestSubscribeMessage(call: { tmplIds: string[] } & Callbacks<Record<string, string>, { errMsg: string; errCode?: number }>) {
      state.subscribeCalls.push({ tmplIds: call.tmplIds });
      if (!state.insideTap) {
        return answer(call, { ok: false, value: { errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' } });
      }
      if (!Array.isArray(call.tmplIds) || call.tmplIds.length === 0 || call.tmplIds.some((id) => typeof id !== 'string' || id === '')) {
        return answer(call, { ok: false, value: { errMsg: 'requestSubscribeMessage:fail TmplIds can\'t be empty', errCode: 10001 } });
      }
      const configured = state.subscribe;
      if ('fail' in configured) return answer(call, { ok: false, value: configured.fail });
      const result: Record<string, string> = { errMsg: 'requestSubscribeMessage:ok' };
      for (const id of call.tmplIds) result[id] = configured.result;
      return answer(call, { ok: true, value: result });
    },
    getSetting(call: { withSubscriptions?: boolean } & Callbacks<unknown, unknown>) {
      answer(call, { ok: true, value: { errMsg: 'getSetting:ok', authSetting: {}, ...(call.withSubscriptions ? { subscriptionsSetting: structuredClone(state.subscriptionsSetting) } : {}) } });
    },
    openSetting(call: Callbacks<unknown, unknown> = {}) {
      state.openSettingCalls++;
      answer(call, { ok: true, value: { errMsg: 'openSetting:ok', authSetting: {}, subscriptionsSetting: { mainSwitch: true } } });
    },
    navigateTo(call: { url: string }) {
      state.navigations.push(call.url);
    },
    makePhoneCall(call: { phoneNumber: string }) {
      state.phoneCalls.push(call.phoneNumber);
    },
    reLaunch(call: { url: string }) {
      state.navigations.push(`reLaunch ${call.url}`);
    },
    stopPullDownRefresh() {},
    getStorageSync(key: string) {
      return state.storage.get(key) ?? '';
    },
    setStorageSync(key: string, value: unknown) {
      state.storage.set(key, value);
    },
    removeStorageSync(key: string) {
      state.storage.delete(key);
    },
    cloud: {
      /** Like wx.cloud.callFunction: `{result, errMsg, requestID}`, or a rejection for an unknown function. */
      callFunction(call: { name: string; data: Record<string, unknown> } & Callbacks<unknown, unknown>) {
        state.functionCalls.push({ name: call.name, data: call.data });
        const promise = new Promise((resolve, reject) => {
          later(() => {
            const handler = call.name === functionName ? functions[String(call.data?.type)] : undefined;
            if (call.name !== functionName) {
              reject({ errCode: -501000, errMsg: `cloud.callFunction:fail -501000 FunctionName parameter could not be found.` });
            } else if (!handler) {
              resolve({ errMsg: 'cloud.callFunction:ok', requestID: 'r-1', result: { ok: false, error: { code: 'UNKNOWN_TYPE', message: 'unknown' } } });
            } else {
              try {
                resolve({ errMsg: 'cloud.callFunction:ok', requestID: 'r-1', result: handler(call.data) });
              } catch (error) {
                reject(error);
              }
            }
          });
        });
        if (!call.success && !call.fail && !call.complete) return promise;
        promise.then(
          (value) => {
            call.success?.(value);
            call.complete?.(value);
          },
          (error) => {
            call.fail?.(error);
            call.complete?.(error);
          },
        );
        return undefined;
      },
    },
  };
  return { wx, state };
}

/** Puts the fake `wx` and the host's App (with its `leadnotify` config) where the built files look for them. */
export function installMiniProgramGlobals(wx: object, leadnotify: Partial<KitConfig> | undefined) {
  const target = globalThis as Record<string, unknown>;
  target.wx = wx;
  target.getApp = () => (leadnotify === undefined ? {} : { leadnotify });
}
