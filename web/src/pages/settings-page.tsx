/**
 * @module Settings: your account; for admins, API keys (created with a role or for an agent, the
 * secret shown once) and users (create, change role, disable, delete); and the model providers'
 * health, which tells plainly when no provider is reachable.
 */
import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  CopyButton,
  Group,
  Modal,
  PasswordInput,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useMemo, useState } from 'react';
import { useLocation, useSearch } from 'wouter';
import { api } from '../api/api-client';
import type { Agent, ApiKeyRecord, ProvidersView, Role, UserRecord } from '../api/api-types';
import { useApi } from '../api/use-api';
import { ActionError, DataState } from '../components/data-state';
import {
  formatDateTime,
  formatInteger,
  formatPercent,
  formatRelative,
  formatUsd,
} from '../components/formatting';
import { PageHeader } from '../components/page-header';
import { StateBadge } from '../components/state-badge';
import { useSession } from '../session/session-context';

const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

function AccountTab() {
  const { state, signOut } = useSession();
  if (state.kind !== 'signed-in') return null;
  return (
    <Card withBorder maw={560}>
      <Stack gap="xs">
        <Text>
          Signed in as <b>{state.user.email}</b>
        </Text>
        <Group gap="xs">
          <Text size="sm">Role:</Text>
          <Badge>{state.user.role}</Badge>
        </Group>
        {state.expiresAt !== undefined && (
          <Text size="sm" c="dimmed">
            Session ends {formatDateTime(state.expiresAt)} ({formatRelative(state.expiresAt)}).
          </Text>
        )}
        <Group>
          <Button variant="light" color="red" onClick={() => void signOut()}>
            Sign out
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function ConfirmModal(props: {
  opened: boolean;
  title: string;
  body: string;
  confirmLabel: string;
  testId: string;
  onClose: () => void;
  onConfirm: () => Promise<void>;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={props.title} centered>
      <Text size="sm">{props.body}</Text>
      <ActionError error={error} />
      <Group justify="flex-end" mt="md">
        <Button variant="default" onClick={props.onClose}>
          Cancel
        </Button>
        <Button
          color="red"
          loading={busy}
          data-testid={`${props.testId}-confirm`}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            try {
              await props.onConfirm();
              props.onClose();
            } catch (caught) {
              setError(caught);
            } finally {
              setBusy(false);
            }
          }}
        >
          {props.confirmLabel}
        </Button>
      </Group>
    </Modal>
  );
}

