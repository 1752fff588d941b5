/**
 * @module Every configured agent with its supervision state, updated live from `agent_status`
 * events; each row leads to the agent's page.
 */
import { Anchor, Badge, Group, Table, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'wouter';
import type { Agent, AgentState } from '../api/api-types';
import { useApi } from '../api/use-api';
import { DataState } from '../components/data-state';
import { formatRelative } from '../components/formatting';
import { PageHeader } from '../components/page-header';
import { StateBadge } from '../components/state-badge';
import { useStream } from '../stream/use-stream';

/** Applies an `agent_status` event to a list of agents. */
export function applyAgentStatus(agents: readonly Agent[], data: unknown): Agent[] {
  const event = (data ?? {}) as {
    agent?: string;
    state?: string;
    restartCount?: number;
    pid?: number;
  };
  return agents.map((agent) =>
    agent.name === event.agent
      ? {
          ...agent,
          state: (event.state ?? agent.state) as AgentState,
          restartCount: event.restartCount ?? agent.restartCount,
          ...(event.pid === undefined ? {} : { pid: event.pid }),
          lastActivityAt: Date.now(),
        }
      : agent,
  );
}

/** The agents page. */
export default function AgentsPage() {
  const agents = useApi<{ agents: Agent[] }>('/agents');
  const [filter, setFilter] = useState('');

  useStream(
    ['agents'],
    (event) => {
      if (event.type !== 'agent_status') return;
      agents.setData((current) =>
        current === undefined ? current : { agents: applyAgentStatus(current.agents, event.data) },
      );
    },
    { onResync: () => void agents.reload() },
  );

  const needle = filter.trim().toLowerCase();

  return (
    <>
      <PageHeader
        title="Agents"
        description="Supervised agents and their lifecycle state, live."
        actions={
          <TextInput
            aria-label="Filter agents"
            placeholder="Filter by name or state"
            value={filter}
            onChange={(event) => setFilter(event.currentTarget.value)}
            data-testid="agents-filter"
          />
        }
      />
      <DataState
        state={agents}
        what="agents"
        isEmpty={(d) => d.agents.length === 0}
        emptyTitle="No agents configured"
        emptyHint="Declare agents in agentvisor.yaml and restart the node."
      >
        {(data) => {
          const shown = data.agents.filter(
            (a) =>
              needle === '' || a.name.toLowerCase().includes(needle) || a.state.includes(needle),
          );
          return (
            <Table.ScrollContainer minWidth={720}>
              <Table highlightOnHover verticalSpacing="sm" data-testid="agents-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Agent</Table.Th>
                    <Table.Th>State</Table.Th>
                    <Table.Th>Restarts</Table.Th>
                    <Table.Th>Risk</Table.Th>
                    <Table.Th>Isolation</Table.Th>
                    <Table.Th>Capabilities</Table.Th>
                    <Table.Th>Last activity</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {shown.map((agent) => (
                    <Table.Tr
                      key={agent.name}
                      data-testid="agent-row"
                      data-agent={agent.name}
                      data-state={agent.state}
                    >
                      <Table.Td>
                        <Anchor
                          component={Link}
                          href={`/agents/${encodeURIComponent(agent.name)}`}
                          fw={600}
                        >
                          {agent.name}
                        </Anchor>
                      </Table.Td>
                      <Table.Td>
                        <Group gap={4}>
                          <StateBadge state={agent.state} data-testid="agent-state" />
                          {agent.throttledUntil !== null && (
                            <Badge color="orange" variant="outline" size="sm">
                              throttled
                            </Badge>
                          )}
                        </Group>
                      </Table.Td>
                      <Table.Td>{agent.restartCount}</Table.Td>
                      <Table.Td>{agent.risk ?? '—'}</Table.Td>
                      <Table.Td>{agent.isolation ?? '—'}</Table.Td>
                      <Table.Td>
                        <Text size="sm" className="clip" title={agent.capabilities.join(', ')}>
                          {agent.capabilities.length === 0 ? '—' : agent.capabilities.join(', ')}
                        </Text>
                      </Table.Td>
                      <Table.Td>{formatRelative(agent.lastActivityAt)}</Table.Td>
                    </Table.Tr>
                  ))}
                  {shown.length === 0 && (
                    <Table.Tr>
                      <Table.Td colSpan={7}>
                        <Text c="dimmed" size="sm">
                          No agent matches “{filter}”.
                        </Text>
                      </Table.Td>
                    </Table.Tr>
                  )}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          );
        }}
      </DataState>
    </>
  );
}
