/**
 * @module The sandbox seam: a {@link SandboxRunner} runs one call of a tool module (an ESM file
 * exporting `async (args) => result`) at one isolation level and returns its JSON result.
 */

/**
 * How far a tool module is kept from its agent. `inline` shares the daemon's thread and trusts the
 * module; `worker` gets its own V8 heap with a cap and can be terminated; `process` gets its own OS
 * process, killed on overrun, with a minimal environment.
 */
export type Isolation = 'inline' | 'worker' | 'process';

/** The isolation levels, in order of increasing isolation. */
export const ISOLATION_LEVELS: readonly Isolation[] = ['inline', 'worker', 'process'];

/** One call of a tool module. */
export interface SandboxRequest {
  isolation: Isolation;
  /** Absolute (or cwd-relative) path of the ESM module. */
  modulePath: string;
  /** Named export to call; `default` when omitted. */
  exportName?: string;
  /** Passed to the function; must be JSON-serialisable. */
  args: unknown;
  timeoutMs: number;
  /** Heap cap for `worker` and `process`; `inline` cannot enforce it. */
  memoryMb: number;
  /** Aborting it stops the call like a timeout does, with the caller's reason. */
  signal?: AbortSignal;
}

/** One isolation level's implementation; every runner passes the same conformance suite. */
export interface SandboxRunner {
  readonly isolation: Isolation;
  run(request: SandboxRequest): Promise<unknown>;
}
