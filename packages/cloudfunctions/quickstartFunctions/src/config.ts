import { MINIPROGRAM_PAGES } from '@leadnotify/contracts';
import { keywordTypeOf, type KeywordType } from './template/keyword-types.js';

/** Notification fields a template keyword can show. */
export const TEMPLATE_FIELDS = [
  'customerName',
  'customerCount',
  'customerCompany',
  'customerPhone',
  'customerSource',
  'actorName',
  'assignedAt',
  'note',
  'assignedVia',
] as const;
export type TemplateField = (typeof TEMPLATE_FIELDS)[number];

/** Which keyword types can show which field; the rest would always be rejected with 47003. */
const FIELDS_FOR_TYPE: Record<KeywordType, readonly TemplateField[]> = {
  thing: ['customerName', 'customerCompany', 'customerSource', 'actorName', 'note', 'assignedVia', 'customerCount'],
  name: ['customerName', 'actorName'],
  phrase: ['assignedVia', 'note', 'customerSource'],
  character_string: ['customerPhone', 'customerCount', 'customerName', 'actorName'],
  letter: ['customerName', 'actorName'],
  symbol: ['note'],
  number: ['customerCount'],
  amount: ['customerCount'],
  time: ['assignedAt'],
  date: ['assignedAt'],
  phone_number: ['customerPhone'],
  car_number: [],
};

/** Fields under an earlier name, still accepted in SUBSCRIBE_TEMPLATE_KEYWORDS so a deployed mapping keeps working. */
const RENAMED_FIELDS: Readonly<Record<string, TemplateField>> = { channel: 'assignedVia' };

export interface KeywordMapping {
  keyword: string;
  type: KeywordType;
  field: TemplateField;
}

/** One one-time template of the lead notice, with how its keywords show a notification. */
export interface LeadTemplate {
  id: string;
  keywords: KeywordMapping[];
}

/** wx.requestSubscribeMessage asks for at most three templates in one dialog. */
export const MAX_LEAD_TEMPLATES = 3;

export interface FunctionConfig {
  /**
   * The lead notice's one-time templates, in the order they are spent. Each acceptance allows one message with its
   * own template, so a tap that accepts all of them allows as many messages.
   */
  templates: LeadTemplate[];
  miniprogramState: 'developer' | 'trial' | 'formal';
  lang: 'zh_CN' | 'en_US' | 'zh_HK' | 'zh_TW';
  customerPage: string;
  customerListPage: string;
  sharedSecret: string | undefined;
  batchMax: number;
  sendConcurrency: number;
  /** The function's time limit as set in the cloud console; WeChat kills the run then. */
  functionTimeoutMs: number;
  /** A batch send starts only if it is expected to finish this long before the limit. */
  safetyMarginMs: number;
  /** Expected time of one delivery (send plus its record writes) until one has been observed. */
  sendEstimateMs: number;
  /** A delivery record older than this belongs to a run that is certainly dead. */
  staleRecordMs: number;
  bindingTicketMaxAgeMs: number;
  /** Problems that make sending impossible; reported in every send result. */
  sendProblems: string[];
  /** Problems that make binding impossible. */
  bindProblems: string[];
}

/**
 * Whether a template id is one this function sends with. A host mini program has templates of its own, whose
 * acceptances and turn-offs reach the same message push: they are not our stock and must not switch our
 * salesperson off.
 */
export function isOurTemplate(config: FunctionConfig, templateId: string): boolean {
  return config.templates.some((template) => template.id === templateId);
}

export function templateIdsOf(config: FunctionConfig): string[] {
  return config.templates.map((template) => template.id);
}

const STALE_CLOCK_MARGIN_MS = 2000;

export const DEFAULT_KEYWORDS = '{"thing1":"customerName","time2":"assignedAt","thing3":"actorName","thing4":"note"}';

/**
 * Reads the function's environment variables (cloud console: function > version and configuration >
 * environment variables). Problems are collected, not thrown, so getOpenId keeps working and every send
 * says exactly what to fix.
 */
