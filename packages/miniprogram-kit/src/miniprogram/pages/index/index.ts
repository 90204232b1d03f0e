import { CUSTOMER_MESSAGES } from '../../../lib/customer-messages.js';
import { toKitError } from '../../../lib/kit-error.js';
import { kitSession } from '../../../wx/kit-session.js';

/** The demo's home: who the WeChat signs in to the CRM as (nothing to type), the kit's pages, the subscribe button. */
Component({
  data: { signedIn: '', error: '' },
  methods: {
    onLoad() {
      void this.signIn();
    },
    async signIn() {
      try {
        const user = await kitSession().session.signIn();
        this.setData({ signedIn: user.name, error: '' });
      } catch (thrown) {
        const error = toKitError(thrown);
        console.warn('leadnotify kit: sign-in', error.message);
        this.setData({ signedIn: '', error: CUSTOMER_MESSAGES[error.code] });
      }
    },
    onOpenList() {
      wx.navigateTo({ url: '/pages/customer/list' });
    },
  },
});
