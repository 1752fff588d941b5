/**
 * @module The identity stage: the principals the kernel knows. The system principal is always
 * present; agents are registered as they start (later, by the supervisor); people are admitted
 * by the CLI (whoever can read the data directory is its operator) and by the server's auth.
 */
import {
  type CallerRef,
  type IdentityStage,
  type Principal,
  SYSTEM_PRINCIPAL,
} from '../core/index.js';

/** Capabilities a local operator at the CLI holds. */
export const OPERATOR_CAPABILITIES = [
  'agent.info',
  'telemetry.read',
  'ledger.annotate',
  'ledger.read',
  'keys.rotate',
  'task.submit',
  'task.read',
  'message.send',
  'agent.govern',
  'memory.read',
  'memory.write',
  'bus.send',
  // Whoever can read the data directory already holds every secret in it: the key file, the
  // database. Refusing them key management at the CLI would protect nothing.
  'admin',
] as const;

/**
 * Resolves callers against registered principals.
 *
 * @example
 * const directory = new PrincipalDirectory();
 * directory.register({ kind: 'agent', id: 'a1', capabilities: new Set(['agent.info']) });
 */
export class PrincipalDirectory implements IdentityStage {
  readonly #principals = new Map<string, Principal>([[key(SYSTEM_PRINCIPAL), SYSTEM_PRINCIPAL]]);

  resolve(caller: CallerRef): Principal | undefined {
    return this.#principals.get(key(caller));
  }

  /** Adds or replaces a principal (a replacement is how a policy patch takes effect). */
  register(principal: Principal): void {
    this.#principals.set(key(principal), Object.freeze({ ...principal }));
  }

  /** Removes a principal; its later calls are refused as unknown. */
  remove(caller: CallerRef): void {
    this.#principals.delete(key(caller));
  }
}

function key(c: CallerRef): string {
  return `${c.kind}:${c.id}`;
}