export function loadFunctionConfig(env: Record<string, string | undefined>): FunctionConfig {
  const sendProblems: string[] = [];
  const bindProblems: string[] = [];
  const templateIds = parseTemplateIds(env, sendProblems);
  const templates = parseTemplateKeywords(templateIds, env.SUBSCRIBE_TEMPLATE_KEYWORDS?.trim() || DEFAULT_KEYWORDS, sendProblems);
  const miniprogramState = oneOf(env.SUBSCRIBE_MINIPROGRAM_STATE, ['formal', 'developer', 'trial'] as const, 'SUBSCRIBE_MINIPROGRAM_STATE', sendProblems);
  const lang = oneOf(env.SUBSCRIBE_LANG, ['zh_CN', 'en_US', 'zh_HK', 'zh_TW'] as const, 'SUBSCRIBE_LANG', sendProblems);

  const functionTimeoutMs = positiveInt(env.FUNCTION_TIMEOUT_MS, 3000, 'FUNCTION_TIMEOUT_MS', sendProblems);
  const sharedSecret = env.LEADNOTIFY_SHARED_SECRET || undefined;
  if (!sharedSecret) bindProblems.push('LEADNOTIFY_SHARED_SECRET is not set');
  else if (sharedSecret.length < 32) bindProblems.push('LEADNOTIFY_SHARED_SECRET must be at least 32 characters');

  return {
    templates,
    miniprogramState,
    lang,
    customerPage: env.CUSTOMER_PAGE?.trim() || MINIPROGRAM_PAGES.customerDetail,
    customerListPage: env.CUSTOMER_LIST_PAGE?.trim() || MINIPROGRAM_PAGES.customerList,
    sharedSecret: bindProblems.length === 0 ? sharedSecret : undefined,
    batchMax: positiveInt(env.SEND_BATCH_MAX, 20, 'SEND_BATCH_MAX', sendProblems),
    sendConcurrency: positiveInt(env.SEND_CONCURRENCY, 5, 'SEND_CONCURRENCY', sendProblems),
    functionTimeoutMs,
    safetyMarginMs: positiveInt(env.SEND_SAFETY_MARGIN_MS, 500, 'SEND_SAFETY_MARGIN_MS', sendProblems),
    sendEstimateMs: positiveInt(env.SEND_ESTIMATE_MS, 1000, 'SEND_ESTIMATE_MS', sendProblems),
    // A run that wrote a record at t is gone by t + its limit; the margin covers clock differences between
    // function instances.
    staleRecordMs: functionTimeoutMs + STALE_CLOCK_MARGIN_MS,
    bindingTicketMaxAgeMs: 10 * 60_000,
    sendProblems,
    bindProblems,
  };
}

/**
 * SUBSCRIBE_TEMPLATE_IDS, comma-separated, up to three; SUBSCRIBE_TEMPLATE_ID, the single id of earlier versions, is
 * a list of one. Titles cannot be checked here: WeChat filters a second template of the same title out of the dialog
 * (the kit sees `filter`), which docs/configuration.md warns about.
 */
