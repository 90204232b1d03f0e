/** A `sendCustomerAssignNotification` event as the CRM sends it, each under a delivery id of its own. */
export function assignmentEvent(overrides: Record<string, unknown> = {}) {
  return {
    type: 'sendCustomerAssignNotification',
    deliveryId: `n-${Math.random().toString(36).slice(2)}`,
    assigneeId: 'crm-user-1',
    customers: [{ id: 'c-1', name: '阿里巴巴' }],
    actor: { name: '王经理' },
    via: 'web',
    assignedAt: '2026-11-25T02:30:00.000Z',
    ...overrides,
  };
}
