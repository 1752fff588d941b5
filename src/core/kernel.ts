/**
 * @module The Kernel and its gate. Every side effect an agent or a person causes is an
 * operation called by name through {@link Kernel.call}, which runs one pipeline:
 * identity → policy → limits → handler → ledger → telemetry. Later modules plug into the
 * stages (the policy engine, budgets, rate limits, the ledger, telemetry) without changing it.
 * Denials and failures are recorded exactly like successes: the ledger must show what was
 * attempted, not only what happened.
 */
import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { type Clock, systemClock } from './clock.js';
import { AgentvisorError, type ErrorCode, toAgentvisorError } from './errors.js';
import { actorOf, type CallerRef, hasCapability, type Principal } from './principal.js';

/** Whether an operation changes the world. Effects are recorded durably before the call returns. */
export type OperationEffect = 'read' | 'write';

/** Context handed to an operation's handler. */
export interface OperationContext {
  readonly principal: Principal;
  readonly kernel: Kernel;
  readonly clock: Clock;
  /** Correlates the ledger entry, telemetry and logs of this call. */
  readonly callId: string;
}

/**
 * An operation in the "syscall table".
 *
 * @example
 * kernel.register({
 *   name: 'agent.info', description: 'who am I', effect: 'read',
 *   args: z.object({}).strict(), capability: 'agent.info',
 *   handler: (ctx) => ({ id: ctx.principal.id }),
 * });
 */
export interface OperationDefinition<A = unknown, R = unknown> {
  readonly name: string;
  readonly description: string;
  readonly args: z.ZodType<A>;
  /** The capability a principal needs; omitted means any identified principal may call it. */
  readonly capability?: string;
  readonly effect: OperationEffect;
  /**
   * When a successful call's entry must be on disk: `before-reply` (the default for writes)
   * makes the caller wait for the group commit; `after-reply` answers first and commits in the
   * next group commit (milliseconds later), for calls whose effect is already outside our control
   * when the handler returns (a model has answered) and whose caller is latency-bound. Denials,
   * refusals and failures are always durable before the caller hears of them.
   */
  readonly record?: 'before-reply' | 'after-reply';
  handler(ctx: OperationContext, args: A): R | Promise<R>;
  /**
   * Extra, secret-free facts for the ledger entry. By default the ledger holds only a digest of
   * the arguments, so a payload can never leak a secret an agent passed in.
   */
  ledgerFacts?(args: A, result: R | undefined): Record<string, unknown>;
}

/** The policy stage's answer. */
export type PolicyDecision =
  | { readonly kind: 'allow' }
  | { readonly kind: 'deny'; readonly reason: string }
  /** A human must approve first; later issues turn this into an approval item. */
  | { readonly kind: 'ask'; readonly reason: string };

/** Decides whether a principal may run an operation with these arguments. */
export interface PolicyStage {
  decide(principal: Principal, op: OperationDefinition, args: unknown): PolicyDecision;
}

/** The limits stage's answer: go ahead, or refuse with a code and when to retry. */
export type LimitVerdict =
  | { readonly kind: 'allow' }
  | {
      readonly kind: 'reject';
      readonly code: Extract<ErrorCode, 'RATE_LIMITED' | 'BUDGET_EXCEEDED' | 'STORAGE_FULL'>;
      readonly reason: string;
      readonly retryAfterMs?: number;
    };

/** Rate limits, quotas and budgets. `settle` sees the outcome, for budgets charged on real usage. */
export interface LimitStage {
  readonly name: string;
  check(
    principal: Principal,
    op: OperationDefinition,
    args: unknown,
  ): LimitVerdict | Promise<LimitVerdict>;
  settle?(principal: Principal, op: OperationDefinition, outcome: CallOutcome): void;
}

/** Resolves a caller's claim into a principal, or refuses it. */
export interface IdentityStage {
  resolve(caller: CallerRef): Principal | undefined | Promise<Principal | undefined>;
}

