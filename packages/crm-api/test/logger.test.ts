import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

function terminal() {
  const lines: string[] = [];
  return { lines, stream: new Writable({ write: (chunk, _e, done) => (lines.push(String(chunk)), done()) }) };
}

describe('log format', () => {
  it('on a terminal outside production, lines are human-readable (pino-pretty), secrets still redacted', () => {
    const out = terminal();
    const logger = createLogger('info', undefined, { tty: true, nodeEnv: 'development', terminal: out.stream });

    logger.info({ auth: { token: 'lnk_secret' } }, 'crm-api listening');

    const text = out.lines.join('');
    expect(text).toContain('INFO');
    expect(text).toContain('crm-api listening');
    expect(text).not.toContain('lnk_secret');
    expect(() => JSON.parse(text)).toThrow();
  });

  it.each([
    ['production on a terminal', { tty: true, nodeEnv: 'production' }],
    ['not a terminal', { tty: false, nodeEnv: 'development' }],
  ])('%s: JSON lines, nothing pretty', (_name, env) => {
    const out = terminal();
    const json = terminal();
    const logger = createLogger('info', undefined, { ...env, terminal: out.stream });
    const explicit = createLogger('info', json.stream, { ...env, terminal: out.stream });

    explicit.info('hello');

    expect(logger).toBeDefined();
    expect(out.lines).toEqual([]);
    expect(JSON.parse(json.lines[0]!)).toMatchObject({ msg: 'hello', level: 30 });
  });
});
