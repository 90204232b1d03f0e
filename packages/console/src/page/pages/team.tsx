import { useEffect, useState } from 'preact/hooks';
import { api, imageUrl } from '../api.js';
import { useLoad } from '../components/use-load.js';
import { routeHref } from '../route.js';
import { errorText, formatDay, formatTime, reasonFix, reasonText, ROLE_TEXT } from '../text.js';
import type { Session, TeamMember } from '../types.js';

/** After an action the team is read again a few times, so the manager sees the notifications go out. */
const FOLLOW_UP_MS = [1000, 2500, 5000, 10_000];
/** And every half minute while the page is open. */
const REFRESH_MS = 30_000;

function templateLabel(index: number): string {
  return `模板${index + 1}`;
}

function Binding({ member }: { member: TeamMember }) {
  const { bound, since } = member.binding;
  if (bound === true) return <span class="ok">已绑定{since ? `（自 ${formatDay(since)}）` : ''}</span>;
  if (bound === false) return <span class="bad">未绑定</span>;
  return <span class="muted">未知（微信尚未告知）</span>;
}

function Stock({ member }: { member: TeamMember }) {
  const templates = Object.entries(member.stock);
  if (templates.length === 0) return <span class="muted">无记录</span>;
  return (
    <span class="chips">
      {templates.map(([templateId, count], index) => (
        <span class={`chip${count === 0 ? ' empty' : ''}`} title={templateId} data-template={templateId}>
          {templateLabel(index)}：{count}
        </span>
      ))}
    </span>
  );
}

function templateList(member: TeamMember, ids: string[]): string {
  if (ids.length === 0) return '—';
  const all = Object.keys(member.stock);
  return ids.map((id) => (all.includes(id) ? templateLabel(all.indexOf(id)) : id)).join('、');
}

function QrDialog({ member, onClose }: { member: TeamMember; onClose: () => void }) {
  const [code, setCode] = useState<{ url: string; expiresAt: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let url: string | undefined;
    imageUrl(`/api/users/${encodeURIComponent(member.user.id)}/wechat-binding-qr`)
      .then((loaded) => {
        url = loaded.url;
        setCode(loaded);
      })
      .catch((caught: unknown) => setError(errorText(caught)));
    return () => {
      if (url) URL.revokeObjectURL(url);
    };
  }, [member.user.id]);
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="qr-title">
      <div class="dialog printable">
        <h2 id="qr-title">{member.user.name} 的微信绑定二维码</h2>
        {error && <p class="error" role="alert">{error}</p>}
        {!code && !error && <p class="muted">正在生成…</p>}
        {code && (
          <>
            <img class="binding-qr" src={code.url} alt={`${member.user.name} 的绑定二维码`} width={280} height={280} />
            <p class="muted">用微信扫码，在小程序里确认绑定。二维码只能用一次{code.expiresAt ? `，${formatTime(code.expiresAt)} 前有效` : ''}。</p>
          </>
        )}
        <div class="actions no-print">
          <button type="button" class="primary" disabled={!code} onClick={() => window.print()}>
            打印
          </button>
          <button type="button" onClick={onClose}>
            关闭
          </button>
        </div>
      </div>
    </div>
  );
}

function WecomEditor({ member, onSaved }: { member: TeamMember; onSaved: (message: string) => void }) {
  const [value, setValue] = useState(member.wecom.userId ?? '');
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!editing) {
    return (
      <button type="button" class="small" onClick={() => setEditing(true)}>
        设置企业微信
      </button>
    );
  }
  async function save(event: Event) {
    event.preventDefault();
    try {
      await api('PATCH', `/api/users/${encodeURIComponent(member.user.id)}`, { wecomUserId: value.trim() === '' ? null : value.trim() });
      setEditing(false);
      setError(null);
      onSaved(`已保存 ${member.user.name} 的企业微信账号`);
    } catch (caught) {
      setError(errorText(caught));
    }
  }
  return (
    <form class="inline-form" onSubmit={(event) => void save(event)}>
      <label>
        企业微信账号
        <input name="wecomUserId" value={value} maxLength={64} onInput={(event) => setValue(event.currentTarget.value)} placeholder="通讯录里的账号，留空则清除" />
      </label>
      <button type="submit" class="small primary">
        保存
      </button>
      <button type="button" class="small" onClick={() => setEditing(false)}>
        取消
      </button>
      {error && <p class="error" role="alert">{error}</p>}
    </form>
  );
}

