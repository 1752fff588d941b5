/**
 * @module One task's story: its timeline (plan, hand-offs, thoughts, tool calls, verify results,
 * outcome), its subtasks, and, for operators, cancel and hand-off. Live: it refetches when the
 * task, one of its subtasks or its team run moves.
 */
import {
  Anchor,
  Badge,
  Button,
  Card,
  Group,
  List,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Timeline,
  Title,
} from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useState } from 'react';
import { Link, useParams } from 'wouter';
import { api, isApiError } from '../api/api-client';
import type { Agent, TaskDetail, TeamRunView } from '../api/api-types';
import { useApi } from '../api/use-api';
import { DataState } from '../components/data-state';
import { formatDateTime, humanize, stateColor } from '../components/formatting';
import { MarkdownView } from '../components/markdown-view';
import { PageHeader } from '../components/page-header';
import { ReasonModal } from '../components/reason-modal';
import { StateBadge } from '../components/state-badge';
import { useSession } from '../session/session-context';
import { useStream } from '../stream/use-stream';
import { type TimelineEntry, taskTimeline } from '../tasks/task-timeline';

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

const KIND_LABEL: Readonly<Record<TimelineEntry['kind'], string>> = {
  created: 'created',
  phase: 'phase',
  plan: 'plan',
  verify: 'verify',
  handoff: 'hand-off',
  message: 'message',
  thought: 'thought',
  tool: 'tool call',
  outcome: 'outcome',
};

function entryColor(entry: TimelineEntry): string {
  if (entry.status === 'ok') return entry.kind === 'verify' ? 'green' : 'indigo';
  if (entry.status !== undefined) return stateColor(entry.status);
  return entry.kind === 'created' ? 'blue' : 'gray';
}

function TimelineView({ entries }: { entries: readonly TimelineEntry[] }) {
  return (
    <Timeline bulletSize={14} lineWidth={2} active={entries.length - 1} data-testid="task-timeline">
      {entries.map((entry) => (
        <Timeline.Item
          key={entry.key}
          color={entryColor(entry)}
          title={
            <Group gap="xs" wrap="wrap">
              <Text size="sm" fw={600}>
                {entry.title}
              </Text>
              <Badge size="xs" variant="outline" color={entryColor(entry)}>
                {KIND_LABEL[entry.kind]}
              </Badge>
            </Group>
          }
          data-testid="timeline-entry"
          data-kind={entry.kind}
        >
          <Text size="xs" c="dimmed">
            {formatDateTime(entry.at)}
          </Text>
          {entry.plan !== undefined && (
            <List size="sm" mt={4} spacing={2} type="ordered">
              {entry.plan.map((sub, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a plan's subtasks are a fixed list; the position is their identity
                <List.Item key={i}>
                  <Text span fw={500}>
                    {sub.role}
                  </Text>
                  : {sub.title}
                  {sub.criteria !== undefined && sub.criteria.length > 0 && (
                    <Text size="xs" c="dimmed">
                      criteria: {sub.criteria.join('; ')}
                    </Text>
                  )}
                </List.Item>
              ))}
            </List>
          )}
          {entry.detail !== undefined && entry.detail !== '' && (
            <div style={{ marginTop: 4 }}>
              {entry.kind === 'outcome' || entry.kind === 'thought' || entry.kind === 'handoff' ? (
                <MarkdownView text={entry.detail} />
              ) : (
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }} lineClamp={8}>
                  {entry.detail}
                </Text>
              )}
            </div>
          )}
          {entry.taskId !== undefined && (
            <Anchor component={Link} href={`/tasks/${entry.taskId}`} size="xs">
              Open subtask
            </Anchor>
          )}
        </Timeline.Item>
      ))}
    </Timeline>
  );
}

function TaskActions({ id, status, onDone }: { id: string; status: string; onDone: () => void }) {
  const { can } = useSession();
  const [action, setAction] = useState<'cancel' | 'handoff' | undefined>(undefined);
  const [to, setTo] = useState<string | null>(null);
  const agents = useApi<{ agents: Agent[] }>(action === 'handoff' ? '/agents' : null);
  if (!can('operator') || TERMINAL.has(status)) return null;
  return (
    <>
      <Button variant="default" onClick={() => setAction('handoff')} data-testid="task-handoff">
        Hand off
      </Button>
      <Button
        color="red"
        variant="light"
        onClick={() => setAction('cancel')}
        data-testid="task-cancel"
      >
        Cancel task
      </Button>
      <ReasonModal
        opened={action !== undefined}
        title={action === 'cancel' ? 'Cancel this task' : 'Hand this task to another agent'}
        description={action === 'cancel' ? 'A team run cancels its open subtasks too.' : undefined}
        confirmLabel={action === 'cancel' ? 'Cancel task' : 'Hand off'}
        confirmColor={action === 'cancel' ? 'red' : 'blue'}
        testId={action === 'cancel' ? 'task-cancel' : 'task-handoff'}
        onClose={() => setAction(undefined)}
        onConfirm={async (reason) => {
          if (action === 'handoff') {
            if (to === null) throw new Error('Pick the agent to hand the task to.');
            await api(`/tasks/${id}/handoff`, { method: 'POST', body: { to, reason } });
          } else {
            await api(`/tasks/${id}/cancel`, { method: 'POST', body: { reason } });
          }
          onDone();
        }}
      >
        {action === 'handoff' && (
          <Select
            label="To agent"
            required
            searchable
            data={(agents.data?.agents ?? []).map((a) => a.name)}
            value={to}
            onChange={setTo}
            data-testid="task-handoff-to"
          />
        )}
      </ReasonModal>
    </>
  );
}

