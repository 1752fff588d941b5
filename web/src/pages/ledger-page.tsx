/**
 * @module The ledger explorer: entries a page at a time (filtered by type and actor), a Verify
 * button that runs the server's verification as a job and shows its progress and result, the
 * first bad entry highlighted with a link to it (`/ledger?seq=N`), an inclusion proof for any
 * entry downloaded as JSON, and the whole ledger as NDJSON.
 */
import {
  Alert,
  Anchor,
  Button,
  Card,
  Group,
  Modal,
  NumberInput,
  Progress,
  Stack,
  Table,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { api, downloadJson } from '../api/api-client';
import type { LedgerEntriesPage, LedgerEntry, SystemStatus, VerifyJob } from '../api/api-types';
import { useApi } from '../api/use-api';
import { ActionError, DataState } from '../components/data-state';
import { formatDateTime, formatInteger, shortId } from '../components/formatting';
import { JsonBlock } from '../components/json-block';
import { PageHeader } from '../components/page-header';
import { useStream } from '../stream/use-stream';

const PAGE_SIZE = 50;
const POLL_MS = 400;

function payloadPreview(payload: unknown): string {
  const text = typeof payload === 'string' ? payload : (JSON.stringify(payload) ?? '');
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
}

function VerifyPanel({ onBad }: { onBad: (seq: number) => void }) {
  const [job, setJob] = useState<VerifyJob | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [starting, setStarting] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const onBadRef = useRef(onBad);
  onBadRef.current = onBad;

  useEffect(() => () => clearTimeout(timer.current), []);

  const poll = useCallback((id: string) => {
    timer.current = setTimeout(async () => {
      try {
        const answer = await api<{ job: VerifyJob }>(`/ledger/verify/${encodeURIComponent(id)}`);
        setJob(answer.job);
        if (answer.job.state === 'running') poll(id);
        else if (answer.job.firstBad !== undefined) onBadRef.current(answer.job.firstBad.seq);
      } catch (caught) {
        setError(caught);
      }
    }, POLL_MS);
  }, []);

  const start = async () => {
    clearTimeout(timer.current);
    setStarting(true);
    setError(undefined);
    setJob(undefined);
    try {
      const answer = await api<{ job: VerifyJob }>('/ledger/verify', { method: 'POST', body: {} });
      setJob(answer.job);
      if (answer.job.state === 'running') poll(answer.job.id);
      else if (answer.job.firstBad !== undefined) onBadRef.current(answer.job.firstBad.seq);
    } catch (caught) {
      setError(caught);
    } finally {
      setStarting(false);
    }
  };

  const running = job?.state === 'running';
  const share =
    job === undefined ? 0 : !running || job.total === 0 ? 100 : (job.checked / job.total) * 100;

  return (
    <Card withBorder mb="lg">
      <Group justify="space-between" wrap="wrap" gap="sm">
        <div>
          <Text fw={600}>Verify the ledger</Text>
          <Text size="sm" c="dimmed">
            Recomputes every hash and signature and checks the chain and the checkpoints.
          </Text>
        </div>
        <Button
          onClick={() => void start()}
          loading={starting}
          disabled={running}
          data-testid="ledger-verify"
        >
          {running ? 'Verifying…' : 'Verify'}
        </Button>
      </Group>
      {job !== undefined && (
        <Stack gap={6} mt="md">
          <Progress
            value={share}
            color={job.state === 'failed' ? 'red' : job.state === 'passed' ? 'green' : 'blue'}
            animated={running}
            aria-label="Verification progress"
            data-testid="ledger-verify-progress"
          />
          <Text size="xs" c="dimmed" aria-live="polite">
            {running
              ? `${formatInteger(job.checked)} of ${formatInteger(job.total)} entries checked`
              : job.state === 'passed'
                ? `${formatInteger(job.result?.entries ?? job.checked)} entries checked${job.result === undefined ? '' : ` in ${(job.result.durationMs / 1000).toFixed(1)} s`}`
                : job.state === 'failed'
                  ? 'Stopped at the first bad entry.'
                  : 'Stopped.'}
          </Text>
          {job.state === 'passed' && (
            <Alert
              color="green"
              title="Verified"
              data-testid="ledger-verify-result"
              data-state="passed"
            >
              All {formatInteger(job.result?.entries ?? job.total)} entries are intact: every hash,
              signature and link checks out.
            </Alert>
          )}
          {job.state === 'error' && (
            <Alert
              color="orange"
              title="The verification could not run"
              data-testid="ledger-verify-result"
              data-state="error"
              role="alert"
            >
              {job.error?.message ?? 'The verifier stopped with an error; see the server log.'}
            </Alert>
          )}
          {job.state === 'failed' && (
            <Alert
              color="red"
              title="The ledger has been altered"
              data-testid="ledger-verify-result"
              data-state="failed"
              role="alert"
            >
              {job.firstBad === undefined ? (
                'Verification failed.'
              ) : (
                <>
                  First bad entry:{' '}
                  <Anchor
                    component={Link}
                    href={`/ledger?seq=${job.firstBad.seq}&bad=1`}
                    data-testid="ledger-bad-link"
                    fw={700}
                  >
                    #{job.firstBad.seq}
                  </Anchor>{' '}
                  ({job.firstBad.kind} {job.firstBad.where}) — {job.firstBad.reason}
                </>
              )}
            </Alert>
          )}
        </Stack>
      )}
      <ActionError error={error} />
    </Card>
  );
}

/** The ledger page. */
export default function LedgerPage() {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const params = useMemo(() => new URLSearchParams(search), [search]);
  const focusSeq = Number(params.get('seq'));
  const badSeq =
    params.get('bad') === '1' && Number.isInteger(focusSeq) && focusSeq > 0 ? focusSeq : undefined;
  const [type, setType] = useState('');
  const [actor, setActor] = useState('');
  const [debouncedType] = useDebouncedValue(type.trim(), 400);
  const [debouncedActor] = useDebouncedValue(actor.trim(), 400);
  const status = useApi<SystemStatus>('/status', { recent: 0 });
  const size = status.data?.ledger.size;
  const [history, setHistory] = useState<number[]>([]);
  /** The page shows the entries after this seq. */
  const [after, setAfter] = useState<number | undefined>(undefined);
  const [newEntries, setNewEntries] = useState(0);
  const [selected, setSelected] = useState<LedgerEntry | undefined>(undefined);
  const [proofError, setProofError] = useState<unknown>(undefined);
  const [jump, setJump] = useState<number | string>('');

  // Where the page starts: the asked-for entry, else the latest page once the size is known.
  useEffect(() => {
    if (Number.isInteger(focusSeq) && focusSeq > 0) {
      setAfter(Math.max(0, focusSeq - 6));
      setHistory([]);
    } else if (size !== undefined) {
      setAfter((current) => current ?? Math.max(0, size - PAGE_SIZE));
    }
  }, [focusSeq, size]);

  const page = useApi<LedgerEntriesPage>(after === undefined ? null : '/ledger/entries', {
    after,
    limit: PAGE_SIZE,
    type: debouncedType,
    actor: debouncedActor,
  });

  useStream(['ledger'], () => setNewEntries((n) => n + 1), {
    onResync: () => void status.reload(),
  });

  const highlighted = useRef<HTMLTableRowElement | null>(null);
  useEffect(() => {
    if (badSeq !== undefined && page.data !== undefined) {
      highlighted.current?.scrollIntoView({ block: 'center' });
      highlighted.current?.focus();
    }
  }, [badSeq, page.data]);

  const goLatest = async () => {
    setNewEntries(0);
    const fresh = await api<SystemStatus>('/status', { query: { recent: 0 } }).catch(
      () => undefined,
    );
    const latest = fresh?.ledger.size ?? size ?? 1;
    if (location !== '/ledger' || search !== '') navigate('/ledger', { replace: true });
    setHistory([]);
    setAfter(Math.max(0, latest - PAGE_SIZE));
    void page.reload();
  };

  const downloadProof = async (entry: LedgerEntry) => {
    setProofError(undefined);
    try {
      const proof = await api<unknown>('/ledger/proofs/inclusion', {
        query: { seq: entry.seq },
      });
      downloadJson(proof, `agentvisor-inclusion-proof-${entry.seq}.json`);
    } catch (caught) {
      setProofError(caught);
    }
  };

  return (
    <>
      <PageHeader
        title="Ledger"
        description="The signed, hash-chained record of every operation. Check that nothing was altered."
        actions={
          <Button
            component="a"
            href="/api/v1/ledger/export"
            download="agentvisor-ledger.ndjson"
            variant="default"
            data-testid="ledger-export"
          >
            Export NDJSON
          </Button>
        }
      />
      <VerifyPanel onBad={(seq) => navigate(`/ledger?seq=${seq}&bad=1`)} />
      <Group mb="md" align="flex-end" wrap="wrap">
        <TextInput
          label="Type"
          placeholder="e.g. op.call"
          value={type}
          onChange={(e) => setType(e.currentTarget.value)}
          data-testid="ledger-filter-type"
          w={180}
        />
        <TextInput
          label="Actor"
          placeholder="e.g. human:…"
          value={actor}
          onChange={(e) => setActor(e.currentTarget.value)}
          data-testid="ledger-filter-actor"
          w={200}
        />
        <form
          onSubmit={(event) => {
            event.preventDefault();
            const seq = Number(jump);
            if (Number.isInteger(seq) && seq > 0) navigate(`/ledger?seq=${seq}`);
          }}
        >
          <Group gap="xs" align="flex-end">
            <NumberInput
              label="Go to entry"
              min={1}
              value={jump}
              onChange={setJump}
              w={140}
              data-testid="ledger-jump"
            />
            <Button type="submit" variant="default">
              Go
            </Button>
          </Group>
        </form>
        {newEntries > 0 && (
          <Button variant="light" onClick={() => void goLatest()} data-testid="ledger-new">
            {newEntries} new — show latest
          </Button>
        )}
      </Group>
      <ActionError error={proofError} />
      <DataState
        state={after === undefined ? { ...status, data: undefined } : page}
        what="ledger entries"
        isEmpty={(d: LedgerEntriesPage) => d.entries.length === 0}
        emptyTitle="No entries here"
        emptyHint={
          type !== '' || actor !== ''
            ? 'No entry matches these filters on this page.'
            : 'The ledger is empty.'
        }
      >
        {(data: LedgerEntriesPage) => (
          <Stack>
            <Table.ScrollContainer minWidth={900}>
              <Table verticalSpacing={6} highlightOnHover data-testid="ledger-table">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>#</Table.Th>
                    <Table.Th>Time (UTC)</Table.Th>
                    <Table.Th>Type</Table.Th>
                    <Table.Th>Actor</Table.Th>
                    <Table.Th>Subject</Table.Th>
                    <Table.Th>Payload</Table.Th>
                    <Table.Th>Hash</Table.Th>
                    <Table.Th>Proof</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {data.entries.map((entry) => {
                    const bad = entry.seq === badSeq;
                    return (
                      <Table.Tr
                        key={entry.seq}
                        id={`entry-${entry.seq}`}
                        className={bad ? 'bad-entry' : undefined}
                        ref={bad ? highlighted : undefined}
                        tabIndex={bad ? -1 : undefined}
                        data-testid={bad ? 'ledger-bad-entry' : 'ledger-row'}
                        data-seq={entry.seq}
                        aria-label={bad ? `Entry ${entry.seq}: first bad entry` : undefined}
                      >
                        <Table.Td className="mono">{entry.seq}</Table.Td>
                        <Table.Td>
                          <Text
                            size="xs"
                            className="mono"
                            style={{ whiteSpace: 'nowrap' }}
                            title={formatDateTime(entry.ts)}
                          >
                            {entry.ts.slice(0, 19).replace('T', ' ')}
                          </Text>
                        </Table.Td>
                        <Table.Td className="mono">{entry.type}</Table.Td>
                        <Table.Td>
                          <Text size="sm" className="clip" maw={160} title={entry.actor}>
                            {entry.actor}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Text size="sm" className="clip" maw={160} title={entry.subject}>
                            {entry.subject}
                          </Text>
                        </Table.Td>
                        <Table.Td>
                          <Anchor
                            component="button"
                            type="button"
                            size="xs"
                            className="mono clip"
                            maw={200}
                            onClick={() => setSelected(entry)}
                            ta="left"
                          >
                            {payloadPreview(entry.payload)}
                          </Anchor>
                        </Table.Td>
                        <Table.Td>
                          <Tooltip label={entry.entry_hash}>
                            <Text size="xs" className="mono">
                              {shortId(entry.entry_hash)}
                            </Text>
                          </Tooltip>
                        </Table.Td>
                        <Table.Td>
                          <Button
                            size="compact-xs"
                            variant="subtle"
                            onClick={() => void downloadProof(entry)}
                            data-testid="ledger-proof"
                            aria-label={`Download the inclusion proof of entry ${entry.seq}`}
                          >
                            JSON
                          </Button>
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Group justify="space-between">
              <Button
                variant="default"
                disabled={history.length === 0 && (after ?? 0) <= 0}
                onClick={() => {
                  const previous = history.at(-1);
                  setHistory((h) => h.slice(0, -1));
                  setAfter(previous ?? Math.max(0, (after ?? 0) - PAGE_SIZE));
                }}
                data-testid="ledger-prev"
              >
                ← Older
              </Button>
              <Text size="xs" c="dimmed">
                {size === undefined ? '' : `${formatInteger(size)} entries in all`}
              </Text>
              <Button
                variant="default"
                disabled={data.nextCursor === null}
                onClick={() => {
                  if (after !== undefined) setHistory((h) => [...h, after]);
                  if (data.nextCursor !== null) setAfter(data.nextCursor);
                }}
                data-testid="ledger-next"
              >
                Newer →
              </Button>
            </Group>
          </Stack>
        )}
      </DataState>
      <Modal
        opened={selected !== undefined}
        onClose={() => setSelected(undefined)}
        title={`Entry #${selected?.seq ?? ''}`}
        size="xl"
      >
        {selected !== undefined && (
          <Stack gap="xs">
            <Text size="sm">
              {selected.type} by {selected.actor} on {selected.subject},{' '}
              {formatDateTime(selected.ts)}
            </Text>
            <JsonBlock value={selected.payload} maxHeight={480} />
            <Text size="xs" className="mono" style={{ overflowWrap: 'anywhere' }}>
              hash {selected.entry_hash}
              <br />
              prev {selected.prev_hash}
              {selected.key_id === undefined ? null : (
                <>
                  <br />
                  key {selected.key_id}
                </>
              )}
            </Text>
            <Group justify="flex-end">
              <Button variant="default" onClick={() => void downloadProof(selected)}>
                Download inclusion proof
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </>
  );
}
