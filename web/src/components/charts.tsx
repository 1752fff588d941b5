/**
 * @module The dashboard's charts, on @mantine/charts (recharts underneath), in a chunk of their
 * own that only the pages showing a chart load: an agent's latency profile (p50, p95, p99 per
 * operation) and usage by agent, model or day.
 */
import '@mantine/charts/styles.css';
import { BarChart, LineChart } from '@mantine/charts';
import type { OperationProfile, UsageRow } from '../api/api-types';
import { formatInteger, formatMicros, formatUsd } from './formatting';

/** p50, p95 and p99 of each operation, in milliseconds. */
export function ProfileChart({ operations }: { operations: readonly OperationProfile[] }) {
  const data = operations.map((op) => ({
    operation: op.operation,
    p50: op.medianUs / 1000,
    p95: op.p95Us / 1000,
    p99: op.p99Us / 1000,
  }));
  return (
    <BarChart
      h={Math.max(220, 36 * data.length + 80)}
      data={data}
      dataKey="operation"
      orientation="vertical"
      yAxisProps={{ width: 140 }}
      valueFormatter={(ms) => formatMicros(ms * 1000)}
      withLegend
      series={[
        { name: 'p50', color: 'teal.6' },
        { name: 'p95', color: 'yellow.6' },
        { name: 'p99', color: 'red.6' },
      ]}
      aria-label="Latency per operation: p50, p95 and p99"
      data-testid="profile-chart"
    />
  );
}

/** Which measure of usage a chart shows. */
export type UsageMeasure = 'costUsd' | 'tokens' | 'calls';

function measureOf(row: UsageRow, measure: UsageMeasure): number {
  if (measure === 'tokens') return row.inputTokens + row.outputTokens;
  return row[measure];
}

function formatterOf(measure: UsageMeasure): (value: number) => string {
  return measure === 'costUsd' ? formatUsd : formatInteger;
}

const LABELS: Readonly<Record<UsageMeasure, string>> = {
  costUsd: 'Cost (USD)',
  tokens: 'Tokens',
  calls: 'Calls',
};

/** Usage per key (agent, model, API key) as bars, largest first. */
export function UsageBarChart(props: {
  rows: readonly UsageRow[];
  measure: UsageMeasure;
  label: string;
  /** The name shown for a row's key (an agent's name for its id). */
  nameOf: (key: string | null) => string;
  testId: string;
}) {
  const data = [...props.rows]
    .map((row) => ({ key: props.nameOf(row.key), value: measureOf(row, props.measure) }))
    .sort((a, b) => b.value - a.value)
    .slice(0, 20);
  return (
    <BarChart
      h={Math.max(200, 32 * data.length + 60)}
      data={data}
      dataKey="key"
      orientation="vertical"
      yAxisProps={{ width: 140 }}
      valueFormatter={formatterOf(props.measure)}
      series={[{ name: 'value', label: LABELS[props.measure], color: 'blue.6' }]}
      aria-label={`${LABELS[props.measure]} per ${props.label}`}
      data-testid={props.testId}
    />
  );
}

/** Usage per day as a line, oldest first. */
export function DailyUsageChart(props: { rows: readonly UsageRow[]; measure: UsageMeasure }) {
  const data = [...props.rows]
    .sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''))
    .map((row) => ({ day: (row.key ?? '').slice(5, 10), value: measureOf(row, props.measure) }));
  return (
    <LineChart
      h={260}
      data={data}
      dataKey="day"
      curveType="monotone"
      yAxisProps={{ width: 80 }}
      valueFormatter={formatterOf(props.measure)}
      series={[{ name: 'value', label: LABELS[props.measure], color: 'indigo.6' }]}
      aria-label={`${LABELS[props.measure]} per day`}
      data-testid="usage-by-day-chart"
    />
  );
}
