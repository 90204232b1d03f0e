import { getCustomer } from '../../../lib/customer-api.js';
import { CUSTOMER_MESSAGES, formatBeijingTime, statusLabel } from '../../../lib/customer-messages.js';
import { isCallable } from '../../../lib/phone.js';
import { KitError, toKitError } from '../../../lib/kit-error.js';
import { kitSession } from '../../../wx/kit-session.js';
import { topUpSubscriptions } from '../../../wx/top-up.js';

/**
 * A subscribe message for one customer opens pages/customer/detail?id=…&deliveryId=…
 * (quickstartFunctions template/build-message.ts). deliveryId is kept for the host; the page shows the
 * customer read through the host's request function, signed in with the WeChat the salesperson bound (crm-session.ts).
 */
Component({
  data: {
    id: '',
    deliveryId: '',
    loading: true,
    error: '',
    name: '',
    company: '',
    phone: '',
    /** A full number is a tap away from a call; a masked one (138****0000) is only shown. */
    callable: false,
    status: '',
    assignedAt: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ id: query.id ?? '', deliveryId: query.deliveryId ?? '' });
      void this.load();
    },

    onPullDownRefresh() {
      void this.load().then(() => wx.stopPullDownRefresh());
    },

    /** From the customer a message opened to the rest of theirs; the tap also tops their reminders up (wx/top-up.ts). */
    onOpenList() {
      topUpSubscriptions();
      wx.navigateTo({ url: '/pages/customer/list' });
    },

    onCall() {
      if (this.data.callable) wx.makePhoneCall({ phoneNumber: this.data.phone });
    },

    async load() {
      this.setData({ loading: true, error: '' });
      try {
        if (!this.data.id) throw new KitError({ code: 'NOT_FOUND', message: 'the page was opened without a customer id' });
        const customer = await getCustomer(kitSession().session.request, this.data.id);
        this.setData({
          loading: false,
          name: customer.name,
          company: customer.company ?? '',
          phone: customer.phone ?? '',
          callable: isCallable(customer.phone ?? ''),
          status: statusLabel(customer.status),
          assignedAt: formatBeijingTime(customer.assignedAt),
        });
      } catch (thrown) {
        const error = toKitError(thrown);
        console.warn('leadnotify kit: customer detail', error.message);
        this.setData({ loading: false, error: CUSTOMER_MESSAGES[error.code] });
      }
    },
  },
});
