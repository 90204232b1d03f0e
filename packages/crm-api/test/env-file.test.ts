import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadEnvFile } from '../src/config.js';

describe('the environment file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'leadnotify-env-'));
  const developersFile = join(dir, '.env');
  writeFileSync(developersFile, 'PORT=4321\nMINIPROGRAM_APPID=wx-from-the-file\n');
  const chosenFile = join(dir, 'other.env');
  writeFileSync(chosenFile, 'PORT=5555\n');

  it('is <repository root>/.env by default; variables already set win', () => {
    const env: NodeJS.ProcessEnv = { PORT: '3000' };
    loadEnvFile(env, developersFile);
    expect(env).toEqual({ PORT: '3000', MINIPROGRAM_APPID: 'wx-from-the-file' });
  });

  it('is the file LEADNOTIFY_ENV_FILE names, or none at all with `none`', () => {
    const chosen: NodeJS.ProcessEnv = { LEADNOTIFY_ENV_FILE: chosenFile };
    loadEnvFile(chosen, developersFile);
    expect(chosen).toEqual({ LEADNOTIFY_ENV_FILE: chosenFile, PORT: '5555' });

    const none: NodeJS.ProcessEnv = { LEADNOTIFY_ENV_FILE: 'none' };
    loadEnvFile(none, developersFile);
    expect(none).toEqual({ LEADNOTIFY_ENV_FILE: 'none' });
  });

  it('is none for every process the tests start: a developer\'s filled .env does not change what they test', () => {
    expect(process.env.LEADNOTIFY_ENV_FILE).toBe('none');
  });
});
