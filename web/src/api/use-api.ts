/**
 * @module `useApi`: one GET as React state (data, error, loading), refetched when its path or
 * query changes and on demand (`reload`, e.g. after a live event). A reload keeps the data it
 * has on screen until the new answer arrives, so live views do not flicker.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { type ApiError, api, type Query } from './api-client';

/** What {@link useApi} returns. */
export interface ApiState<T> {
  readonly data: T | undefined;
  readonly error: ApiError | Error | undefined;
  /** True until the first answer (or error) for the current path. */
  readonly loading: boolean;
  /** Fetches again; resolves when done. */
  readonly reload: () => Promise<void>;
  /** Replaces the data locally (live updates between fetches). */
  readonly setData: (update: (current: T | undefined) => T | undefined) => void;
}

/**
 * Fetches `path` (skipped while it is `null`).
 *
 * @example
 * const agents = useApi<{ agents: Agent[] }>('/agents');
 * if (agents.loading) return <Loader />;
 */
export function useApi<T>(path: string | null, query?: Query): ApiState<T> {
  const [data, setDataState] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiError | Error | undefined>(undefined);
  const [loading, setLoading] = useState(path !== null);
  // The query as text: a new object with the same values must not refetch.
  const queryText = JSON.stringify(query ?? {});
  const generation = useRef(0);
  const controller = useRef<AbortController | undefined>(undefined);

  const run = useCallback(
    async (fresh: boolean) => {
      if (path === null) return;
      controller.current?.abort();
      const abort = new AbortController();
      controller.current = abort;
      const mine = ++generation.current;
      if (fresh) {
        setLoading(true);
        setDataState(undefined);
      }
      try {
        const answer = await api<T>(path, {
          query: JSON.parse(queryText) as Query,
          signal: abort.signal,
        });
        if (mine !== generation.current) return;
        setDataState(answer);
        setError(undefined);
      } catch (caught) {
        if (mine !== generation.current) return;
        if (caught instanceof DOMException && caught.name === 'AbortError') return;
        setError(caught instanceof Error ? caught : new Error(String(caught)));
      } finally {
        if (mine === generation.current) setLoading(false);
      }
    },
    [path, queryText],
  );

  useEffect(() => {
    void run(true);
    return () => controller.current?.abort();
  }, [run]);

  const reload = useCallback(() => run(false), [run]);
  const setData = useCallback(
    (update: (current: T | undefined) => T | undefined) => setDataState(update),
    [],
  );
  return { data, error, loading, reload, setData };
}