function ApiKeysTab() {
  const keys = useApi<{ keys: ApiKeyRecord[] }>('/apikeys');
  const agents = useApi<{ agents: Agent[] }>('/agents');
  const [name, setName] = useState('');
  const [holder, setHolder] = useState<'role' | 'agent'>('role');
  const [role, setRole] = useState<string | null>('viewer');
  const [agent, setAgent] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [secret, setSecret] = useState<{ name: string; secret: string } | undefined>(undefined);
  const [revoking, setRevoking] = useState<ApiKeyRecord | undefined>(undefined);
  const agentNames = useMemo(
    () => new Map((agents.data?.agents ?? []).map((a) => [a.id, a.name])),
    [agents.data],
  );

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const body =
        holder === 'role'
          ? { name: name.trim(), role: role ?? 'viewer' }
          : { name: name.trim(), agent: agent ?? '' };
      const created = await api<{ record: ApiKeyRecord; secret: string }>('/apikeys', {
        method: 'POST',
        body,
      });
      setSecret({ name: created.record.name, secret: created.secret });
      setName('');
      void keys.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack gap="lg">
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Create an API key
        </Title>
        <form onSubmit={(event) => void create(event)} data-testid="apikey-form">
          <Group align="flex-end" wrap="wrap">
            <TextInput
              label="Name"
              required
              maxLength={64}
              description="Letters, digits, . _ -"
              value={name}
              onChange={(event) => setName(event.currentTarget.value)}
              data-testid="apikey-name"
            />
            <SegmentedControl
              value={holder}
              onChange={(value) => setHolder(value as 'role' | 'agent')}
              data={[
                { value: 'role', label: 'With a role' },
                { value: 'agent', label: 'For an agent' },
              ]}
              aria-label="Who holds the key"
            />
            {holder === 'role' ? (
              <Select
                label="Role"
                data={[...ROLES]}
                value={role}
                onChange={setRole}
                w={140}
                data-testid="apikey-role"
              />
            ) : (
              <Select
                label="Agent"
                searchable
                data={(agents.data?.agents ?? []).map((a) => a.name)}
                value={agent}
                onChange={setAgent}
                w={200}
              />
            )}
            <Button type="submit" loading={busy} data-testid="apikey-create">
              Create key
            </Button>
          </Group>
        </form>
        <ActionError error={error} />
      </Card>
      <DataState
        state={keys}
        what="API keys"
        isEmpty={(d) => d.keys.length === 0}
        emptyTitle="No API keys"
        emptyHint="Programs and agents authenticate with API keys; create one above."
      >
        {(data) => (
          <Table.ScrollContainer minWidth={760}>
            <Table data-testid="apikeys-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Prefix</Table.Th>
                  <Table.Th>Acts as</Table.Th>
                  <Table.Th>Created</Table.Th>
                  <Table.Th>Last used</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.keys.map((key) => (
                  <Table.Tr key={key.id} data-testid="apikey-row" data-key-name={key.name}>
                    <Table.Td>{key.name}</Table.Td>
                    <Table.Td className="mono">{key.prefix}…</Table.Td>
                    <Table.Td>
                      {key.role !== null
                        ? `role ${key.role}`
                        : `agent ${agentNames.get(key.agent_id ?? '') ?? key.agent_id ?? '—'}`}
                    </Table.Td>
                    <Table.Td title={formatDateTime(key.created_at)}>
                      {formatRelative(key.created_at)} by {key.created_by}
                    </Table.Td>
                    <Table.Td>{formatRelative(key.last_used_at)}</Table.Td>
                    <Table.Td>
                      <StateBadge state={key.revoked_at === null ? 'active' : 'revoked'} />
                    </Table.Td>
                    <Table.Td>
                      {key.revoked_at === null && (
                        <Button
                          size="xs"
                          variant="light"
                          color="red"
                          onClick={() => setRevoking(key)}
                          data-testid="apikey-revoke"
                        >
                          Revoke
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </DataState>
      <Modal
        opened={secret !== undefined}
        onClose={() => setSecret(undefined)}
        title={`API key ${secret?.name ?? ''}`}
        centered
        size="lg"
      >
        <Stack>
          <Alert color="yellow">
            Copy the secret now: it is shown only this once and stored only as a hash.
          </Alert>
          <Code
            block
            data-testid="apikey-secret"
            style={{ overflowWrap: 'anywhere', whiteSpace: 'pre-wrap' }}
          >
            {secret?.secret ?? ''}
          </Code>
          <Group justify="flex-end">
            <CopyButton value={secret?.secret ?? ''}>
              {({ copied, copy }) => (
                <Button color={copied ? 'teal' : 'blue'} onClick={copy}>
                  {copied ? 'Copied' : 'Copy'}
                </Button>
              )}
            </CopyButton>
            <Button variant="default" onClick={() => setSecret(undefined)}>
              Done
            </Button>
          </Group>
        </Stack>
      </Modal>
      <ConfirmModal
        opened={revoking !== undefined}
        title={`Revoke ${revoking?.name ?? ''}?`}
        body="Its next use is refused. This cannot be undone."
        confirmLabel="Revoke"
        testId="apikey-revoke"
        onClose={() => setRevoking(undefined)}
        onConfirm={async () => {
          if (revoking === undefined) return;
          await api(`/apikeys/${encodeURIComponent(revoking.id)}`, { method: 'DELETE' });
          void keys.reload();
        }}
      />
    </Stack>
  );
}

function UsersTab() {
  const { user: me } = useSession();
  const users = useApi<{ users: UserRecord[] }>('/users');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<string | null>('viewer');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [rowError, setRowError] = useState<unknown>(undefined);
  const [deleting, setDeleting] = useState<UserRecord | undefined>(undefined);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api('/users', {
        method: 'POST',
        body: { email: email.trim(), password, role: role ?? 'viewer' },
      });
      setEmail('');
      setPassword('');
      void users.reload();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const patch = async (user: UserRecord, change: { role?: string; disabled?: boolean }) => {
    setRowError(undefined);
    try {
      await api(`/users/${encodeURIComponent(user.id)}`, { method: 'PATCH', body: change });
    } catch (caught) {
      setRowError(caught);
    }
    void users.reload();
  };

  return (
    <Stack gap="lg">
      <Card withBorder>
        <Title order={2} size="h4" mb="sm">
          Add a user
        </Title>
        <form onSubmit={(event) => void create(event)} data-testid="user-form">
          <Group align="flex-end" wrap="wrap">
            <TextInput
              label="Email"
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              data-testid="user-email"
            />
            <PasswordInput
              label="Password"
              description="At least 10 characters"
              required
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              data-testid="user-password"
              w={220}
            />
            <Select
              label="Role"
              data={[...ROLES]}
              value={role}
              onChange={setRole}
              w={140}
              data-testid="user-role"
            />
            <Button type="submit" loading={busy} data-testid="user-create">
              Add user
            </Button>
          </Group>
        </form>
        <ActionError error={error} />
      </Card>
      <ActionError error={rowError} />
      <DataState state={users} what="users" isEmpty={(d) => d.users.length === 0}>
        {(data) => (
          <Table.ScrollContainer minWidth={760}>
            <Table data-testid="users-table">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Email</Table.Th>
                  <Table.Th>Role</Table.Th>
                  <Table.Th>Enabled</Table.Th>
                  <Table.Th>Last sign-in</Table.Th>
                  <Table.Th>Locked</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {data.users.map((user) => {
                  const self = user.id === me?.id;
                  return (
                    <Table.Tr key={user.id} data-testid="user-row" data-email={user.email}>
                      <Table.Td>
                        {user.email}
                        {self && (
                          <Badge size="xs" ml={6} variant="outline">
                            you
                          </Badge>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <Select
                          aria-label={`Role of ${user.email}`}
                          data={[...ROLES]}
                          value={user.role}
                          allowDeselect={false}
                          disabled={self}
                          onChange={(value) =>
                            value !== null &&
                            value !== user.role &&
                            void patch(user, { role: value })
                          }
                          w={130}
                          size="xs"
                        />
                      </Table.Td>
                      <Table.Td>
                        <Switch
                          aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.email}`}
                          checked={!user.disabled}
                          disabled={self}
                          onChange={(event) =>
                            void patch(user, { disabled: !event.currentTarget.checked })
                          }
                        />
                      </Table.Td>
                      <Table.Td>{formatRelative(user.lastLoginAt)}</Table.Td>
                      <Table.Td>
                        {user.lockedUntil === null
                          ? 'no'
                          : `until ${formatDateTime(user.lockedUntil)}`}
                      </Table.Td>
                      <Table.Td>
                        {!self && (
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            onClick={() => setDeleting(user)}
                          >
                            Delete
                          </Button>
                        )}
                      </Table.Td>
                    </Table.Tr>
                  );
                })}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </DataState>
      <ConfirmModal
        opened={deleting !== undefined}
        title={`Delete ${deleting?.email ?? ''}?`}
        body="The user's sessions end now; the ledger keeps what they did."
        confirmLabel="Delete user"
        testId="user-delete"
        onClose={() => setDeleting(undefined)}
        onConfirm={async () => {
          if (deleting === undefined) return;
          await api(`/users/${encodeURIComponent(deleting.id)}`, { method: 'DELETE' });
          void users.reload();
        }}
      />
    </Stack>
  );
}

function ProvidersTab() {
  const providers = useApi<ProvidersView>('/providers', { window_minutes: 60 });
  return (
    <DataState state={providers} what="provider status">
      {(data) => {
        const live = data.live.providers;
        const down = live.length > 0 && live.every((p) => p.circuit === 'open');
        return (
          <Stack gap="lg">
            {live.length === 0 && (
              <Alert
                color="yellow"
                title="No model provider has been used yet"
                data-testid="providers-none"
              >
                Configure providers in agentvisor.yaml. Until one answers, work is queued durably
                and resumes when one does.
              </Alert>
            )}
            {down && (
              <Alert
                color="red"
                title="No provider is reachable"
                role="alert"
                data-testid="providers-down"
              >
                Every provider's circuit is open. Work is queued and resumes when a provider answers
                again.
              </Alert>
            )}
            <SimpleGrid cols={{ base: 2, sm: 4 }}>
              <Card withBorder>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                  Requests (last hour)
                </Text>
                <Text fw={700}>{formatInteger(data.recent.requests)}</Text>
              </Card>
              <Card withBorder>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                  Failures
                </Text>
                <Text fw={700}>{formatInteger(data.recent.failures)}</Text>
              </Card>
              <Card withBorder>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                  Rate limited
                </Text>
                <Text fw={700}>{formatInteger(data.recent.rateLimited)}</Text>
              </Card>
              <Card withBorder>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
                  Cost (last hour)
                </Text>
                <Text fw={700}>{formatUsd(data.recent.costUsd)}</Text>
              </Card>
            </SimpleGrid>
            {live.length > 0 && (
              <Table.ScrollContainer minWidth={640}>
                <Table data-testid="providers-table">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Provider</Table.Th>
                      <Table.Th>Circuit</Table.Th>
                      <Table.Th ta="right">Calls</Table.Th>
                      <Table.Th ta="right">Success</Table.Th>
                      <Table.Th ta="right">p50</Table.Th>
                      <Table.Th ta="right">p95</Table.Th>
                      <Table.Th ta="right">p99</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {live.map((p) => (
                      <Table.Tr key={p.provider} data-testid="provider-row">
                        <Table.Td>{p.provider}</Table.Td>
                        <Table.Td>
                          <StateBadge state={p.circuit} />
                        </Table.Td>
                        <Table.Td ta="right">{formatInteger(p.calls)}</Table.Td>
                        <Table.Td ta="right">{formatPercent(p.successRate)}</Table.Td>
                        <Table.Td ta="right">
                          {p.p50Ms === undefined ? '—' : `${Math.round(p.p50Ms)} ms`}
                        </Table.Td>
                        <Table.Td ta="right">
                          {p.p95Ms === undefined ? '—' : `${Math.round(p.p95Ms)} ms`}
                        </Table.Td>
                        <Table.Td ta="right">
                          {p.p99Ms === undefined ? '—' : `${Math.round(p.p99Ms)} ms`}
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Stack>
        );
      }}
    </DataState>
  );
}

const TABS = ['account', 'keys', 'users', 'providers'] as const;

/** The settings page. */
export default function SettingsPage() {
  const { can } = useSession();
  const admin = can('admin');
  const search = useSearch();
  const [location, navigate] = useLocation();
  const asked = new URLSearchParams(search).get('tab') ?? 'account';
  const tab =
    (TABS as readonly string[]).includes(asked) &&
    (admin || (asked !== 'keys' && asked !== 'users'))
      ? asked
      : 'account';
  return (
    <>
      <PageHeader
        title="Settings"
        description="Your account, access to this node, and model providers."
      />
      <Tabs
        value={tab}
        onChange={(value) => navigate(`${location}?tab=${value ?? 'account'}`, { replace: true })}
        keepMounted={false}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="account">Account</Tabs.Tab>
          {admin && (
            <Tabs.Tab value="keys" data-testid="settings-tab-keys">
              API keys
            </Tabs.Tab>
          )}
          {admin && (
            <Tabs.Tab value="users" data-testid="settings-tab-users">
              Users
            </Tabs.Tab>
          )}
          <Tabs.Tab value="providers" data-testid="settings-tab-providers">
            Providers
          </Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="account">
          <AccountTab />
        </Tabs.Panel>
        {admin && (
          <Tabs.Panel value="keys">
            <ApiKeysTab />
          </Tabs.Panel>
        )}
        {admin && (
          <Tabs.Panel value="users">
            <UsersTab />
          </Tabs.Panel>
        )}
        <Tabs.Panel value="providers">
          <ProvidersTab />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
