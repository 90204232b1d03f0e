import type { KitRequest, KitRequestOptions, KitResponse } from '../src/lib/kit-config.js';

const SETTINGS_PATH = '/api/me/subscription-settings';

/**
 * A host request function answering from a table of "METHOD path" → response (or a thrown error for
 * "no answer"), recording every call so tests can assert the kit went through it.
 */
export function fakeRequest(routes: Record<string, KitResponse | Error>) {
  const calls: KitRequestOptions[] = [];
  /** The subscribe button's report of the phone's settings, made in the background: kept apart from the page's calls. */
  const settingsReports: KitRequestOptions[] = [];
  const request: KitRequest = async (options) => {
    if (options.method === 'POST' && options.path === SETTINGS_PATH) {
      settingsReports.push(options);
      const answer = routes[`POST ${SETTINGS_PATH}`] ?? { statusCode: 200, data: { ...options.data, reportedAt: '2026-11-25T00:00:00.000Z' } };
      if (answer instanceof Error) throw answer;
      return answer;
    }
    calls.push(options);
    const answer = routes[`${options.method} ${options.path}`];
    if (answer === undefined) return { statusCode: 404, data: { error: { code: 'ROUTE_NOT_FOUND', message: 'no such route' } } };
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { request, calls, settingsReports };
}

export function apiError(statusCode: number, code: string): KitResponse {
  return { statusCode, data: { error: { code, message: `test ${code}` } } };
}

/** wx.request's fail, as the host's request function passes it on. */
export function noAnswer(): Error {
  return Object.assign(new Error('request:fail timeout'), { errMsg: 'request:fail timeout' });
}

export const CUSTOMER = {
  id: 'c-1',
  name: '阿里巴巴',
  phone: '13800000000',
  company: '阿里巴巴集团',
  source: null,
  status: 'new',
  ownerId: 'u-sales-1',
  inPool: false,
  assignedAt: '2026-11-25T02:30:00.000Z',
  version: 2,
  createdAt: '2026-11-20T01:00:00.000Z',
  updatedAt: '2026-11-25T02:30:00.000Z',
};
