import { keywordTypeOf, type SubscribeMessage } from 'quickstartFunctions';
import { wxError } from 'quickstartFunctions/memory-cloud';
import { KEYWORD_RULES } from './keyword-rules.js';

export interface TemplateDefinition {
  id: string;
  /**
   * The template's title as the library lists it. One dialog shows templates of one title once: a second template of
   * the same title asked for in the same call is `filter`ed, not offered.
   */
  title: string;
  /** Keyword names as the template lists them, e.g. thing1, time2. */
  keywords: string[];
  /** The host mini program's own template: not the lead notice's, so the function is not configured with it. */
  host?: boolean;
}

export interface SentMessage {
  touser: string;
  templateId: string;
  page: string | undefined;
  data: Record<string, { value: string }>;
  miniprogramState: string | undefined;
  lang: string | undefined;
  sentAt: string;
  /** WeChat's id of the message, a numeric string, as subscribe_msg_sent_event's MsgID carries it. */
  msgId: string;
}

const STATES = ['developer', 'trial', 'formal'];
const LANGS = ['zh_CN', 'en_US', 'zh_HK', 'zh_TW'];

function refuse(errCode: number, message: string): never {
  throw wxError(errCode, `openapi.subscribeMessage.send:fail ${errCode} ${message}`);
}

/**
 * WeChat's side of subscribeMessage.send: the function's permission, the openid, the template, the page,
 * every keyword's value, and the user's one-time acceptances (one per message; none left → 43101).
 */
export function createSubscribeGate(options: {
  templates: TemplateDefinition[];
  /** The pages the mini program has. */
  pages: readonly string[];
  hasPermission: () => boolean;
  now: () => number;
}) {
  const openids = new Set<string>();
  const acceptances = new Map<string, number>();
  const messages: SentMessage[] = [];
  // MsgIDs are 19-digit numbers in the wild; a counter keeps them unique and numeric.
  let nextMsgId = 3_000_000_000_000_000_000n;
  const key = (openid: string, templateId: string) => `${openid}\u0000${templateId}`;

  return {
    messages,
    registerUser(openid: string) {
      openids.add(openid);
    },
    accept(openid: string, templateId: string, count: number) {
      openids.add(openid);
      acceptances.set(key(openid, templateId), (acceptances.get(key(openid, templateId)) ?? 0) + count);
    },
    /** The user turned the template off in the notification settings: no acceptance is left to send with. */
    turnOff(openid: string, templateId: string) {
      openids.add(openid);
      acceptances.set(key(openid, templateId), 0);
    },
    acceptancesOf(openid: string, templateId: string): number {
      return acceptances.get(key(openid, templateId)) ?? 0;
    },
    allAcceptances() {
      return [...acceptances].map(([compound, remaining]) => {
        const [openid, templateId] = compound.split('\u0000');
        return { openid, templateId, remaining };
      });
    },
    async send(message: SubscribeMessage): Promise<SentMessage> {
      if (!options.hasPermission()) refuse(-604101, 'no permission to call this api: list subscribeMessage.send in config.json');
      if (!message.touser || !openids.has(message.touser)) refuse(40003, 'invalid openid');
      const template = options.templates.find((candidate) => candidate.id === message.templateId);
      if (!template) refuse(40037, 'invalid template_id');
      const page = message.page?.split('?')[0];
      if (page !== undefined && !options.pages.includes(page)) refuse(41030, 'invalid page');
      if (message.miniprogramState !== undefined && !STATES.includes(message.miniprogramState)) refuse(47003, 'argument invalid! miniprogram_state');
      if (message.lang !== undefined && !LANGS.includes(message.lang)) refuse(47003, 'argument invalid! lang');
      const data = message.data ?? {};
      for (const field of Object.keys(data)) {
        if (!template.keywords.includes(field)) refuse(47003, `argument invalid! data.${field} is not a keyword of the template`);
      }
      for (const keyword of template.keywords) {
        const value = data[keyword]?.value;
        if (typeof value !== 'string' || value === '') refuse(47003, `argument invalid! data.${keyword}.value is empty`);
        const type = keywordTypeOf(keyword);
        if (!type || !KEYWORD_RULES[type](value)) refuse(47003, `argument invalid! data.${keyword}.value invalid`);
      }
      const remaining = acceptances.get(key(message.touser, template.id)) ?? 0;
      if (remaining <= 0) refuse(43101, 'user refuse to accept the msg');
      acceptances.set(key(message.touser, template.id), remaining - 1);
      const sent: SentMessage = {
        touser: message.touser,
        templateId: template.id,
        page: message.page,
        data: structuredClone(data),
        miniprogramState: message.miniprogramState,
        lang: message.lang,
        sentAt: new Date(options.now()).toISOString(),
        msgId: String(nextMsgId++),
      };
      messages.push(sent);
      return sent;
    },
  };
}

export type SubscribeGate = ReturnType<typeof createSubscribeGate>;
