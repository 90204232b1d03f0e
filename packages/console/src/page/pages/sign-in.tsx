import { useEffect, useRef, useState } from 'preact/hooks';
import { request } from '../api.js';

/** What the one-time link's redirect says went wrong (`#/sign-in?error=…`). */
const LINK_ERRORS: Record<string, string> = {
  LINK_USED: '这个登录链接已经用过了。每个链接只能用一次，请重新获取一个。',
  LINK_EXPIRED: '这个登录链接已过期。请重新获取一个。',
  LINK_INVALID: '这个登录链接无效，可能复制得不完整。请重新获取一个。',
};

/** WeChat's scan is confirmed by polling; once every 1.5 s is quick to feel and cheap for the server. */
const POLL_MS = 1500;

type Scan =
  | { state: 'idle' }
  | { state: 'waiting'; id: string; expiresAt: string }
  | { state: 'expired' }
  | { state: 'failed'; message: string };

export function SignInPage({ error, onSignedIn }: { error: string | null; onSignedIn: () => Promise<void> }) {
  const [scan, setScan] = useState<Scan>({ state: 'idle' });
  const timer = useRef<number | undefined>(undefined);

  async function startScan() {
    setScan({ state: 'idle' });
    const response = await request('POST', '/api/console/sign-in/scans');
    if (!response.ok) {
      setScan({ state: 'failed', message: `无法生成登录二维码（HTTP ${response.status}）` });
      return;
    }
    const created = (await response.json()) as { id: string; expiresAt: string };
    setScan({ state: 'waiting', id: created.id, expiresAt: created.expiresAt });
  }

  useEffect(() => {
    if (scan.state !== 'waiting') return undefined;
    let stopped = false;
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
        setScan({ state: 'failed', message: `登录失败（HTTP ${response.status}），请换一个二维码再试。` });
        return;
      }
      timer.current = window.setTimeout(() => void poll(), POLL_MS);
    };
    timer.current = window.setTimeout(() => void poll(), POLL_MS);
    return () => {
      stopped = true;
      window.clearTimeout(timer.current);
    };
  }, [scan, onSignedIn]);

  const linkError = error ? (LINK_ERRORS[error] ?? '登录没有成功，请重新获取登录链接。') : null;
  return (
    <main class="page sign-in">
      <h1>登录线索通知管理台</h1>
      {linkError && (
        <p class="error" role="alert" data-error={error}>
          {linkError}
        </p>
      )}
      <section class="card">
        <h2>微信扫码登录</h2>
        {scan.state === 'idle' && (
          <button type="button" class="primary" onClick={() => void startScan()}>
            显示登录二维码
          </button>
        )}
        {scan.state === 'waiting' && (
          <div class="scan" data-scan-id={scan.id}>
            <img src={`/api/console/sign-in/scans/${encodeURIComponent(scan.id)}/code`} alt="登录二维码：用已绑定的微信扫码" width={240} height={240} />
            <p class="muted">用已绑定线索通知小程序的微信扫一扫，并在手机上确认。正在等待确认…</p>
          </div>
        )}
        {scan.state === 'expired' && (
          <div class="scan-expired">
            <p>二维码已过期。</p>
            <button type="button" class="primary" onClick={() => void startScan()}>
              换一个二维码
            </button>
          </div>
        )}
        {scan.state === 'failed' && (
          <div>
            <p class="error" role="alert">{scan.message}</p>
            <button type="button" onClick={() => void startScan()}>
              重试
            </button>
          </div>
        )}
      </section>
      <section class="card">
        <h2>一次性登录链接</h2>
        <p class="muted">
          管理员在服务器上运行 <code>pnpm cli console:link --user 用户ID</code>，把打印出的链接发给你；链接只能用一次，过期作废。
        </p>
      </section>
    </main>
  );
}
