import { z } from 'zod';

/** Where an assignment came from: the four assignment operations. */
export const ASSIGNMENT_CHANNELS = ['web', 'miniprogram', 'batch', 'pool'] as const;
export const assignmentChannelSchema = z.enum(ASSIGNMENT_CHANNELS);
export type AssignmentChannel = z.infer<typeof assignmentChannelSchema>;

/** How the message names the channel. */
export const CHANNEL_LABELS: Readonly<Record<AssignmentChannel, string>> = {
  web: '网页分配',
  miniprogram: '小程序分配',
  batch: '批量分配',
  pool: '公海领取',
};
