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

export interface FunctionConfig {
  templateId: string | undefined;
  keywords: KeywordMapping[];
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
  return config.templateId !== undefined && templateId === config.templateId;
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
  const templateId = env.SUBSCRIBE_TEMPLATE_ID?.trim() || undefined;
  if (!templateId) sendProblems.push('SUBSCRIBE_TEMPLATE_ID is not set');

  const keywords = parseKeywords(env.SUBSCRIBE_TEMPLATE_KEYWORDS?.trim() || DEFAULT_KEYWORDS, sendProblems);
  const miniprogramState = oneOf(env.SUBSCRIBE_MINIPROGRAM_STATE, ['formal', 'developer', 'trial'] as const, 'SUBSCRIBE_MINIPROGRAM_STATE', sendProblems);
  const lang = oneOf(env.SUBSCRIBE_LANG, ['zh_CN', 'en_US', 'zh_HK', 'zh_TW'] as const, 'SUBSCRIBE_LANG', sendProblems);

  const functionTimeoutMs = positiveInt(env.FUNCTION_TIMEOUT_MS, 3000, 'FUNCTION_TIMEOUT_MS', sendProblems);
  const sharedSecret = env.LEADNOTIFY_SHARED_SECRET || undefined;
  if (!sharedSecret) bindProblems.push('LEADNOTIFY_SHARED_SECRET is not set');
  else if (sharedSecret.length < 32) bindProblems.push('LEADNOTIFY_SHARED_SECRET must be at least 32 characters');

  return {
    templateId,
    keywords,
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

function parseKeywords(text: string, problems: string[]): KeywordMapping[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    problems.push('SUBSCRIBE_TEMPLATE_KEYWORDS is not JSON (expected e.g. {"thing1":"customerName"})');
    return [];
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).length === 0) {
    problems.push('SUBSCRIBE_TEMPLATE_KEYWORDS must be a non-empty object of keyword → field');
    return [];
  }
  const mappings: KeywordMapping[] = [];
  for (const [keyword, named] of Object.entries(parsed as Record<string, unknown>)) {
    const field = typeof named === 'string' ? (RENAMED_FIELDS[named] ?? named) : named;
    const type = keywordTypeOf(keyword);
    if (!type) {
      problems.push(`SUBSCRIBE_TEMPLATE_KEYWORDS: "${keyword}" is not a keyword (type + number, e.g. thing1)`);
      continue;
    }
    if (typeof field !== 'string' || !(TEMPLATE_FIELDS as readonly string[]).includes(field)) {
      problems.push(`SUBSCRIBE_TEMPLATE_KEYWORDS: "${keyword}" maps to unknown field ${JSON.stringify(field)}; use one of ${TEMPLATE_FIELDS.join(', ')}`);
      continue;
    }
    if (!FIELDS_FOR_TYPE[type].includes(field as TemplateField)) {
      problems.push(`SUBSCRIBE_TEMPLATE_KEYWORDS: a ${type} keyword (${keyword}) cannot show ${field}`);
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
