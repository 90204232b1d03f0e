import { confirmConsoleSignIn } from '../../../lib/console-sign-in.js';
import { CONSOLE_SIGN_IN_MESSAGES } from '../../../lib/console-sign-in-messages.js';
import { decodeScene } from '../../../lib/decode-scene.js';
import { KitError, toKitError } from '../../../lib/kit-error.js';
import { kitSession } from '../../../wx/kit-session.js';

/**
 * Opened by scanning the code the CRM console shows to sign in (getwxacodeunlimit: the page gets `scene` URI-encoded).
 * Asks before anything happens — a code on someone else's screen must not sign them in as this salesperson — and on
 * 确认登录 confirms it with the phone's CRM session (signed in with the WeChat the salesperson bound).
 */
Component({
  data: {
    scene: '',
    /** ask → working → done; or error (the message says why), or cancelled. */
    step: 'ask',
    message: '',
  },
  methods: {
    onLoad(query: Record<string, string | undefined>) {
      const scene = decodeScene(query.scene);
      if (scene === undefined) this.setData({ step: 'error', message: CONSOLE_SIGN_IN_MESSAGES.SCENE_INVALID });
      else this.setData({ scene });
    },

    async onConfirm() {
      if (this.data.step !== 'ask') return;
      this.setData({ step: 'working', message: '' });
      try {
        if (!this.data.scene) throw new KitError({ code: 'SCENE_INVALID', message: 'the page was opened without a scene' });
        await confirmConsoleSignIn(kitSession().session.request, this.data.scene);
        this.setData({ step: 'done', message: CONSOLE_SIGN_IN_MESSAGES.CONFIRMED });
      } catch (thrown) {
        const error = toKitError(thrown);
        console.warn('leadnotify kit: console sign-in', error.message);
        this.setData({ step: 'error', message: CONSOLE_SIGN_IN_MESSAGES[error.code] });
      }
    },

    onCancel() {
      if (this.data.step !== 'ask') return;
      this.setData({ step: 'cancelled', message: CONSOLE_SIGN_IN_MESSAGES.CANCELLED });
    },
  },
});
