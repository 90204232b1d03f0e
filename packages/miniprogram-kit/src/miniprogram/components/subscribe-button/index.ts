import { recordSubscription } from '../../../lib/bind-crm-user.js';
import { readKitConfig, type KitConfig } from '../../../lib/kit-config.js';
import { toKitError } from '../../../lib/kit-error.js';
import { outcomeOfFailure, outcomeOfResult, stockAfterAcceptance, stockText, SUBSCRIBE_VIEWS, type SubscribeOutcome } from '../../../lib/subscribe-outcome.js';
import { cloudCallFunction, hostApp } from '../../../wx/cloud-call-function.js';

/**
 * <subscribe-button template-id="…" remaining="{{n}}" bind:subscribed bind:rejected bind:error />
 * template-id defaults to getApp().leadnotify.templateId; remaining is the host's count of messages "in
 * stock" (-1: unknown). Events carry {templateId, outcome, result?, errCode?, errMsg?, remaining}.
 */
Component({
  properties: {
    templateId: { type: String, value: '' },
    remaining: { type: Number, value: -1 },
    label: { type: String, value: '接收新客户提醒' },
  },
  data: { stock: -1, stockText: stockText(undefined), text: '', openSetting: false, busy: false },
  observers: {
    remaining(value: number) {
      this.setData({ stock: value, stockText: stockText(value) });
    },
  },
  methods: {
    /**
     * WeChat opens the dialog only while a tap is being handled, so requestSubscribeMessage is called here,
     * synchronously, before anything is awaited.
     */
    onTap() {
      if (this.data.busy) return;
      let config: KitConfig;
      try {
        config = readKitConfig(hostApp());
      } catch (thrown) {
        const error = toKitError(thrown);
        console.error(error.message);
        this.setData({ text: SUBSCRIBE_VIEWS.FAILED.text });
        this.triggerEvent('error', { outcome: 'FAILED', code: error.code, errMsg: error.message });
        return;
      }
      const templateId = this.data.templateId || config.templateId;
      this.setData({ busy: true });
      wx.requestSubscribeMessage({
        tmplIds: [templateId],
        success: (result) => {
          void this.settle(config, templateId, outcomeOfResult(result, templateId), { result: result[templateId] });
        },
        fail: (error) => {
          const errCode = (error as { errCode?: number }).errCode;
          void this.settle(config, templateId, outcomeOfFailure({ errCode }), { errCode, errMsg: error.errMsg });
        },
      });
    },

    onOpenSetting() {
      wx.openSetting({});
    },

    async settle(config: KitConfig, templateId: string, outcome: SubscribeOutcome, detail: Record<string, unknown>) {
      const view = SUBSCRIBE_VIEWS[outcome];
      let remaining = this.data.stock;
      if (outcome === 'ACCEPTED') {
        // WeChat counts the acceptance whatever the function says, so a failed report changes nothing shown.
        let reported: number | undefined;
        try {
          reported = await recordSubscription(cloudCallFunction, config.functionName, templateId);
        } catch (thrown) {
          console.warn('leadnotify kit: recordSubscription failed', toKitError(thrown).message);
        }
        remaining = stockAfterAcceptance(remaining, reported);
      }
      this.setData({ busy: false, text: view.text, openSetting: view.openSetting, stock: remaining, stockText: stockText(remaining) });
      this.triggerEvent(view.event, { templateId, outcome, remaining, ...detail });
    },
  },
});
