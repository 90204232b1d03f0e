import { REASONS, type CheckSetupAnswer, type FunctionError } from '@leadnotify/contracts';
import { isWechatError, type SubscribeTemplate, type WechatClient } from '@leadnotify/wechat-client';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { CloudFunction } from '../delivery/channels/wechat-subscribe/index.js';
import { combine, finding, type Finding } from './findings.js';
import { signSetupProbe } from './sign-setup-probe.js';

export interface WechatCheckDeps {
  config: Config;
  clock: Clock;
  /** Absent when the WeChat variables are not set. */
  wechat?: WechatClient | undefined;
  cloudFunction?: CloudFunction | undefined;
}

type Setup = Extract<CheckSetupAnswer, { ok: true }>;
type Part = Omit<Finding, 'check'>;

const OLDER_FUNCTION = 'the deployed function is older than this API: build it (pnpm --filter quickstartFunctions build), upload and deploy it again with WeChat DevTools (docs/cloud-function.md)';
const SET_SECRET_ON_BOTH = 'set LEADNOTIFY_SHARED_SECRET on the API and the function: the same value, at least 32 characters (docs/configuration.md, docs/cloud-function.md)';
const SET_SECRET_ON_FUNCTION =
  "set the function's LEADNOTIFY_SHARED_SECRET to the API's value (cloud console → the function → 版本与配置 → environment variables); it takes effect at once";

/** What a failed WeChat call means, from the one reason table; anything else as it was thrown (never carrying a secret: WechatErrors are redacted). */
function failure(error: unknown): { summary: string; fix?: string } {
  if (isWechatError(error)) {
    const reason = REASONS[error.code];
    return { summary: `${reason.summary}${error.errcode === undefined ? '' : ` (${error.errcode}: ${error.errmsg ?? ''})`}`, fix: reason.fix };
  }
  if (error instanceof Error && error.name === 'UnreadableAnswer') {
    return { summary: "it answered checkSetup with something this API cannot read: it is not this release's quickstartFunctions (the stock quickstart answers nothing)", fix: OLDER_FUNCTION };
  }
  return { summary: `unexpected failure: ${error instanceof Error ? error.message : String(error)}` };
}

/**
 * WeChat's side, each check building on the one before: a token (AppID, AppSecret, IP whitelist), the function in
 * that environment answering checkSetup, the shared secret the function compared with the probe, and the templates it
 * is configured with against the mini program's own list.
 */
export async function checkWechat(deps: WechatCheckDeps): Promise<Finding[]> {
  const { config, wechat, cloudFunction } = deps;
  if (!wechat || !cloudFunction) {
    const missing = (['MINIPROGRAM_APPID', 'MINIPROGRAM_APPSECRET', 'MINIPROGRAM_CLOUD_ENV'] as const).filter((name) => !config[name]);
    return [
      finding('wechat-credentials', 'problem', `WeChat is not configured (${missing.join(', ')} not set): nothing is delivered`, 'set MINIPROGRAM_APPID, MINIPROGRAM_APPSECRET and MINIPROGRAM_CLOUD_ENV (docs/configuration.md)'),
      ...skipped(['cloud-function', 'shared-secret', 'templates'], 'WeChat is not configured'),
    ];
  }
  try {
    await wechat.getAccessToken();
  } catch (error) {
    const { summary, fix } = failure(error);
    return [finding('wechat-credentials', 'problem', `no access token for AppID ${config.MINIPROGRAM_APPID}: ${summary}`, fix), ...skipped(['cloud-function', 'shared-secret', 'templates'], 'no access token')];
  }
  const credentials = finding('wechat-credentials', 'ok', `an access token was had for AppID ${config.MINIPROGRAM_APPID} (${config.WECHAT_TOKEN_MODE} token)`);

  const secret = config.LEADNOTIFY_SHARED_SECRET;
  let answer: CheckSetupAnswer;
  try {
    answer = await cloudFunction.checkSetup(secret ? signSetupProbe(secret, deps.clock.now()) : undefined);
  } catch (error) {
    const { summary, fix } = failure(error);
    return [credentials, finding('cloud-function', 'problem', `${config.WECHAT_CLOUD_FUNCTION} in ${config.MINIPROGRAM_CLOUD_ENV}: ${summary}`, fix), ...skipped(['shared-secret', 'templates'], 'the function did not answer')];
  }
  if (!answer.ok) {
    return [credentials, refusal(answer), ...skipped(['shared-secret', 'templates'], 'the function did not answer checkSetup')];
  }
  const where = `${config.WECHAT_CLOUD_FUNCTION} in ${config.MINIPROGRAM_CLOUD_ENV}`;
  const deployed =
    answer.problems.length > 0
      ? finding('cloud-function', 'problem', `${where} answers, but its configuration stops sending: ${answer.problems.join('; ')}`, REASONS.CONFIG_INVALID.fix)
      : finding('cloud-function', 'ok', `${where} is deployed and answers`);
  return [credentials, deployed, sharedSecret(secret, answer), await templates(wechat, answer)];
}

