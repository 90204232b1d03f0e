import { isReasonCode, REASON_WORDS } from '@leadnotify/contracts';
import type { Expectation } from './reachability.js';

/**
 * A reason in the console's words and what to do about it (contracts' REASON_WORDS, which the page reads too); a code
 * outside the reason table is shown as it is.
 */
export function reasonInWords(code: string): { text: string; fix: string | null } {
  if (!isReasonCode(code)) return { text: code, fix: null };
  return REASON_WORDS[code];
}

export type NextLeadChannel = 'wechat' | 'wecom';

/** Whether the next lead would be heard, and how, in words. */
export function nextLeadText(expected: Expectation, channel: NextLeadChannel | null): string {
  switch (expected) {
    case 'reachable':
      return channel === 'wecom' ? '会立即收到（企业微信）' : '会立即收到';
    case 'unreachable: NOT_BOUND':
      return '不会收到：未绑定';
    case 'unreachable: NO_SUBSCRIPTION':
      return '不会收到：没有可用的订阅次数';
    case 'unknown':
      return '尚不确定：微信还没有告诉我们';
  }
}
