export { buildConsole } from './build-console.js';
export type { ConsoleAsset, ConsoleBundle } from './build-console.js';