/** A ledger record the gate asks the ledger stage to write. */
export interface LedgerRecord {
  readonly type: string;
  readonly actor: string;
  readonly subject: string;
  readonly payload: Record<string, unknown>;
}

/** The ledger stage: appends records; the promise resolves once the entry is on disk. */
export interface LedgerStage {
  append(record: LedgerRecord): Promise<{ seq: number }>;
}

/** The telemetry stage: one event per call, cheap and never throwing. */
export interface TelemetryStage {
  record(event: CallEvent): void;
}

/** How a call ended. */
export type CallOutcome =
  | { readonly kind: 'ok'; readonly result: unknown }
  | { readonly kind: 'denied'; readonly code: ErrorCode; readonly reason: string }
  | { readonly kind: 'rejected'; readonly code: ErrorCode; readonly reason: string }
  | { readonly kind: 'error'; readonly code: ErrorCode; readonly reason: string };

/** What telemetry sees of every call. Contains no arguments, only facts about the call. */
export interface CallEvent {
  readonly kind: 'op';
  readonly callId: string;
  readonly op: string;
  readonly actor: string;
  readonly outcome: CallOutcome['kind'];
  readonly code?: ErrorCode;
  readonly durationUs: number;
  readonly at: number;
  readonly ledgerSeq?: number;
}

/** Options for {@link Kernel}. */
export interface KernelOptions {
  identity: IdentityStage;
  ledger: LedgerStage;
  policy?: PolicyStage;
  limits?: LimitStage[];
  telemetry?: TelemetryStage;
  clock?: Clock;
  /** Supplies call ids; defaults to a process-local counter (ids never leave the process). */
  nextCallId?: () => string;
  /** Receives ledger failures of read operations, which do not wait for their entry. */
  onBackgroundError?: (error: unknown, context: string) => void;
}

/** The default policy: the operation's capability must be granted to the principal. */
export const capabilityPolicy: PolicyStage = {
  decide(principal, op) {
    if (op.capability === undefined || hasCapability(principal, op.capability)) {
      return { kind: 'allow' };
    }
    return {
      kind: 'deny',
      reason: `${actorOf(principal)} lacks capability "${op.capability}" required by ${op.name}`,
    };
  },
};

/**
 * The result of a call: the handler's value plus the seq of the ledger entry recording it.
 * Read operations do not wait for their entry to reach disk, so their `ledgerSeq` is undefined.
 */
export interface CallResult<R> {
  readonly result: R;
  readonly ledgerSeq: number | undefined;
}

/**
 * The kernel: a registry of operations and the gate every call passes.
 *
 * @example
 * const kernel = new Kernel({ identity, ledger });
 * registerBuiltinOperations(kernel, { telemetry });
 * const { result } = await kernel.call({ kind: 'agent', id: 'a1' }, 'agent.info', {});
 */
export class Kernel {
  readonly #ops = new Map<string, OperationDefinition>();
  readonly #identity: IdentityStage;
  readonly #ledger: LedgerStage;
  #policy: PolicyStage;
  readonly #limits: LimitStage[];
  readonly #telemetry: TelemetryStage | undefined;
  readonly #observers: TelemetryStage[] = [];
  readonly clock: Clock;
  readonly #nextCallId: () => string;
  readonly #onBackgroundError: (error: unknown, context: string) => void;
  #accepting = true;

  constructor(options: KernelOptions) {
    this.#identity = options.identity;
    this.#ledger = options.ledger;
    this.#policy = options.policy ?? capabilityPolicy;
    this.#limits = [...(options.limits ?? [])];
    this.#telemetry = options.telemetry;
    this.clock = options.clock ?? systemClock;
    let counter = 0;
    this.#nextCallId = options.nextCallId ?? (() => `c${(++counter).toString(36)}`);
    this.#onBackgroundError = options.onBackgroundError ?? (() => {});
  }

