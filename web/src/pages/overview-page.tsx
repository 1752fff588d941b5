/**
 * @module The first page: the agents and their states, whether the node is healthy, the tokens
 * and cost spent today, active alerts, and what is happening now (live events).
 */
import { Anchor, Card, Grid, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { apiUrl, errorText } from '../api/api-client';
import type { Readiness, SystemStatus, UsageView } from '../api/api-types';
import { useApi } from '../api/use-api';
import { AlertsCard } from '../components/alerts-card';
import { DataState, ErrorNotice } from '../components/data-state';
import { EventFeed, prependEvent } from '../components/event-feed';
import { formatInteger, formatRelative, formatUsd } from '../components/formatting';
import { PageHeader } from '../components/page-header';
import { StateBadge } from '../components/state-badge';
import type { StreamEvent } from '../stream/stream-client';
import { useStream } from '../stream/use-stream';

const FEED_CHANNELS = ['agents', 'faults', 'tasks', 'approvals', 'runs', 'budgets'];

function StatCard(props: {
  label: string;
  value: string;
  hint?: string;
  testId: string;
  color?: string;
}) {
  return (
    <Card withBorder padding="md" data-testid={props.testId}>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {props.label}
      </Text>
      <Text size="xl" fw={700} c={props.color}>
        {props.value}
      </Text>
      {props.hint !== undefined && (
        <Text size="xs" c="dimmed">
          {props.hint}
        </Text>
      )}
    </Card>
  );
}

// Readiness answers 503 with the failing checks in the body, so it is read here rather than
// through the API client (which turns every non-2xx into an error).
async function readReadiness(): Promise<Readiness> {
  const response = await fetch(apiUrl('/health/ready'), { credentials: 'same-origin' });
  const body = (await response.json().catch(() => undefined)) as Readiness | undefined;
  if (body === undefined || typeof body.status !== 'string') {
    throw new Error(`readiness check answered HTTP ${response.status}`);
  }
  return body;
}

function HealthCard() {
  const [ready, setReady] = useState<Readiness | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  useEffect(() => {
    let live = true;
    const check = () =>
      readReadiness().then(
        (answer) => {
          if (!live) return;
          setReady(answer);
          setError(undefined);
        },
        (caught: unknown) => {
          if (live) setError(errorText(caught));
        },
      );
    void check();
    const timer = setInterval(check, 15_000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  if (error !== undefined) {
    return (
      <StatCard label="Health" value="Unreachable" hint={error} testId="stat-health" color="red" />
    );
  }
  if (ready === undefined) return <StatCard label="Health" value="…" testId="stat-health" />;
  const failing = Object.entries(ready.checks).filter(([, v]) => v !== 'ok');
  return (
    <StatCard
      label="Health"
      value={ready.status === 'ok' ? 'Ready' : 'Unavailable'}
      hint={
        failing.length === 0
          ? `${Object.keys(ready.checks).join(', ')}: ok`
          : failing.map(([k, v]) => `${k}: ${v}`).join('; ')
      }
      testId="stat-health"
      color={ready.status === 'ok' ? 'green' : 'red'}
    />
  );
}

function UsageCards() {
  // The server groups by UTC day; a bare date means that whole day.
  const today = new Date().toISOString().slice(0, 10);
  const usage = useApi<UsageView>('/usage', { by: 'day', from: today });
  useStream(['budgets'], () => void usage.reload());
  if (usage.data === undefined) {
    const failed = usage.error !== undefined;
    return (
      <>
        <StatCard
          label="Tokens today"
          value={failed ? '—' : '…'}
          hint={failed ? usage.error?.message : undefined}
          testId="stat-tokens"
        />
        <StatCard label="Cost today" value={failed ? '—' : '…'} testId="stat-cost" />
      </>
    );
  }
  const total = usage.data.total;
  return (
    <>
      <StatCard
        label="Tokens today"
        value={formatInteger(total.inputTokens + total.outputTokens)}
        hint={`${formatInteger(total.inputTokens)} in · ${formatInteger(total.outputTokens)} out (UTC day)`}
        testId="stat-tokens"
      />
      <StatCard
        label="Cost today"
        value={formatUsd(total.costUsd)}
        hint={`${formatInteger(total.calls)} model calls${total.failures > 0 ? `, ${formatInteger(total.failures)} failed` : ''}`}
        testId="stat-cost"
      />
    </>
  );
}

/** The overview page. */
export default function OverviewPage() {
  const status = useApi<SystemStatus>('/status');
  const [events, setEvents] = useState<StreamEvent[]>([]);
  const [alerts, setAlerts] = useState<StreamEvent[]>([]);

  useStream(
    FEED_CHANNELS,
    (event) => {
      setEvents((current) => prependEvent(current, event));
      if (event.type === 'fault' || event.type === 'budget_alert') {
        setAlerts((current) => prependEvent(current, event, 20));
      }
      if (event.type === 'agent_status') {
        const data = event.data as { agent?: string; state?: string; restartCount?: number };
        status.setData((current) =>
          current === undefined
            ? current
            : {
                ...current,
                agents: current.agents.map((a) =>
                  a.name === data.agent
                    ? {
                        ...a,
                        state: (data.state ?? a.state) as typeof a.state,
                        restartCount: data.restartCount ?? a.restartCount,
                        lastActivityAt: Date.now(),
                      }
                    : a,
                ),
              },
        );
      }
    },
    { onResync: () => void status.reload() },
  );

  return (
    <>
      <PageHeader title="Overview" description="The node at a glance, updated live." />
      {status.error !== undefined && status.data === undefined && (
        <ErrorNotice error={status.error} what="the status" onRetry={status.reload} />
      )}
      <SimpleGrid cols={{ base: 2, md: 5 }} mb="lg">
        <StatCard
          label="Agents active"
          value={
            status.data === undefined
              ? '…'
              : `${status.data.agents.filter((a) => a.state === 'active').length} / ${status.data.agents.length}`
          }
          testId="stat-agents"
        />
        <HealthCard />
        <UsageCards />
        <StatCard
          label="Ledger entries"
          value={status.data === undefined ? '…' : formatInteger(status.data.ledger.size)}
          hint={
            status.data === undefined
              ? undefined
              : `${formatInteger(status.data.totalCalls)} kernel calls since start`
          }
          testId="stat-ledger"
        />
      </SimpleGrid>
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, lg: 7 }}>
          <Stack gap="lg">
            <Card withBorder>
              <Group justify="space-between" mb="sm">
                <Title order={2} size="h4">
                  Agents
                </Title>
                <Anchor component={Link} href="/agents" size="sm">
                  All agents
                </Anchor>
              </Group>
              <DataState
                state={status}
                what="agents"
                isEmpty={(d) => d.agents.length === 0}
                emptyTitle="No agents configured"
                emptyHint="Declare agents in agentvisor.yaml and restart the node."
              >
                {(data) => (
                  <Table.ScrollContainer minWidth={420}>
                    <Table highlightOnHover>
                      <Table.Thead>
                        <Table.Tr>
                          <Table.Th>Agent</Table.Th>
                          <Table.Th>State</Table.Th>
                          <Table.Th>Restarts</Table.Th>
                          <Table.Th>Last activity</Table.Th>
                        </Table.Tr>
                      </Table.Thead>
                      <Table.Tbody>
                        {data.agents.map((agent) => (
                          <Table.Tr
                            key={agent.name}
                            data-testid="overview-agent-row"
                            data-agent={agent.name}
                          >
                            <Table.Td>
                              <Anchor
                                component={Link}
                                href={`/agents/${encodeURIComponent(agent.name)}`}
                              >
                                {agent.name}
                              </Anchor>
                            </Table.Td>
                            <Table.Td>
                              <StateBadge state={agent.state} />
                            </Table.Td>
                            <Table.Td>{agent.restartCount}</Table.Td>
                            <Table.Td>{formatRelative(agent.lastActivityAt)}</Table.Td>
                          </Table.Tr>
                        ))}
                      </Table.Tbody>
                    </Table>
                  </Table.ScrollContainer>
                )}
              </DataState>
            </Card>
            <AlertsCard live={alerts} />
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, lg: 5 }}>
          <Card withBorder>
            <Title order={2} size="h4" mb="sm">
              Recent events
            </Title>
            <EventFeed
              events={events}
              testId="recent-events"
              emptyTitle="No events since you opened this page"
            />
          </Card>
        </Grid.Col>
      </Grid>
    </>
  );
}