function skipped(checks: Array<'cloud-function' | 'shared-secret' | 'templates'>, why: string): Finding[] {
  return checks.map((check) => finding(check, 'skipped', `not checked: ${why}`));
}

function refusal(answer: FunctionError): Finding {
  const { code, message } = answer.error;
  if (code === 'UNKNOWN_TYPE' || code === 'INVALID_EVENT') {
    return finding('cloud-function', 'problem', `it does not know checkSetup (${code}: ${message})`, OLDER_FUNCTION);
  }
  return finding('cloud-function', 'problem', `it refused checkSetup (${code}: ${message})`, REASONS[code].fix);
}

function sharedSecret(secret: string | undefined, answer: Setup): Finding {
  if (!secret) {
    const there = answer.secret === 'missing' ? 'nor on the function' : 'while the function has one';
    return finding('shared-secret', 'problem', `LEADNOTIFY_SHARED_SECRET is not set on the API, ${there}: no binding code can be made`, SET_SECRET_ON_BOTH);
  }
  switch (answer.secret) {
    case 'matches':
      return finding('shared-secret', 'ok', "the function's LEADNOTIFY_SHARED_SECRET is the API's (a signed probe verified)");
    case 'differs':
      return finding('shared-secret', 'problem', "the function's LEADNOTIFY_SHARED_SECRET differs from the API's: every binding code scan is refused (二维码无效)", REASONS.TICKET_INVALID.fix);
    case 'missing':
      return finding('shared-secret', 'problem', 'the function has no usable LEADNOTIFY_SHARED_SECRET (not set, or shorter than 32 characters): no WeChat can be bound', SET_SECRET_ON_FUNCTION);
    case 'stale':
      return finding(
        'shared-secret',
        'problem',
        "the secrets match, but this server's clock is more than 5 minutes from the function's: binding tickets and session vouches are refused",
        "set this server's clock right (NTP)",
      );
  }
}

async function templates(wechat: WechatClient, answer: Setup): Promise<Finding> {
  if (answer.templates.length === 0) {
    return finding('templates', 'problem', 'the function is configured with no lead template', REASONS.TEMPLATE_INVALID.fix);
  }
  let list: SubscribeTemplate[];
  try {
    list = await wechat.getTemplateList();
  } catch (error) {
    const { summary, fix } = failure(error);
    return finding('templates', 'problem', `the mini program's templates could not be listed: ${summary}`, fix);
  }
  const parts = answer.templates.flatMap(({ id, keywords }): Part[] => {
    const template = list.find((candidate) => candidate.priTmplId === id);
    if (!template) return [{ status: 'problem', summary: `template ${id} is not among the mini program's templates (订阅消息 → 我的模板)`, fix: REASONS.TEMPLATE_INVALID.fix }];
    const name = `${template.title} (${id})`;
    const missing = keywords.filter(({ keyword }) => !template.keywords.includes(keyword));
    const unfilled = template.keywords.filter((keyword) => !keywords.some((mapped) => mapped.keyword === keyword));
    const unfilledPart: Part[] =
      unfilled.length > 0
        ? [{ status: 'warning', summary: `${name}: ${unfilled.join(', ')} not filled by SUBSCRIBE_TEMPLATE_KEYWORDS (WeChat may refuse the message, 47003)`, fix: REASONS.TEMPLATE_DATA_INVALID.fix }]
        : [];
    return [
      ...missing.map(({ keyword, field }): Part => ({
        status: 'problem',
        summary: `${name} has no keyword ${keyword}, which SUBSCRIBE_TEMPLATE_KEYWORDS maps to ${field} (its keywords: ${template.keywords.join(', ')})`,
        fix: REASONS.TEMPLATE_DATA_INVALID.fix,
      })),
      ...unfilledPart,
    ];
  });
  const names = answer.templates.map(({ id }) => `${list.find((template) => template.priTmplId === id)?.title ?? '?'} (${id})`);
  return combine('templates', parts, { status: 'ok', summary: `every lead template exists with the keywords the mapping uses: ${names.join(', ')}` });
}
