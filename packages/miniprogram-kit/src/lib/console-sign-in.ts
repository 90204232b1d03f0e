import { apiErrorCode, apiFailure, send } from './api-failure.js';
import type { KitRequest } from './kit-config.js';
import { KitError, type KitErrorCode } from './kit-error.js';

/** crm-api's console sign-in: the salesperson, signed in on the phone, confirms the code the computer shows. */
export const CONSOLE_SIGN_IN_CONFIRM_PATH = '/api/console/sign-in/scans/confirm';

/** Each status with the one code the kit expects for it, as for the binding scene (exchange-scene.ts). */
const CONFIRM_ERRORS: ReadonlyArray<[status: number, code: KitErrorCode]> = [
  [404, 'SCENE_INVALID'],
  [409, 'SCENE_USED'],
  [410, 'SCENE_EXPIRED'],
];

/**
 * POST /api/console/sign-in/scans/confirm {scene} with the phone's session (`request` adds the token): the computer that
 * shows the code is signed in as this user. Resolves on 2xx; a refusal is a KitError the page puts into words.
 */
export async function confirmConsoleSignIn(request: KitRequest, scene: string): Promise<void> {
  const what = `POST ${CONSOLE_SIGN_IN_CONFIRM_PATH}`;
  const response = await send(what, () => request({ method: 'POST', path: CONSOLE_SIGN_IN_CONFIRM_PATH, data: { scene } }));
  if (response.statusCode >= 200 && response.statusCode < 300) return;
  const apiCode = apiErrorCode(response.data);
  for (const [status, code] of CONFIRM_ERRORS) {
    if (response.statusCode === status && apiCode === code) throw new KitError({ code, message: `${what}: HTTP ${status} ${code}` });
  }
  throw apiFailure(what, response);
}
