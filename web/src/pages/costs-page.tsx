/**
 * @module Costs and budgets: spend and tokens per agent, per model and per day over a chosen
 * window (charts and the numbers behind them), the budgets in force, and budget alerts as they
 * fire.
 */
import {
  Card,
  Grid,
  Group,
  Progress,
  SegmentedControl,
  SimpleGrid,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Agent, BudgetView, UsageRow, UsageView } from '../api/api-types';
import { useApi } from '../api/use-api';
import { DailyUsageChart, UsageBarChart, type UsageMeasure } from '../components/charts';
import { DataState } from '../components/data-state';
import { EventFeed, prependEvent } from '../components/event-feed';
import {
  formatInteger,
  formatPercent,
  formatRelative,
  formatUsd,
  humanize,
} from '../components/formatting';
import { PageHeader } from '../components/page-header';
import type { StreamEvent } from '../stream/stream-client';
import { useStream } from '../stream/use-stream';

const WINDOWS = { '1': 'Today', '7': '7 days', '30': '30 days', '90': '90 days' } as const;
type WindowDays = keyof typeof WINDOWS;

/** The first UTC day of a window of `days` days ending today, as the API takes it. */
function windowStart(days: WindowDays): string {
  const now = new Date();
  const start =
    Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) -
    (Number(days) - 1) * 86_400_000;
  return new Date(start).toISOString().slice(0, 10);
}

/** Refetches whenever `key` moves past 0 (a budget alert: spend changed). */
function useReloadOn(key: number, reload: () => Promise<void>): void {
  const latest = useRef(reload);
  latest.current = reload;
  useEffect(() => {
    if (key > 0) void latest.current();
  }, [key]);
}