function parseTemplateIds(env: Record<string, string | undefined>, problems: string[]): string[] {
  const listed = (env.SUBSCRIBE_TEMPLATE_IDS ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  const single = env.SUBSCRIBE_TEMPLATE_ID?.trim() || undefined;
  if (listed.length === 0 && single === undefined) {
    problems.push('SUBSCRIBE_TEMPLATE_IDS is not set (the lead notice\'s one-time template ids, comma-separated, up to 3)');
    return [];
  }
  if (listed.length > 0 && single !== undefined && !(listed.length === 1 && listed[0] === single)) {
    problems.push('SUBSCRIBE_TEMPLATE_ID and SUBSCRIBE_TEMPLATE_IDS are both set and differ: keep SUBSCRIBE_TEMPLATE_IDS only');
  }
  const ids = listed.length > 0 ? listed : [single as string];
  if (ids.length > MAX_LEAD_TEMPLATES) problems.push(`SUBSCRIBE_TEMPLATE_IDS lists ${ids.length} templates; one subscribe dialog asks for at most ${MAX_LEAD_TEMPLATES}`);
  if (new Set(ids).size !== ids.length) problems.push('SUBSCRIBE_TEMPLATE_IDS lists a template twice');
  return [...new Set(ids)].slice(0, MAX_LEAD_TEMPLATES);
}

/**
 * SUBSCRIBE_TEMPLATE_KEYWORDS: one mapping of keyword → field for every template (`{"thing1":"customerName",…}`),
 * or one per template, keyed by its id (`{"<id>":{"thing1":"customerName",…},…}`) — templates of different titles
 * chosen from WeChat's library seldom have the same keywords.
 */
function parseTemplateKeywords(ids: string[], text: string, problems: string[]): LeadTemplate[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push('SUBSCRIBE_TEMPLATE_KEYWORDS is not JSON (expected e.g. {"thing1":"customerName"})');
    return ids.map((id) => ({ id, keywords: [] }));
  }
  if (!isNonEmptyObject(parsed)) {
    problems.push('SUBSCRIBE_TEMPLATE_KEYWORDS must be a non-empty object of keyword → field, or of template id → such an object');
    return ids.map((id) => ({ id, keywords: [] }));
  }
  const values = Object.values(parsed);
  if (!values.every((value) => typeof value === 'object' && value !== null)) {
    const keywords = parseKeywords(parsed, 'SUBSCRIBE_TEMPLATE_KEYWORDS', problems);
    return ids.map((id) => ({ id, keywords }));
  }
  for (const id of Object.keys(parsed).filter((key) => !ids.includes(key))) {
    problems.push(`SUBSCRIBE_TEMPLATE_KEYWORDS has a mapping for ${id}, which SUBSCRIBE_TEMPLATE_IDS does not list`);
  }
  return ids.map((id) => {
    const mapping = parsed[id];
    if (!isNonEmptyObject(mapping)) {
      problems.push(`SUBSCRIBE_TEMPLATE_KEYWORDS has no keyword mapping for template ${id}`);
      return { id, keywords: [] };
    }
    return { id, keywords: parseKeywords(mapping, `SUBSCRIBE_TEMPLATE_KEYWORDS (${id})`, problems) };
  });
}

function isNonEmptyObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0;
}

function parseKeywords(parsed: Record<string, unknown>, name: string, problems: string[]): KeywordMapping[] {
  const mappings: KeywordMapping[] = [];
  for (const [keyword, named] of Object.entries(parsed)) {
    const field = typeof named === 'string' ? (RENAMED_FIELDS[named] ?? named) : named;
    const type = keywordTypeOf(keyword);
    if (!type) {
      problems.push(`${name}: "${keyword}" is not a keyword (type + number, e.g. thing1)`);
      continue;
    }
    if (typeof field !== 'string' || !(TEMPLATE_FIELDS as readonly string[]).includes(field)) {
      problems.push(`${name}: "${keyword}" maps to unknown field ${JSON.stringify(field)}; use one of ${TEMPLATE_FIELDS.join(', ')}`);
      continue;
    }
    if (!FIELDS_FOR_TYPE[type].includes(field as TemplateField)) {
      problems.push(`${name}: a ${type} keyword (${keyword}) cannot show ${field}`);
      continue;
    }
    mappings.push({ keyword, type, field: field as TemplateField });
  }
  return mappings;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], name: string, problems: string[]): T {
  const text = value?.trim();
  if (!text) return allowed[0] as T;
  if ((allowed as readonly string[]).includes(text)) return text as T;
  problems.push(`${name} must be one of ${allowed.join(', ')}`);
  return allowed[0] as T;
}

function positiveInt(value: string | undefined, fallback: number, name: string, problems: string[]): number {
  if (value === undefined || value.trim() === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number <= 0) {
    problems.push(`${name} must be a positive integer`);
    return fallback;
  }
  return number;
}
