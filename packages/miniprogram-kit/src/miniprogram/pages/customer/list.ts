import { listMyCustomers } from '../../../lib/customer-api.js';
import { CUSTOMER_MESSAGES, formatBeijingTime, statusLabel } from '../../../lib/customer-messages.js';
import { readKitConfig } from '../../../lib/kit-config.js';
import { toKitError } from '../../../lib/kit-error.js';
import { hostApp } from '../../../wx/cloud-call-function.js';

interface Row {
  id: string;
  name: string;
  company: string;
  status: string;
  assignedAt: string;
}

/** A message listing several customers opens pages/customer/list?deliveryId=… (quickstartFunctions template/build-message.ts) */
Component({
  data: { deliveryId: '', loading: true, error: '', items: [] as Row[] },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ deliveryId: query.deliveryId ?? '' });
      void this.load();
    },

    onPullDownRefresh() {
      void this.load().then(() => wx.stopPullDownRefresh());
    },

    onOpen(event: WechatMiniprogram.BaseEvent) {
      const id = String(event.currentTarget.dataset.id ?? '');
      if (id) wx.navigateTo({ url: `/pages/customer/detail?id=${encodeURIComponent(id)}` });
    },

    async load() {
      this.setData({ loading: true, error: '' });
      try {
        const customers = await listMyCustomers(readKitConfig(hostApp()).request);
        const items: Row[] = customers.map((customer) => ({
          id: customer.id,
          name: customer.name,
          company: customer.company ?? '',
          status: statusLabel(customer.status),
          assignedAt: formatBeijingTime(customer.assignedAt),
        }));
        this.setData({ loading: false, items });
      } catch (thrown) {
        const error = toKitError(thrown);
        console.warn('leadnotify kit: customer list', error.message);
        this.setData({ loading: false, error: CUSTOMER_MESSAGES[error.code], items: [] });
      }
    },
  },
});
