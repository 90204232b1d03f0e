import { useEffect, useState } from 'preact/hooks';
import { api, request } from '../api.js';
import { errorText } from '../text.js';

/** What went wrong with a one-time link (the API's code, or `#/sign-in?error=…`). */
const LINK_ERRORS: Record<string, string> = {
  LINK_USED: '这个登录链接已经用过了。每个链接只能用一次，请重新获取一个。',
  LINK_EXPIRED: '这个登录链接已过期。请重新获取一个。',
  LINK_INVALID: '这个登录链接无效：可能复制得不完整，或账号已停用。请重新获取一个。',
};

/** The phone's confirmation arrives by polling; once every 1.5 s is quick to feel and cheap for the server. */
const POLL_MS = 1500;

/** What a poll's refusal means to the person at the computer (the API's code → words). */
const SCAN_ERRORS: Record<string, string> = {
  SCAN_USED: '这个二维码已经登录过一次了，请换一个二维码。',
  SCAN_INVALID: '这个二维码已失效，请换一个二维码。',
  USER_INACTIVE: '确认登录的账号已停用，不能登录。',
};

type Scan =
  | { state: 'starting' }
  | { state: 'waiting'; id: string; expiresAt: string }
  | { state: 'expired' }
  | { state: 'failed'; message: string };

/**
 * Two ways in: scanning the code shown here with the WeChat the user bound (the mini program's console sign-in page
 * confirms it, and this page's poll then gets the session cookie), or a one-time link an admin prints on the server.
 */
export function SignInPage({ error, link, onSignedIn }: { error: string | null; link: string | null; onSignedIn: () => Promise<void> }) {
  const [scan, setScan] = useState<Scan>({ state: 'starting' });
  const [linkFailure, setLinkFailure] = useState<string | null>(null);
  const [signingIn, setSigningIn] = useState(false);

  // The link is spent only here, when the person clicks: a mail scanner or link preview that opened it spent nothing.
  async function signInWithLink(token: string) {
    setSigningIn(true);
    const response = await request('POST', '/api/console/sign-in/links', { link: token }).catch(() => undefined);
    if (response?.ok) {
      await onSignedIn();
      return;
    }
    const code = ((await response?.json().catch(() => null)) as { error?: { code?: string } } | null)?.error?.code ?? '';
    setLinkFailure(code);
    setSigningIn(false);
  }

  async function startScan() {
    setScan({ state: 'starting' });
    try {
      const started = await api<{ id: string; expiresAt: string }>('POST', '/api/console/sign-in/scans');
      setScan({ state: 'waiting', id: started.id, expiresAt: started.expiresAt });
    } catch (failure) {
      setScan({ state: 'failed', message: `无法生成登录二维码：${errorText(failure)}` });
    }
  }

  useEffect(() => void startScan(), []);

  useEffect(() => {
    if (scan.state !== 'waiting') return undefined;
    let stopped = false;
    let timer: number | undefined;
    const poll = async () => {
      const response = await request('POST', `/api/console/sign-in/scans/${encodeURIComponent(scan.id)}/complete`).catch(() => undefined);
      if (stopped) return;
      if (response?.status === 200) {
        await onSignedIn();
        return;
      }
      if (response?.status === 410) {
        setScan({ state: 'expired' });
        return;
      }
      if (response && response.status !== 202) {
        const code = ((await response.json().catch(() => null)) as { error?: { code?: string } } | null)?.error?.code ?? '';
        setScan({ state: 'failed', message: SCAN_ERRORS[code] ?? `登录没有成功（HTTP ${response.status}），请换一个二维码再试。` });
        return;
      }
      // 202, or no answer (the network came and went): ask again.
      timer = window.setTimeout(() => void poll(), POLL_MS);
    };
    timer = window.setTimeout(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      window.clearTimeout(timer);
    };
  }, [scan, onSignedIn]);

  const failed = linkFailure ?? error;
  const linkError = failed !== null ? (LINK_ERRORS[failed] ?? '登录没有成功，请重新获取登录链接。') : null;
  return (
    <main class="page sign-in">
      <h1>登录线索通知管理台</h1>
      {linkError && (
        <p class="error" role="alert" data-error={failed}>
          {linkError}
        </p>
      )}
      {link && linkFailure === null && (
        <section class="card" data-link-sign-in>
          <h2>用登录链接进入</h2>
          <p>这个一次性登录链接只能用一次。</p>
          <button type="button" class="primary" disabled={signingIn} onClick={() => void signInWithLink(link)}>
            登录
          </button>
        </section>
      )}
      <section class="card">
        <h2>微信扫码登录</h2>
        {scan.state === 'starting' && <p class="muted">正在生成登录二维码…</p>}
        {scan.state === 'waiting' && (
          <div class="scan" data-scan-state="waiting">
            <img class="sign-in-qr" src={`/api/console/sign-in/scans/${encodeURIComponent(scan.id)}/code`} alt="登录二维码：用已绑定的微信扫码" width={240} height={240} />
            <p class="muted">用已绑定线索通知小程序的微信扫一扫，在手机上点“确认登录”。正在等待确认…</p>
          </div>
        )}
        {scan.state === 'expired' && (
          <div class="scan" data-scan-state="expired">
            <p>二维码已过期。</p>
            <button type="button" class="primary" onClick={() => void startScan()}>
              换一个二维码
            </button>
          </div>
        )}
        {scan.state === 'failed' && (
          <div data-scan-state="failed">
            <p class="error" role="alert">
              {scan.message}
            </p>
            <button type="button" onClick={() => void startScan()}>
              换一个二维码
            </button>
          </div>
        )}
      </section>
      <section class="card">
        <h2>一次性登录链接</h2>
        <p>
          请管理员在服务器上运行 <code>pnpm cli console:link --user 你的用户ID</code>，把打印出的链接发给你，在这台电脑或手机上打开，点“登录”即可进入。
        </p>
        <p class="muted">链接只能用一次，几分钟后过期；登录后在一段时间内有效（默认 12 小时）。</p>
      </section>
    </main>
  );
}
