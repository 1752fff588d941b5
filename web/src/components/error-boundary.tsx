/**
 * @module Catches a page that fails to render (or whose code fails to load after an upgrade) and
 * says so with a way out, instead of leaving a blank screen.
 */
import { Alert, Button, Group, Text } from '@mantine/core';
import { Component, type ErrorInfo, type ReactNode } from 'react';

interface State {
  readonly error: Error | undefined;
}

/** Shows what failed; `resetKey` changing (a new page) clears it. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey?: string }, State> {
  override state: State = { error: undefined };

  static getDerivedStateFromError(error: Error): State {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('page failed', error, info.componentStack);
  }

  override componentDidUpdate(previous: { resetKey?: string }): void {
    if (previous.resetKey !== this.props.resetKey && this.state.error !== undefined) {
      this.setState({ error: undefined });
    }
  }

  override render(): ReactNode {
    const { error } = this.state;
    if (error === undefined) return this.props.children;
    const chunk = /dynamically imported module|Failed to fetch|Importing a module script/i.test(
      error.message,
    );
    return (
      <Alert color="red" title="This page failed" role="alert" data-testid="page-error">
        <Text size="sm" mb="sm">
          {chunk
            ? 'The dashboard was updated on the server. Reload to get the new version.'
            : error.message}
        </Text>
        <Group gap="xs">
          <Button size="xs" onClick={() => window.location.reload()}>
            Reload
          </Button>
          {!chunk && (
            <Button size="xs" variant="default" onClick={() => this.setState({ error: undefined })}>
              Try again
            </Button>
          )}
        </Group>
      </Alert>
    );
  }
}
