import { MINIPROGRAM_PAGES } from '@leadnotify/contracts';
import { createWechatClient } from '@leadnotify/wechat-client';
import { afterEach, describe, expect, it } from 'vitest';
import { readQrCode, startEmulator, type RunningEmulator } from '../src/index.js';
import { assignmentEvent } from './helpers/assignment-event.js';

/** Without a `pages` option (as pnpm start, startLocalWechat and the end-to-end tests run it) the emulator knows the kit's pages and no others. */
describe('the default mini program: the kit pages', () => {
  let emulator: RunningEmulator;
  afterEach(() => emulator?.stop());
  const client = () => createWechatClient({ ...emulator.credentials, baseUrl: emulator.url });

  it('a message deep-linking to a page the mini program lacks is refused with 41030 and not delivered', async () => {
    emulator = await startEmulator({ functionEnv: { CUSTOMER_PAGE: 'pages/no-such-page/index' } });
    await emulator.setupUser('crm-user-1', 2);

    const answer = await client().invokeCloudFunction('quickstartFunctions', assignmentEvent());

    expect(answer).toMatchObject({ result: { reason: 'PAGE_INVALID', errCode: 41030 } });
    expect(emulator.messages).toHaveLength(0);
  });

  it('the pages our code links to by default are known: one customer, several customers', async () => {
    emulator = await startEmulator();
    await emulator.setupUser('crm-user-1', 2);

    await client().invokeCloudFunction('quickstartFunctions', assignmentEvent());
    await client().invokeCloudFunction('quickstartFunctions', assignmentEvent({ customers: [{ id: 'c-1', name: '甲' }, { id: 'c-2', name: '乙' }] }));

    expect(emulator.messages.map((message) => message.page?.split('?')[0])).toEqual([MINIPROGRAM_PAGES.customerDetail, MINIPROGRAM_PAGES.customerList]);
  });

  it('getwxacodeunlimit with check_path refuses an unpublished page (41030), takes the bind page, and opens the home page without one', async () => {
    emulator = await startEmulator();

    await expect(client().getUnlimitedQrCode({ scene: 'S1', page: 'pages/never/published' })).rejects.toMatchObject({ errcode: 41030 });
    await expect(client().getUnlimitedQrCode({ scene: 'S1', page: MINIPROGRAM_PAGES.bind })).resolves.toBeInstanceOf(Buffer);
    expect(readQrCode(await client().getUnlimitedQrCode({ scene: 'S1' }))).toBe(`leadnotify-emulator://${MINIPROGRAM_PAGES.home}?scene=S1`);
  });
});
