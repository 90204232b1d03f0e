import { send } from './api-failure.js';
import { KitError, type KitErrorCode } from './kit-error.js';

/** wx.cloud.callFunction without callbacks: resolves `{result}` (the function's return value) or rejects. */
export type CallFunction = (options: { name: string; data: Record<string, unknown> }) => Promise<{ result?: unknown }>;

/** quickstartFunctions' result shapes (packages/cloudfunctions/quickstartFunctions/src/results.ts). */
type FunctionResult = { ok: true } & Record<string, unknown>;

/**
 * Calls one event type and returns its `{ok: true, ...}` result. An `{ok: false, error: {code}}` result
 * throws a KitError with that code when the kit knows it, otherwise SERVICE_ERROR (CONFIG_INVALID,
 * FORBIDDEN, INTERNAL_ERROR: nothing the user can fix by scanning again).
 */
export async function callFunctionEvent(
  callFunction: CallFunction,
  name: string,
  data: Record<string, unknown>,
  knownCodes: readonly KitErrorCode[],
): Promise<FunctionResult> {
  const what = `cloud function ${name} (${String(data.type)})`;
  const { result } = await send(what, () => callFunction({ name, data }));
  const body = result as { ok?: unknown; error?: { code?: unknown; message?: unknown } } | null | undefined;
  if (body?.ok === true) return body as FunctionResult;
  const code = body?.error?.code;
  const message = `${what}: ${String(code ?? 'no result')} ${String(body?.error?.message ?? '')}`.trim();
  if (typeof code === 'string' && (knownCodes as readonly string[]).includes(code)) {
    throw new KitError({ code: code as KitErrorCode, message });
  }
  throw new KitError({ code: 'SERVICE_ERROR', message });
}
