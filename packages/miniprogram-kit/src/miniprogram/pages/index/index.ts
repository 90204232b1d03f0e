import { TOKEN_STORAGE_KEY } from '../../../demo/demo-config.js';

/** The demo's home: paste a CRM API token, open the kit's pages, try the subscribe button. */
Component({
  data: { token: '' },
  methods: {
    onLoad() {
      this.setData({ token: wx.getStorageSync(TOKEN_STORAGE_KEY) || '' });
    },
    onTokenInput(event: WechatMiniprogram.Input) {
      this.setData({ token: event.detail.value });
      wx.setStorageSync(TOKEN_STORAGE_KEY, event.detail.value.trim());
    },
    onOpenList() {
      wx.navigateTo({ url: '/pages/customer/list' });
    },
  },
});
