import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MINIPROGRAM_PAGES } from '@leadnotify/contracts';
import { describe, expect, it } from 'vitest';

const APP_JSON = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'miniprogram', 'app.json');

describe('the mini program’s pages', () => {
  it('are exactly the pages our links open (MINIPROGRAM_PAGES, which the emulator knows), the home page first', () => {
    const app = JSON.parse(readFileSync(APP_JSON, 'utf8')) as { pages: string[] };

    expect(app.pages).toEqual(Object.values(MINIPROGRAM_PAGES));
  });
});
