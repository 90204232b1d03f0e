import { keywordTypeOf, type KeywordType } from 'quickstartFunctions';
import type { TemplateDefinition } from './subscribe-gate.js';

/** A label and an example value per keyword type, so the list reads like WeChat's ("会议时间:{{date2.DATA}}\n…"). */
const SHOWN: Record<KeywordType, [label: string, example: string]> = {
  thing: ['事项', '杭州某某科技有限公司'],
  name: ['姓名', '张三'],
  phrase: ['状态', '已分配'],
  character_string: ['编号', 'A0001'],
  letter: ['代码', 'ABC'],
  symbol: ['符号', '+'],
  number: ['数量', '3'],
  amount: ['金额', '¥100'],
  time: ['时间', '2026年11月25日 10:00'],
  date: ['日期', '2026年11月25日'],
  phone_number: ['电话', '138****0000'],
  car_number: ['车牌', '粤A12345'],
};

/**
 * One entry of getTemplateList's `data`: {priTmplId, title, content, example, type}; type 2 is a one-time template
 * (https://developers.weixin.qq.com/miniprogram/dev/OpenApiDoc/mp-message-management/subscribe-message/getTemplateList.html).
 */
export function templateListEntry(template: TemplateDefinition) {
  const line = (keyword: string, part: (label: string, example: string) => string) => {
    const type = keywordTypeOf(keyword);
    const [label, example] = type ? SHOWN[type] : ['内容', '示例'];
    return `${label}:${part(label, example)}\n`;
  };
  return {
    priTmplId: template.id,
    title: template.title,
    content: template.keywords.map((keyword) => line(keyword, () => `{{${keyword}.DATA}}`)).join(''),
    example: template.keywords.map((keyword) => line(keyword, (_label, example) => example)).join(''),
    type: 2,
  };
}
