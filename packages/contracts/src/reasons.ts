/**
 * The one table of every reason an attempt to notify can end with — a WeChat error, a cloud-function
 * result or refusal, a transport failure — and what follows from it. The cloud function, wechat-client,
 * the notifier, the smoke CLI and docs/troubleshooting.md all read it; nothing else decides.
 *
 * Dispositions:
 * - `sent`: the message reached WeChat for delivery.
 * - `skipped`: the salesperson cannot receive it now (not bound, no subscription left); nobody's fault.
 * - `withdrawn`: no longer theirs to hear about (the customer went to someone else before it went out).
 * - `retry`: certainly not sent; the same call may succeed later. Counts an attempt.
 * - `requeue`: not tried at all (the function had no time left, or another run holds it): send again after
 *   `waitMs` without counting an attempt.
 * - `retry-next-day`: a daily quota; retrying before midnight Beijing time cannot work.
 * - `permanent`: will fail again until an operator fixes what `fix` says.
 */
export type Disposition = 'sent' | 'skipped' | 'withdrawn' | 'retry' | 'requeue' | 'retry-next-day' | 'permanent';

export interface Reason {
  disposition: Disposition;
  /** For `requeue`: how long to wait before sending again. */
  waitMs?: number;
  /**
   * When `subscribeMessage.send` itself answers this, the message may have reached the user anyway (WeChat
   * answered an error or timed out after accepting it): the result is `unconfirmed`, never resent blindly.
   */
  sendMayHaveGoneOut?: true;
  /**
   * After an attempt that ended with this reason the CRM cannot know whether the delivery went out: the function may
   * have run (an invocation that failed on the way back) or be running it, and may hold the delivery as sent. Such a
   * delivery is never withdrawn without asking the function (`recallDeliveries`). Implied by `sendMayHaveGoneOut`.
   */
  fateUnknown?: true;
  /** What happened, for an operator. */
  summary: string;
  /** What to do about it. */
  fix: string;
}

const RETRIED = 'nothing: delivery retries by itself with backoff';

