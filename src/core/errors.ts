/**
 * @module Typed errors. Every failure a user or caller can cause is an {@link AgentvisorError}
 * with a stable `code`; the code alone decides the HTTP status and the CLI exit code, through
 * {@link ERROR_CODES}, so the server and the CLI never disagree about what a failure means.
 */

/** Exit code the CLI uses for a tampered ledger (`audit verify`). Part of the scriptable contract. */
export const EXIT_TAMPERED = 3;

/**
 * The one table from error code to HTTP status and CLI exit code.
 * Exit codes: 1 runtime failure, 2 usage / input error, 3 tamper detected, 4 not found,
 * 5 refused (policy, budget, rate limit), 6 unavailable (a dependency is down).
 */
export const ERROR_CODES = {
  INPUT_INVALID: { status: 400, exit: 2 },
  CONFIG_INVALID: { status: 400, exit: 2 },
  PAYLOAD_TOO_LARGE: { status: 413, exit: 2 },
  NOT_FOUND: { status: 404, exit: 4 },
  CONFLICT: { status: 409, exit: 1 },
  UNAUTHENTICATED: { status: 401, exit: 5 },
  IDENTITY_UNKNOWN: { status: 401, exit: 5 },
  POLICY_DENIED: { status: 403, exit: 5 },
  /** The caller is known but their role is too weak for this route (viewer < operator < admin). */
  FORBIDDEN: { status: 403, exit: 5 },
  RATE_LIMITED: { status: 429, exit: 5 },
  BUDGET_EXCEEDED: { status: 429, exit: 5 },
  OPERATION_UNKNOWN: { status: 404, exit: 2 },
  STORE_FOREIGN: { status: 500, exit: 1 },
  STORE_CORRUPT: { status: 500, exit: 1 },
  STORE_UNAVAILABLE: { status: 503, exit: 6 },
  STORE_VERSION: { status: 500, exit: 1 },
  KEY_UNKNOWN: { status: 400, exit: 2 },
  KEY_PASSPHRASE_WRONG: { status: 500, exit: 2 },
  KEYRING_INVALID: { status: 500, exit: 1 },
  LEDGER_TAMPERED: { status: 409, exit: EXIT_TAMPERED },
  LEDGER_PROOF_INVALID: { status: 422, exit: EXIT_TAMPERED },
  ANCHOR_FAILED: { status: 502, exit: 1 },
  MODEL_UNKNOWN: { status: 404, exit: 4 },
  UPSTREAM_FAILED: { status: 502, exit: 6 },
  UPSTREAM_UNAVAILABLE: { status: 503, exit: 6 },
  SHUTTING_DOWN: { status: 503, exit: 6 },
  /** The data directory's disk is down to its reserve: writes are refused before it fills. */
  STORAGE_FULL: { status: 507, exit: 6 },
  UNAVAILABLE: { status: 503, exit: 6 },
  TIMEOUT: { status: 504, exit: 1 },
  TOOL_FAILED: { status: 502, exit: 1 },
  SANDBOX_CRASHED: { status: 500, exit: 1 },
  SNAPSHOT_CORRUPT: { status: 500, exit: 1 },
  MODEL_OUTPUT_INVALID: { status: 502, exit: 1 },
  INTERNAL: { status: 500, exit: 1 },
} as const satisfies Record<string, { status: number; exit: number }>;

/** A stable error code; see {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options for {@link AgentvisorError}. */
export interface AgentvisorErrorOptions {
  /** Structured, secret-free facts a caller can act on (path, allowed values, retry time...). */
  details?: Record<string, unknown>;
  /** The underlying error, kept for logs; never shown to a user for their own mistakes. */
  cause?: unknown;
}

/**
 * The base error of Agentvisor. Throw it with a code and a message a person can act on:
 * what was wrong, where, and what is allowed.
 *
 * @example
 * throw new AgentvisorError('INPUT_INVALID', 'payload: expected a JSON object, got "abc"', {
 *   details: { path: 'payload' },
 * });
 */
export class AgentvisorError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: AgentvisorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentvisorError';
    this.code = code;
    this.details = options.details;
  }

  /** The HTTP status for this error's code. */
  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  /** The CLI exit code for this error's code. */
  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  /** The JSON shape used by the API and `--json` output: `{ code, message, details }`. */
  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

/** True when `value` is an {@link AgentvisorError}, optionally with the given code. */
export function isAgentvisorError(value: unknown, code?: ErrorCode): value is AgentvisorError {
  return value instanceof AgentvisorError && (code === undefined || value.code === code);
}

/**
 * Normalises anything thrown into an {@link AgentvisorError}. Unknown errors become `INTERNAL`
 * with a generic message; the original is kept as `cause` for the log only.
 */
export function toAgentvisorError(error: unknown): AgentvisorError {
  if (error instanceof AgentvisorError) return error;
  return new AgentvisorError('INTERNAL', 'internal error; see the server log for details', {
    cause: error,
  });
}
