import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../src/logger.js';

describe('the logger', () => {
  it('blanks credentials at the top level of a line and one level down', () => {
    const lines: string[] = [];
    const logger = createLogger('info', new Writable({ write: (chunk, _encoding, done) => (lines.push(String(chunk)), done()) }));

    logger.info({ token: 'lnk_top', aesKey: 'k'.repeat(43), nested: { token: 'lnk_nested', appSecret: 'shh' }, userId: 'u-1' }, 'with secrets');

    const text = lines.join('');
    for (const secret of ['lnk_top', 'k'.repeat(43), 'lnk_nested', 'shh']) expect(text).not.toContain(secret);
    expect(text).toContain('u-1');
  });
});
