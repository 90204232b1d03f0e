import { apiErrorCode, send } from './api-failure.js';
import type { KitRequest } from './kit-config.js';
import { KitError, type KitErrorCode } from './kit-error.js';

export const SCENE_EXCHANGE_PATH = '/api/wechat-binding/scene/exchange';

/**
 * The contract the CRM's scene exchange must keep (docs/miniprogram-kit.md): each status with the one
 * error code the kit expects for it. A status with another code is treated as a service error, so a
 * route mix-up is not shown to the user as "code expired".
 */
const SCENE_ERRORS: ReadonlyArray<[status: number, code: KitErrorCode]> = [
  [404, 'SCENE_INVALID'],
  [410, 'SCENE_EXPIRED'],
  [409, 'SCENE_USED'],
];

/**
 * POST /api/wechat-binding/scene/exchange {scene} → 200 {ticket}: swaps the short code printed in the
 * mini-program code (32 characters at most, so it cannot carry the ticket itself) for a binding ticket.
 */
export async function exchangeScene(request: KitRequest, scene: string): Promise<string> {
  const what = 'scene exchange';
  const response = await send(what, () => request({ method: 'POST', path: SCENE_EXCHANGE_PATH, data: { scene } }));
  if (response.statusCode >= 200 && response.statusCode < 300) {
    const ticket = (response.data as { ticket?: unknown } | null)?.ticket;
    if (typeof ticket === 'string' && ticket !== '') return ticket;
    throw new KitError({ code: 'SERVICE_ERROR', message: `${what}: the answer has no ticket` });
  }
  const apiCode = apiErrorCode(response.data);
  for (const [status, code] of SCENE_ERRORS) {
    if (response.statusCode === status && apiCode === code) {
      throw new KitError({ code, message: `${what}: HTTP ${status} ${code}` });
    }
  }
  // A missing route (404 ROUTE_NOT_FOUND), a 401 or a 5xx is nothing a new code would fix.
  throw new KitError({ code: 'SERVICE_ERROR', message: `${what}: HTTP ${response.statusCode} (${apiCode ?? 'no error code'})` });
}
