import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, bindSession, loadSession } from './api.js';
import { NotificationDetailPage } from './pages/notification-detail.js';
import { NotificationsPage } from './pages/notifications.js';
import { OverviewPage } from './pages/overview.js';
import { SignInPage } from './pages/sign-in.js';
import { TeamPage } from './pages/team.js';
import { navigate, useRoute } from './route.js';
import { errorText, ROLE_TEXT } from './text.js';
import type { Session } from './types.js';

const PAGES = [
  { path: 'team', title: '团队触达', managers: false },
  { path: 'notifications', title: '通知记录', managers: false },
  { path: 'overview', title: '概览', managers: true },
] as const;

export function App() {
  const route = useRoute();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [loadError, setLoadError] = useState<string | null>(null);

  const signedOut = useCallback(() => setSession(null), []);
  const reload = useCallback(async () => {
    try {
      const loaded = await loadSession();
      bindSession(loaded, signedOut);
      setSession(loaded);
      setLoadError(null);
    } catch (error) {
      setLoadError(errorText(error));
    }
  }, [signedOut]);

  useEffect(() => void reload(), [reload]);
  bindSession(session ?? null, signedOut);

  const page = route.path[0] ?? '';
  useEffect(() => {
    if (session === null && page !== 'sign-in') navigate('sign-in');
    if (session && (page === 'sign-in' || page === '')) navigate('team');
  }, [session, page]);

  if (loadError) return <main class="page"><p class="error" role="alert">无法连接服务器：{loadError}</p></main>;
  if (session === undefined) return <main class="page"><p class="muted">正在加载…</p></main>;
  if (session === null) return <SignInPage error={route.params.get('error')} link={route.params.get('link')} onSignedIn={reload} />;

  async function signOut() {
    try {
      await api('POST', '/api/console/sign-out');
    } finally {
      bindSession(null, signedOut);
      setSession(null);
    }
  }

  const manager = session.user.role !== 'sales';
  return (
    <>
      <header class="top">
        <span class="brand">线索通知</span>
        <nav>
          {PAGES.filter((item) => manager || !item.managers).map((item) => (
            <a href={`#/${item.path}`} class={page === item.path ? 'active' : undefined} aria-current={page === item.path ? 'page' : undefined}>
              {item.title}
            </a>
          ))}
        </nav>
        <span class="who" data-role={session.user.role}>
          {session.user.name} · {ROLE_TEXT[session.user.role]}
        </span>
        <button type="button" class="link" onClick={() => void signOut()}>
          退出
        </button>
      </header>
      <main class="page">
        {page === 'team' && <TeamPage session={session} />}
        {page === 'notifications' && route.path[1] && <NotificationDetailPage id={route.path[1]} manager={manager} />}
        {page === 'notifications' && !route.path[1] && <NotificationsPage session={session} params={route.params} />}
        {page === 'overview' && (manager ? <OverviewPage params={route.params} /> : <p class="muted">概览只对销售经理和管理员开放。</p>)}
      </main>
    </>
  );
}
