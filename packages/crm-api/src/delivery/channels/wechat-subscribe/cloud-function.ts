import {
  applySubscriptionEventsAnswerSchema,
  checkSetupAnswerSchema,
  releaseBindingAnswerSchema,
  sendBatchAnswerSchema,
  sendOneAnswerSchema,
  type ApplySubscriptionEventsAnswer,
  type CheckSetupAnswer,
  type DeliveryEventInput,
  type ReleaseBindingAnswer,
  type SendBatchAnswer,
  type SetupProbe,
  type SubscriptionChange,
} from '@leadnotify/contracts';
import type { WechatClient } from '@leadnotify/wechat-client';

/**
 * The one place that calls the cloud function (POST /tcb/invokecloudfunction through wechat-client): sends, recalls,
 * the subscription changes WeChat's pushes carry, and an admin's release of a binding. Each answer is checked against
 * the contracts' schema; a call that fails throws wechat-client's WechatError, and an answer that does not parse
 * throws an UnreadableAnswer. `checkSetup` is the doctor's: deployed, configured, and with the CRM's shared secret.
 */
export interface CloudFunction {
  send(events: readonly DeliveryEventInput[]): Promise<SendBatchAnswer>;
  recall(deliveryIds: readonly string[]): Promise<SendBatchAnswer>;
  applySubscriptionChanges(changes: readonly SubscriptionChange[]): Promise<ApplySubscriptionEventsAnswer>;
  releaseBinding(crmUserId: string): Promise<ReleaseBindingAnswer>;
  checkSetup(probe: SetupProbe | undefined): Promise<CheckSetupAnswer>;
}

export class UnreadableAnswer extends Error {
  override readonly name = 'UnreadableAnswer';
  readonly code = 'BAD_RESULT';
}

export function createCloudFunction(wechat: WechatClient, functionName: string): CloudFunction {
  const invoke = (event: Record<string, unknown>) => wechat.invokeCloudFunction(functionName, event);
  const read = <T>(schema: { safeParse(value: unknown): { success: true; data: T } | { success: false } }, answer: unknown): T => {
    const parsed = schema.safeParse(answer);
    if (!parsed.success) throw new UnreadableAnswer('the cloud function answered something the CRM cannot read');
    return parsed.data;
  };
  return {
    async send(events) {
      const [only] = events;
      // One delivery goes as the single type: the function answers it with one result.
      if (events.length === 1 && only) {
        const answer = read(sendOneAnswerSchema, await invoke({ type: 'sendCustomerAssignNotification', ...only }));
        return answer.ok ? { ok: true, results: [answer.result] } : answer;
      }
      return read(sendBatchAnswerSchema, await invoke({ type: 'sendBatchCustomerAssignNotification', deliveries: events }));
    },
    async recall(deliveryIds) {
      return read(sendBatchAnswerSchema, await invoke({ type: 'recallDeliveries', deliveryIds }));
    },
    async applySubscriptionChanges(changes) {
      return read(applySubscriptionEventsAnswerSchema, await invoke({ type: 'applySubscriptionEvents', changes }));
    },
    async releaseBinding(crmUserId) {
      return read(releaseBindingAnswerSchema, await invoke({ type: 'releaseBinding', crmUserId }));
    },
    async checkSetup(probe) {
      return read(checkSetupAnswerSchema, await invoke({ type: 'checkSetup', ...(probe ? { probe } : {}) }));
    },
  };
}
