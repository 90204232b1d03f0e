import { functionError, problemsOf, releaseBindingEventSchema, type FunctionError } from '@leadnotify/contracts';
import type { WxContext } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { releaseBindingOf } from '../store/bindings.js';
import { isTrustedServerCall } from './access.js';

/**
 * The CRM unbinds a CRM user's WeChat (an admin, for a salesperson who left and cannot unbind from their phone): their
 * deliveries answer NOT_BOUND and their WeChat user may bind another CRM user. A server call only, like the sends:
 * from the mini program anyone could cut a colleague off. Idempotent; `released` says whether anything still tied a WeChat user to them.
 */
export async function handleReleaseBinding(
  deps: FunctionDeps,
  context: WxContext,
  event: Record<string, unknown>,
): Promise<{ ok: true; released: boolean } | FunctionError> {
  if (!isTrustedServerCall(deps, context, event)) return functionError('FORBIDDEN', 'only the CRM server may release a binding (HTTP API call or signed event)');
  const parsed = releaseBindingEventSchema.safeParse(event);
  if (!parsed.success) return functionError('INVALID_EVENT', 'the release event is invalid', problemsOf(parsed.error, 'event'));
  return { ok: true, released: await releaseBindingOf(deps.cloud.database(), parsed.data.crmUserId) };
}
