import { pino, type DestinationStream, type Logger } from 'pino';

/** Paths pino blanks before a line is written: credentials in requests and in our own objects. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.appSecret',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.access_token',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[REDACTED]' } }, destination);
}