  /** Adds an operation. Names are unique; registering twice is a programming error. */
  register<A, R>(op: OperationDefinition<A, R>): void {
    if (this.#ops.has(op.name)) {
      throw new AgentvisorError('CONFLICT', `operation "${op.name}" is already registered`);
    }
    this.#ops.set(op.name, op as OperationDefinition);
  }

  /** Replaces the policy stage (the supervision module installs its engine here). */
  setPolicy(policy: PolicyStage): void {
    this.#policy = policy;
  }

  /**
   * Adds a sink that sees every call event after the telemetry stage (the supervisor's resource
   * monitor and profiler). Sinks must be cheap and must not throw.
   */
  observe(sink: TelemetryStage): void {
    this.#observers.push(sink);
  }

  /** Appends a limit stage; stages run in the order added. */
  addLimit(limit: LimitStage): void {
    this.#limits.push(limit);
  }

  /** The registered operations, for discovery (CLI help, API docs). */
  operations(): readonly OperationDefinition[] {
    return [...this.#ops.values()];
  }

  /** Stops taking new calls (graceful shutdown); calls already inside the gate finish. */
  stopAccepting(): void {
    this.#accepting = false;
  }

  /**
   * Runs an operation through the gate. Throws an {@link AgentvisorError} when the caller is
   * unknown, the operation is unknown, the arguments are invalid, policy denies it, a limit
   * rejects it, or the handler fails; in every case the attempt is recorded first.
   */
  async call<R = unknown>(caller: CallerRef, name: string, args: unknown): Promise<CallResult<R>> {
    const started = process.hrtime.bigint();
    const callId = this.#nextCallId();
    const op = this.#ops.get(name);
    const actor = `${caller.kind}:${caller.id}`;

    if (!this.#accepting) {
      const reason = 'the kernel is shutting down and takes no new calls';
      // Recorded like any refusal, without waiting: the ledger may already be closing, and then
      // its rejection goes to onBackgroundError rather than masking this error.
      void this.#finish({
        callId,
        name,
        actor,
        op,
        args,
        outcome: { kind: 'rejected', code: 'SHUTTING_DOWN', reason },
        started,
        durable: false,
      });
      throw new AgentvisorError('SHUTTING_DOWN', reason);
    }

    // 1. who
    const principal = await this.#identity.resolve(caller);
    if (principal === undefined) {
      const outcome: CallOutcome = {
        kind: 'denied',
        code: 'IDENTITY_UNKNOWN',
        reason: `unknown caller ${actor}`,
      };
      await this.#finish({ callId, name, actor, op, args, outcome, started, durable: true });
      throw new AgentvisorError('IDENTITY_UNKNOWN', outcome.reason, { details: { actor } });
    }
    if (op === undefined) {
      const outcome: CallOutcome = {
        kind: 'denied',
        code: 'OPERATION_UNKNOWN',
        reason: `unknown operation "${name}"`,
      };
      await this.#finish({ callId, name, actor, op, args, outcome, started, durable: true });
      throw new AgentvisorError(
        'OPERATION_UNKNOWN',
        `${outcome.reason}; known: ${[...this.#ops.keys()].sort().join(', ')}`,
      );
    }

