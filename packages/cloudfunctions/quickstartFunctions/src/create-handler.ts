import { FUNCTION_EVENT_TYPES, functionError } from '@leadnotify/contracts';
import type { FunctionDeps } from './deps.js';
import { handleCheckSetup } from './handlers/check-setup-handler.js';
import { handleRecallDeliveries } from './handlers/recall-deliveries.js';
import { handleReleaseBinding } from './handlers/release-binding-handler.js';
import { handleApplySubscriptionEvents } from './handlers/subscription-events-handler.js';
import { handleSendBatch, handleSendOne } from './handlers/send-handlers.js';
import { handleVouchCrmSession } from './handlers/vouch-session-handler.js';
import { handleBindCrmUser, handleGetOpenId, handleRecordSubscription, handleSubscriptionStatus, handleUnbindCrmUser } from './handlers/user-handlers.js';

/** `main(event, context)` minus the SDK wiring: parses the type and dispatches; never throws. */
export function createHandler(deps: FunctionDeps) {
  return async function handle(event: unknown): Promise<unknown> {
    const startedAtMs = deps.now();
    if (event === null || typeof event !== 'object' || Array.isArray(event)) {
      return functionError('INVALID_EVENT', 'the event must be an object with a type');
    }
    const body = event as Record<string, unknown>;
    try {
      const context = deps.cloud.getWXContext();
      switch (body.type) {
        case 'getOpenId':
          return handleGetOpenId(context);
        case 'sendCustomerAssignNotification':
          return await handleSendOne(deps, context, body, startedAtMs);
        case 'sendBatchCustomerAssignNotification':
          return await handleSendBatch(deps, context, body, startedAtMs);
        case 'recallDeliveries':
          return await handleRecallDeliveries(deps, context, body, startedAtMs);
        case 'bindCrmUser':
          return await handleBindCrmUser(deps, context, body);
        case 'unbindCrmUser':
          return await handleUnbindCrmUser(deps, context);
        case 'vouchCrmSession':
          return await handleVouchCrmSession(deps, context);
        case 'releaseBinding':
          return await handleReleaseBinding(deps, context, body);
        case 'recordSubscription':
          return await handleRecordSubscription(deps, context, body);
        case 'subscriptionStatus':
          return await handleSubscriptionStatus(deps, context);
        case 'applySubscriptionEvents':
          return await handleApplySubscriptionEvents(deps, context, body);
        case 'checkSetup':
          return handleCheckSetup(deps, context, body);
        default:
          return functionError('UNKNOWN_TYPE', `unknown event type ${JSON.stringify(body.type)}`, { supported: FUNCTION_EVENT_TYPES });
      }
    } catch (error) {
      deps.log.error('handler failed', { type: String(body.type), error: String(error) });
      return functionError('INTERNAL_ERROR', 'the cloud function failed; see its logs');
    }
  };
}
