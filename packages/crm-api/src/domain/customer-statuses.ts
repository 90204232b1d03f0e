/**
 * Where a customer stands in the sale. A leaf, imported by db/schema.ts for the customers.status column: the
 * domain's word, which the database stores.
 */
export const CUSTOMER_STATUSES = ['new', 'contacted', 'qualified', 'won', 'lost'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];
