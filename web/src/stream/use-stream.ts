/**
 * @module React access to the shared {@link StreamClient}: `useStream(channels, onEvent)` listens
 * while the component is mounted, `useStreamStatus()` follows the connection for the header's
 * live indicator. The provider lives in `session-context.tsx`, which owns the client's life
 * (started on sign-in, stopped on sign-out).
 */
import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { StreamClient, StreamEvent, StreamStatus } from './stream-client';

/** The signed-in session's stream client (undefined while signed out). */
export const StreamContext = createContext<StreamClient | undefined>(undefined);

/** Options of {@link useStream}. */
export interface UseStreamOptions {
  /** The server could not replay what was missed: refetch over REST. */
  readonly onResync?: () => void;
  /** Listen only while true (default true). */
  readonly enabled?: boolean;
}

/**
 * Calls `onEvent` for every event on `channels` while the component is mounted. The latest
 * `onEvent` is always used, so it may close over state without re-subscribing.
 *
 * @example
 * useStream(['agents'], (event) => {
 *   if (event.type === 'agent_status') reload();
 * });
 */
export function useStream(
  channels: readonly string[],
  onEvent: (event: StreamEvent) => void,
  options: UseStreamOptions = {},
): void {
  const client = useContext(StreamContext);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const resync = useRef(options.onResync);
  resync.current = options.onResync;
  const key = [...channels].sort().join('\n');
  const enabled = options.enabled ?? true;

  useEffect(() => {
    if (client === undefined || !enabled || key === '') return;
    return client.listen({
      channels: key.split('\n'),
      onEvent: (event) => handler.current(event),
      onResync: () => resync.current?.(),
    });
  }, [client, key, enabled]);
}

/** The stream's connection status, for display. */
export function useStreamStatus(): { status: StreamStatus; lastError: string | undefined } {
  const client = useContext(StreamContext);
  const [status, setStatus] = useState<StreamStatus>(client?.status ?? 'idle');
  useEffect(() => {
    if (client === undefined) {
      setStatus('idle');
      return;
    }
    setStatus(client.status);
    return client.onStatus(setStatus);
  }, [client]);
  return { status, lastError: client?.lastError };
}
