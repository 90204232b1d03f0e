import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIND_MESSAGES } from '../src/lib/bind-messages.js';

const DOC = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'miniprogram-kit.md'), 'utf8');
const bindSection = DOC.slice(DOC.indexOf('### Bind page'), DOC.indexOf('### Subscribe button'));

describe('docs/miniprogram-kit.md', () => {
  it('shows every bind-page message word for word', () => {
    for (const message of Object.values(BIND_MESSAGES)) expect(bindSection).toContain(`${message.title} — ${message.detail}`);
  });

  it('says bindCrmUser answers OPENID_BOUND_ELSEWHERE, as the function does (one WeChat user, one CRM user)', () => {
    expect(bindSection).not.toMatch(/never answers `OPENID_BOUND_ELSEWHERE`|one openid can be bound to several/);
    expect(bindSection).toMatch(/`bindCrmUser` answers `OPENID_BOUND_ELSEWHERE`/);
  });
});
