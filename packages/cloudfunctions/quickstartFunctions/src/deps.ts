import type { CloudSdk } from './cloud-sdk.js';
import type { FunctionConfig } from './config.js';

export interface FunctionLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Everything handlers need, passed in: the real SDK in the cloud, an in-memory one in tests. */
export interface FunctionDeps {
  cloud: CloudSdk;
  config: FunctionConfig;
  now(): number;
  log: FunctionLogger;
}
