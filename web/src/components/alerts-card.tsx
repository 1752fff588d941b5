/**
 * @module The overview's active alerts: the node's alert rules that are pending or firing
 * (`GET /alerts?state=active`), most urgent first, each with a way to silence its notifications;
 * plus faults and budget alerts seen live since the page opened. A node without the alert system
 * still shows the live ones.
 */
import { Badge, Button, Card, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { api, isApiError } from '../api/api-client';
import type { AlertView } from '../api/api-types';
import { useApi } from '../api/use-api';
import { useSession } from '../session/session-context';
import type { StreamEvent } from '../stream/stream-client';
import { useStream } from '../stream/use-stream';
import { ErrorNotice } from './data-state';
import { EventFeed } from './event-feed';
import { formatRelative } from './formatting';
import { ReasonModal } from './reason-modal';

const SEVERITY_COLOR: Readonly<Record<string, string>> = {
  critical: 'red',
  warning: 'orange',
  info: 'blue',
};

function SilenceButton({ alert, onDone }: { alert: AlertView; onDone: () => void }) {
  const [open, setOpen] = useState(false);
  const [minutes, setMinutes] = useState<string | null>('60');
  const silenced = alert.silencedUntil !== null && Date.parse(alert.silencedUntil) > Date.now();
  return (
    <>
      <Button
        size="compact-xs"
        variant="subtle"
        onClick={() => setOpen(true)}
        data-testid="alert-silence"
      >
        {silenced ? 'Unsilence' : 'Silence'}
      </Button>
      <ReasonModal
        opened={open}
        title={silenced ? `Lift the silence on ${alert.rule}` : `Silence ${alert.rule}`}
        description="Notifications of this alert are held back; it still shows here."
        confirmLabel={silenced ? 'Lift silence' : 'Silence'}
        testId="alert-silence"
        onClose={() => setOpen(false)}
        onConfirm={async (reason) => {
          await api(`/alerts/${alert.fingerprint}/silence`, {
            method: 'POST',
            body: { minutes: silenced ? 0 : Number(minutes ?? 60), reason },
          });
          onDone();
        }}
      >
        {!silenced && (
          <Select
            label="For"
            data={[
              { value: '15', label: '15 minutes' },
              { value: '60', label: '1 hour' },
              { value: '240', label: '4 hours' },
              { value: '1440', label: '1 day' },
            ]}
            value={minutes}
            onChange={setMinutes}
            allowDeselect={false}
          />
        )}
      </ReasonModal>
    </>
  );
}

/** See the module comment. */
export function AlertsCard({ live }: { live: readonly StreamEvent[] }) {
  const { can } = useSession();
  const alerts = useApi<{ alerts: AlertView[] }>('/alerts', { state: 'active' });
  useStream(['alerts', 'faults', 'budgets'], () => void alerts.reload(), {
    onResync: () => void alerts.reload(),
  });
  // Older nodes, or nodes without the alert system, have no alerts to list: only live events.
  const unsupported = isApiError(alerts.error, 'NOT_FOUND', 'OPERATION_UNKNOWN');
  const rows = alerts.data?.alerts ?? [];
  return (
    <Card withBorder>
      <Title order={2} size="h4" mb="sm">
        Active alerts
      </Title>
      {alerts.error !== undefined && !unsupported && (
        <ErrorNotice error={alerts.error} what="alerts" onRetry={alerts.reload} />
      )}
      {rows.length === 0 && live.length === 0 && (
        <Text c="dimmed" size="sm" data-testid="alerts-empty">
          {alerts.loading ? 'Loading alerts…' : 'No alerts.'}
        </Text>
      )}
      {rows.length > 0 && (
        <Stack gap="xs" mb={live.length > 0 ? 'md' : 0} data-testid="alerts">
          {rows.map((alert) => (
            <Group
              key={alert.fingerprint}
              gap="xs"
              wrap="nowrap"
              align="flex-start"
              data-testid="alert-row"
              data-state={alert.state}
            >
              <Badge
                color={SEVERITY_COLOR[alert.severity] ?? 'gray'}
                variant={alert.state === 'firing' ? 'filled' : 'light'}
                style={{ flexShrink: 0 }}
              >
                {alert.severity}
              </Badge>
              <div style={{ flex: 1, minWidth: 0 }}>
                <Text size="sm" fw={500}>
                  {alert.summary || alert.rule}
                </Text>
                <Text size="xs" c="dimmed">
                  {alert.rule} · {alert.state} since{' '}
                  {formatRelative(alert.firedAt ?? alert.startedAt)}
                  {alert.silencedUntil !== null
                    ? ` · silenced until ${formatRelative(alert.silencedUntil)}`
                    : ''}
                </Text>
              </div>
              {can('operator') && (
                <SilenceButton alert={alert} onDone={() => void alerts.reload()} />
              )}
            </Group>
          ))}
        </Stack>
      )}
      {live.length > 0 && <EventFeed events={live} testId="live-alerts" />}
    </Card>
  );
}