    const parsed = op.args.safeParse(args);
    if (!parsed.success) {
      const reason = parsed.error.issues
        .map((i) => `${i.path.length > 0 ? i.path.join('.') : '(args)'}: ${i.message}`)
        .join('; ');
      const outcome: CallOutcome = { kind: 'denied', code: 'INPUT_INVALID', reason };
      await this.#finish({ callId, name, actor, op, args, outcome, started, durable: true });
      throw new AgentvisorError('INPUT_INVALID', `${name}: ${reason}`, {
        details: {
          operation: name,
          issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })),
        },
      });
    }

    // 2. may it
    const decision = this.#policy.decide(principal, op, parsed.data);
    if (decision.kind !== 'allow') {
      const outcome: CallOutcome = {
        kind: 'denied',
        code: 'POLICY_DENIED',
        reason: decision.reason,
      };
      await this.#finish({
        callId,
        name,
        actor,
        op,
        args: parsed.data,
        outcome,
        started,
        durable: true,
      });
      throw new AgentvisorError('POLICY_DENIED', decision.reason, {
        details: { operation: name, decision: decision.kind },
      });
    }

    // 3. can it
    for (const limit of this.#limits) {
      const verdict = await limit.check(principal, op, parsed.data);
      if (verdict.kind === 'reject') {
        const outcome: CallOutcome = {
          kind: 'rejected',
          code: verdict.code,
          reason: verdict.reason,
        };
        await this.#finish({
          callId,
          name,
          actor,
          op,
          args: parsed.data,
          outcome,
          started,
          durable: true,
        });
        throw new AgentvisorError(verdict.code, verdict.reason, {
          details: { operation: name, limit: limit.name, retryAfterMs: verdict.retryAfterMs },
        });
      }
    }

    // 4. do it
    let outcome: CallOutcome;
    let result: unknown;
    try {
      result = await op.handler(
        { principal, kernel: this, clock: this.clock, callId },
        parsed.data,
      );
      outcome = { kind: 'ok', result };
    } catch (error) {
      const normalised = toAgentvisorError(error);
      outcome = { kind: 'error', code: normalised.code, reason: normalised.message };
      for (const limit of this.#limits) limit.settle?.(principal, op, outcome);
      await this.#finish({
        callId,
        name,
        actor,
        op,
        args: parsed.data,
        outcome,
        started,
        durable: true,
      });
      throw normalised;
    }
    for (const limit of this.#limits) limit.settle?.(principal, op, outcome);

    // 5. record, 6. measure
    const seq = await this.#finish({
      callId,
      name,
      actor,
      op,
      args: parsed.data,
      outcome,
      started,
      result,
      durable: op.effect === 'write' && op.record !== 'after-reply',
    });
    return { result: result as R, ledgerSeq: seq };
  }

  async #finish(c: {
    callId: string;
    name: string;
    actor: string;
    op: OperationDefinition | undefined;
    args: unknown;
    outcome: CallOutcome;
    started: bigint;
    result?: unknown;
    durable: boolean;
  }): Promise<number | undefined> {
    const durationUs = Number((process.hrtime.bigint() - c.started) / 1000n);
    const payload: Record<string, unknown> = {
      call: c.callId,
      outcome: c.outcome.kind,
      args_digest: digestArgs(c.args),
      duration_us: durationUs,
    };
    if (c.outcome.kind !== 'ok') {
      payload['code'] = c.outcome.code;
      payload['reason'] = c.outcome.reason;
    }
    if (c.op?.ledgerFacts !== undefined) {
      Object.assign(payload, c.op.ledgerFacts(c.args as never, c.result as never));
    }
    const type = c.outcome.kind === 'ok' ? 'op.call' : `op.${c.outcome.kind}`;
    let seq: number | undefined;
    try {
      const pending = this.#ledger.append({ type, actor: c.actor, subject: c.name, payload });
      if (c.durable) {
        ({ seq } = await pending);
      } else {
        pending.catch((error) => this.#onBackgroundError(error, `ledger entry for ${c.name}`));
      }
    } finally {
      const event: CallEvent = {
        kind: 'op',
        callId: c.callId,
        op: c.name,
        actor: c.actor,
        outcome: c.outcome.kind,
        ...(c.outcome.kind === 'ok' ? {} : { code: c.outcome.code }),
        durationUs,
        at: this.clock.now(),
        ...(seq === undefined ? {} : { ledgerSeq: seq }),
      };
      this.#telemetry?.record(event);
      for (const sink of this.#observers) sink.record(event);
    }
    return seq;
  }
}

/** SHA-256 of the arguments' JSON, so the ledger proves what was asked without storing it. */
function digestArgs(args: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(args ?? null) ?? 'null';
  } catch {
    text = '"<unserialisable>"';
  }
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}
