import { describe, expect, it } from 'vitest';
import { createTestClient, replyStableTokens, wechat } from './helpers.js';

const listPath = (token: string) => `/wxaapi/newtmpl/gettemplate?access_token=${token}`;

describe('getTemplateList', () => {
  it("returns the mini program's templates with the keywords their content names", async () => {
    replyStableTokens(['TOKEN-A']);
    wechat()
      .get(listPath('TOKEN-A'))
      .reply(200, {
        errcode: 0,
        errmsg: 'ok',
        data: [
          { priTmplId: 'tmpl-1', title: '客户分配通知', content: '客户名称:{{thing1.DATA}}\n分配时间:{{time2.DATA}}\n', example: '客户名称:张三\n分配时间:2026年11月25日 10:00\n', type: 2 },
          { priTmplId: 'tmpl-2', title: '洗衣机故障提醒', content: '完成时间:{{time1.DATA}}\n所在位置:{{enum_string2.DATA}}\n', example: '', type: 3 },
        ],
      });

    const templates = await createTestClient().getTemplateList();

    expect(templates.map(({ priTmplId, title, type, keywords }) => ({ priTmplId, title, type, keywords }))).toEqual([
      { priTmplId: 'tmpl-1', title: '客户分配通知', type: 2, keywords: ['thing1', 'time2'] },
      { priTmplId: 'tmpl-2', title: '洗衣机故障提醒', type: 3, keywords: ['time1', 'enum_string2'] },
    ]);
  });

  it('an errcode is a WechatError read by the reason table; a body without a data list is BAD_RESPONSE', async () => {
    replyStableTokens(['TOKEN-A']);
    wechat().get(listPath('TOKEN-A')).reply(200, { errcode: 40164, errmsg: 'invalid ip 1.2.3.4, not in whitelist' });
    await expect(createTestClient().getTemplateList()).rejects.toMatchObject({ code: 'IP_NOT_WHITELISTED', api: '/wxaapi/newtmpl/gettemplate' });

    replyStableTokens(['TOKEN-B']);
    wechat().get(listPath('TOKEN-B')).reply(200, { errcode: 0, errmsg: 'ok' });
    await expect(createTestClient().getTemplateList()).rejects.toMatchObject({ code: 'BAD_RESPONSE' });
  });
});
