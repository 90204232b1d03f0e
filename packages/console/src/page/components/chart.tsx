import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  values: number[];
}

export interface ChartProps {
  id: string;
  title: string;
  /** stacked: one bar per label, the series on top of each other; bars: one series; line: one line per series. */
  kind: 'stacked' | 'bars' | 'line';
  labels: string[];
  series: ChartSeries[];
  /** What the values count, for the axis. */
  unit: string;
  /** What the labels are, for the legend. */
  labelName: string;
}

const HEIGHT = 220;

/** Running totals, so series i is drawn from 0 up to the sum of series 0..i. */
function stack(series: ChartSeries[]): number[][] {
  const totals: number[][] = [];
  series.forEach((one, index) => totals.push(one.values.map((value, at) => value + (index > 0 ? (totals[index - 1]?.[at] ?? 0) : 0))));
  return totals;
}

function options(props: ChartProps, width: number): uPlot.Options {
  const { kind, labels } = props;
  const bars = uPlot.paths.bars?.({ size: [0.7, 48] });
  // Stacked bars: the tallest (the running total) first, each smaller one drawn over it.
  const ordered = kind === 'stacked' ? [...props.series].reverse() : props.series;
  return {
    width,
    height: HEIGHT,
    scales: { x: { time: false, range: (_u, min, max) => [min - 0.5, max + 0.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
    axes: [
      { values: (_u, splits) => splits.map((split) => (Number.isInteger(split) ? (labels[split] ?? '') : '')), space: 36, incrs: [1, 2, 5, 7, 10, 14, 30] },
      { label: props.unit, size: 48 },
    ],
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false } },
    series: [
      { label: props.labelName, value: (_u, value) => (value === null ? '' : (labels[value] ?? '')) },
      ...ordered.map((one) => ({
        label: one.label,
        stroke: one.color,
        width: kind === 'line' ? 2 : 1,
        ...(kind === 'line' ? {} : { fill: one.color, paths: bars, points: { show: false } }),
        // The legend shows each series' own value, not its running total.
        value: (_u: uPlot, _value: number | null, _seriesIndex: number, at: number | null) => (at === null ? '—' : String(one.values[at] ?? 0)),
      })),
    ],
  };
}

function data(props: ChartProps): uPlot.AlignedData {
  const x = props.labels.map((_label, index) => index);
  const values = props.kind === 'stacked' ? stack(props.series).reverse() : props.series.map((one) => one.values);
  return [x, ...values];
}

/**
 * A uPlot chart with its numbers beside it: in `data-series` (JSON of labels and series) and in a table for
 * screen readers, the same numbers the picture shows.
 */
export function Chart(props: ChartProps) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = host.current;
    if (!element) return undefined;
    const plot = new uPlot(options(props, Math.max(280, element.clientWidth)), data(props), element);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(280, element.clientWidth), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify(props)]);
  const dataSeries = JSON.stringify({ labels: props.labels, series: props.series.map(({ key, label, values }) => ({ key, label, values })) });
  return (
    <figure class="chart" id={props.id} data-chart={props.id} data-series={dataSeries}>
      <figcaption>{props.title}</figcaption>
      <div ref={host} class="plot" aria-hidden="true" />
      <table class="visually-hidden">
        <caption>{props.title}</caption>
        <thead>
          <tr>
            <th scope="col">—</th>
            {props.series.map((one) => (
              <th scope="col">{one.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.labels.map((label, at) => (
            <tr>
              <th scope="row">{label}</th>
              {props.series.map((one) => (
                <td>{one.values[at] ?? 0}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
