import axios from 'axios';
import { createWechatClient } from '@leadnotify/wechat-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '../src/index.js';
import { assignmentEvent } from './helpers/assignment-event.js';

const http = axios.create({ validateStatus: () => true });

describe('runs of the function', () => {
  let emulator: RunningEmulator;
  afterEach(() => emulator?.stop());
  const client = () => createWechatClient({ ...emulator.credentials, baseUrl: emulator.url });

  it('a function allowed longer than the HTTP wait: the caller gets -504003 at the wait, the function runs on and sends', async () => {
    emulator = await startEmulator({ functionTimeoutMs: 3000, httpWaitMs: 300 });
    await emulator.setupUser('crm-user-1', 2);
    emulator.setFaults({ functionLatencyMs: 600 });
    const event = assignmentEvent();

    await expect(client().invokeCloudFunction('quickstartFunctions', event)).rejects.toMatchObject({
      errcode: -504003,
      message: expect.stringContaining('timed out after 0.3 seconds'),
    });
    expect(emulator.messages).toHaveLength(0);
    await emulator.runsFinished();
    expect(emulator.messages).toHaveLength(1);
    emulator.setFaults({ functionLatencyMs: 0 });

    await expect(client().invokeCloudFunction('quickstartFunctions', event)).resolves.toMatchObject({ result: { reason: 'ALREADY_SENT' } });
    expect(emulator.messages).toHaveLength(1);
  });

  it('the run is still stopped at its own limit when that comes after the HTTP wait', async () => {
    emulator = await startEmulator({ functionTimeoutMs: 400, httpWaitMs: 100 });
    await emulator.setupUser('crm-user-1', 2);
    emulator.setFaults({ functionLatencyMs: 600 });

    await expect(client().invokeCloudFunction('quickstartFunctions', assignmentEvent())).rejects.toMatchObject({ errcode: -504003 });
    // Killed at 400 ms while still starting up; at 600 ms its code starts and its first call hangs.
    await emulator.runsFinished();

    expect(emulator.messages).toHaveLength(0);
  });

  it.each([
    ['errcode -1', { failureRate: 1, errcode: -1 }, { errcode: -1 }],
    ['HTTP 500', { http500Rate: 1 }, { code: 'HTTP_STATUS', httpStatus: 500 }],
    ['a dropped connection', { dropRate: 1 }, { code: 'NETWORK' }],
  ])('%s after the function ran: the caller sees only the failure, the message went out', async (_what, faults, failure) => {
    emulator = await startEmulator();
    await emulator.setupUser('crm-user-1', 2);
    emulator.setFaults({ ...faults, afterRunShare: 1 });

    await expect(client().invokeCloudFunction('quickstartFunctions', assignmentEvent())).rejects.toMatchObject(failure);

    expect(emulator.messages).toHaveLength(1);
  });

  it('an errcode that refuses the call (45009) never comes after a run', async () => {
    emulator = await startEmulator();
    await emulator.setupUser('crm-user-1', 2);
    emulator.setFaults({ failureRate: 1, errcode: 45009, afterRunShare: 1 });

    await expect(client().invokeCloudFunction('quickstartFunctions', assignmentEvent())).rejects.toMatchObject({ errcode: 45009 });

    expect(emulator.messages).toHaveLength(0);
  });

  it('by default an ambiguous failure sometimes comes before the run and sometimes after it', async () => {
    emulator = await startEmulator();
    await emulator.setupUser('crm-user-1', 40);
    emulator.setFaults({ failureRate: 1, errcode: -1 });

    for (let call = 0; call < 40; call++) await client().invokeCloudFunction('quickstartFunctions', assignmentEvent()).catch(() => undefined);

    expect(emulator.messages.length).toBeGreaterThan(0);
    expect(emulator.messages.length).toBeLessThan(40);
  });

  it('a mini-program call is stopped at the limit too: wx.cloud.callFunction fails with -504003', async () => {
    emulator = await startEmulator({ functionTimeoutMs: 200 });
    emulator.setFaults({ functionLatencyMs: 1000 });

    const slowCall = await http.post(`${emulator.url}/_emulator/miniprogram/call`, { openid: 'o-1', event: { type: 'getOpenId' } });
    expect(slowCall.status).toBe(500);
    expect(slowCall.data).toEqual({ errCode: -504003, errMsg: 'cloud.callFunction:fail Invoking task timed out after 0.2 seconds' });
  });
});
