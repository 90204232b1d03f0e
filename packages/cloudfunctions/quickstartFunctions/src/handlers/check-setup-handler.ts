import { checkSetupEventSchema, functionError, problemsOf, type CheckSetupAnswer } from '@leadnotify/contracts';
import type { WxContext } from '../cloud-sdk.js';
import type { FunctionDeps } from '../deps.js';
import { compareSecret } from '../security/setup-probe.js';
import { isTrustedServerCall } from './access.js';

/**
 * The CRM's doctor: this function is deployed and answers, with the templates and keyword mapping it sends with, what
 * in its configuration stops sending, and whether its shared secret is the CRM's (the probe). No side effect and no
 * secret in the answer; still a server call only, like the sends: a mini-program user has no business reading the
 * configuration.
 */
export function handleCheckSetup(deps: FunctionDeps, context: WxContext, event: Record<string, unknown>): CheckSetupAnswer {
  if (!isTrustedServerCall(deps, context, event)) return functionError('FORBIDDEN', 'only the CRM server may check the setup (HTTP API call or signed event)');
  const parsed = checkSetupEventSchema.safeParse(event);
  if (!parsed.success) return functionError('INVALID_EVENT', 'the checkSetup event is invalid', problemsOf(parsed.error, 'event'));
  return {
    ok: true,
    secret: compareSecret(deps.config.sharedSecret, parsed.data.probe, deps.now()),
    templates: deps.config.templates.map((template) => ({
      id: template.id,
      keywords: template.keywords.map(({ keyword, field }) => ({ keyword, field })),
    })),
    problems: deps.config.sendProblems,
  };
}
