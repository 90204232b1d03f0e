import { z } from 'zod';

export const idSchema = z.string().trim().min(1).max(64);
export const idParams = z.strictObject({ id: idSchema });
export const roleSchema = z.enum(['admin', 'manager', 'sales']);
export const customerStatusSchema = z.enum(['new', 'contacted', 'qualified', 'won', 'lost']);
export const noteSchema = z.string().trim().max(500);
/** Query strings carry text; "true"/"false" only. */
export const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');
