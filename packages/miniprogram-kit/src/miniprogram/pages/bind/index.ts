import { BIND_MESSAGES } from '../../../lib/bind-messages.js';
import { toKitError } from '../../../lib/kit-error.js';
import { moveBinding, runBinding, type BindingState } from '../../../lib/run-binding.js';
import { cloudCallFunction } from '../../../wx/cloud-call-function.js';
import { kitSession } from '../../../wx/kit-session.js';
import { topUpSubscriptions } from '../../../wx/top-up.js';

/**
 * Opened by scanning the CRM's mini-program code: getwxacodeunlimit puts the binding code in
 * options.scene. Built with Component so it can be tested and reused like the button.
 */
Component({
  data: {
    working: true,
    title: '正在绑定…',
    detail: '',
    retry: false,
    move: false,
    bound: false,
    rawScene: '',
    ticket: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ rawScene: query.scene ?? '' });
      void this.bind();
    },

    // A second tap can arrive before the view has hidden the button; two binds at once could spend the scene
    // twice (one would answer SCENE_USED) or show whichever answer came last.
    onRetry() {
      if (this.data.working) return;
      void this.bind(runBinding);
    },

    onMove() {
      if (this.data.working) return;
      void this.bind(moveBinding);
    },

    /** Done: on to the salesperson's customers; the tap also tops their reminders up when they kept them "always". */
    onDone() {
      topUpSubscriptions();
      wx.reLaunch({ url: '/pages/customer/list' });
    },

    async bind(attempt: typeof runBinding = runBinding) {
      this.setData({ working: true, retry: false, move: false, title: '正在绑定…', detail: '' });
      let state: BindingState;
      try {
        const { config, session } = kitSession();
        const previous: BindingState | undefined = this.data.ticket ? { outcome: 'NETWORK', ticket: this.data.ticket } : undefined;
        state = await attempt({ request: config.request, callFunction: cloudCallFunction, functionName: config.functionName, session }, this.data.rawScene, previous);
      } catch (thrown) {
        const error = toKitError(thrown);
        state = { outcome: error.code, error: error.message };
      }
      if (state.error) console.warn('leadnotify kit: binding ended with', state.outcome, state.error);
      const message = BIND_MESSAGES[state.outcome];
      this.setData({
        working: false,
        title: message.title,
        detail: message.detail,
        retry: message.retry,
        move: message.move,
        bound: state.outcome === 'BOUND',
        ticket: state.ticket ?? '',
      });
    },
  },
});
