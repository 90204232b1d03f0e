import { z } from 'zod';

/**
 * How an assignment was made: the four assignment operations. (Not "channel": a channel is how a message
 * travels to the salesperson.)
 */
export const ASSIGNED_VIA = ['web', 'miniprogram', 'batch', 'pool'] as const;
export const assignedViaSchema = z.enum(ASSIGNED_VIA);
export type AssignedVia = z.infer<typeof assignedViaSchema>;

/** How the message names the operation. */
export const ASSIGNED_VIA_LABELS: Readonly<Record<AssignedVia, string>> = {
  web: '网页分配',
  miniprogram: '小程序分配',
  batch: '批量分配',
  pool: '公海领取',
};
