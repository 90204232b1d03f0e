import type { Channel } from './channel.js';
import { createWecomChannel, type WecomChannelDeps } from './wecom/index.js';
import { createWechatSubscribeChannel, type CloudFunction } from './wechat-subscribe/index.js';

/** What channels are made from: the outside services configured for this process. */
export interface ChannelServices {
  cloudFunction?: CloudFunction | undefined;
  wecom?: WecomChannelDeps | undefined;
}

/**
 * Every channel a message can go out on, by name. A new channel is a folder under channels/ and one line here; a
 * channel whose service is not configured is absent.
 */
const CHANNELS = {
  'wechat-subscribe': (services: ChannelServices) => (services.cloudFunction ? createWechatSubscribeChannel(services.cloudFunction) : undefined),
  wecom: (services: ChannelServices) => (services.wecom ? createWecomChannel(services.wecom) : undefined),
} satisfies Record<string, (services: ChannelServices) => Channel | undefined>;

export type ChannelName = keyof typeof CHANNELS;

export function createChannel(name: ChannelName, services: ChannelServices): Channel | undefined {
  return CHANNELS[name](services);
}

export const CHANNEL_NAMES = Object.keys(CHANNELS) as ChannelName[];