export function TeamPage({ session }: { session: Session }) {
  const team = useLoad(() => api<{ items: TeamMember[] }>('GET', '/api/console/team'), 'team');
  const [qrFor, setQrFor] = useState<TeamMember | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const manager = session.user.role !== 'sales';
  const admin = session.user.role === 'admin';

  useEffect(() => {
    const timer = window.setInterval(() => void team.refresh(), REFRESH_MS);
    return () => window.clearInterval(timer);
  }, [team.refresh]);

  function followUp(message: string) {
    setNotice(message);
    void team.refresh();
    for (const delay of FOLLOW_UP_MS) window.setTimeout(() => void team.refresh(), delay);
  }

  async function requeue(member: TeamMember) {
    try {
      const result = await api<{ requeuedIds: string[] }>('POST', `/api/users/${encodeURIComponent(member.user.id)}/notifications/requeue-skipped`);
      followUp(result.requeuedIds.length > 0 ? `已重新发送 ${member.user.name} 的 ${result.requeuedIds.length} 条跳过的通知` : `${member.user.name} 没有跳过的通知`);
    } catch (caught) {
      setNotice(errorText(caught));
    }
  }

  const items = team.data?.items ?? [];
  const reaching = items.filter((member) => member.nextLead.reaches).length;
  return (
    <section>
      <div class="page-head">
        <h1>团队触达</h1>
        <p class="muted">
          {team.data ? `${items.length} 人中 ${reaching} 人会立即收到下一条线索` : ''}
          <button type="button" class="link" onClick={() => void team.refresh()}>
            刷新
          </button>
        </p>
      </div>
      {notice && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {team.error && <p class="error" role="alert">{team.error}</p>}
      {!team.data && team.loading && <p class="muted">正在加载…</p>}
      {team.data && (
        <table class="team cards">
          <thead>
            <tr>
              <th>销售</th>
              <th>下一条线索</th>
              <th>小程序绑定</th>
              <th>订阅余量</th>
              <th>总是保持</th>
              <th>已关闭</th>
              <th>企业微信</th>
              <th>最近送达</th>
              <th>最近跳过</th>
              <th>操作</th>
            </tr>
          </thead>
          <tbody>
            {items.map((member) => (
              <tr data-user-id={member.user.id} data-reaches={String(member.nextLead.reaches)}>
                <th scope="row" data-label="销售">
                  {member.user.name}
                  {member.user.role !== 'sales' && <span class="muted"> · {ROLE_TEXT[member.user.role]}</span>}
                </th>
                <td data-label="下一条线索" class={`next-lead ${member.nextLead.reaches ? 'ok' : 'bad'}`}>
                  {member.nextLead.text}
                </td>
                <td data-label="小程序绑定" class="binding">
                  <Binding member={member} />
                </td>
                <td data-label="订阅余量" class="stock">
                  <Stock member={member} />
                </td>
                <td data-label="总是保持" class="always" title={member.settingsReportedAt ? `手机上次告知：${formatTime(member.settingsReportedAt)}` : '手机尚未告知'}>
                  {templateList(member, member.always)}
                </td>
                <td data-label="已关闭" class={`turned-off${member.turnedOff.length > 0 || member.mainSwitch === false ? ' bad' : ''}`}>
                  {member.mainSwitch === false ? <span data-main-switch="off">已关闭全部订阅消息</span> : templateList(member, member.turnedOff)}
                </td>
                <td data-label="企业微信" class="wecom">
                  {member.wecom.userId ? (
                    <>
                      <code>{member.wecom.userId}</code> <span class={member.wecom.reachable ? 'ok' : 'bad'}>{member.wecom.reachable ? '可送达' : '不可送达'}</span>
                    </>
                  ) : (
                    <span class="muted">未设置</span>
                  )}
                </td>
                <td data-label="最近送达" class="last-delivered">
                  {member.lastDelivered ? (
                    <>
                      {formatTime(member.lastDelivered.at)}
                      {member.lastDelivered.customerName && <span class="muted"> · {member.lastDelivered.customerName}</span>}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td data-label="最近跳过" class="last-skipped">
                  {member.lastSkipped ? (
                    <a href={routeHref('notifications', { assigneeId: member.user.id, status: 'skipped' })} title={reasonFix(member.lastSkipped.reason)}>
                      {formatTime(member.lastSkipped.at)} · {reasonText(member.lastSkipped.reason, member.lastSkipped.reasonText)}
                    </a>
                  ) : (
                    '—'
                  )}
                </td>
                <td data-label="操作" class="actions">
                  {(manager || member.user.id === session.user.id) && (
                    <button type="button" class="small" data-action="qr" onClick={() => setQrFor(member)}>
                      绑定二维码
                    </button>
                  )}
                  {manager && member.lastSkipped && (
                    <button type="button" class="small" data-action="requeue" onClick={() => void requeue(member)}>
                      重发跳过的通知
                    </button>
                  )}
                  {admin && <WecomEditor member={member} onSaved={followUp} />}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {qrFor && <QrDialog member={qrFor} onClose={() => setQrFor(null)} />}
    </section>
  );
}
