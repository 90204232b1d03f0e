/** crm-api's public entry, for the workspace's local start and scripts; the service itself starts in main.ts. */
export { checkWechatConfig, ConfigError, loadConfig, loadEnvFile } from './config.js';
export type { Config } from './config.js';
export { createConsoleSignInLink } from './domain/console-sessions.js';
export { createLogger } from './logger.js';
export { startLines, startServer } from './server.js';
export type { LocalWechat, RunningServer, ServerOptions } from './server.js';
export type { DemoSeed, DemoState } from './demo-seed.js';
export { onShutdownSignal } from './shutdown.js';
