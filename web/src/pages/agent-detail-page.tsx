/**
 * @module One agent: its state and resources, lifecycle buttons (restart, stop, start; each asks
 * for a reason the ledger records), and tabs for its live thoughts and tool calls, goal tree,
 * memory search, policy (with a patch form) and latency profile.
 */
import {
  Alert,
  Anchor,
  Badge,
  Button,
  Card,
  Checkbox,
  Group,
  NumberInput,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Table,
  Tabs,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, lazy, Suspense, useMemo, useState } from 'react';
import { Link, useLocation, useParams, useSearch } from 'wouter';
import { type PolicyForm, policyChange } from '../agents/policy-change';
import { api } from '../api/api-client';
import type {
  AgentDetail,
  AgentState,
  GoalRow,
  MemoryHit,
  OperationProfile,
  PolicyView,
} from '../api/api-types';
import { useApi } from '../api/use-api';
import { ActionError, DataState, EmptyNotice, LoadingNotice } from '../components/data-state';
import { EventFeed, prependEvent } from '../components/event-feed';
import {
  formatDateTime,
  formatInteger,
  formatMeasure,
  formatMicros,
  formatPercent,
  formatRelative,
  wordsOf,
} from '../components/formatting';
import { PageHeader } from '../components/page-header';
import { ReasonModal } from '../components/reason-modal';
import { StateBadge } from '../components/state-badge';
import { useSession } from '../session/session-context';
import type { StreamEvent } from '../stream/stream-client';
import { useStream } from '../stream/use-stream';

const ProfileChart = lazy(() =>
  import('../components/charts').then((m) => ({ default: m.ProfileChart })),
);

type Lifecycle = 'restart' | 'stop' | 'start';

const TABS = ['activity', 'goals', 'memory', 'policy', 'profile'] as const;
type Tab = (typeof TABS)[number];

function LifecycleButtons({
  name,
  state,
  onDone,
}: {
  name: string;
  state: AgentState;
  onDone: () => void;
}) {
  const { can } = useSession();
  const [action, setAction] = useState<Lifecycle | undefined>(undefined);
  if (!can('operator')) return null;
  const stopped = state === 'exited' || state === 'failed';
  return (
    <>
      <Button onClick={() => setAction('restart')} data-testid="agent-restart">
        Restart
      </Button>
      {stopped ? (
        <Button
          variant="light"
          color="green"
          onClick={() => setAction('start')}
          data-testid="agent-start"
        >
          Start
        </Button>
      ) : (
        <Button
          variant="light"
          color="red"
          onClick={() => setAction('stop')}
          data-testid="agent-stop"
        >
          Stop
        </Button>
      )}
      <ReasonModal
        opened={action !== undefined}
        title={`${action === undefined ? '' : action[0]!.toUpperCase() + action.slice(1)} ${name}`}
        description={
          action === 'stop'
            ? 'The agent stops and keeps its goals and memory.'
            : action === 'restart'
              ? 'The agent is stopped and started again now.'
              : 'The agent starts with a renewed auto-restart allowance.'
        }
        confirmLabel={action === undefined ? 'OK' : action[0]!.toUpperCase() + action.slice(1)}
        confirmColor={action === 'stop' ? 'red' : 'blue'}
        testId="agent-action"
        onClose={() => setAction(undefined)}
        onConfirm={async (reason) => {
          await api(`/agents/${encodeURIComponent(name)}/${action}`, {
            method: 'POST',
            body: { reason },
          });
          onDone();
        }}
      />
    </>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="sm" component="div">
        {children}
      </Text>
    </div>
  );
}

