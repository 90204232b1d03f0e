/**
 * The function for running in-process — the local WeChat emulator — instead of in WeChat's cloud. The
 * deployed entry is index.ts; an in-memory implementation of the SDK slice is the separate
 * `quickstartFunctions/memory-cloud` entry, never bundled into the deployed function.
 */
export { createHandler } from './create-handler.js';
export { loadFunctionConfig, DEFAULT_KEYWORDS, TEMPLATE_FIELDS } from './config.js';
export type { FunctionConfig, KeywordMapping, TemplateField } from './config.js';
export { COLLECTIONS } from './store/collections.js';
export { saveBinding } from './store/bindings.js';
export { keywordTypeOf, KEYWORD_TYPES } from './template/keyword-types.js';
export type { KeywordType } from './template/keyword-types.js';
export type { CloudSdk, SubscribeMessage, WxContext } from './cloud-sdk.js';
export type { FunctionDeps, FunctionLogger } from './deps.js';
