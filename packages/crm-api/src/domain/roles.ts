/**
 * What a user is to the CRM, which decides what they may do (docs/api.md, Roles). A leaf, imported by db/schema.ts
 * for the users.role column: the domain's word, which the database stores.
 */
export const ROLES = ['admin', 'manager', 'sales'] as const;
export type Role = (typeof ROLES)[number];
