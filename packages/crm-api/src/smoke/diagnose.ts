/** What the smoke test saw of a notification: GET /api/notifications/:id. */
export interface ObservedNotification {
  status: string;
  reason: string | null;
  lastError: string | null;
  attempts: number;
}

export interface Diagnosis {
  delivered: boolean;
  summary: string;
  fix?: string;
}

const PERMISSION_FIX = {
  summary: 'The cloud function may not call subscribeMessage.send (-604101)',
  fix: 'Redeploy the built function: its config.json lists the permission (WeChat caches it ~10 minutes).',
};

/** Reason → what a human should do. Reasons are the cloud function's or wechat-client's error codes. */
const FIXES: Record<string, { summary: string; fix: string }> = {
  NOT_BOUND: {
    summary: 'The assignee has not bound their WeChat account',
    fix: 'Have them open the mini program, sign in, and bind (POST /api/me/wechat-binding-ticket, then bindCrmUser).',
  },
  NO_SUBSCRIPTION: {
    summary: 'The assignee has no subscription left for the template (or refused it: 43101)',
    fix: 'Have them accept the subscription in the mini program (wx.requestSubscribeMessage); each acceptance allows one message.',
  },
  TEMPLATE_DATA_INVALID: {
    summary: 'WeChat rejected the template data (47003)',
    fix: "Check the function's SUBSCRIBE_TEMPLATE_KEYWORDS against the template's keywords in the mini program admin.",
  },
  TEMPLATE_INVALID: { summary: 'WeChat does not know the template id (40037)', fix: "Check the function's SUBSCRIBE_TEMPLATE_ID." },
  PAGE_INVALID: { summary: 'The deep-link page does not exist (41030)', fix: 'Check CUSTOMER_PAGE / CUSTOMER_LIST_PAGE and SUBSCRIBE_MINIPROGRAM_STATE.' },
  OPENID_INVALID: { summary: 'The bound openid is not a user of this mini program (40003)', fix: 'Have the assignee bind again.' },
  // The function reports it as PERMISSION_DENIED; wechat-client as OPENAPI_PERMISSION_DENIED.
  PERMISSION_DENIED: PERMISSION_FIX,
  OPENAPI_PERMISSION_DENIED: PERMISSION_FIX,
  APPSECRET_INVALID: { summary: 'WeChat rejected the AppSecret (40125)', fix: 'Check MINIPROGRAM_APPSECRET on the API.' },
  APPID_INVALID: { summary: 'WeChat rejected the AppID (40013)', fix: 'Check MINIPROGRAM_APPID on the API.' },
  IP_NOT_WHITELISTED: {
    summary: "The API server's IP is not on the mini program's IP whitelist (40164/61004)",
    fix: "Add the server's outbound IP in mp.weixin.qq.com: Development > Development settings > IP whitelist.",
  },
  ADMIN_CONFIRMATION_REQUIRED: { summary: 'WeChat waits for an admin to confirm this IP (89503)', fix: 'Confirm it in the WeChat notification sent to the admin.' },
  FUNCTION_NOT_FOUND: {
    summary: 'The cloud function is missing in that environment',
    fix: 'Deploy quickstartFunctions to MINIPROGRAM_CLOUD_ENV with WeChat DevTools (docs/cloud-function.md).',
  },
  CLOUD_ENV_INVALID: { summary: 'The cloud environment id is wrong', fix: 'Check MINIPROGRAM_CLOUD_ENV.' },
  CLOUD_NOT_ENABLED: { summary: 'Cloud development is not enabled (85088)', fix: 'Enable it for the mini program and check MINIPROGRAM_CLOUD_ENV.' },
  FUNCTION_FAILED: { summary: 'The cloud function threw', fix: 'Read its logs in the cloud console.' },
  CONFIG_INVALID: { summary: "The cloud function's configuration is incomplete", fix: "Set the function's environment variables (docs/cloud-function.md)." },
  FORBIDDEN: {
    summary: 'The cloud function refused the call as not coming from the server',
    fix: 'Invoke it through the HTTP API (the API does) and keep LEADNOTIFY_SHARED_SECRET equal on both sides.',
  },
  DAILY_QUOTA_EXCEEDED: { summary: 'A WeChat daily quota is used up (45009)', fix: 'Delivery resumes tomorrow; nothing to do now.' },
  TOKEN_REJECTED: {
    summary: 'WeChat keeps rejecting the access token',
    fix: 'Something else may fetch tokens with GET /cgi-bin/token for the same AppID; use the stable token everywhere.',
  },
  NETWORK: { summary: 'WeChat could not be reached', fix: 'Check WECHAT_API_BASE_URL and the outbound network; delivery retries by itself.' },
  TIMEOUT: { summary: 'WeChat did not answer in time', fix: 'Delivery retries by itself; if it repeats, check the network and the function time limit.' },
};

export function diagnose(notification: ObservedNotification): Diagnosis {
  if (notification.status === 'sent') return { delivered: true, summary: 'Delivered: the subscribe message was sent.' };
  const known = notification.reason ? FIXES[notification.reason] : undefined;
  const detail = notification.lastError ? ` (${notification.lastError})` : '';
  if (notification.status === 'pending' || notification.status === 'sending') {
    if (notification.attempts === 0) {
      return {
        delivered: false,
        summary: 'Still waiting: no delivery attempt yet',
        fix: 'Is a notifier running? NOTIFIER=inline needs the WeChat variables set; with NOTIFIER=off run `pnpm --filter crm-api worker`.',
      };
    }
    return {
      delivered: false,
      summary: `Not delivered yet after ${notification.attempts} attempt(s): ${known?.summary ?? notification.reason ?? 'unknown'}${detail}`,
      ...(known ? { fix: known.fix } : {}),
    };
  }
  return {
    delivered: false,
    summary: `${notification.status}: ${known?.summary ?? notification.reason ?? 'unknown reason'}${detail}`,
    fix: known?.fix ?? 'Look the reason up in docs/troubleshooting.md.',
  };
}
