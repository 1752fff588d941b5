/**
 * @module The compliance report (EU AI Act articles 12, 13 and 14: record keeping, transparency,
 * human oversight) computed from the ledger: the system's score and status, each agent's, the
 * sections laid out, the raw JSON, and a link to the printable HTML report.
 */
import {
  Accordion,
  Badge,
  Button,
  Card,
  Group,
  RingProgress,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { downloadJson } from '../api/api-client';
import type { ComplianceReport } from '../api/api-types';
import { useApi } from '../api/use-api';
import { DataState } from '../components/data-state';
import {
  formatDateTime,
  formatInteger,
  humanize,
  stateColor,
  wordsOf,
} from '../components/formatting';
import { JsonBlock } from '../components/json-block';
import { PageHeader } from '../components/page-header';
import { StateBadge } from '../components/state-badge';

type Plain = string | number | boolean | null | undefined;

function isPlain(value: unknown): value is Plain {
  return value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value);
}

function plainText(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'number') return formatInteger(value);
  if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map(plainText).join(', ');
  return String(value);
}

/** A section's value: text, a list, a small table of counts, or a table of records. */
function Value({ value }: { value: unknown }) {
  if (isPlain(value)) return <>{plainText(value)}</>;
  if (Array.isArray(value)) {
    if (value.every(isPlain)) return <>{plainText(value)}</>;
    const records = value.filter(
      (v): v is Record<string, unknown> => typeof v === 'object' && v !== null,
    );
    const columns = [...new Set(records.flatMap((r) => Object.keys(r)))].filter((c) =>
      records.every(
        (r) => isPlain(r[c]) || (Array.isArray(r[c]) && (r[c] as unknown[]).every(isPlain)),
      ),
    );
    if (records.length === value.length && columns.length > 0) {
      return (
        <Table.ScrollContainer minWidth={320}>
          <Table fz="sm" striped>
            <Table.Thead>
              <Table.Tr>
                {columns.map((c) => (
                  <Table.Th key={c}>{wordsOf(c)}</Table.Th>
                ))}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {records.map((r) => (
                <Table.Tr key={JSON.stringify(r)}>
                  {columns.map((c) => (
                    <Table.Td key={c}>{plainText(r[c])}</Table.Td>
                  ))}
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      );
    }
    return <JsonBlock value={value} maxHeight={200} />;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.every(([, v]) => isPlain(v))) {
    return (
      <Group gap={6}>
        {entries.map(([k, v]) => (
          <Badge key={k} variant="light" color="gray" tt="none" size="lg" fw={500}>
            {k}: {plainText(v)}
          </Badge>
        ))}
      </Group>
    );
  }
  return <JsonBlock value={value} maxHeight={200} />;
}

function Section({ name, section }: { name: string; section: Readonly<Record<string, unknown>> }) {
  const { article, title, ...rest } = section as { article?: string; title?: string } & Record<
    string,
    unknown
  >;
  return (
    <Accordion.Item value={name}>
      <Accordion.Control>
        <Text fw={600}>
          {article === undefined ? '' : `${article} · `}
          {typeof title === 'string' ? title : humanize(name)}
        </Text>
      </Accordion.Control>
      <Accordion.Panel>
        <Table>
          <Table.Tbody>
            {Object.entries(rest).map(([key, value]) => (
              <Table.Tr key={key}>
                <Table.Th w="35%">
                  {humanize(key.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase())}
                </Table.Th>
                <Table.Td>
                  <Value value={value} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Accordion.Panel>
    </Accordion.Item>
  );
}

/** A score of 0 to 1 as 0 to 100. */
function scorePercent(score: number): number {
  return Math.round(Math.max(0, Math.min(1, score)) * 100);
}

/** The compliance page. */
export default function CompliancePage() {
  const report = useApi<ComplianceReport>('/compliance');
  return (
    <>
      <PageHeader
        title="Compliance"
        description="Computed from the ledger: record keeping, transparency and human oversight."
        actions={
          <>
            <Button
              component="a"
              href="/api/v1/compliance?format=html"
              target="_blank"
              rel="noopener"
              variant="default"
              data-testid="compliance-html-link"
            >
              Open HTML report
            </Button>
            <Button
              variant="default"
              disabled={report.data === undefined}
              onClick={() =>
                report.data !== undefined && downloadJson(report.data, 'agentvisor-compliance.json')
              }
            >
              Download JSON
            </Button>
          </>
        }
      />
      <DataState state={report} what="the compliance report">
        {(data) => (
          <Stack gap="lg">
            <Card withBorder>
              <Group gap="xl" wrap="wrap">
                <RingProgress
                  size={120}
                  thickness={12}
                  roundCaps
                  sections={[
                    {
                      value: scorePercent(data.system.score),
                      color: stateColor(data.system.status),
                    },
                  ]}
                  label={
                    <Text ta="center" fw={700} size="lg">
                      {scorePercent(data.system.score)}
                    </Text>
                  }
                  aria-label={`System score ${scorePercent(data.system.score)} of 100`}
                />
                <Stack gap={4}>
                  <StateBadge
                    state={data.system.status}
                    size="lg"
                    data-testid="compliance-status"
                  />
                  <Text size="sm" c="dimmed">
                    Generated {formatDateTime(data.generatedAt)}
                  </Text>
                  <Text size="xs" c="dimmed" maw={560}>
                    {data.formula}
                  </Text>
                </Stack>
                <SimpleGrid cols={{ base: 2, sm: 3 }} style={{ flex: 1 }} miw={260}>
                  <div>
                    <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                      Events logged
                    </Text>
                    <Text fw={600}>{formatInteger(data.system.eventsLogged)}</Text>
                  </div>
                  <div>
                    <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                      Violations
                    </Text>
                    <Text fw={600}>{formatInteger(data.system.violations)}</Text>
                  </div>
                  <div>
                    <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                      Human oversight
                    </Text>
                    <Text fw={600}>{formatInteger(data.system.humanOversight)}</Text>
                  </div>
                </SimpleGrid>
              </Group>
            </Card>
            <Card withBorder>
              <Title order={2} size="h4" mb="sm">
                Agents
              </Title>
              {data.agents.length === 0 ? (
                <Text c="dimmed" size="sm">
                  No agents in the report.
                </Text>
              ) : (
                <Table.ScrollContainer minWidth={640}>
                  <Table striped data-testid="compliance-agents">
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th>Agent</Table.Th>
                        <Table.Th>Risk</Table.Th>
                        <Table.Th ta="right">Score</Table.Th>
                        <Table.Th>Status</Table.Th>
                        <Table.Th ta="right">Violations</Table.Th>
                        <Table.Th ta="right">Oversight</Table.Th>
                        <Table.Th ta="right">Crashes</Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {data.agents.map((agent) => (
                        <Table.Tr key={agent.agentId} data-testid="compliance-agent-row">
                          <Table.Td>{agent.name}</Table.Td>
                          <Table.Td>{agent.risk}</Table.Td>
                          <Table.Td ta="right">{scorePercent(agent.score)}</Table.Td>
                          <Table.Td>
                            <StateBadge state={agent.status} />
                          </Table.Td>
                          <Table.Td ta="right">{formatInteger(agent.violations)}</Table.Td>
                          <Table.Td ta="right">{formatInteger(agent.humanOversight)}</Table.Td>
                          <Table.Td ta="right">{formatInteger(agent.crashes)}</Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                  </Table>
                </Table.ScrollContainer>
              )}
            </Card>
            <Accordion variant="separated" multiple defaultValue={Object.keys(data.sections)}>
              {Object.entries(data.sections).map(([name, section]) => (
                <Section key={name} name={name} section={section} />
              ))}
              <Accordion.Item value="json">
                <Accordion.Control>
                  <Text fw={600}>The whole report as JSON</Text>
                </Accordion.Control>
                <Accordion.Panel>
                  <JsonBlock value={data} maxHeight={600} />
                </Accordion.Panel>
              </Accordion.Item>
            </Accordion>
          </Stack>
        )}
      </DataState>
    </>
  );
}
