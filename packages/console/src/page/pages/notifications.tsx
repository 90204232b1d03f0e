import { REASON_WORDS } from '@leadnotify/contracts';
import { useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { useLoad } from '../components/use-load.js';
import { navigate, routeHref } from '../route.js';
import { CHANNEL_TEXT, formatTime, reasonText, STATUS_TEXT } from '../text.js';
import { NOTIFICATION_STATUSES, type NotificationPage as Page, type Session, type TeamMember } from '../types.js';

const PAGE_SIZE = 50;
const FILTERS = ['status', 'reason', 'assigneeId', 'customerId', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;

function filtersOf(params: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ''])) as Filters;
}

export function NotificationsPage({ session, params }: { session: Session; params: URLSearchParams }) {
  const filters = filtersOf(params);
  const cursor = params.get('cursor') ?? '';
  const manager = session.user.role !== 'sales';
  const team = useLoad(() => api<{ items: TeamMember[] }>('GET', '/api/console/team'), 'team');
  const names = new Map((team.data?.items ?? []).map((member) => [member.user.id, member.user.name]));
  const key = params.toString();
  const list = useLoad(
    () =>
      api<Page>(
        'GET',
        `/api/notifications${query({
          status: filters.status,
          reason: filters.reason,
          assigneeId: filters.assigneeId,
          customerId: filters.customerId,
          // Beijing days as the API takes them: from the start of `from` to the end of `to`.
          from: filters.from,
          to: filters.to,
          cursor,
          limit: PAGE_SIZE,
        })}`,
      ),
    key,
  );
  // The cursors of the pages before this one, so "上一页" can go back: the server pages forward only.
  const previous = params.get('back')?.split(',').filter(Boolean) ?? [];
  const [draft, setDraft] = useState<Filters>(filters);

  function apply(event: Event) {
    event.preventDefault();
    navigate('notifications', draft);
  }

  function field(name: keyof Filters, value: string) {
    setDraft({ ...draft, [name]: value });
  }

  const page = list.data;
  return (
    <section>
      <div class="page-head">
        <h1>通知记录</h1>
        {page && <p class="muted" data-total={page.total}>共 {page.total} 条，最新的在前</p>}
      </div>
      <form class="filters" onSubmit={apply}>
        <label>
          状态
          <select name="status" value={draft.status} onChange={(event) => field('status', event.currentTarget.value)}>
            <option value="">全部</option>
            {NOTIFICATION_STATUSES.map((status) => (
              <option value={status}>{STATUS_TEXT[status]}</option>
            ))}
          </select>
        </label>
        <label>
          原因
          <select name="reason" value={draft.reason} onChange={(event) => field('reason', event.currentTarget.value)}>
            <option value="">全部</option>
            {Object.entries(REASON_WORDS).map(([code, reason]) => (
              <option value={code}>{reason.text}</option>
            ))}
          </select>
        </label>
        {manager && (
          <label>
            销售
            <select name="assigneeId" value={draft.assigneeId} onChange={(event) => field('assigneeId', event.currentTarget.value)}>
              <option value="">全部</option>
              {(team.data?.items ?? []).map((member) => (
                <option value={member.user.id}>{member.user.name}</option>
              ))}
            </select>
          </label>
        )}
        <label>
          客户 ID
          <input name="customerId" inputMode="numeric" value={draft.customerId} onInput={(event) => field('customerId', event.currentTarget.value)} />
        </label>
        <label>
          从
          <input type="date" name="from" value={draft.from} onInput={(event) => field('from', event.currentTarget.value)} />
        </label>
        <label>
          到
          <input type="date" name="to" value={draft.to} onInput={(event) => field('to', event.currentTarget.value)} />
        </label>
        <button type="submit" class="primary">
          筛选
        </button>
      </form>
      {list.error && <p class="error" role="alert">{list.error}</p>}
      {!page && list.loading && <p class="muted">正在加载…</p>}
      {page && page.items.length === 0 && <p class="muted">没有符合条件的通知。</p>}
      {page && page.items.length > 0 && (
        <table class="notifications cards">
          <thead>
            <tr>
              <th>分配时间</th>
              <th>销售</th>
              <th>客户</th>
              <th>状态</th>
              <th>原因</th>
              <th>渠道</th>
              <th>尝试</th>
            </tr>
          </thead>
          <tbody>
            {page.items.map((item) => (
              <tr data-notification-id={item.id} data-status={item.status}>
                <td data-label="分配时间">
                  <a href={routeHref(`notifications/${item.id}`)}>{formatTime(item.createdAt)}</a>
                </td>
                <td data-label="销售">{item.assigneeName ?? names.get(item.assigneeId) ?? item.assigneeId}</td>
                <td data-label="客户">{item.customers.map((customer) => customer.name).join('、') || '—'}</td>
                <td data-label="状态">
                  <span class={`status status-${item.status}`}>{STATUS_TEXT[item.status] ?? item.status}</span>
                </td>
                <td data-label="原因">{reasonText(item.reason, item.reasonText)}</td>
                <td data-label="渠道">{item.channel ? CHANNEL_TEXT[item.channel] : '—'}</td>
                <td data-label="尝试">{item.attempts}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page && (
        <nav class="pager" aria-label="翻页">
          <button
            type="button"
            disabled={previous.length === 0 && !cursor}
            onClick={() => navigate('notifications', { ...filters, cursor: previous.at(-1), back: previous.slice(0, -1).join(',') })}
          >
            上一页
          </button>
          <button
            type="button"
            data-action="next-page"
            disabled={!page.nextCursor}
            onClick={() => navigate('notifications', { ...filters, cursor: page.nextCursor, back: [...previous, cursor].join(',') })}
          >
            下一页
          </button>
        </nav>
      )}
    </section>
  );
}
