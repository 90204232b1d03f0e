import { listDeliveredCustomers, listMyCustomers, type ListedCustomer } from '../../../lib/customer-api.js';
import { CUSTOMER_MESSAGES, formatBeijingTime, statusLabel } from '../../../lib/customer-messages.js';
import { toKitError } from '../../../lib/kit-error.js';
import { kitSession } from '../../../wx/kit-session.js';
import { topUpSubscriptions } from '../../../wx/top-up.js';

interface Row {
  id: string;
  name: string;
  company: string;
  status: string;
  assignedAt: string;
}

/**
 * A message listing several customers opens pages/customer/list?deliveryId=… (quickstartFunctions
 * template/build-message.ts): the page shows the customers of that message. Without a deliveryId, or when none
 * of the user's notifications went out under it, it shows the user's customers, newest first.
 */
Component({
  data: { deliveryId: '', loading: true, error: '', fromMessage: false, items: [] as Row[] },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ deliveryId: query.deliveryId ?? '' });
      void this.load();
    },

    onPullDownRefresh() {
      void this.load().then(() => wx.stopPullDownRefresh());
    },

    onOpen(event: WechatMiniprogram.BaseEvent) {
      // A natural tap: for a user who kept the lead templates "always", it tops their reminders up without a dialog.
      topUpSubscriptions();
      const id = String(event.currentTarget.dataset.id ?? '');
      if (id) wx.navigateTo({ url: `/pages/customer/detail?id=${encodeURIComponent(id)}` });
    },

    async load() {
      this.setData({ loading: true, error: '' });
      try {
        const { request } = kitSession().session;
        const delivered = this.data.deliveryId ? await listDeliveredCustomers(request, this.data.deliveryId) : [];
        const customers: ListedCustomer[] = delivered.length > 0 ? delivered : await listMyCustomers(request);
        const items: Row[] = customers.map((customer) => ({
          id: customer.id,
          name: customer.name,
          company: customer.company ?? '',
          status: customer.status === null ? '' : statusLabel(customer.status),
          assignedAt: formatBeijingTime(customer.assignedAt),
        }));
        this.setData({ loading: false, fromMessage: delivered.length > 0, items });
      } catch (thrown) {
        const error = toKitError(thrown);
        console.warn('leadnotify kit: customer list', error.message);
        this.setData({ loading: false, error: CUSTOMER_MESSAGES[error.code], fromMessage: false, items: [] });
      }
    },
  },
});
