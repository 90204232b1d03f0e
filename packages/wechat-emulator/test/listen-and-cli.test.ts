import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, startLocalWechat, type RunningEmulator } from '../src/index.js';

const run = promisify(execFile);
const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));

describe('starting the emulator', () => {
  let first: RunningEmulator | undefined;
  afterEach(() => first?.stop());

  it('says which port is taken and which setting chooses another', async () => {
    first = await startEmulator();

    await expect(startLocalWechat({ port: first.port, portSetting: 'WECHAT_EMULATOR_PORT', functionName: 'quickstartFunctions' })).rejects.toThrow(
      `the WeChat emulator cannot listen on 127.0.0.1:${first.port}: the port is in use; set WECHAT_EMULATOR_PORT to a free port (0 picks one)`,
    );
  });

  it('--help prints the options and exits 0; an unknown option prints them and exits 2', async () => {
    const help = await run(process.execPath, ['--import', 'tsx', cli, '--help']);
    expect(help.stdout).toContain('--extra-template ID:k1,k2');

    const wrong = await run(process.execPath, ['--import', 'tsx', cli, '--bogus']).catch((error: { code: number; stderr: string }) => error);
    expect([(wrong as { code: number }).code, (wrong as { stderr: string }).stderr]).toEqual([2, expect.stringContaining("Unknown option '--bogus'")]);
  });
});
