/** What the one-time link's redirect says went wrong (`#/sign-in?error=…`). */
const LINK_ERRORS: Record<string, string> = {
  LINK_USED: '这个登录链接已经用过了。每个链接只能用一次，请重新获取一个。',
  LINK_EXPIRED: '这个登录链接已过期。请重新获取一个。',
  LINK_INVALID: '这个登录链接无效：可能复制得不完整，或账号已停用。请重新获取一个。',
};

/**
 * Signing in is by a one-time link, which the server turns into the session cookie and a redirect here. (Scanning
 * with WeChat comes when the server has the mini program's sign-in page; see docs/console.md.)
 */
export function SignInPage({ error }: { error: string | null }) {
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
        <h2>一次性登录链接</h2>
        <p>
          请管理员在服务器上运行 <code>pnpm cli console:link --user 你的用户ID</code>，把打印出的链接发给你，在这台电脑或手机上打开即可登录。
        </p>
        <p class="muted">链接只能用一次，几分钟后过期；登录后在一段时间内有效（默认 12 小时）。</p>
      </section>
    </main>
  );
}
