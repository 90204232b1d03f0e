import { readKitConfig, type KitConfig } from '../../../lib/kit-config.js';
import { toKitError } from '../../../lib/kit-error.js';
import { alwaysText, outcomeOfFailure, stockAfterAcceptance, stockText, SUBSCRIBE_VIEWS, summarizeTap, tapText, type SubscribeOutcome } from '../../../lib/subscribe-outcome.js';
import { reportAcceptance } from '../../../lib/subscription-stock.js';
import { cloudCallFunction, hostApp } from '../../../wx/cloud-call-function.js';
import { kitSession } from '../../../wx/kit-session.js';
import { prepareTopUp, rememberAlways } from '../../../wx/top-up.js';

const PREPARING = '正在准备订阅，请稍后再点一次。';

/**
 * <subscribe-button label="…" bind:subscribed bind:rejected bind:error />
 * Asks for every template of the lead notice in one tap — the cloud function lists them (SUBSCRIBE_TEMPLATE_IDS) and
 * the caller's stock of each, fetched when the button appears — and shows the stock, and how "总是保持以上选择" keeps
 * reminders coming from ordinary taps (wx/top-up.ts). Events carry {templateIds, outcome, accepted, remaining,
 * results?, errCode?, errMsg?}.
 */
Component({
  properties: {
    label: { type: String, value: '接收新客户提醒' },
  },
  data: { templateIds: [] as string[], stock: -1, stockText: stockText(undefined), alwaysText: '', text: '', openSetting: false, busy: false },
  lifetimes: {
    attached() {
      void this.load();
    },
  },
  methods: {
    /** The templates to ask for and the stock; without them no dialog can open, so a failure is retried on the next tap. */
    async load(): Promise<void> {
      try {
        const config = readKitConfig(hostApp());
        const { stock, always } = await prepareTopUp(config.functionName);
        const templateIds = stock.templates.map((template) => template.templateId);
        this.setData({ templateIds, stock: stock.remaining, stockText: stockText(stock.remaining, templateIds.length), alwaysText: alwaysText(always) });
      } catch (thrown) {
        console.warn('leadnotify kit: subscriptionStatus failed', toKitError(thrown).message);
      }
    },

    /**
     * WeChat opens the dialog only while a tap is being handled, so requestSubscribeMessage is called here,
     * synchronously, before anything is awaited: the template ids must already be known.
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
      const templateIds = this.data.templateIds;
      if (templateIds.length === 0) {
        this.setData({ text: PREPARING });
        void this.load();
        return;
      }
      this.setData({ busy: true });
      wx.requestSubscribeMessage({
        tmplIds: templateIds,
        success: (result) => {
          const summary = summarizeTap(result, templateIds);
          void this.settle(config, summary.outcome, tapText(summary), summary.accepted, summary.results, { results: summary.results });
        },
        fail: (error) => {
          const errCode = (error as { errCode?: number }).errCode;
          const outcome = outcomeOfFailure({ errCode });
          void this.settle(config, outcome, SUBSCRIBE_VIEWS[outcome].text, 0, undefined, { errCode, errMsg: error.errMsg });
        },
      });
    },

    onOpenSetting() {
      wx.openSetting({});
    },

    async settle(config: KitConfig, outcome: SubscribeOutcome, text: string, accepted: number, results: Record<string, string> | undefined, detail: Record<string, unknown>) {
      const view = SUBSCRIBE_VIEWS[outcome];
      const templateIds = this.data.templateIds;
      let remaining = this.data.stock;
      if (accepted > 0 && results) {
        // WeChat counts the acceptances whatever the function says, so a failed report changes nothing shown.
        let reported: number | undefined;
        try {
          reported = (await reportAcceptance(cloudCallFunction, config.functionName, kitSession().session.request, results)).remaining;
        } catch (thrown) {
          console.warn('leadnotify kit: recordSubscription failed', toKitError(thrown).message);
        }
        remaining = stockAfterAcceptance(remaining, accepted, reported);
      }
      // The user may have just ticked "总是保持以上选择": from now on their ordinary taps top up.
      const always = await rememberAlways(templateIds, config.functionName);
      this.setData({ busy: false, text, openSetting: view.openSetting, stock: remaining, stockText: stockText(remaining, templateIds.length), alwaysText: alwaysText(always) });
      this.triggerEvent(view.event, { templateIds, outcome, accepted, remaining, ...detail });
    },
  },
});
