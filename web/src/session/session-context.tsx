/**
 * @module Who is signed in. On load it asks the server whether first-run setup is open
 * (`GET /setup`) and for the current session (`GET /session`, answered from the HttpOnly
 * cookie); it signs in, sets up the first admin and signs out; it holds the CSRF token the API
 * client sends with every change, and the live stream client while a session lasts. Any 401
 * from the API, or the stream closing with "session ended", returns the user to the login page.
 */
import {
  createContext,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useMemo,
  useRef,
  useState,
} from 'react';
import {
  ApiError,
  api,
  errorText,
  setCsrfToken,
  setUnauthenticatedHandler,
} from '../api/api-client';
import type { Role, SessionUser, SessionView } from '../api/api-types';
import { browserStreamEnvironment } from '../stream/stream-browser';
import { StreamClient } from '../stream/stream-client';
import { StreamContext } from '../stream/use-stream';

/** Where the session stands. */
export type SessionState =
  | { readonly kind: 'loading' }
  | { readonly kind: 'setup' }
  | {
      readonly kind: 'signed-out';
      readonly reason?: string;
      /** The user signed out here: the login page then forgets where they were. */
      readonly byUser?: boolean;
    }
  | { readonly kind: 'signed-in'; readonly user: SessionUser; readonly expiresAt?: string }
  | { readonly kind: 'unreachable'; readonly message: string };

/** What {@link useSession} gives. */
export interface SessionApi {
  readonly state: SessionState;
  /** The signed-in user, if any. */
  readonly user: SessionUser | undefined;
  /** True when the user's role is at least `role`. */
  can(role: Role): boolean;
  signIn(email: string, password: string): Promise<void>;
  setup(token: string, email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  /** Asks the server again (after "server unreachable"). */
  refresh(): Promise<void>;
}

const ROLE_RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, admin: 2 };

/** True when `role` includes `needed`. */
export function roleAtLeast(role: Role | undefined, needed: Role): boolean {
  return role !== undefined && ROLE_RANK[role] >= ROLE_RANK[needed];
}

const SessionContext = createContext<SessionApi | undefined>(undefined);

/** The session; only inside {@link SessionProvider}. */
export function useSession(): SessionApi {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession outside SessionProvider');
  return session;
}

/** Provides the session and, while signed in, the live stream. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ kind: 'loading' });
  const [stream, setStream] = useState<StreamClient | undefined>(undefined);
  const streamRef = useRef<StreamClient | undefined>(undefined);
  streamRef.current = stream;

  const signedIn = useCallback((view: SessionView) => {
    setCsrfToken(view.csrfToken);
    setState({
      kind: 'signed-in',
      user: view.user,
      ...(view.expiresAt === undefined ? {} : { expiresAt: view.expiresAt }),
    });
  }, []);

  const signedOut = useCallback((reason?: string) => {
    setCsrfToken(undefined);
    setState(reason === undefined ? { kind: 'signed-out' } : { kind: 'signed-out', reason });
  }, []);

  const refresh = useCallback(async () => {
    try {
      const setup = await api<{ needed: boolean }>('/setup', { quiet401: true });
      if (setup.needed) {
        setCsrfToken(undefined);
        setState({ kind: 'setup' });
        return;
      }
      signedIn(await api<SessionView>('/session', { quiet401: true }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) signedOut();
      else setState({ kind: 'unreachable', message: errorText(error) });
    }
  }, [signedIn, signedOut]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  useEffect(() => {
    setUnauthenticatedHandler(() => signedOut('Your session has ended. Sign in again.'));
    return () => setUnauthenticatedHandler(undefined);
  }, [signedOut]);

  const userId = state.kind === 'signed-in' ? state.user.id : undefined;
  useEffect(() => {
    if (userId === undefined) return;
    const client = new StreamClient({
      environment: browserStreamEnvironment(),
      onSessionEnded: () => signedOut('Your session has ended. Sign in again.'),
    });
    client.start();
    setStream(client);
    return () => {
      client.stop();
      setStream(undefined);
    };
  }, [userId, signedOut]);

  const signIn = useCallback(
    async (email: string, password: string) => {
      signedIn(
        await api<SessionView>('/session', {
          method: 'POST',
          body: { email, password },
          quiet401: true,
        }),
      );
    },
    [signedIn],
  );

  const setup = useCallback(
    async (token: string, email: string, password: string) => {
      signedIn(
        await api<SessionView>('/setup', {
          method: 'POST',
          body: { token, email, password },
          quiet401: true,
        }),
      );
    },
    [signedIn],
  );

  const signOut = useCallback(async () => {
    // Closed first, so the server's "session ended" close is not taken for an expiry.
    streamRef.current?.stop();
    try {
      await api('/session', { method: 'DELETE', quiet401: true });
    } catch {
      // Signed out on this side either way; the cookie expires on its own.
    }
    setCsrfToken(undefined);
    setState({ kind: 'signed-out', byUser: true });
  }, []);

  const value = useMemo<SessionApi>(() => {
    const user = state.kind === 'signed-in' ? state.user : undefined;
    return {
      state,
      user,
      can: (role) => roleAtLeast(user?.role, role),
      signIn,
      setup,
      signOut,
      refresh,
    };
  }, [state, signIn, setup, signOut, refresh]);

  return (
    <SessionContext.Provider value={value}>
      <StreamContext.Provider value={stream}>{children}</StreamContext.Provider>
    </SessionContext.Provider>
  );
}
