/**
 * @module Who an `/api/v1` request acts as, once authenticated: a signed-in user (browser
 * session), an API key held by a person or program, or the local operator (the CLI's token).
 */
import type { Role } from '../../auth/index.js';
import type { CallerRef } from '../../core/index.js';

/** How the request proved who it is. */
export type ApiCredential = 'session' | 'apikey' | 'operator';

/** An authenticated API caller. */
export interface ApiCaller {
  /** The kernel caller every operation of the request runs as (`human:<email>`, `apikey:<id>`). */
  readonly caller: CallerRef;
  /** The caller's role; routes need a minimum role. */
  readonly role: Role;
  /** How it authenticated; only `session` callers must send the CSRF token. */
  readonly credential: ApiCredential;
  /** What people see: the email, the key's name, or the operator's login. */
  readonly display: string;
  /** The session's id, for `session` callers (the WebSocket ends when the session does). */
  readonly sessionId?: string;
  /** The session's CSRF token, which state-changing requests must echo in `x-csrf-token`. */
  readonly csrfToken?: string;
}
