/**
 * @module A state as a colored badge (agent states, task statuses, verdicts), the same color for
 * the same word on every page.
 */
import { Badge, type BadgeProps } from '@mantine/core';
import { humanize, stateColor } from './formatting';

/** A state word in its color. */
export function StateBadge({ state, ...props }: { state: string | null | undefined } & BadgeProps) {
  return (
    <Badge color={stateColor(state)} variant="light" {...props}>
      {humanize(state ?? 'unknown')}
    </Badge>
  );
}
