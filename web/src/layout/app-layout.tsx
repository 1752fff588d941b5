/**
 * @module The frame around every signed-in page: Mantine's AppShell with the navigation (a
 * burger menu below the `sm` breakpoint), the live-stream indicator, the light/dark toggle, the
 * user's menu, and a skip link for keyboard users.
 */
import {
  ActionIcon,
  Anchor,
  AppShell,
  Badge,
  Burger,
  Group,
  Menu,
  NavLink,
  ScrollArea,
  Text,
  Tooltip,
  UnstyledButton,
  useComputedColorScheme,
  useMantineColorScheme,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'wouter';
import type { ApprovalItem } from '../api/api-types';
import { useApi } from '../api/use-api';
import { useSession } from '../session/session-context';
import { useStream, useStreamStatus } from '../stream/use-stream';

/** The pages in the navigation, in order. */
export const NAV_ITEMS = [
  { href: '/', label: 'Overview', testId: 'nav-overview' },
  { href: '/chat', label: 'Chat', testId: 'nav-chat' },
  { href: '/agents', label: 'Agents', testId: 'nav-agents' },
  { href: '/tasks', label: 'Tasks', testId: 'nav-tasks' },
  { href: '/approvals', label: 'Approvals', testId: 'nav-approvals' },
  { href: '/ledger', label: 'Ledger', testId: 'nav-ledger' },
  { href: '/costs', label: 'Costs & budgets', testId: 'nav-costs' },
  { href: '/compliance', label: 'Compliance', testId: 'nav-compliance' },
  { href: '/settings', label: 'Settings', testId: 'nav-settings' },
] as const;

function isActive(location: string, href: string): boolean {
  return href === '/' ? location === '/' : location === href || location.startsWith(`${href}/`);
}

function StreamIndicator() {
  const { status, lastError } = useStreamStatus();
  const label =
    status === 'live'
      ? 'Live'
      : status === 'connecting'
        ? 'Connecting'
        : status === 'reconnecting'
          ? 'Reconnecting'
          : 'Offline';
  const color =
    status === 'live' ? 'green' : status === 'ended' || status === 'idle' ? 'gray' : 'yellow';
  const explanation =
    status === 'live'
      ? 'Live updates are on'
      : `Live updates paused${lastError === undefined ? '' : `: ${lastError}`}`;
  return (
    <Tooltip label={explanation} withArrow>
      <Badge
        color={color}
        variant="dot"
        data-testid="stream-status"
        data-status={status}
        aria-label={explanation}
        tabIndex={0}
      >
        {label}
      </Badge>
    </Tooltip>
  );
}

function ColorSchemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme('light', { getInitialValueInEffect: true });
  const next = computed === 'dark' ? 'light' : 'dark';
  return (
    <Tooltip label={`Switch to ${next} mode`} withArrow>
      <ActionIcon
        variant="default"
        size="lg"
        aria-label={`Switch to ${next} mode`}
        onClick={() => setColorScheme(next)}
        data-testid="color-scheme-toggle"
      >
        <span aria-hidden="true">{computed === 'dark' ? '☀' : '☾'}</span>
      </ActionIcon>
    </Tooltip>
  );
}

function UserMenu() {
  const { user, signOut } = useSession();
  if (user === undefined) return null;
  return (
    <Menu position="bottom-end" withArrow>
      <Menu.Target>
        <UnstyledButton aria-label={`Account: ${user.email}`} data-testid="user-menu">
          <Group gap={6} wrap="nowrap">
            <Text size="sm" visibleFrom="sm" truncate maw={180}>
              {user.email}
            </Text>
            <Badge size="sm" variant="outline">
              {user.role}
            </Badge>
          </Group>
        </UnstyledButton>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{user.email}</Menu.Label>
        <Menu.Item component={Link} href="/settings">
          Settings
        </Menu.Item>
        <Menu.Item color="red" onClick={() => void signOut()} data-testid="sign-out">
          Sign out
        </Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}

function usePendingApprovals(): number | undefined {
  const pending = useApi<{ approvals: ApprovalItem[] }>('/approvals', {
    status: 'pending',
    limit: 1000,
  });
  useStream(['approvals'], () => void pending.reload(), { onResync: () => void pending.reload() });
  return pending.data?.approvals.length;
}

/** The signed-in frame. */
export function AppLayout({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure(false);
  const [location] = useLocation();
  const pending = usePendingApprovals();

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 232, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
              data-testid="nav-burger"
            />
            <Text component={Link} href="/" fw={700} size="lg" className="brand">
              Agentvisor
            </Text>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <StreamIndicator />
            <ColorSchemeToggle />
            <UserMenu />
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <AppShell.Section grow component={ScrollArea}>
          <nav>
            {NAV_ITEMS.map((item) => (
              <NavLink
                key={item.href}
                component={Link}
                href={item.href}
                label={item.label}
                active={isActive(location, item.href)}
                aria-current={isActive(location, item.href) ? 'page' : undefined}
                onClick={close}
                data-testid={item.testId}
                rightSection={
                  item.href === '/approvals' && pending !== undefined && pending > 0 ? (
                    <Badge size="sm" color="red" circle data-testid="nav-approvals-count">
                      {pending}
                    </Badge>
                  ) : undefined
                }
              />
            ))}
          </nav>
        </AppShell.Section>
        <AppShell.Section>
          <Anchor
            href="/api/v1/reference"
            target="_blank"
            rel="noopener"
            size="xs"
            px="sm"
            py={4}
            display="block"
          >
            API reference
          </Anchor>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main id="main" tabIndex={-1}>
        {children}
      </AppShell.Main>
    </AppShell>
  );
}