function Measures({ title, values }: { title: string; values: Readonly<Record<string, unknown>> }) {
  const shown = Object.entries(values).filter(
    ([key, value]) => key !== 'complete' && key !== 'windows' && typeof value !== 'object',
  );
  return (
    <div>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} mb={4}>
        {title}
      </Text>
      <Table withRowBorders={false} verticalSpacing={2} fz="sm">
        <Table.Tbody>
          {shown.map(([key, value]) => (
            <Table.Tr key={key}>
              <Table.Td c="dimmed" w="55%">
                {wordsOf(key)}
              </Table.Td>
              <Table.Td>{formatMeasure(key, value)}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </div>
  );
}

function Summary({ detail }: { detail: AgentDetail }) {
  const { agent } = detail;
  return (
    <Card withBorder mb="lg">
      <SimpleGrid cols={{ base: 2, sm: 3, md: 6 }}>
        <Fact label="State">
          <StateBadge state={agent.state} data-testid="agent-detail-state" />
        </Fact>
        <Fact label="Restarts">{agent.restartCount}</Fact>
        <Fact label="Auto-restart">
          {agent.autoRestart === null ? 'unlimited' : (agent.autoRestart ?? '—')}
        </Fact>
        <Fact label="Risk">{agent.risk ?? '—'}</Fact>
        <Fact label="Isolation">{agent.isolation ?? '—'}</Fact>
        <Fact label="Process">{agent.pid === undefined ? '—' : `pid ${agent.pid}`}</Fact>
        <Fact label="Active since">{formatRelative(agent.activeSince ?? null)}</Fact>
        <Fact label="Last activity">{formatRelative(agent.lastActivityAt)}</Fact>
        <Fact label="Throttled">
          {agent.throttledUntil === null ? 'no' : `until ${formatDateTime(agent.throttledUntil)}`}
        </Fact>
      </SimpleGrid>
      <Text size="xs" c="dimmed" tt="uppercase" fw={600} mt="md">
        Capabilities
      </Text>
      <Group gap={4} mt={4}>
        {agent.capabilities.length === 0 ? (
          <Text size="sm">none</Text>
        ) : (
          agent.capabilities.map((c) => (
            <Badge key={c} variant="outline" size="sm" tt="none">
              {c}
            </Badge>
          ))
        )}
      </Group>
      {(detail.usage !== null || detail.rates !== null) && (
        <SimpleGrid cols={{ base: 1, md: 2 }} mt="md">
          {detail.usage !== null && <Measures title="Resource use" values={detail.usage} />}
          {detail.rates !== null && <Measures title="Rates (last 10 s)" values={detail.rates} />}
        </SimpleGrid>
      )}
    </Card>
  );
}

interface GoalNode {
  readonly goal: GoalRow;
  readonly children: GoalNode[];
}

/** Goals (newest first) as a forest: a goal whose parent is not in the list is a root. */
export function goalForest(goals: readonly GoalRow[]): GoalNode[] {
  const nodes = new Map(goals.map((g) => [g.id, { goal: g, children: [] as GoalNode[] }]));
  const roots: GoalNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.goal.parent_id === null ? undefined : nodes.get(node.goal.parent_id);
    if (parent === undefined) roots.push(node);
    else parent.children.push(node);
  }
  const byTime = (a: GoalNode, b: GoalNode) => a.goal.created_at.localeCompare(b.goal.created_at);
  for (const node of nodes.values()) node.children.sort(byTime);
  return roots.sort((a, b) => -byTime(a, b));
}

function GoalList({ nodes, depth }: { nodes: readonly GoalNode[]; depth: number }) {
  return (
    <ul
      className="goal-tree"
      style={{ listStyle: 'none', margin: 0, paddingLeft: depth === 0 ? 0 : 18 }}
    >
      {nodes.map((node) => (
        <li
          key={node.goal.id}
          style={{
            borderLeft: depth === 0 ? undefined : '2px solid var(--mantine-color-default-border)',
            paddingLeft: depth === 0 ? 0 : 10,
            marginTop: 6,
          }}
          data-testid="goal-node"
        >
          <Group gap="xs" wrap="nowrap" align="flex-start">
            <StateBadge state={node.goal.status} size="sm" />
            <div style={{ minWidth: 0 }}>
              <Text size="sm">{node.goal.description}</Text>
              <Text size="xs" c="dimmed">
                {formatDateTime(node.goal.created_at)}
                {node.goal.attempts !== undefined && node.goal.attempts > 0
                  ? ` · ${node.goal.attempts} attempts`
                  : ''}
                {node.goal.status_reason ? ` · ${node.goal.status_reason}` : ''}
              </Text>
            </div>
          </Group>
          {node.children.length > 0 && <GoalList nodes={node.children} depth={depth + 1} />}
        </li>
      ))}
    </ul>
  );
}

function GoalsTab({ name }: { name: string }) {
  const goals = useApi<{ goals: GoalRow[] }>(`/agents/${encodeURIComponent(name)}/goals`);
  useStream(['tasks'], () => void goals.reload());
  return (
    <DataState
      state={goals}
      what="goals"
      isEmpty={(d) => d.goals.length === 0}
      emptyTitle="No goals yet"
      emptyHint="Goals appear when the agent takes on a task."
    >
      {(data) => <GoalList nodes={goalForest(data.goals)} depth={0} />}
    </DataState>
  );
}

function MemoryTab({ name }: { name: string }) {
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<MemoryHit[] | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const search = async (event: FormEvent) => {
    event.preventDefault();
    if (query.trim() === '') return;
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api<{ items: MemoryHit[] }>(
        `/agents/${encodeURIComponent(name)}/memory`,
        { query: { query: query.trim(), limit: 20 } },
      );
      setHits(answer.items);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack>
      <form onSubmit={(event) => void search(event)}>
        <Group align="flex-end">
          <TextInput
            label="Search this agent's memory"
            placeholder="What are you looking for?"
            value={query}
            onChange={(event) => setQuery(event.currentTarget.value)}
            style={{ flex: 1 }}
            maxLength={2000}
            data-testid="memory-query"
          />
          <Button type="submit" loading={busy} data-testid="memory-search">
            Search
          </Button>
        </Group>
      </form>
      <ActionError error={error} />
      {hits !== undefined &&
        (hits.length === 0 ? (
          <EmptyNotice
            title="Nothing found"
            hint="Try other words; memory is searched by meaning and keywords."
          />
        ) : (
          <Stack gap="xs" data-testid="memory-results">
            {hits.map((hit) => (
              <Card key={hit.id} withBorder padding="sm">
                <Group gap="xs" mb={4}>
                  {hit.component !== undefined && <Badge size="sm">{hit.component}</Badge>}
                  {hit.score !== undefined && (
                    <Text size="xs" c="dimmed">
                      score {hit.score.toFixed(3)}
                    </Text>
                  )}
                  {hit.tags?.map((t) => (
                    <Badge key={t} size="xs" variant="outline" tt="none">
                      {t}
                    </Badge>
                  ))}
                </Group>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                  {hit.content}
                </Text>
              </Card>
            ))}
          </Stack>
        ))}
    </Stack>
  );
}

const EMPTY_FORM: PolicyForm = {
  op: 'add',
  capability: '',
  paths: '',
  hosts: '',
  commands: '',
  models: '',
  unscoped: false,
  autoRestart: 3,
};

function PolicyPatchForm({ name, onPatched }: { name: string; onPatched: () => void }) {
  const [form, setForm] = useState<PolicyForm>(EMPTY_FORM);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<string | undefined>(undefined);
  const set = (patch: Partial<PolicyForm>) => setForm((f) => ({ ...f, ...patch }));
  const scoped = form.op === 'add' || (form.op === 'scope' && !form.unscoped);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setResult(undefined);
    const built = policyChange(form);
    if (!built.ok) {
      setError(new Error(built.error));
      return;
    }
    if (reason.trim() === '') {
      setError(new Error('Say why: the ledger records the reason with your name.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api<{ changed: boolean; policy: PolicyView }>(
        `/agents/${encodeURIComponent(name)}/policy`,
        { method: 'POST', body: { changes: [built.change], reason: reason.trim() } },
      );
      setResult(
        answer.changed
          ? `Policy version ${answer.policy.version} is in force from the agent's next operation.`
          : 'Nothing changed: the policy already said that.',
      );
      setReason('');
      onPatched();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card withBorder>
      <Title order={3} size="h5" mb="sm">
        Patch the policy
      </Title>
      <form onSubmit={(event) => void submit(event)} data-testid="policy-form">
        <Stack gap="sm">
          <SegmentedControl
            value={form.op}
            onChange={(op) => set({ op: op as PolicyForm['op'] })}
            data={[
              { value: 'add', label: 'Grant' },
              { value: 'remove', label: 'Revoke' },
              { value: 'scope', label: 'Rescope' },
              { value: 'auto_restart', label: 'Auto-restart' },
            ]}
            aria-label="Kind of change"
            fullWidth
          />
          {form.op === 'auto_restart' ? (
            <NumberInput
              label="Restarts allowed before the agent ends failed"
              min={0}
              max={1000}
              value={form.autoRestart}
              onChange={(value) => set({ autoRestart: value })}
            />
          ) : (
            <TextInput
              label="Capability"
              placeholder="fs.read"
              value={form.capability}
              onChange={(event) => set({ capability: event.currentTarget.value })}
              data-testid="policy-capability"
            />
          )}
          {form.op === 'scope' && (
            <Checkbox
              label="Lift the restriction (any resource; checked against the ceiling)"
              checked={form.unscoped}
              onChange={(event) => set({ unscoped: event.currentTarget.checked })}
            />
          )}
          {scoped && (
            <SimpleGrid cols={{ base: 1, sm: 2 }}>
              <TextInput
                label="Paths"
                description="Comma-separated, e.g. /work/**"
                value={form.paths}
                onChange={(event) => set({ paths: event.currentTarget.value })}
              />
              <TextInput
                label="Hosts"
                description="e.g. api.example.com, *.example.com"
                value={form.hosts}
                onChange={(event) => set({ hosts: event.currentTarget.value })}
              />
              <TextInput
                label="Commands"
                description="Program names, e.g. git"
                value={form.commands}
                onChange={(event) => set({ commands: event.currentTarget.value })}
              />
              <TextInput
                label="Models"
                description="e.g. gpt-4o-mini"
                value={form.models}
                onChange={(event) => set({ models: event.currentTarget.value })}
              />
            </SimpleGrid>
          )}
          <Textarea
            label="Reason"
            description="Recorded in the ledger with your name."
            required
            autosize
            minRows={2}
            maxLength={2000}
            value={reason}
            onChange={(event) => setReason(event.currentTarget.value)}
            data-testid="policy-reason"
          />
          <ActionError error={error} />
          {result !== undefined && (
            <Alert color="green" data-testid="policy-result">
              {result}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button type="submit" loading={busy} data-testid="policy-submit">
              Apply change
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function PolicyTab({ name }: { name: string }) {
  const { can } = useSession();
  const policy = useApi<PolicyView>(`/agents/${encodeURIComponent(name)}/policy`);
  return (
    <Stack>
      <DataState state={policy} what="the policy">
        {(data) => (
          <Card withBorder data-testid="policy-view">
            <Group gap="lg" mb="sm">
              <Fact label="Version">{data.version}</Fact>
              <Fact label="Permission level">{data.level}</Fact>
              <Fact label="Auto-restart">{data.autoRestart}</Fact>
            </Group>
            <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
              Ceiling
            </Text>
            <Text size="sm" mb="sm">
              {data.ceilingText ?? '—'}
            </Text>
            {data.grants.length === 0 ? (
              <Text size="sm" c="dimmed">
                No grants: the agent may do nothing that needs a capability.
              </Text>
            ) : (
              <Table.ScrollContainer minWidth={480}>
                <Table>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Capability</Table.Th>
                      <Table.Th>Scope</Table.Th>
                      <Table.Th>Expires</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {data.grants.map((grant) => (
                      <Table.Tr
                        key={`${grant.capability} ${JSON.stringify(grant.scope ?? null)} ${grant.expiresAt ?? ''}`}
                      >
                        <Table.Td className="mono">{grant.capability}</Table.Td>
                        <Table.Td>
                          {grant.scope === undefined
                            ? 'any'
                            : Object.entries(grant.scope)
                                .map(([kind, list]) => `${kind}: ${list.join(', ')}`)
                                .join('; ')}
                        </Table.Td>
                        <Table.Td>
                          {grant.expiresAt === undefined
                            ? 'never'
                            : formatDateTime(grant.expiresAt)}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Card>
        )}
      </DataState>
      {can('operator') && <PolicyPatchForm name={name} onPatched={() => void policy.reload()} />}
    </Stack>
  );
}

function ProfileTab({ name }: { name: string }) {
  const profile = useApi<{ operations: OperationProfile[] }>(
    `/agents/${encodeURIComponent(name)}/profile`,
  );
  return (
    <DataState
      state={profile}
      what="the profile"
      isEmpty={(d) => d.operations.length === 0}
      emptyTitle="No operations recorded yet"
      emptyHint="The profile keeps the last 100 calls of each operation the agent makes."
    >
      {(data) => (
        <Stack>
          <Group justify="flex-end">
            <Button variant="default" size="xs" onClick={() => void profile.reload()}>
              Refresh
            </Button>
          </Group>
          <Suspense fallback={<LoadingNotice what="the chart" />}>
            <ProfileChart operations={data.operations} />
          </Suspense>
          <Table.ScrollContainer minWidth={560}>
            <Table data-testid="profile-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Operation</Table.Th>
                  <Table.Th>Calls</Table.Th>
                  <Table.Th>Success</Table.Th>
                  <Table.Th>p50</Table.Th>
                  <Table.Th>p95</Table.Th>
                  <Table.Th>p99</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.operations.map((op) => (
                  <Table.Tr key={op.operation}>
                    <Table.Td className="mono">{op.operation}</Table.Td>
                    <Table.Td>{formatInteger(op.totalCount ?? op.sampleCount)}</Table.Td>
                    <Table.Td>{formatPercent(op.successRate)}</Table.Td>
                    <Table.Td>{formatMicros(op.medianUs)}</Table.Td>
                    <Table.Td>{formatMicros(op.p95Us)}</Table.Td>
                    <Table.Td>{formatMicros(op.p99Us)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Stack>
      )}
    </DataState>
  );
}

/** The agent page. */
export default function AgentDetailPage() {
  const params = useParams<{ name: string }>();
  const name = params.name ?? '';
  const detail = useApi<AgentDetail>(`/agents/${encodeURIComponent(name)}`);
  const [activity, setActivity] = useState<StreamEvent[]>([]);
  const [location, navigate] = useLocation();
  const search = useSearch();
  const tab = useMemo<Tab>(() => {
    const asked = new URLSearchParams(search).get('tab');
    return (TABS as readonly string[]).includes(asked ?? '') ? (asked as Tab) : 'activity';
  }, [search]);

  const agentId = detail.data?.agent.id;
  useStream(
    ['agents', 'thoughts', 'tools', 'faults'],
    (event) => {
      const data = (event.data ?? {}) as { agent?: string; agentId?: string };
      const mine = data.agent === name || (agentId !== undefined && data.agentId === agentId);
      if (!mine) return;
      if (event.type === 'agent_status') void detail.reload();
      setActivity((current) => prependEvent(current, event, 100));
    },
    { onResync: () => void detail.reload() },
  );

  return (
    <>
      <PageHeader
        title={name}
        description={
          <Anchor component={Link} href="/agents" size="sm">
            ← All agents
          </Anchor>
        }
        actions={
          detail.data === undefined ? undefined : (
            <LifecycleButtons
              name={name}
              state={detail.data.agent.state}
              onDone={() => void detail.reload()}
            />
          )
        }
      />
      <DataState state={detail} what={`agent ${name}`}>
        {(data) => <Summary detail={data} />}
      </DataState>
      {detail.data !== undefined && (
        <Tabs
          value={tab}
          onChange={(value) =>
            navigate(`${location}?tab=${value ?? 'activity'}`, { replace: true })
          }
          keepMounted={false}
        >
          <Tabs.List mb="md">
            <Tabs.Tab value="activity" data-testid="agent-tab-activity">
              Live activity
            </Tabs.Tab>
            <Tabs.Tab value="goals" data-testid="agent-tab-goals">
              Goals
            </Tabs.Tab>
            <Tabs.Tab value="memory" data-testid="agent-tab-memory">
              Memory
            </Tabs.Tab>
            <Tabs.Tab value="policy" data-testid="agent-tab-policy">
              Policy
            </Tabs.Tab>
            <Tabs.Tab value="profile" data-testid="agent-tab-profile">
              Profile
            </Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="activity">
            <EventFeed
              events={activity}
              testId="agent-activity"
              emptyTitle="No thoughts or tool calls since you opened this page"
            />
          </Tabs.Panel>
          <Tabs.Panel value="goals">
            <GoalsTab name={name} />
          </Tabs.Panel>
          <Tabs.Panel value="memory">
            <MemoryTab name={name} />
          </Tabs.Panel>
          <Tabs.Panel value="policy">
            <PolicyTab name={name} />
          </Tabs.Panel>
          <Tabs.Panel value="profile">
            <ProfileTab name={name} />
          </Tabs.Panel>
        </Tabs>
      )}
    </>
  );
}
