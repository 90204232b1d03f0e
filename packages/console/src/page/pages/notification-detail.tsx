import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { useLoad } from '../components/use-load.js';
import { CHANNEL_TEXT, errorText, formatTime, reasonFix, reasonText, STATUS_TEXT } from '../text.js';
import { RETRYABLE, type NotificationDetail } from '../types.js';

export function NotificationDetailPage({ id, manager }: { id: string; manager: boolean }) {
  const detail = useLoad(() => api<NotificationDetail>('GET', `/api/notifications/${encodeURIComponent(id)}`), id);
  const [notice, setNotice] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function retry() {
    setBusy(true);
    try {
      await api('POST', `/api/notifications/${encodeURIComponent(id)}/retry`);
      setNotice('已重新排队发送');
      await detail.refresh();
      for (const delay of [1000, 3000, 6000]) window.setTimeout(() => void detail.refresh(), delay);
    } catch (caught) {
      setNotice(errorText(caught));
    } finally {
      setBusy(false);
    }
  }

  const item = detail.data;
  // The page's Chinese fix where it has one; otherwise the reason table's, as the API words it.
  const fix = item ? (reasonFix(item.reason) ?? item.reasonFix) : undefined;
  return (
    <section class="notification-detail">
      <p>
        <a href="#/notifications">← 通知记录</a>
      </p>
      {detail.error && <p class="error" role="alert">{detail.error}</p>}
      {item && (
        <>
          <h1>
            <span title={item.id}>通知 #{item.id.slice(0, 8)}</span> <span class={`status status-${item.status}`} data-status={item.status}>{STATUS_TEXT[item.status] ?? item.status}</span>
          </h1>
          <dl class="facts">
            <dt>客户</dt>
            <dd>{item.customers.map((customer) => customer.name).join('、') || '—'}</dd>
            <dt>分配时间</dt>
            <dd>{formatTime(item.createdAt)}</dd>
            <dt>发出时间</dt>
            <dd>{formatTime(item.sentAt)}</dd>
            <dt>微信回执</dt>
            <dd>{item.confirmedAt ? `${formatTime(item.confirmedAt)} 确认送达` : '—'}</dd>
            <dt>渠道</dt>
            <dd>{item.channel ? CHANNEL_TEXT[item.channel] : '—'}</dd>
            <dt>原因</dt>
            <dd class="reason">{reasonText(item.reason, item.reasonText)}</dd>
          </dl>
          {fix && (
            <p class="fix" data-reason={item.reason ?? ''}>
              <strong>怎么解决：</strong>
              {fix}
            </p>
          )}
          {notice && (
            <p class="notice" role="status">
              {notice}
            </p>
          )}
          {manager && RETRYABLE.includes(item.status) && (
            <button type="button" class="primary" data-action="retry" disabled={busy} onClick={() => void retry()}>
              重新发送
            </button>
          )}
          <h2>发送尝试</h2>
          {item.attemptHistory.length === 0 ? (
            <p class="muted">还没有尝试。</p>
          ) : (
            <table class="attempts cards">
              <thead>
                <tr>
                  <th>#</th>
                  <th>开始</th>
                  <th>结束</th>
                  <th>结果</th>
                  <th>原因</th>
                  <th>错误</th>
                </tr>
              </thead>
              <tbody>
                {item.attemptHistory.map((attempt) => (
                  <tr data-outcome={attempt.outcome}>
                    <td data-label="#">{attempt.attempt}</td>
                    <td data-label="开始">{formatTime(attempt.startedAt)}</td>
                    <td data-label="结束">{formatTime(attempt.finishedAt)}</td>
                    <td data-label="结果">{attempt.outcome}</td>
                    <td data-label="原因">{reasonText(attempt.reason)}</td>
                    <td data-label="错误">{[attempt.errorCode, attempt.errorMessage].filter(Boolean).join(' ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
