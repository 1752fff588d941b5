/**
 * @module What waits for a person: escalations (an agent asks for a capability), questions,
 * confirmations and budget overrides. Operators approve or deny each with a reason (and answer a
 * question); the queue updates live as items arrive, are decided or expire.
 */
import {
  Badge,
  Button,
  Group,
  NumberInput,
  SegmentedControl,
  Spoiler,
  Table,
  Text,
  Textarea,
  VisuallyHidden,
} from '@mantine/core';
import { useDebouncedCallback } from '@mantine/hooks';
import { useState } from 'react';
import { api } from '../api/api-client';
import type { ApprovalItem } from '../api/api-types';
import { useApi } from '../api/use-api';
import { DataState } from '../components/data-state';
import { formatDateTime, formatRelative } from '../components/formatting';
import { JsonBlock } from '../components/json-block';
import { PageHeader } from '../components/page-header';
import { ReasonModal } from '../components/reason-modal';
import { StateBadge } from '../components/state-badge';
import { useSession } from '../session/session-context';
import { useStream } from '../stream/use-stream';

type Decision = { item: ApprovalItem; decision: 'approve' | 'deny' };

function DecisionModal({
  decision,
  onClose,
  onDone,
}: {
  decision: Decision | undefined;
  onClose: () => void;
  onDone: () => void;
}) {
  const [answer, setAnswer] = useState('');
  const [grantSeconds, setGrantSeconds] = useState<number | string>('');
  const item = decision?.item;
  const approving = decision?.decision === 'approve';
  return (
    <ReasonModal
      opened={decision !== undefined}
      title={`${approving ? 'Approve' : 'Deny'}: ${item?.summary ?? ''}`}
      description={item === undefined ? undefined : `${item.kind} from ${item.agent}`}
      confirmLabel={approving ? 'Approve' : 'Deny'}
      confirmColor={approving ? 'green' : 'red'}
      testId="approval"
      onClose={() => {
        setAnswer('');
        setGrantSeconds('');
        onClose();
      }}
      onConfirm={async (reason) => {
        if (item === undefined || decision === undefined) return;
        const seconds = Number(grantSeconds);
        await api(`/approvals/${encodeURIComponent(item.id)}/${decision.decision}`, {
          method: 'POST',
          body: {
            reason,
            ...(item.kind === 'question' && answer.trim() !== '' ? { answer: answer.trim() } : {}),
            ...(item.kind === 'escalation' && approving && grantSeconds !== '' && seconds > 0
              ? { grantSeconds: seconds }
              : {}),
          },
        });
        setAnswer('');
        setGrantSeconds('');
        onDone();
      }}
    >
      {item?.kind === 'question' && (
        <Textarea
          label="Answer"
          description="The agent receives it in its inbox."
          autosize
          minRows={2}
          maxLength={10_000}
          value={answer}
          onChange={(event) => setAnswer(event.currentTarget.value)}
          data-testid="approval-answer"
        />
      )}
      {item?.kind === 'escalation' && approving && (
        <NumberInput
          label="Grant for (seconds)"
          description="Leave empty to grant until someone removes it."
          min={1}
          max={31_536_000}
          value={grantSeconds}
          onChange={setGrantSeconds}
          data-testid="approval-grant-seconds"
        />
      )}
    </ReasonModal>
  );
}

/** The approvals page. */
export default function ApprovalsPage() {
  const { can } = useSession();
  const [view, setView] = useState<'pending' | 'all'>('pending');
  const approvals = useApi<{ approvals: ApprovalItem[] }>('/approvals', {
    status: view === 'pending' ? 'pending' : undefined,
    limit: 200,
  });
  const [decision, setDecision] = useState<Decision | undefined>(undefined);
  const reload = useDebouncedCallback(() => void approvals.reload(), 200);
  useStream(['approvals'], reload, { onResync: reload });

  return (
    <>
      <PageHeader
        title="Approvals"
        description="Requests that wait for a person. Every decision is recorded with your name and reason."
        actions={
          <SegmentedControl
            value={view}
            onChange={(value) => setView(value as 'pending' | 'all')}
            data={[
              { value: 'pending', label: 'Pending' },
              { value: 'all', label: 'All' },
            ]}
            aria-label="Which approvals"
            data-testid="approvals-view"
          />
        }
      />
      <DataState
        state={approvals}
        what="approvals"
        isEmpty={(d) => d.approvals.length === 0}
        emptyTitle={view === 'pending' ? 'Nothing waits for a decision' : 'No approvals yet'}
        emptyHint="Escalations, questions and budget overrides from agents appear here as they come."
      >
        {(data) => (
          <Table.ScrollContainer minWidth={820}>
            <Table verticalSpacing="sm" data-testid="approvals-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Request</Table.Th>
                  <Table.Th>Agent</Table.Th>
                  <Table.Th>Requested</Table.Th>
                  <Table.Th miw={120}>Status</Table.Th>
                  <Table.Th>
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.approvals.map((item) => (
                  <Table.Tr
                    key={item.id}
                    data-testid="approval-row"
                    data-approval-id={item.id}
                    data-kind={item.kind}
                    data-status={item.status}
                  >
                    <Table.Td maw={420}>
                      <Group gap={6} mb={2}>
                        <Badge size="sm" variant="light">
                          {item.kind}
                        </Badge>
                        <Text size="sm" fw={500}>
                          {item.summary}
                        </Text>
                      </Group>
                      {item.request !== undefined && Object.keys(item.request).length > 0 && (
                        <Spoiler maxHeight={0} showLabel="Details" hideLabel="Hide details">
                          <JsonBlock value={item.request} maxHeight={200} />
                        </Spoiler>
                      )}
                    </Table.Td>
                    <Table.Td>{item.agent}</Table.Td>
                    <Table.Td>
                      <Text size="sm" title={formatDateTime(item.requestedAt)}>
                        {formatRelative(item.requestedAt)}
                      </Text>
                      <Text size="xs" c="dimmed">
                        by {item.requestedBy}
                        {item.status === 'pending'
                          ? ` · expires ${formatRelative(item.expiresAt)}`
                          : ''}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <StateBadge state={item.status} />
                      {item.decidedBy !== null && (
                        <Text size="xs" c="dimmed">
                          by {item.decidedBy}
                          {item.decisionReason === null ? '' : `: ${item.decisionReason}`}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      {item.status === 'pending' && can('operator') && (
                        <Group gap="xs" wrap="nowrap">
                          <Button
                            size="xs"
                            color="green"
                            onClick={() => setDecision({ item, decision: 'approve' })}
                            data-testid="approval-approve"
                          >
                            Approve
                          </Button>
                          <Button
                            size="xs"
                            color="red"
                            variant="light"
                            onClick={() => setDecision({ item, decision: 'deny' })}
                            data-testid="approval-deny"
                          >
                            Deny
                          </Button>
                        </Group>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </DataState>
      <DecisionModal
        decision={decision}
        onClose={() => setDecision(undefined)}
        onDone={() => void approvals.reload()}
      />
    </>
  );
}
