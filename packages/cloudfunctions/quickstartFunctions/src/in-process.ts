/**
 * The function for running in-process — the local WeChat emulator and tests — instead of in WeChat's
 * cloud. The deployed entry is index.ts.
 */
export { createHandler, EVENT_TYPES } from './create-handler.js';
export { loadFunctionConfig, DEFAULT_KEYWORDS, TEMPLATE_FIELDS } from './config.js';
export type { FunctionConfig, KeywordMapping, TemplateField } from './config.js';
export { createMemoryCloud, wxError } from './memory-cloud.js';
export type { MemoryCloud } from './memory-cloud.js';
export { COLLECTIONS } from './store/collections.js';
export { saveBinding } from './store/bindings.js';
export { keywordTypeOf, KEYWORD_TYPES } from './template/keyword-types.js';
export type { KeywordType } from './template/keyword-types.js';
export type { CloudSdk, SubscribeMessage, WxContext } from './cloud-sdk.js';
export type { FunctionDeps, FunctionLogger } from './deps.js';
export type { SendResult } from './results.js';
