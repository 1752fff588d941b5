/**
 * @module A live list of stream events, newest first, each as one described line with its time.
 */
import { Badge, Group, Stack, Text } from '@mantine/core';
import type { StreamEvent } from '../stream/stream-client';
import { EmptyNotice } from './data-state';
import { describeEvent } from './event-text';
import { formatTime } from './formatting';

/** Props of {@link EventFeed}. */
export interface EventFeedProps {
  readonly events: readonly StreamEvent[];
  readonly emptyTitle?: string;
  readonly testId?: string;
}

/** See the module comment. */
export function EventFeed({ events, emptyTitle, testId }: EventFeedProps) {
  if (events.length === 0) {
    return (
      <EmptyNotice
        title={emptyTitle ?? 'Waiting for events'}
        hint="Events appear here as they happen."
      />
    );
  }
  return (
    <Stack gap={6} data-testid={testId} aria-live="polite">
      {events.map((event) => {
        const text = describeEvent(event);
        return (
          <Group key={event.id} gap="xs" wrap="nowrap" align="flex-start" data-testid="event-item">
            <Badge color={text.color} variant="dot" size="sm" style={{ flexShrink: 0 }}>
              {formatTime(event.at)}
            </Badge>
            <div style={{ minWidth: 0 }}>
              <Text size="sm" lineClamp={2}>
                {text.title}
              </Text>
              {text.detail !== undefined && text.detail !== '' && (
                <Text size="xs" c="dimmed" lineClamp={2}>
                  {text.detail}
                </Text>
              )}
            </div>
          </Group>
        );
      })}
    </Stack>
  );
}

/** Adds `event` to the front of `events`, keeping at most `max`. */
export function prependEvent(
  events: readonly StreamEvent[],
  event: StreamEvent,
  max = 50,
): StreamEvent[] {
  if (events.some((e) => e.id === event.id)) return [...events];
  return [event, ...events].slice(0, max);
}
