import { ASSIGNED_VIA_LABELS, formatBeijingTime, MINIPROGRAM_PAGES, emojiAwareCharacters } from '@leadnotify/contracts';
import type { WecomMessageBody } from '@leadnotify/wechat-client';
import type { LeadMessage } from '../channel.js';

/** How a WeCom message shows a lead: a card opening a URL, or (a mini program associated with the corp) a notice opening its page. */
export type WecomMessageFormat = { kind: 'textcard'; url: string } | { kind: 'miniprogram_notice'; appId: string };

/** `text` in at most `max` characters as a reader counts them, '…' marking a cut. */
function fit(text: string, max: number): string {
  const characters = emojiAwareCharacters(text);
  return characters.length <= max ? text : `${characters.slice(0, max - 1).join('')}…`;
}

/** At most `max` UTF-8 bytes: WeCom counts a textcard's fields in bytes. */
function fitBytes(text: string, max: number): string {
  let kept = '';
  for (const character of emojiAwareCharacters(text)) {
    if (Buffer.byteLength(`${kept}${character}…`, 'utf8') > max) return `${kept}…`;
    kept += character;
  }
  return kept;
}

/**
 * One lead message as a WeCom application message (https://developer.work.weixin.qq.com/document/path/90236). Its
 * JSON depends on the message alone — no clock — so a retry of the same delivery is the same request, which WeCom's
 * duplicate check does not deliver twice.
 */
export function buildWecomMessage(message: LeadMessage, format: WecomMessageFormat): WecomMessageBody {
  const [first] = message.customers;
  const count = message.customers.length;
  const who = message.assigners.at(-1)?.name ?? '系统';
  const subject = count > 1 ? `${first?.name ?? '客户'}等${count}位客户` : (first?.name ?? '新客户');
  const when = formatBeijingTime(Date.parse(message.assignedAt));
  const note = message.notes.join('；');
  if (format.kind === 'miniprogram_notice') {
    const page = count === 1 && first ? `${MINIPROGRAM_PAGES.customerDetail}?id=${encodeURIComponent(first.id)}&deliveryId=${encodeURIComponent(message.deliveryId)}` : `${MINIPROGRAM_PAGES.customerList}?deliveryId=${encodeURIComponent(message.deliveryId)}`;
    return {
      msgtype: 'miniprogram_notice',
      miniprogram_notice: {
        appid: format.appId,
        page,
        title: '新客户分配提醒',
        // 4 to 12 characters: "MM-DD HH:mm".
        description: when.slice(5),
        emphasis_first_item: true,
        content_item: [
          { key: '客户', value: fit(subject, 30) },
          { key: '分配人', value: fit(who, 30) },
          { key: '方式', value: ASSIGNED_VIA_LABELS[message.via] },
          ...(note ? [{ key: '备注', value: fit(note, 30) }] : []),
        ],
      },
    };
  }
  const url = format.url.replace('{customerId}', encodeURIComponent(first?.id ?? '')).replace('{deliveryId}', encodeURIComponent(message.deliveryId));
  return {
    msgtype: 'textcard',
    textcard: {
      title: fitBytes(`新客户：${subject}`, 128),
      description: fitBytes([`${who} ${ASSIGNED_VIA_LABELS[message.via]}`, when, ...(note ? [`备注：${note}`] : [])].join('\n'), 512),
      url,
      btntxt: '查看',
    },
  };
}