function UsageTable(props: {
  rows: readonly UsageRow[];
  keyLabel: string;
  nameOf: (key: string | null) => string;
  testId: string;
}) {
  const { rows, keyLabel, nameOf, testId } = props;
  return (
    <Table.ScrollContainer minWidth={480}>
      <Table striped data-testid={testId}>
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{keyLabel}</Table.Th>
            <Table.Th ta="right">Calls</Table.Th>
            <Table.Th ta="right">Tokens in</Table.Th>
            <Table.Th ta="right">Tokens out</Table.Th>
            <Table.Th ta="right">Failed</Table.Th>
            <Table.Th ta="right">Cost</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {[...rows]
            .sort((a, b) => b.costUsd - a.costUsd || b.calls - a.calls)
            .map((row) => (
              <Table.Tr key={row.key ?? '(none)'}>
                <Table.Td className="mono">{nameOf(row.key)}</Table.Td>
                <Table.Td ta="right">{formatInteger(row.calls)}</Table.Td>
                <Table.Td ta="right">{formatInteger(row.inputTokens)}</Table.Td>
                <Table.Td ta="right">{formatInteger(row.outputTokens)}</Table.Td>
                <Table.Td ta="right">{formatInteger(row.failures)}</Table.Td>
                <Table.Td ta="right">{formatUsd(row.costUsd)}</Table.Td>
              </Table.Tr>
            ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function UsageCard(props: {
  by: 'agent' | 'model' | 'key';
  title: string;
  keyLabel: string;
  from: string;
  measure: UsageMeasure;
  nameOf: (key: string | null) => string;
  reloadKey: number;
}) {
  const usage = useApi<UsageView>('/usage', { by: props.by, from: props.from });
  useReloadOn(props.reloadKey, usage.reload);
  return (
    <Card withBorder h="100%">
      <Title order={2} size="h4" mb="sm">
        {props.title}
      </Title>
      <DataState
        state={usage}
        what={`usage per ${props.by}`}
        isEmpty={(d) => d.rows.length === 0}
        emptyTitle="No model calls in this window"
        emptyHint="Usage is recorded for every call through the gateway."
      >
        {(data) => (
          <>
            <UsageBarChart
              rows={data.rows}
              measure={props.measure}
              label={props.by}
              nameOf={props.nameOf}
              testId={`usage-by-${props.by}-chart`}
            />
            <UsageTable
              rows={data.rows}
              keyLabel={props.keyLabel}
              nameOf={props.nameOf}
              testId={`usage-by-${props.by}`}
            />
          </>
        )}
      </DataState>
    </Card>
  );
}

function formatLimit(metric: 'tokens' | 'usd', value: number): string {
  return metric === 'usd' ? formatUsd(value) : formatInteger(value);
}

function BudgetsCard({ reloadKey, nameOf }: { reloadKey: number; nameOf: (id: string) => string }) {
  const budgets = useApi<{ budgets: BudgetView[] }>('/budgets');
  useReloadOn(reloadKey, budgets.reload);
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        Budgets
      </Title>
      <DataState
        state={budgets}
        what="budgets"
        isEmpty={(d) => d.budgets.length === 0}
        emptyTitle="No budgets configured"
        emptyHint="Set budgets in agentvisor.yaml to cap tokens and spend globally, per agent or per API key."
      >
        {(data) => (
          <Table.ScrollContainer minWidth={620}>
            <Table data-testid="budgets-table" verticalSpacing="sm">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Budget</Table.Th>
                  <Table.Th>Limit</Table.Th>
                  <Table.Th>Spent</Table.Th>
                  <Table.Th w="30%">Used</Table.Th>
                  <Table.Th>Resets</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.budgets.flatMap((budget) =>
                  budget.limits.map((limit) => {
                    const share = Math.max(0, limit.fraction) * 100;
                    return (
                      <Table.Tr key={`${budget.budget}-${limit.limit}`} data-testid="budget-row">
                        <Table.Td>
                          {budget.budget.startsWith('agent:')
                            ? `agent ${nameOf(budget.budget.slice(6))}`
                            : budget.budget.replace(':', ' ')}
                        </Table.Td>
                        <Table.Td>
                          {humanize(limit.limit)}: {formatLimit(limit.metric, limit.limitValue)}
                        </Table.Td>
                        <Table.Td>
                          {formatLimit(limit.metric, limit.spent)}
                          {limit.reserved > 0 && (
                            <Text span size="xs" c="dimmed">
                              {' '}
                              (+{formatLimit(limit.metric, limit.reserved)} in flight)
                            </Text>
                          )}
                        </Table.Td>
                        <Table.Td>
                          <Progress
                            value={Math.min(100, share)}
                            color={share >= 100 ? 'red' : share >= 80 ? 'orange' : 'blue'}
                            aria-label={`${Math.round(share)}% of ${humanize(limit.limit)} used`}
                          />
                          <Text size="xs" c="dimmed">
                            {formatPercent(limit.fraction)}
                          </Text>
                        </Table.Td>
                        <Table.Td>{formatRelative(limit.resetsAt)}</Table.Td>
                      </Table.Tr>
                    );
                  }),
                )}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </DataState>
    </Card>
  );
}

/** The costs and budgets page. */
export default function CostsPage() {
  const [days, setDays] = useState<WindowDays>('30');
  const [measure, setMeasure] = useState<UsageMeasure>('costUsd');
  const [alerts, setAlerts] = useState<StreamEvent[]>([]);
  const [reloadKey, setReloadKey] = useState(0);
  const from = useMemo(() => windowStart(days), [days]);
  const daily = useApi<UsageView>('/usage', { by: 'day', from });
  useReloadOn(reloadKey, daily.reload);
  const agents = useApi<{ agents: Agent[] }>('/agents');
  const agentName = useMemo(() => {
    const names = new Map((agents.data?.agents ?? []).map((a) => [a.id, a.name]));
    return (id: string) => names.get(id) ?? id;
  }, [agents.data]);
  const keyName = useCallback((key: string | null) => key ?? '(none)', []);
  const agentKeyName = useCallback(
    (key: string | null) => (key === null ? '(no agent)' : agentName(key)),
    [agentName],
  );

  useStream(
    ['budgets'],
    (event) => {
      setAlerts((current) => prependEvent(current, event, 20));
      setReloadKey((k) => k + 1);
    },
    { onResync: () => setReloadKey((k) => k + 1) },
  );

  const sum = daily.data?.total;

  return (
    <>
      <PageHeader
        title="Costs & budgets"
        description="What the agents spend on models, and the limits that bound it."
        actions={
          <Group gap="xs" wrap="wrap">
            <SegmentedControl
              value={days}
              onChange={(value) => setDays(value as WindowDays)}
              data={Object.entries(WINDOWS).map(([value, label]) => ({ value, label }))}
              aria-label="Time window"
              data-testid="costs-window"
            />
            <SegmentedControl
              value={measure}
              onChange={(value) => setMeasure(value as UsageMeasure)}
              data={[
                { value: 'costUsd', label: 'Cost' },
                { value: 'tokens', label: 'Tokens' },
                { value: 'calls', label: 'Calls' },
              ]}
              aria-label="Measure"
              data-testid="costs-measure"
            />
          </Group>
        }
      />
      <SimpleGrid cols={{ base: 1, sm: 3 }} mb="lg">
        <Card withBorder>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            Cost
          </Text>
          <Text size="xl" fw={700} data-testid="costs-total">
            {sum === undefined ? '…' : formatUsd(sum.costUsd)}
          </Text>
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            Tokens
          </Text>
          <Text size="xl" fw={700}>
            {sum === undefined ? '…' : formatInteger(sum.inputTokens + sum.outputTokens)}
          </Text>
        </Card>
        <Card withBorder>
          <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
            Model calls
          </Text>
          <Text size="xl" fw={700}>
            {sum === undefined ? '…' : formatInteger(sum.calls)}
          </Text>
        </Card>
      </SimpleGrid>
      <Card withBorder mb="lg">
        <Title order={2} size="h4" mb="sm">
          Per day
        </Title>
        <DataState
          state={daily}
          what="daily usage"
          isEmpty={(d) => d.rows.length === 0}
          emptyTitle="No model calls in this window"
          emptyHint="Usage is recorded for every call through the gateway."
        >
          {(data) => <DailyUsageChart rows={data.rows} measure={measure} />}
        </DataState>
      </Card>
      <Grid gap="lg" mb="lg">
        <Grid.Col span={{ base: 12, xl: 6 }}>
          <UsageCard
            by="agent"
            title="Per agent"
            keyLabel="Agent"
            from={from}
            measure={measure}
            nameOf={agentKeyName}
            reloadKey={reloadKey}
          />
        </Grid.Col>
        <Grid.Col span={{ base: 12, xl: 6 }}>
          <UsageCard
            by="model"
            title="Per model"
            keyLabel="Model"
            from={from}
            measure={measure}
            nameOf={keyName}
            reloadKey={reloadKey}
          />
        </Grid.Col>
      </Grid>
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <BudgetsCard reloadKey={reloadKey} nameOf={agentName} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Card withBorder>
            <Title order={2} size="h4" mb="sm">
              Budget alerts
            </Title>
            <EventFeed
              events={alerts}
              testId="budget-alerts"
              emptyTitle="No budget alerts since you opened this page"
            />
          </Card>
        </Grid.Col>
      </Grid>
    </>
  );
}
