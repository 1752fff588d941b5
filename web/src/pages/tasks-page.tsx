/**
 * @module Tasks, newest first, filtered by status and agent (kept in the URL), a page at a time
 * with the server's cursor, updated live from `task_update` events; operators can hand a new
 * task to an agent from here.
 */
import {
  Anchor,
  Button,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { type FormEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api } from '../api/api-client';
import { type Agent, TASK_STATUSES, type TaskPage, type TaskRow } from '../api/api-types';
import { useApi } from '../api/use-api';
import { ActionError, DataState } from '../components/data-state';
import { formatDateTime, formatRelative, humanize, shortId } from '../components/formatting';
import { PageHeader } from '../components/page-header';
import { StateBadge } from '../components/state-badge';
import { useSession } from '../session/session-context';
import { useStream } from '../stream/use-stream';

const PAGE_SIZE = 50;

interface Filters {
  readonly status: string | null;
  readonly agent: string | null;
  readonly parent: string | null;
}

interface Pages {
  readonly tasks: readonly TaskRow[];
  readonly nextCursor: string | null;
}

function NewTaskModal(props: { opened: boolean; agents: readonly Agent[]; onClose: () => void }) {
  const [, navigate] = useLocation();
  const [agent, setAgent] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState<number | string>(5);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (agent === null || title.trim() === '') {
      setError(new Error('Pick an agent and give the task a title.'));
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const created = await api<{ id: string }>('/tasks', {
        method: 'POST',
        body: { agent, title: title.trim(), description, priority: Number(priority) || 5 },
      });
      props.onClose();
      navigate(`/tasks/${created.id}`);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal opened={props.opened} onClose={props.onClose} title="New task" centered size="lg">
      <form onSubmit={(event) => void submit(event)} data-testid="new-task-form">
        <Stack gap="sm">
          <Select
            label="Agent"
            required
            searchable
            data={props.agents.map((a) => a.name)}
            value={agent}
            onChange={setAgent}
            data-testid="new-task-agent"
          />
          <TextInput
            label="Title"
            required
            maxLength={500}
            value={title}
            onChange={(event) => setTitle(event.currentTarget.value)}
            data-testid="new-task-title"
          />
          <Textarea
            label="Description"
            autosize
            minRows={3}
            maxRows={12}
            value={description}
            onChange={(event) => setDescription(event.currentTarget.value)}
            data-testid="new-task-description"
          />
          <NumberInput
            label="Priority (1 highest … 10)"
            min={1}
            max={10}
            value={priority}
            onChange={setPriority}
          />
          <ActionError error={error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} data-testid="new-task-submit">
              Submit task
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** The tasks page. */
export default function TasksPage() {
  const { can } = useSession();
  const search = useSearch();
  const [location, navigate] = useLocation();
  const filters = useMemo<Filters>(() => {
    const params = new URLSearchParams(search);
    return {
      status: params.get('status'),
      agent: params.get('agent'),
      parent: params.get('parent'),
    };
  }, [search]);
  const agents = useApi<{ agents: Agent[] }>('/agents');
  const [pages, setPages] = useState<Pages | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const [creating, setCreating] = useState(false);
  const generation = useRef(0);

  const fetchPage = useCallback(
    (before: string | null) =>
      api<TaskPage>('/tasks', {
        query: {
          status: filters.status,
          agent: filters.agent,
          parentId: filters.parent,
          limit: PAGE_SIZE,
          before,
        },
      }),
    [filters],
  );

  const loadFirst = useCallback(async () => {
    const mine = ++generation.current;
    try {
      const page = await fetchPage(null);
      if (mine !== generation.current) return;
      setPages({ tasks: page.tasks, nextCursor: page.nextCursor });
      setError(undefined);
    } catch (caught) {
      if (mine === generation.current) setError(caught as Error);
    }
  }, [fetchPage]);

  useEffect(() => {
    setPages(undefined);
    void loadFirst();
  }, [loadFirst]);

  const loadMore = async () => {
    if (pages?.nextCursor == null) return;
    setLoadingMore(true);
    const mine = generation.current;
    try {
      const page = await fetchPage(pages.nextCursor);
      if (mine !== generation.current) return;
      setPages((current) =>
        current === undefined
          ? current
          : { tasks: [...current.tasks, ...page.tasks], nextCursor: page.nextCursor },
      );
    } catch (caught) {
      setError(caught as Error);
    } finally {
      setLoadingMore(false);
    }
  };

  const agentNames = useMemo(
    () => new Map((agents.data?.agents ?? []).map((a) => [a.id, a.name])),
    [agents.data],
  );

  useStream(
    ['tasks'],
    (event) => {
      const data = event.data as {
        id: string;
        parentId: string | null;
        agentId: string | null;
        title: string;
        status: string;
        priority: number;
        createdAt: string;
        updatedAt: string;
      };
      setPages((current) => {
        if (current === undefined) return current;
        const at = current.tasks.findIndex((t) => t.id === data.id);
        if (at >= 0) {
          const tasks = [...current.tasks];
          tasks[at] = {
            ...tasks[at]!,
            status: data.status,
            updatedAt: data.updatedAt,
            title: data.title,
          };
          return { ...current, tasks };
        }
        const agent = data.agentId === null ? null : (agentNames.get(data.agentId) ?? data.agentId);
        const matches =
          (filters.status === null || filters.status === data.status) &&
          (filters.agent === null || filters.agent === agent) &&
          (filters.parent === null || filters.parent === data.parentId);
        if (!matches) return current;
        const row: TaskRow = {
          id: data.id,
          parentId: data.parentId,
          agent,
          title: data.title,
          status: data.status,
          priority: Number(data.priority),
          createdAt: data.createdAt,
          updatedAt: data.updatedAt,
        };
        return { ...current, tasks: [row, ...current.tasks] };
      });
    },
    { onResync: () => void loadFirst() },
  );

  const setFilter = (name: keyof Filters, value: string | null) => {
    const params = new URLSearchParams(search);
    if (value === null || value === '') params.delete(name);
    else params.set(name, value);
    const text = params.toString();
    navigate(text === '' ? location : `${location}?${text}`, { replace: true });
  };

  return (
    <>
      <PageHeader
        title="Tasks"
        description="Every task an agent was given, newest first, live."
        actions={
          can('operator') ? (
            <Button onClick={() => setCreating(true)} data-testid="new-task">
              New task
            </Button>
          ) : undefined
        }
      />
      <Group mb="md" align="flex-end" wrap="wrap">
        <Select
          label="Status"
          placeholder="Any status"
          clearable
          data={TASK_STATUSES.map((s) => ({ value: s, label: humanize(s) }))}
          value={filters.status}
          onChange={(value) => setFilter('status', value)}
          data-testid="tasks-filter-status"
          w={180}
        />
        <Select
          label="Agent"
          placeholder="Any agent"
          clearable
          searchable
          data={(agents.data?.agents ?? []).map((a) => a.name)}
          value={filters.agent}
          onChange={(value) => setFilter('agent', value)}
          data-testid="tasks-filter-agent"
          w={200}
        />
        {filters.parent !== null && (
          <Button variant="light" size="sm" onClick={() => setFilter('parent', null)}>
            Subtasks of {shortId(filters.parent)} ✕
          </Button>
        )}
      </Group>
      <DataState
        state={{
          data: pages,
          error,
          loading: pages === undefined,
          reload: loadFirst,
        }}
        what="tasks"
        isEmpty={(p) => p.tasks.length === 0}
        emptyTitle={
          filters.status === null && filters.agent === null
            ? 'No tasks yet'
            : 'No task matches these filters'
        }
        emptyHint={
          filters.status === null && filters.agent === null
            ? 'Give the team a job in Chat, or submit a task to one agent with “New task”.'
            : 'Clear a filter to see more.'
        }
      >
        {(data) => (
          <Stack>
            <Table.ScrollContainer minWidth={760}>
              <Table highlightOnHover verticalSpacing="sm" data-testid="tasks-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Task</Table.Th>
                    <Table.Th>Status</Table.Th>
                    <Table.Th>Agent</Table.Th>
                    <Table.Th>Priority</Table.Th>
                    <Table.Th>Created</Table.Th>
                    <Table.Th>Updated</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.tasks.map((task) => (
                    <Table.Tr
                      key={task.id}
                      data-testid="task-row"
                      data-task-id={task.id}
                      data-status={task.status}
                    >
                      <Table.Td>
                        <Anchor
                          component={Link}
                          href={`/tasks/${task.id}`}
                          fw={500}
                          className="clip"
                          display="block"
                        >
                          {task.title}
                        </Anchor>
                        {task.parentId !== null && (
                          <Text size="xs" c="dimmed">
                            subtask of {shortId(task.parentId)}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <StateBadge state={task.status} />
                      </Table.Td>
                      <Table.Td>{task.agent ?? '—'}</Table.Td>
                      <Table.Td>{task.priority}</Table.Td>
                      <Table.Td title={formatDateTime(task.createdAt)}>
                        {formatRelative(task.createdAt)}
                      </Table.Td>
                      <Table.Td title={formatDateTime(task.updatedAt)}>
                        {formatRelative(task.updatedAt)}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            {data.nextCursor !== null && (
              <Group justify="center">
                <Button
                  variant="default"
                  onClick={() => void loadMore()}
                  loading={loadingMore}
                  data-testid="tasks-more"
                >
                  Load older tasks
                </Button>
              </Group>
            )}
          </Stack>
        )}
      </DataState>
      <NewTaskModal
        opened={creating}
        agents={agents.data?.agents ?? []}
        onClose={() => setCreating(false)}
      />
    </>
  );
}
