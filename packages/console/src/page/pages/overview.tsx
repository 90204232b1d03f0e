import { api } from '../api.js';
import { Chart, type ChartSeries } from '../components/chart.js';
import { useLoad } from '../components/use-load.js';
import { navigate } from '../route.js';
import { formatDuration, STATUS_COLOR, STATUS_TEXT } from '../text.js';
import { NOTIFICATION_STATUSES, type Overview } from '../types.js';

const DAY_CHOICES = [7, 14, 30];

/** `≤1秒`, …, and `>5分钟` for the count past the last bound when there is one. */
function latencyLabels(bucketsMs: number[], buckets: number): string[] {
  return Array.from({ length: buckets }, (_unused, index) => {
    const bound = bucketsMs[index];
    if (bound !== undefined) return `≤${formatDuration(bound)}`;
    return `>${formatDuration(bucketsMs.at(-1) ?? 0)}`;
  });
}

export function OverviewPage({ params }: { params: URLSearchParams }) {
  const days = DAY_CHOICES.includes(Number(params.get('days'))) ? Number(params.get('days')) : 14;
  const overview = useLoad(() => api<Overview>('GET', `/api/console/overview?days=${days}`), String(days));
  const data = overview.data;
  const labels = data?.days.map((day) => day.date.slice(5)) ?? [];
  const byStatus: ChartSeries[] = NOTIFICATION_STATUSES.filter((status) => data?.days.some((day) => (day.byStatus[status] ?? 0) > 0)).map((status) => ({
    key: status,
    label: STATUS_TEXT[status],
    color: STATUS_COLOR[status],
    values: data?.days.map((day) => day.byStatus[status] ?? 0) ?? [],
  }));
  const byChannel: ChartSeries[] = [
    { key: 'wechat', label: '微信订阅消息', color: '#2e9d5b', values: data?.days.map((day) => day.byChannel.wechat) ?? [] },
    { key: 'wecom', label: '企业微信', color: '#3a7bd5', values: data?.days.map((day) => day.byChannel.wecom) ?? [] },
  ];
  return (
    <section>
      <div class="page-head">
        <h1>概览</h1>
        <p>
          {DAY_CHOICES.map((choice) => (
            <button type="button" class={`small${choice === days ? ' primary' : ''}`} aria-pressed={choice === days} onClick={() => navigate('overview', { days: String(choice) })}>
              近 {choice} 天
            </button>
          ))}
        </p>
      </div>
      {overview.error && <p class="error" role="alert">{overview.error}</p>}
      {!data && overview.loading && <p class="muted">正在加载…</p>}
      {data && (
        <div class="charts">
          <Chart id="by-status" title="每天的通知，按结果" kind="stacked" unit="条" labelName="日期" labels={labels} series={byStatus} />
          <Chart id="by-channel" title="每天送出的通知，按渠道" kind="stacked" unit="条" labelName="日期" labels={labels} series={byChannel} />
          <Chart
            id="latency"
            title="从分配到消息发出的时间"
            kind="bars"
            unit="条"
            labelName="用时"
            labels={latencyLabels(data.latency.bucketsMs, data.latency.counts.length)}
            series={[{ key: 'count', label: '通知数', color: '#5b8def', values: data.latency.counts }]}
          />
          <Chart
            id="unreachable"
            title="收不到线索的销售人数"
            kind="line"
            unit="人"
            labelName="日期"
            labels={labels}
            series={[{ key: 'unreachable', label: '收不到的销售', color: '#d9463b', values: data.days.map((day) => day.unreachable) }]}
          />
        </div>
      )}
    </section>
  );
}