/** The task page. */
export default function TaskDetailPage() {
  const { id = '' } = useParams<{ id: string }>();
  const detail = useApi<TaskDetail>(`/tasks/${encodeURIComponent(id)}`);
  // Only a team run has a plan to show; the task says whether it is one.
  const run = useApi<TeamRunView>(
    detail.data?.teamRun === true ? `/team/runs/${encodeURIComponent(id)}` : null,
  );
  const runView = run.data;
  const runMissing = detail.data?.teamRun !== true || isApiError(run.error, 'NOT_FOUND');

  const reload = useDebouncedCallback(() => {
    void detail.reload();
    if (!runMissing) void run.reload();
  }, 300);

  useStream(
    ['tasks', 'runs'],
    (event) => {
      const data = (event.data ?? {}) as { id?: string; parentId?: string | null; runId?: string };
      if (data.id === id || data.parentId === id || data.runId === id) reload();
    },
    { onResync: reload },
  );

  return (
    <>
      <PageHeader
        title={detail.data?.task.title ?? 'Task'}
        description={
          <Anchor component={Link} href="/tasks" size="sm">
            ← All tasks
          </Anchor>
        }
        actions={
          detail.data === undefined ? undefined : (
            <TaskActions id={id} status={detail.data.task.status} onDone={reload} />
          )
        }
      />
      <DataState state={detail} what="the task">
        {(data) => (
          <Stack gap="lg">
            <Card withBorder>
              <SimpleGrid cols={{ base: 2, sm: 5 }}>
                <div>
                  <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                    Status
                  </Text>
                  <StateBadge state={data.task.status} data-testid="task-status" />
                </div>
                <div>
                  <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                    Cost
                  </Text>
                  <Text size="sm" data-testid="task-cost">
                    {data.cost === undefined
                      ? '–'
                      : `$${data.cost.costUsd.toFixed(4)} · ${data.cost.calls} calls · ${data.cost.inputTokens + data.cost.outputTokens} tokens`}
                  </Text>
                </div>
                <div>
                  <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                    Priority
                  </Text>
                  <Text size="sm">{data.task.priority}</Text>
                </div>
                <div>
                  <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                    Created
                  </Text>
                  <Text size="sm">{formatDateTime(data.task.createdAt)}</Text>
                </div>
                <div>
                  <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                    {runView === undefined ? 'Updated' : 'Team run'}
                  </Text>
                  <Text size="sm">
                    {runView === undefined
                      ? formatDateTime(data.task.updatedAt)
                      : `${runView.run.team}: ${humanize(runView.run.phase)}, round ${runView.run.round} of ${runView.run.maxRounds}`}
                  </Text>
                </div>
              </SimpleGrid>
              <Text size="xs" c="dimmed" mt="sm" className="mono">
                {data.task.id}
              </Text>
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="md">
                Timeline
              </Title>
              <TimelineView entries={taskTimeline(data, runView)} />
            </Card>
            {data.subtasks.length > 0 && (
              <Card withBorder>
                <Group justify="space-between" mb="sm">
                  <Title order={2} size="h4">
                    Subtasks
                  </Title>
                  <Anchor component={Link} href={`/tasks?parent=${id}`} size="sm">
                    Open in the task list
                  </Anchor>
                </Group>
                <Stack gap={6}>
                  {data.subtasks.map((sub) => (
                    <Group key={sub.id} gap="xs" wrap="nowrap" data-testid="subtask-row">
                      <StateBadge state={sub.status} size="sm" />
                      <Anchor component={Link} href={`/tasks/${sub.id}`} size="sm" className="clip">
                        {sub.title}
                      </Anchor>
                      <Text size="xs" c="dimmed">
                        {sub.agent ?? ''}
                      </Text>
                    </Group>
                  ))}
                </Stack>
              </Card>
            )}
          </Stack>
        )}
      </DataState>
    </>
  );
}
