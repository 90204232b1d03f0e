import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/** Paths pino blanks before a line is written: credentials in requests and in our own objects. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'appSecret',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'aesKey',
  '*.appSecret',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.access_token',
  '*.aesKey',
];

/**
 * JSON lines, unless no destination is given, stdout is a terminal and NODE_ENV is not production: then pino-pretty
 * (synchronous, so the shutdown line is written before the process exits).
 */
export function createLogger(level: string, destination?: DestinationStream, env: { tty?: boolean; nodeEnv?: string | undefined; terminal?: NodeJS.WritableStream } = {}): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' } };
  const tty = env.tty ?? process.stdout.isTTY === true;
  const nodeEnv = 'nodeEnv' in env ? env.nodeEnv : process.env.NODE_ENV;
  if (!destination && tty && nodeEnv !== 'production') {
    return pino(options, pretty({ sync: true, colorize: tty, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: env.terminal ?? process.stdout }));
  }
  return pino(options, destination);
}
