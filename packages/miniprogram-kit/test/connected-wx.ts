import { bodyOf, httpCall, httpJson } from './http-call.js';

type Callbacks<S, F> = { success?: (result: S) => void; fail?: (error: F) => void; complete?: (result: S | F) => void };

function settle<S, F>(callbacks: Callbacks<S, F>, work: Promise<{ ok: true; value: S } | { ok: false; value: F }>): void {
  void work.then((outcome) => {
    if (outcome.ok) callbacks.success?.(outcome.value);
    else callbacks.fail?.(outcome.value);
    callbacks.complete?.(outcome.value);
  });
}

/**
 * The slice of `wx` the kit uses, on a phone signed in to WeChat as `openid`, with real network behind it:
 * wx.request does HTTP; wx.cloud.callFunction runs the function in the emulator as this user
 * (/_emulator/miniprogram/call); wx.requestSubscribeMessage — only inside a tap, as on a phone — shows the
 * dialog, which the emulator's user answers with `state.answer` (/_emulator/users/:openid/subscribe-popup).
 */
export function createConnectedWx(options: { emulatorUrl: string; openid: string; functionName: string }) {
  const state = {
    insideTap: false,
    /** What the user answers when a dialog shows, and whether they tick "总是保持以上选择，不再询问". */
    answer: 'accept' as 'accept' | 'reject',
    keep: false,
    /** Subscribe calls that showed the user a dialog, and that WeChat answered silently (every template kept "always"). */
    dialogs: 0,
    silent: 0,
    requests: [] as string[],
    functionCalls: [] as Array<Record<string, unknown>>,
  };

  const storage = new Map<string, unknown>();
  const wx = {
    request(call: { url: string; method?: string; data?: unknown; header?: Record<string, string> } & Callbacks<unknown, { errMsg: string }>) {
      state.requests.push(`${call.method ?? 'GET'} ${call.url}`);
      settle(
        call,
        httpCall(call.method ?? 'GET', call.url, { ...(call.data === undefined ? {} : { json: call.data }), headers: call.header ?? {} }).then(
          (answer) => ({ ok: true as const, value: { statusCode: answer.status, data: bodyOf(answer), header: { 'content-type': answer.contentType }, errMsg: 'request:ok' } }),
          (error: Error) => ({ ok: false as const, value: { errMsg: `request:fail ${error.message}` } }),
        ),
      );
    },
    requestSubscribeMessage(call: { tmplIds: string[] } & Callbacks<Record<string, string>, { errMsg: string; errCode?: number }>) {
      if (!state.insideTap) {
        return settle(call, Promise.resolve({ ok: false as const, value: { errMsg: 'requestSubscribeMessage:fail can only be invoked by user TAP gesture.' } }));
      }
      type Outcome = { ok: true; value: Record<string, string> } | { ok: false; value: { errMsg: string; errCode?: number } };
      settle(
        call,
        // WeChat decides: a dialog the user answers (a second template of the same title `filter`ed), or no dialog at
        // all for templates kept "always". The emulator's phone side answers it.
        httpJson<{ dialogShown: boolean; results: Record<string, string> }>(`POST`, `${options.emulatorUrl}/_emulator/users/${encodeURIComponent(options.openid)}/request-subscribe`, {
          json: { tmplIds: call.tmplIds, answer: state.answer, keep: state.keep },
        }).then(
          (answer): Outcome => {
            if (answer.status !== 200) return { ok: false as const, value: { errMsg: 'requestSubscribeMessage:fail No template data return, verify the template id exist', errCode: 20001 } };
            if (answer.body.dialogShown) state.dialogs++;
            else state.silent++;
            return { ok: true as const, value: { errMsg: 'requestSubscribeMessage:ok', ...answer.body.results } };
          },
          (error: Error): Outcome => ({ ok: false as const, value: { errMsg: `requestSubscribeMessage:fail ${error.message}` } }),
        ),
      );
    },
    getSetting(call: { withSubscriptions?: boolean } & Callbacks<Record<string, unknown>, { errMsg: string }>) {
      settle(
        call,
        httpJson<{ subscriptionsSetting: unknown }>('GET', `${options.emulatorUrl}/_emulator/users/${encodeURIComponent(options.openid)}/settings`).then(
          (answer) => ({
            ok: true as const,
            value: { errMsg: 'getSetting:ok', authSetting: {}, ...(call.withSubscriptions ? { subscriptionsSetting: answer.body.subscriptionsSetting } : {}) },
          }),
          // As on a phone, a call that got no answer ends in fail (e.g. the emulator stopped while a page still asked).
          (error: Error) => ({ ok: false as const, value: { errMsg: `getSetting:fail ${error.message}` } }),
        ),
      );
    },
    openSetting() {},
    navigateTo() {},
    reLaunch() {},
    getStorageSync(key: string) {
      return storage.get(key) ?? '';
    },
    setStorageSync(key: string, value: unknown) {
      storage.set(key, structuredClone(value));
    },
    removeStorageSync(key: string) {
      storage.delete(key);
    },
    stopPullDownRefresh() {},
    cloud: {
      async callFunction(call: { name: string; data: Record<string, unknown> }) {
        state.functionCalls.push(call.data);
        if (call.name !== options.functionName) throw { errCode: -501000, errMsg: 'cloud.callFunction:fail -501000 FunctionName parameter could not be found.' };
        const answer = await httpJson(`POST`, `${options.emulatorUrl}/_emulator/miniprogram/call`, { json: { openid: options.openid, event: call.data } }).catch((error: Error) => {
          throw { errCode: -1, errMsg: `cloud.callFunction:fail ${error.message}` };
        });
        // The emulator answers a failed call (the run passed its limit, or threw) with what callFunction's fail gets.
        if (answer.status !== 200) throw answer.body;
        return { errMsg: 'cloud.callFunction:ok', requestID: 'e2e', result: answer.body };
      },
    },
  };
  return { wx, state };
}
