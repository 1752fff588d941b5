/**
 * @module The three states every view has besides its data: loading, error (with what the server
 * said and a retry), and empty (with what to do about it). Views wrap their content in
 * {@link DataState} so none of them forgets one.
 */
import { Alert, Button, Center, EmptyState, Group, Loader, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { errorText } from '../api/api-client';
import type { ApiState } from '../api/use-api';

/** Props of {@link DataState}. */
export interface DataStateProps<T> {
  readonly state: Pick<ApiState<T>, 'data' | 'error' | 'loading' | 'reload'>;
  /** What is being loaded, for the messages ("agents"). */
  readonly what: string;
  /** True when the loaded data has nothing to show. */
  readonly isEmpty?: (data: T) => boolean;
  /** The empty state's explanation and hint. */
  readonly emptyTitle?: string;
  readonly emptyHint?: ReactNode;
  readonly children: (data: T) => ReactNode;
}

/** Shows loading, error or empty, or else `children(data)`. */
export function DataState<T>(props: DataStateProps<T>) {
  const { state, what } = props;
  if (state.data === undefined) {
    if (state.error !== undefined)
      return <ErrorNotice error={state.error} what={what} onRetry={state.reload} />;
    return <LoadingNotice what={what} />;
  }
  return (
    <>
      {state.error !== undefined && (
        <ErrorNotice error={state.error} what={`the latest ${what}`} onRetry={state.reload} />
      )}
      {props.isEmpty?.(state.data) === true ? (
        <EmptyNotice title={props.emptyTitle ?? `No ${what} yet`} hint={props.emptyHint} />
      ) : (
        props.children(state.data)
      )}
    </>
  );
}

/** A centered loader that screen readers announce. */
export function LoadingNotice({ what }: { what: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite" data-testid="loading">
      <Group gap="sm">
        <Loader size="sm" aria-hidden="true" />
        <Text c="dimmed">Loading {what}…</Text>
      </Group>
    </Center>
  );
}

/** What went wrong, with a retry. */
export function ErrorNotice(props: {
  error: unknown;
  what: string;
  onRetry?: () => void | Promise<void>;
}) {
  return (
    <Alert
      color="red"
      title={`Could not load ${props.what}`}
      role="alert"
      data-testid="error"
      mb="md"
    >
      <Text size="sm" mb={props.onRetry === undefined ? 0 : 'sm'}>
        {errorText(props.error)}
      </Text>
      {props.onRetry !== undefined && (
        <Button size="xs" variant="light" color="red" onClick={() => void props.onRetry?.()}>
          Try again
        </Button>
      )}
    </Alert>
  );
}

/** Nothing to show, and what to do about it. */
export function EmptyNotice({ title, hint }: { title: string; hint?: ReactNode }) {
  return <EmptyState title={title} description={hint} py="xl" data-testid="empty" />;
}

/** An inline error from an action (a form submit), or nothing. */
export function ActionError({ error }: { error: unknown }) {
  if (error === undefined || error === null) return null;
  return (
    <Alert color="red" role="alert" data-testid="action-error" my="sm">
      {errorText(error)}
    </Alert>
  );
}