export const REASONS = {
  SENT: { disposition: 'sent', summary: 'the subscribe message was sent', fix: 'nothing' },
  ALREADY_SENT: {
    disposition: 'sent',
    summary: 'an earlier attempt of this delivery was sent; the function did not send it again',
    fix: 'nothing',
  },
  NOT_BOUND: {
    disposition: 'skipped',
    summary: 'the assignee has not bound their WeChat in the mini program',
    fix: 'they scan their binding code with WeChat and confirm in the mini program (a manager shows or prints it: GET /api/users/:id/wechat-binding-qr)',
  },
  NO_LONGER_ASSIGNED: {
    disposition: 'withdrawn',
    summary: 'every customer it names was assigned to someone else, or released to the pool, before it went out; nothing was sent (the new owner has a notification of their own)',
    fix: 'nothing',
  },
  ASSIGNEE_INACTIVE: {
    disposition: 'withdrawn',
    summary: 'the salesperson was deactivated before it went out; nothing was sent',
    fix: 'reassign their customers to an active salesperson, who is notified',
  },
  RECALLED: {
    disposition: 'withdrawn',
    summary: 'the CRM withdrew the delivery before it went out (its customers moved, or the salesperson left); the function will never send it under this delivery id',
    fix: 'nothing',
  },
  NO_SUBSCRIPTION: {
    disposition: 'skipped',
    summary: 'the assignee has no one-time subscription left for the template, or refused it (43101)',
    fix: 'they accept the subscription again in the mini program (wx.requestSubscribeMessage); each acceptance allows one message',
  },
  TEMPLATE_DATA_INVALID: {
    disposition: 'permanent',
    summary: 'WeChat refused a keyword value of the template data (47003)',
    fix: "compare the function's SUBSCRIBE_TEMPLATE_KEYWORDS with the template's keywords in the mini-program admin",
  },
  TEMPLATE_INVALID: {
    disposition: 'permanent',
    summary: 'WeChat does not know the template id (40037)',
    fix: "set the function's SUBSCRIBE_TEMPLATE_IDS to the lead templates' ids (mp.weixin.qq.com → 订阅消息 → 我的模板)",
  },
  PAGE_INVALID: {
    disposition: 'permanent',
    summary: 'the page does not exist in that version of the mini program (41030)',
    fix: 'messages: check CUSTOMER_PAGE, CUSTOMER_LIST_PAGE and SUBSCRIBE_MINIPROGRAM_STATE; binding codes: publish the bind page, or set WECHAT_QR_CHECK_PATH=false / WECHAT_QR_ENV_VERSION for a trial or develop build (no leading / and no query in the page)',
  },
  SCENE_INVALID: {
    disposition: 'permanent',
    summary: 'WeChat refused the scene of a mini-program code (40129, 40169)',
    fix: "this is a client bug: a scene is 1 to 32 characters from digits, letters and !#$&'()*+,/:;=?@-._~",
  },
  OPENID_INVALID: {
    disposition: 'permanent',
    summary: 'the bound openid is not a user of this mini program (40003)',
    fix: 'have the assignee bind again',
  },
  OPENAPI_PERMISSION_DENIED: {
    disposition: 'permanent',
    summary: 'the cloud function may not call the open API (-604101)',
    fix: "redeploy the built function: its config.json lists subscribeMessage.send (WeChat caches permissions about 10 minutes)",
  },
  CONFIG_INVALID: {
    disposition: 'permanent',
    summary: "the cloud function's configuration is incomplete; the message lists what",
    fix: "set the function's environment variables (docs/cloud-function.md)",
  },
  INVALID_EVENT: {
    disposition: 'permanent',
    summary: 'the cloud function refused the event as malformed',
    fix: 'deploy the function built from the same release as the API',
  },
  UNKNOWN_TYPE: {
    disposition: 'permanent',
    summary: 'the deployed cloud function does not know the event type',
    fix: 'deploy the function built from the same release as the API',
  },
  INVALID_NOTIFICATION: {
    disposition: 'permanent',
    summary: 'the cloud function refused one delivery of a batch as malformed',
    fix: 'deploy the function built from the same release as the API',
  },
  FORBIDDEN: {
    disposition: 'permanent',
    summary: 'the cloud function refused the call as not coming from the CRM server',
    fix: 'invoke it through the HTTP API (the notifier does) and keep LEADNOTIFY_SHARED_SECRET equal on both sides',
  },
  TICKET_INVALID: {
    disposition: 'permanent',
    summary: 'the binding ticket is not one the CRM signed',
    fix: 'ask the CRM for a new binding code; if every code fails so, LEADNOTIFY_SHARED_SECRET differs between crm-api and the cloud function: set the same value on both',
  },
  TICKET_EXPIRED: { disposition: 'permanent', summary: 'the binding ticket has expired', fix: 'ask the CRM for a new binding code' },
  TICKET_USED: { disposition: 'permanent', summary: 'the binding ticket was already used', fix: 'ask the CRM for a new binding code' },
  INTERNAL_ERROR: {
    disposition: 'retry',
    fateUnknown: true,
    summary: 'the cloud function failed unexpectedly',
    fix: `${RETRIED}; if it repeats read the function's logs`,
  },
  FUNCTION_STORE_ERROR: {
    disposition: 'retry',
    fateUnknown: true,
    summary: "the cloud function's database failed in the middle of a delivery; its record of the delivery tells the next attempt what happened",
    fix: `${RETRIED}; if it repeats check the cloud database in the cloud console`,
  },
  IN_PROGRESS: {
    disposition: 'requeue',
    waitMs: 5_000,
    fateUnknown: true,
    summary: 'another run of the function is sending this delivery right now',
    fix: 'nothing: asked again shortly, without using up an attempt',
  },
  NOT_ATTEMPTED: {
    disposition: 'requeue',
    waitMs: 0,
    summary: "the batch invocation would have run past the function's time limit before this delivery's turn",
    fix: `nothing: sent again at once, without using up an attempt; if it repeats lower NOTIFY_BATCH_SIZE or raise FUNCTION_TIMEOUT_MS`,
  },
  SEND_INTERRUPTED: {
    disposition: 'retry',
    sendMayHaveGoneOut: true,
    summary: 'an earlier run of the function was stopped (time limit) while WeChat was sending this message',
    fix: 'ask the salesperson whether it arrived; POST /api/notifications/:id/retry sends it again',
  },
  NO_RECEIPT: {
    disposition: 'retry',
    summary: 'an unconfirmed delivery got no delivery receipt from WeChat in NOTIFY_RECEIPT_WAIT_MINUTES',
    fix: 'nothing: it is sent again once; check the message push settings if receipts never arrive',
  },
  DELIVERY_FAILED: {
    disposition: 'permanent',
    summary: "WeChat's delivery receipt (subscribe_msg_sent_event) says the message did not reach the salesperson",
    fix: 'an unconfirmed delivery is sent again by itself; for a sent one, ask the salesperson to check their WeChat service notifications, then retry',
  },
  OPENID_BOUND_ELSEWHERE: {
    disposition: 'permanent',
    summary: 'this WeChat user is already bound to another CRM user',
    fix: 'that CRM user unbinds first (in the mini program), or uses their own WeChat',
  },
  WECHAT_ERROR: {
    disposition: 'retry',
    sendMayHaveGoneOut: true,
    summary: 'the cloud SDK failed without a WeChat errcode (cloud database or network inside WeChat)',
    fix: RETRIED,
  },
  UNKNOWN_ERRCODE: {
    disposition: 'permanent',
    summary: 'WeChat answered an errcode this project does not know',
    fix: 'look the errcode up in the WeChat documentation, then retry the notification',
  },
  SYSTEM_BUSY: {
    disposition: 'retry',
    sendMayHaveGoneOut: true,
    summary: 'WeChat was busy (-1, -1000, -501001, -601001, -601003)',
    fix: RETRIED,
  },
  TOKEN_REJECTED: {
    disposition: 'retry',
    summary: 'WeChat rejected the access token even after a refresh',
    fix: 'something else may fetch tokens with GET /cgi-bin/token for this AppID; use the stable token everywhere',
  },
  REQUEST_INVALID: { disposition: 'permanent', summary: 'WeChat refused the request as malformed', fix: 'this is a client bug: report it' },
  WECOM_USER_INVALID: {
    disposition: 'skipped',
    summary: "WeCom does not know the salesperson's userid, or they are outside the application's visible range (invaliduser in the answer; 81013 when nobody was valid; 60011)",
    fix: "an admin sets their WeCom userid (PATCH /api/users/:id {wecomUserId}: their 账号 in the WeCom admin console, 通讯录) and adds them to the application's 可见范围",
  },
  WECOM_NOT_SET: {
    disposition: 'skipped',
    summary: 'the salesperson has no WeCom userid in the CRM, so WeCom cannot reach them',
    fix: 'an admin sets it: PATCH /api/users/:id {wecomUserId} (their 账号 in the WeCom admin console, 通讯录)',
  },
  WECOM_MEMBER_LIMIT: {
    disposition: 'requeue',
    waitMs: 60_000,
    summary: 'WeCom delivers at most 30 messages a minute (1,000 an hour) from the application to one member and drops the rest without an error: this one waits a minute and goes out merged with the others waiting',
    fix: 'nothing: it goes out when the minute frees, merged with the other leads waiting for the same salesperson',
  },
  WECOM_UNANSWERED: {
    disposition: 'retry',
    summary: "WeCom's answer did not arrive (timeout, dropped connection, HTTP error): the message may have gone out; the retry is the same request, which WeCom's duplicate check does not deliver twice",
    fix: RETRIED,
  },
  WECOM_SECRET_INVALID: {
    disposition: 'permanent',
    summary: "WeCom refused the application's secret (40001 from gettoken)",
    fix: "set WECOM_AGENT_SECRET to the application's Secret (WeCom admin console: 应用管理 → the application → Secret)",
  },
  WECOM_CORP_INVALID: {
    disposition: 'permanent',
    summary: 'WeCom does not know the corp id (40013)',
    fix: 'set WECOM_CORP_ID to the 企业ID (WeCom admin console: 我的企业 → 企业信息)',
  },
  WECOM_AGENT_INVALID: {
    disposition: 'permanent',
    summary: 'WeCom does not know the application id, or the token is not this application\'s (40056, 301002)',
    fix: 'set WECOM_AGENT_ID to the application\'s AgentId, the one whose Secret is WECOM_AGENT_SECRET (应用管理 → the application)',
  },
  WECOM_IP_NOT_TRUSTED: {
    disposition: 'permanent',
    summary: "the server's outbound IP is not among the application's trusted IPs (60020): required of self-built applications created since mid-2022",
    fix: "add the server's outbound IP (WeCom names it in the errmsg: from ip …) in 应用管理 → the application → 企业可信IP",
  },
  WECOM_PERMISSION_DENIED: {
    disposition: 'permanent',
    summary: 'WeCom does not let the application call this API (48002)',
    fix: "check the application's API permissions and trusted IPs in the WeCom admin console",
  },
  APPID_INVALID: { disposition: 'permanent', summary: 'WeChat rejected the AppID (40013, 41002)', fix: 'check MINIPROGRAM_APPID' },
  APPSECRET_INVALID: { disposition: 'permanent', summary: 'WeChat rejected the AppSecret (40125, 41004)', fix: 'check MINIPROGRAM_APPSECRET' },
  IP_NOT_WHITELISTED: {
    disposition: 'permanent',
    summary: "the server's outbound IP is not on the mini program's API IP whitelist (40164, 61004)",
    fix: 'add it in mp.weixin.qq.com: Development > Development settings > IP whitelist',
  },
  ADMIN_CONFIRMATION_REQUIRED: {
    disposition: 'permanent',
    summary: "WeChat waits for a mini-program admin to confirm this server's IP (89503)",
    fix: 'confirm it in the WeChat notification sent to the admin, then retry the notification',
  },
  DAILY_QUOTA_EXCEEDED: {
    disposition: 'retry-next-day',
    summary: "a WeChat API's daily quota is used up (45009)",
    fix: 'nothing: delivery resumes after midnight Beijing time (or after a quota reset in the admin console)',
  },
  RATE_LIMITED: {
    disposition: 'retry',
    summary: 'too many calls per minute, or too many concurrent ones (45011, -501004)',
    fix: `${RETRIED}; lower NOTIFY_CONCURRENCY if it is constant`,
  },
  CODE_RATE_LIMITED: {
    disposition: 'retry',
    summary: 'WeChat makes at most 5,000 mini-program codes a minute for the mini program, and that many were asked for (45009 from getwxacodeunlimit)',
    fix: 'WeChat makes at most 5,000 mini-program codes a minute: ask for the binding code again in a minute',
  },
  CLOUD_NOT_ENABLED: {
    disposition: 'permanent',
    summary: 'cloud development is not enabled for the mini program (85088)',
    fix: 'enable it and check MINIPROGRAM_CLOUD_ENV',
  },
  CLOUD_ENV_INVALID: {
    disposition: 'permanent',
    summary: 'the cloud environment is wrong, or the function name unknown in it (-501000, -501005)',
    fix: 'check MINIPROGRAM_CLOUD_ENV and WECHAT_CLOUD_FUNCTION, and deploy quickstartFunctions to that environment with WeChat DevTools (docs/cloud-function.md)',
  },
  CLOUD_QUOTA_EXCEEDED: {
    disposition: 'permanent',
    summary: "the cloud environment's request quota is used up (-501003)",
    fix: 'upgrade the plan or wait for the quota period',
  },
  FUNCTION_NOT_FOUND: {
    disposition: 'permanent',
    summary: 'the cloud function is not deployed in that environment (-501009, -504001)',
    fix: 'deploy quickstartFunctions to MINIPROGRAM_CLOUD_ENV with WeChat DevTools (docs/cloud-function.md)',
  },
  FUNCTION_FAILED: {
    disposition: 'permanent',
    fateUnknown: true,
    summary: 'the cloud function threw (-504002)',
    fix: 'read its logs in the cloud console',
  },
  FUNCTION_TIMEOUT: {
    disposition: 'retry',
    sendMayHaveGoneOut: true,
    summary: 'the cloud function or an open API call ran past its time limit (-504003, -501002, -604102)',
    fix: `${RETRIED}; if it repeats lower NOTIFY_BATCH_SIZE or raise the function's time limit`,
  },
  TIMEOUT: {
    disposition: 'retry',
    fateUnknown: true,
    summary: 'WeChat did not answer in time',
    fix: `${RETRIED}; if it repeats check the network and the function's time limit`,
  },
  NETWORK: {
    disposition: 'retry',
    fateUnknown: true,
    summary: 'WeChat could not be reached',
    fix: `${RETRIED}; check WECHAT_API_BASE_URL, DNS and the outbound firewall`,
  },
  HTTP_STATUS: {
    disposition: 'retry',
    fateUnknown: true,
    summary: 'WeChat answered an HTTP error status',
    fix: `${RETRIED} on 5xx and 429; otherwise check WECHAT_API_BASE_URL`,
  },
  BAD_RESPONSE: {
    disposition: 'retry',
    fateUnknown: true,
    summary: 'WeChat answered something that is not its documented format',
    fix: `${RETRIED}; check WECHAT_API_BASE_URL points at WeChat`,
  },
  NO_RESULT: {
    disposition: 'retry',
    fateUnknown: true,
    summary: 'the cloud function answered without a result for this delivery',
    fix: `${RETRIED}; deploy the function built from the same release as the API`,
  },
  BAD_RESULT: {
    disposition: 'retry',
    fateUnknown: true,
    summary: 'the cloud function answered a result the notifier cannot read',
    fix: `${RETRIED}; deploy the function built from the same release as the API`,
  },
  UNEXPECTED_ERROR: {
    disposition: 'retry',
    fateUnknown: true,
    summary: 'the notifier failed unexpectedly while invoking the function',
    fix: `${RETRIED}; read the API's error log`,
  },
} as const satisfies Record<string, Reason>;

export type ReasonCode = keyof typeof REASONS;
export const REASON_CODES = Object.keys(REASONS) as [ReasonCode, ...ReasonCode[]];

/**
 * Whether, after an attempt that ended with `reason`, the function may hold the delivery as sent or be sending it
 * (`fateUnknown`, or a send that may have gone out).
 */
export function leavesFateUnknown(reason: ReasonCode): boolean {
  const known: Reason = REASONS[reason];
  return known.fateUnknown === true || known.sendMayHaveGoneOut === true;
}

export function isReasonCode(value: unknown): value is ReasonCode {
  return typeof value === 'string' && Object.hasOwn(REASONS, value);
}

/** The table's entry for a code read off the wire or a database row, if it is one. */
export function reasonOf(code: string | null | undefined): Reason | undefined {
  return isReasonCode(code) ? REASONS[code] : undefined;
}
